"""Issue #10 scenario 5: hostile input in every form is refused with one sentence or stored as typed.

Properties, on SQLite and PostgreSQL:

* Log Person Information (the richest form) stores exactly what was typed (stripped, as the form
  sends it) or refuses it with :class:`ValidationFailed` whose messages are single sentences, and
  then nothing at all was written.
* Add More Information (phones, emails, addresses of an existing customer): the same.
* Every registered action form, fed hostile text, dates and numbers through the same ``load`` /
  ``precheck`` / ``preview`` / ``submit`` functions the form modal calls: only the project's
  errors (:mod:`commcentre_tui.errors`) come out, each one sentence, and a refused save leaves
  every table as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlmodel import SQLModel

from commcentre_tui import models as m
from commcentre_tui.actions.registry import BY_NAME
from commcentre_tui.actions.spec import FormData, FormField
from commcentre_tui.config import Settings
from commcentre_tui.errors import CommCentreError, ValidationFailed
from commcentre_tui.repo.customer_info import AddressItem, EmailItem, PhoneItem, read_contact_info
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.services.contact_info import save_contact_info
from commcentre_tui.services.contacts import log_person
from commcentre_tui.services.context import ServiceContext
from tests.console_actions.conftest import demo  # noqa: F401 - module-scoped demo data, both backends
from tests.reliability.strategies import (
    FUZZ,
    FUZZ_SLOW,
    hostile_dates,
    hostile_numbers,
    hostile_text,
    one_sentence,
    printable_text,
)

SPECS = {name: spec for name, spec in BY_NAME.items() if spec.has_form}


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table of the schema, read in one statement."""
    tables = [t.name for t in SQLModel.metadata.sorted_tables]
    sql = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{t}")' for t in tables)
    with engine.connect() as conn:
        row = conn.exec_driver_sql(sql).one()
        conn.rollback()
    return dict(zip(tables, row, strict=True))


def assert_refused_cleanly(exc: CommCentreError) -> None:
    """The agent reads one sentence per problem; nothing else leaks."""
    assert one_sentence(str(exc)), repr(str(exc))
    if isinstance(exc, ValidationFailed):
        for key, message in exc.errors.items():
            assert one_sentence(message), (key, message)


def contact_info(engine: Engine, contact_id: int) -> Any:
    with reading(engine) as session:
        return read_contact_info(session, contact_id)


def typed(value: str | None) -> str | None:
    """What the form sends for a typed value: stripped, blank as ``None``."""
    return (value or "").strip() or None


# -- Log Person Information: exact round trip or a clean refusal --------------------------------
person_values = st.fixed_dictionaries(
    {
        "title": st.one_of(st.none(), hostile_text, printable_text),
        "first_name": st.one_of(hostile_text, printable_text),
        "last_name": st.one_of(hostile_text, printable_text),
        "id_number": st.one_of(st.none(), hostile_text),
        "notes": st.one_of(st.none(), hostile_text),
        "email": st.one_of(
            st.none(),
            hostile_text,
            st.just("maria@example.com"),
            st.builds(lambda s: f"{s}@example.com", hostile_text),
        ),
        "phone": st.one_of(
            st.none(),
            hostile_text,
            st.sampled_from(["99 123456", "+357 22 123456", "0035799654321", "99-12-34-56"]),
        ),
        "street": st.one_of(st.none(), hostile_text),
        "city": st.one_of(st.none(), hostile_text, printable_text),
    }
)


@given(values=person_values)
@FUZZ
def test_log_person_stores_what_was_typed_or_refuses_with_a_sentence(
    engine: Engine, settings: Settings, admin_actor: Actor, values: dict[str, Any]
) -> None:
    from commcentre_tui.actions.crm import contact_payload

    ctx = ServiceContext(engine, settings, admin_actor)
    form = {k: typed(v) for k, v in values.items()}
    before = table_counts(engine)
    try:
        created = log_person(ctx, contact_payload({**form, "preferred_language": "en"}))
    except ValidationFailed as exc:
        note(f"refused: {exc.errors}")
        assert_refused_cleanly(exc)
        assert table_counts(engine) == before
        return
    with reading(engine) as session:
        contact = session.get(m.Contact, created.contact_id)
        phones = (
            session.execute(
                select(m.ContactPhone.number).where(m.ContactPhone.contact_id == contact.id)
            )
            .scalars()
            .all()
        )
        emails = (
            session.execute(
                select(m.ContactEmail.address).where(m.ContactEmail.contact_id == contact.id)
            )
            .scalars()
            .all()
        )
        addresses = session.execute(
            select(m.ContactAddress.street, m.ContactAddress.city).where(
                m.ContactAddress.contact_id == contact.id
            )
        ).all()
    for name in ("title", "first_name", "last_name", "id_number", "notes"):
        assert getattr(contact, name) == form[name], name
    assert phones == ([" ".join(form["phone"].split())] if form["phone"] else [])
    assert emails == ([form["email"]] if form["email"] else [])
    if form["street"] or form["city"]:
        assert [tuple(a) for a in addresses] == [(form["street"] or "", form["city"] or "")]
    else:
        assert addresses == []


# -- Add More Information: phones, emails and addresses of an existing customer ------------------
@given(
    phone=hostile_text,
    email=hostile_text,
    street=hostile_text,
    city=hostile_text,
    postal=st.one_of(st.just(""), hostile_text),
    kind=st.sampled_from(["mobile", "home", "x\x1b[1m"]),
)
@FUZZ
def test_add_more_information_stores_what_was_typed_or_refuses_with_a_sentence(
    engine: Engine,
    settings: Settings,
    admin_actor: Actor,
    phone: str,
    email: str,
    street: str,
    city: str,
    postal: str,
    kind: str,
) -> None:
    ctx = ServiceContext(engine, settings, admin_actor)
    with reading(engine) as session:
        existing = session.execute(select(m.Contact.id)).scalars().first()
    if existing is None:
        existing = log_person(ctx, {"first_name": "Eleni", "last_name": "Demetriou"}).contact_id
    info = contact_info(engine, existing)
    before = table_counts(engine)
    try:
        save_contact_info(
            ctx,
            existing,
            info.version,
            phones=[*info.phones, PhoneItem(None, kind, phone)],
            emails=[*info.emails, EmailItem(None, "personal", email)],
            addresses=[*info.addresses, AddressItem(None, "home", street, city, postal, "Cyprus")],
        )
    except ValidationFailed as exc:
        note(f"refused: {exc.errors}")
        assert_refused_cleanly(exc)
        assert table_counts(engine) == before
        assert contact_info(engine, existing).version == info.version
        return
    after = contact_info(engine, existing)
    new_phone = [" ".join(phone.split())] if phone.strip() else []
    assert [p.number for p in after.phones] == [p.number for p in info.phones] + new_phone
    new_email = [email.strip()] if email.strip() else []
    assert [e.address for e in after.emails] == [e.address for e in info.emails] + new_email
    new_address = (
        [(street.strip(), city.strip(), postal.strip())] if street.strip() or city.strip() else []
    )
    assert [(a.street, a.city, a.postal_code) for a in after.addresses] == [
        (a.street, a.city, a.postal_code) for a in info.addresses
    ] + new_address


# -- every action form ------------------------------------------------------------------------
def plausible(kind: str) -> st.SearchStrategy[str | None]:
    """What an agent would normally type into a field of ``kind`` (blank included)."""
    soon = datetime.now(UTC) + timedelta(days=2)
    return {
        "date": st.sampled_from(
            [None, soon.strftime("%Y-%m-%d"), datetime.now(UTC).strftime("%Y-%m-%d")]
        ),
        "datetime": st.sampled_from(
            [soon.strftime("%Y-%m-%d 10:00"), soon.strftime("%Y-%m-%d 12:30")]
        ),
        "money": st.sampled_from(["12.50", "1.00", "250", None]),
        "int": st.sampled_from(["15", "30", None]),
    }.get(kind, st.one_of(printable_text, st.none()))


def field_values(
    spec_fields: tuple[FormField, ...], data: FormData
) -> st.SearchStrategy[dict[str, Any]]:
    """A listed choice (or blank) for pickers; for typed fields, plausible values with some of
    them replaced by hostile ones (shrinking towards one hostile field among good ones)."""
    good: dict[str, st.SearchStrategy[Any]] = {}
    bad: dict[str, st.SearchStrategy[Any]] = {}
    for f in spec_fields:
        default = f.default(data) if callable(f.default) else f.default
        if f.kind == "choice":
            options = (
                data.lists.get(f.choices, []) if isinstance(f.choices, str) else list(f.choices)
            )
            picks = [v for v, _ in options] + ([None] if not f.required or not options else [])
            good[f.name] = st.sampled_from(picks or [None])
        elif f.kind == "bool":
            good[f.name] = st.booleans()
        else:
            good[f.name] = st.one_of(st.just(default), plausible(f.kind)).map(typed)
            bad[f.name] = {
                "date": hostile_dates,
                "datetime": hostile_dates,
                "money": hostile_numbers,
                "int": hostile_numbers,
            }.get(f.kind, hostile_text).map(typed)
    if not bad:
        return st.fixed_dictionaries(good)
    return st.builds(
        lambda ok, hostile, chosen: {**ok, **{k: v for k, v in hostile.items() if k in chosen}},
        st.fixed_dictionaries(good),
        st.fixed_dictionaries(bad),
        st.sets(st.sampled_from(sorted(bad)), max_size=len(bad)),
    )


def attempt(call: Callable[[], Any]) -> CommCentreError | None:
    """Run a form step; a project error is the expected refusal, anything else fails the test."""
    try:
        call()
    except CommCentreError as exc:
        assert_refused_cleanly(exc)
        return exc
    return None


#: Forms that record a refused attempt on purpose: every secret retrieval is audited.
AUDITS_REFUSALS = {"Retrieve Voucher Secret Number": {"audit_entry"}}


def loaded_form(world: Any, name: str) -> FormData:
    """The form's data for the first demo customer it opens for (some need e.g. an open case)."""
    spec = SPECS[name]
    with reading(world.engine) as session:
        others = (
            session.execute(select(m.Contact.id).order_by(m.Contact.id).limit(60)).scalars().all()
        )
    refusal: CommCentreError | None = None
    for contact_id in dict.fromkeys([world.contact_id, *others]):
        data = FormData(contact_id=contact_id, extra={"customer_number": "C0000001"})
        if spec.load is None:
            return data
        try:
            spec.load(world.ctx, data)
        except CommCentreError as exc:  # the form says why it cannot open for this customer
            assert_refused_cleanly(exc)
            refusal = exc
            continue
        return data
    raise AssertionError(f"{name} opens for none of the demo customers: {refusal}")


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_action_form_refuses_hostile_input_with_a_sentence_and_stores_nothing(
    demo: Any,  # noqa: F811 - the imported fixture
    name: str,
) -> None:
    spec = SPECS[name]
    data = loaded_form(demo, name)
    fields = spec.all_fields(demo.settings)
    may_grow = AUDITS_REFUSALS.get(name, set())

    def unchanged(before: dict[str, int]) -> bool:
        after = table_counts(demo.engine)
        return {k: v for k, v in after.items() if k not in may_grow} == {
            k: v for k, v in before.items() if k not in may_grow
        }

    @given(values=field_values(fields, data))
    @FUZZ_SLOW
    def prop(values: dict[str, Any]) -> None:
        note(repr(values))
        if spec.precheck is not None:
            attempt(lambda: spec.precheck(demo.ctx, data, dict(values)))
        if spec.preview is not None:
            before = table_counts(demo.engine)
            attempt(lambda: spec.preview(demo.ctx, data, dict(values)))
            assert table_counts(demo.engine) == before, "a preview wrote to the database"
        before = table_counts(demo.engine)
        refused = attempt(lambda: spec.save(demo.ctx, data, dict(values)))
        if refused is not None:
            assert unchanged(before), "a refused save left rows behind"

    prop()
