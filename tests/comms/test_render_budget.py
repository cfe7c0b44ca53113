"""Issue #18 item 2: a template cannot hang a console, a worker or the database.

Hostile templates (loops within loops, ``'x' * 10**9``, huge widths, doubling text) are refused
with one sentence by the render budget (``comms.sandbox``), in the renderer, at Save (rendered
*before* the write transaction opens, so other writers carry on), in ``notify`` and in the
worker (the entry fails with the sentence). Ordinary templates render as before.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Engine, select, text

from commcentre_tui import models as m
from commcentre_tui.cli import main
from commcentre_tui.comms.render_budget import Budget
from commcentre_tui.comms.templates import (
    BudgetExceeded,
    Limits,
    RenderCancelled,
    TemplateError,
    render,
    sample_context,
)
from commcentre_tui.comms.worker import DeliveryWorker
from commcentre_tui.config import load_settings
from commcentre_tui.errors import ValidationFailed
from commcentre_tui.repo.db import make_engine, reading, transaction
from commcentre_tui.services import communications as svc
from tests.comms.conftest import TEST_CONFIG

SLOW = "The template takes too long to render"
LARGE = "The rendered text is larger than"

#: Each hostile template and the start of the sentence it gets.
HOSTILE = [
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", SLOW),
    ("{% for i in range(9000) %}{% for j in range(9000) %}{% endfor %}{% endfor %}", SLOW),
    ("{% for c in ('x' * 20000) %}{% endfor %}", SLOW),
    ("{{ range(3) | batch(1000000000, 'x') | list }}", SLOW),
    ("{{ 'x' * 10**9 }}", LARGE),
    ("{{ ['x'] * 10**9 }}", LARGE),
    ("{{ 10 ** (10 ** 10) }}", "The template computes a number too large to show."),
    ("{{ 'x' | center(1000000000) }}", LARGE),
    ("{{ 'x'.ljust(10**9) }}", LARGE),
    ("{{ '%999999999s' % 'x' }}", LARGE),
    ("{{ '%(a)s%(a)s%(a)s' % {'a': 'x' * 400000} }}", LARGE),
    ("{% set s = 'x' * 1000000 %}{% set s = s ~ s %}{{ s }}", LARGE),
    ("{% set s = 'x' * 1000000 %}{{ s + s }}", LARGE),
    (
        "{% set s = 'x' * 500000 %}{% set big %}{% for i in range(100) %}{{ s }}{% endfor %}{% endset %}.",
        LARGE,
    ),
    ("{% set s = 'x' * 100000 %}{{ [s] * 1000 }}", LARGE),
    ("{% set s = 'x' * 2000 %}{{ s | replace('x', s) }}", LARGE),
    ("{% set s = 'x' * 1000 %}{{ s | wordwrap(1, wrapstring=s) }}", LARGE),
    ("{{ range(10000) | join('x' * 1000) }}", LARGE),
    ("{% for i in range(5000) %}{{ 'x' * 1000 }}{% endfor %}", LARGE),
]


@pytest.mark.parametrize(("source", "sentence"), HOSTILE)
def test_a_hostile_template_is_one_sentence(source: str, sentence: str) -> None:
    with pytest.raises(BudgetExceeded) as err:
        render(source, sample_context())
    assert str(err.value).startswith(sentence) and str(err.value).endswith(".")
    assert err.value.field == "content" and err.value.errors == {"content": str(err.value)}


def test_the_wall_clock_budget_stops_a_template_that_loops_little_but_slowly() -> None:
    slow = "{% set s = 'x' * 999999 %}{% for i in range(9000) %}{% if s.split('y') %}{% endif %}{% endfor %}"
    with pytest.raises(BudgetExceeded, match=SLOW):
        render(slow, sample_context(), limits=Limits(seconds=0.05))


def test_methods_outside_the_allow_list_are_refused() -> None:
    with pytest.raises(TemplateError, match=r"calls format\(\), which templates may not use"):
        render("{{ '{:>999999999}'.format(1) }}", sample_context())


def test_a_cancelled_render_stops() -> None:
    with pytest.raises(RenderCancelled):
        render(
            "{% for i in range(10) %}{{ i }}{% endfor %}", sample_context(), cancelled=lambda: True
        )


def test_the_configured_limits_apply_and_ordinary_templates_still_render() -> None:
    settings = load_settings(
        TEST_CONFIG, communications={"max_rendered_bytes": 100, "render_loop_steps": 5}
    )
    limits = Limits.from_settings(settings)
    with pytest.raises(BudgetExceeded, match="larger than 100 bytes"):
        render(
            "{{ contact.first_name }}" + "é" * 60, sample_context(), limits=limits
        )  # 122 bytes in UTF-8
    with pytest.raises(BudgetExceeded, match="more than 5 loop steps"):
        render("{% for s in range(6) %}{% endfor %}", sample_context(), limits=limits)
    ordinary = (
        "Dear {{ contact.first_name | upper }}, {% for s in subscription.services %}{{ loop.index }}. "
        "{{ s }}; {% endfor %}{{ bill.due_date | date('%d/%m/%Y') }} {{ account.balance | money }} "
        "{{ 'a' ~ 2 * 3 }} {{ '%s-%d' % ('x', 4) }} {{ contact.last_name.replace('G', 'g') }}"
    )
    assert render(ordinary, sample_context(), limits=limits) == (
        "Dear MARIA, 1. Broadband 100; 2. TV Plus; 30/11/2026 120.50 a6 x-4 georgiou"
    )


def test_save_renders_before_the_write_transaction_so_other_writers_carry_on(
    engine: Engine, ctx, customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the hostile template renders, another writer writes at once (on SQLite a writer
    inside ``BEGIN IMMEDIATE`` would make it wait); the Save is refused beside the content."""
    ids = customer(1)
    other = (
        make_engine(engine.url.render_as_string(hide_password=False), busy_timeout_ms=50)
        if engine.dialect.name == "sqlite"
        else engine
    )
    written: list[str] = []
    tick = Budget.tick

    def tick_and_write(self: Budget) -> None:
        if self.active and not written:
            with transaction(other) as session:  # raises "database is locked" if Save held the lock
                session.execute(
                    text("UPDATE contact SET notes = 'written meanwhile' WHERE id = :id"),
                    {"id": ids["contact"]},
                )
            written.append("yes")
        tick(self)

    monkeypatch.setattr(Budget, "tick", tick_and_write)
    hostile = HOSTILE[0][0]
    with pytest.raises(ValidationFailed) as err:
        svc.create_communication(
            ctx,
            {"contact_id": ids["contact"], "media": "email", "subject": "Hi", "content": hostile},
        )
    assert err.value.errors == {"content": str(Limits().too_slow())}
    assert written == ["yes"]
    with reading(engine) as session:
        assert session.execute(select(m.Communication)).first() is None
        assert session.get(m.Contact, ids["contact"]).notes == "written meanwhile"
    if other is not engine:
        other.dispose()


def test_a_draft_keeps_a_hostile_template_unrendered_and_save_refuses_it(
    engine: Engine, ctx, customer
) -> None:
    ids = customer(1)
    source = HOSTILE[4][0]
    draft = svc.create_communication(
        ctx, {"contact_id": ids["contact"], "media": "sms", "content": source}, draft=True
    )
    assert draft.content == source
    with pytest.raises(ValidationFailed, match=LARGE) as err:
        svc.complete_communication(ctx, draft.id)
    assert set(err.value.errors) == {"content"}


def _hostile_template(engine: Engine, body: str, name: str = "Hostile") -> int:
    with transaction(engine) as session:
        template = m.Template(name=name, media="email", language="en", subject="Hello", body=body)
        session.add(template)
        session.flush()
        return template.id


def test_the_worker_fails_the_entry_with_the_sentence(
    engine: Engine, ctx, customer, smtp_sink, make_settings
) -> None:
    ids = customer(3)
    template_id = _hostile_template(engine, HOSTILE[0][0])
    with transaction(engine) as session:
        comm = m.Communication(
            contact_id=ids["contact"],
            agent_id=ctx.actor.agent_id,
            direction="outgoing",
            media="email",
            recipient="customer3@example.com",
            state="completed",
            delivery="queued",
            template_id=template_id,
        )
        session.add(comm)
        session.flush()
        session.add(m.CommunicationQueue(communication_id=comm.id))
    stats = asyncio.run(DeliveryWorker(engine, make_settings(smtp_port=smtp_sink.port)).run_once())
    assert (stats.sent, stats.failed) == (0, 1)
    with reading(engine) as session:
        failed = session.get(m.Communication, comm.id)
    assert failed.delivery == "failed" and SLOW in failed.last_error
    assert smtp_sink.messages == []


@pytest.mark.parametrize("dry_run", [True, False])
def test_notify_stops_with_the_sentence_and_queues_nothing(
    engine: Engine, customer, capsys, dry_run: bool
) -> None:
    customer(1)
    customer(2)
    _hostile_template(engine, HOSTILE[4][0])
    url = engine.url.render_as_string(hide_password=False)
    args = ["notify", "--template", "Hostile", "--segment", "active", "--database", url]
    assert main([*args, "--dry-run"] if dry_run else args) == 2
    assert LARGE in capsys.readouterr().err
    with reading(engine) as session:
        assert session.execute(select(m.Communication)).first() is None
