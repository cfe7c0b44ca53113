"""Templates and tags: the sandbox, clear one-sentence errors, the reference, auto-complete."""

from __future__ import annotations

from datetime import date

import pytest

from commcentre_tui.comms.sms import sms_count
from commcentre_tui.comms.tags import (
    TAG_REFERENCE,
    TagList,
    build_context,
    sample_context,
    tag_completions,
)
from commcentre_tui.comms.templates import (
    TemplateError,
    check_template,
    load_template_files,
    render,
)


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ today.__class__.__init__.__globals__ }}",
        "{{ range.__globals__ }}",
        "{{ contact.first_name.__class__ }}",
    ],
)
def test_sandbox_refuses_python_internals(source: str) -> None:
    with pytest.raises(TemplateError) as err:
        render(source, sample_context())
    assert "templates may not use" in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "source", ["{{ config }}", "{{ config.SECRET_KEY }}", "{{ self }}", "{{ lipsum() }}"]
)
def test_sandbox_has_no_config_or_globals(source: str) -> None:
    with pytest.raises(TemplateError) as err:
        render(source, sample_context())
    assert "Unknown tag" in str(err.value)


@pytest.mark.parametrize(
    "source",
    [
        "{% include '/etc/passwd' %}",
        "{% import 'x.html' as x %}",
        "{% extends '/etc/hosts' %}",
        "{% from 'x' import y %}",
    ],
)
def test_sandbox_refuses_file_access(source: str) -> None:
    with pytest.raises(TemplateError, match="cannot include, import or extend files"):
        render(source, sample_context())


def test_tags_are_read_only() -> None:
    context = sample_context()
    for source in (
        "{{ contact.update({'first_name': 'x'}) }}",
        "{{ contact.pop('first_name') }}",
        "{{ subscription.services.append('free TV') }}",
    ):
        with pytest.raises(TemplateError):
            render(source, context)
    assert context["contact"]["first_name"] == "Maria"


def test_unknown_tag_is_one_sentence_naming_it_before_any_customer() -> None:
    with pytest.raises(TemplateError) as err:
        check_template("Dear {{ contact.middle_name }},", field="content")
    assert (
        str(err.value)
        == "Unknown tag {{ contact.middle_name }} on line 1: it is not in the tag reference."
    )
    assert err.value.field == "content"
    assert err.value.tag == "contact.middle_name"


def test_tag_without_value_for_this_customer_is_named() -> None:
    context = build_context(
        {"contact": {"first_name": None, "last_name": "Georgiou"}}, date(2026, 1, 1)
    )
    with pytest.raises(TemplateError) as err:
        render("Dear {{ contact.first_name }}", context)
    assert str(err.value) == "The tag {{ contact.first_name }} has no value for this customer."
    with pytest.raises(TemplateError) as err:
        render("Bill {{ bill.number }}", context, field="subject")
    assert str(err.value) == "The tag {{ bill.number }} has no value: this customer has no bill."
    assert err.value.field == "subject"
    # Optional tags can be written with default/is defined.
    assert render("{{ contact.first_name | default('Customer') }}", context) == "Customer"


class _Text(str):
    """A str subclass (the tag lookup's fast path only takes plain str)."""


@pytest.mark.parametrize(
    ("values", "source", "expected"),
    [
        ({"first_name": "Maria"}, "{{ contact.first_name }}", "Maria"),
        ({"first_name": "   "}, "{{ contact.first_name }}", None),
        ({"first_name": _Text(" ")}, "{{ contact.first_name }}", None),
        ({"first_name": _Text("Eva")}, "{{ contact.first_name }}", "Eva"),
        ({"emails": TagList()}, "{{ contact.emails }}", None),
        (
            {"emails": TagList(("a@x.example", "b@x.example"))},
            "{{ contact.emails }}",
            "a@x.example, b@x.example",
        ),
        ({"custom": "x"}, "{{ contact.custom }}", "unknown"),
        ({"first_name": "Maria"}, "{{ contact['first_name'] }}", "Maria"),
    ],
)
def test_tag_lookup_answers_alike_by_attribute_and_by_item(
    values: dict[str, object], source: str, expected: str | None
) -> None:
    context = build_context({"contact": values}, date(2026, 1, 1))
    tag = source.strip("{} ").replace("['", ".").replace("']", "")
    if expected == "unknown":
        with pytest.raises(TemplateError, match="not in the tag reference"):
            render(source, context)
    elif expected is None:
        with pytest.raises(TemplateError) as err:
            render(source, context)
        assert str(err.value) == f"The tag {{{{ {tag} }}}} has no value for this customer."
    else:
        assert render(source, context) == expected


def test_date_filter_formats_dates_and_times_alike_every_time() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    due = date(2026, 11, 30)
    at = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    context = build_context(
        {"bill": {"due_date": due}, "job": {"scheduled_at": at}}, date(2026, 1, 1)
    )
    for _ in range(2):  # the second render reads the cached text
        assert render("{{ bill.due_date | date }}", context) == "30/11/2026"
        assert render("{{ bill.due_date | date('%Y-%m-%d') }}", context) == "2026-11-30"
    # Equal instants in other zones are equal datetimes but print their own hour.
    other = build_context(
        {"job": {"scheduled_at": at.astimezone(timezone(timedelta(hours=2)))}}, date(2026, 1, 1)
    )
    assert render("{{ job.scheduled_at | date('%H:%M') }}", context) == "12:00"
    assert render("{{ job.scheduled_at | date('%H:%M') }}", other) == "14:00"


def test_syntax_error_and_unknown_filter_are_sentences() -> None:
    with pytest.raises(TemplateError, match=r"^The template has a syntax error on line 2"):
        check_template("Hi\n{{ contact.first_name ")
    with pytest.raises(TemplateError, match="unknown filter 'shout'"):
        render("{{ contact.first_name | shout }}", sample_context())


def test_every_reference_tag_renders_its_example() -> None:
    context = sample_context()
    for info in TAG_REFERENCE:
        assert render("{{ " + info.tag + " }}", context) == info.example, info.tag


def test_completions_after_double_brace() -> None:
    tags = [c.tag for c in tag_completions("Dear {{ contact.fi")]
    assert tags == ["contact.first_name"]
    assert tag_completions("Dear {{ contact.fi")[0].insert == "contact.first_name }}"
    assert {c.tag for c in tag_completions("{{ bill.", limit=50)} >= {
        "bill.number",
        "bill.due_date",
    }
    assert "bill.due_date" in [c.tag for c in tag_completions("{{ due")]
    assert tag_completions("Dear {{ contact.first_name }} and") == []
    assert tag_completions("no tag here") == []


def test_shipped_templates_parse_and_render_with_examples() -> None:
    records = load_template_files()
    names = {(r["name"], r["language"], r["media"]) for r in records}
    assert {
        ("Welcome new subscriber", "en", "email"),
        ("Overdue reminder", "en", "sms"),
        ("Bill notification", "en", "email"),
        ("Account balance", "en", "email"),
        ("Job status", "en", "email"),
        ("Job status SMS", "en", "sms"),
    } <= names
    assert any(lang == "el" for _, lang, _ in names)
    for record in records:
        body = render(record["body"], sample_context())
        assert "{{" not in body and body.strip()
        if record["media"] == "sms":
            assert len(body) <= 160


def test_sms_segments() -> None:
    assert (sms_count("Hello").segments, sms_count("Hello").encoding) == (1, "GSM-7")
    assert sms_count("x" * 160).segments == 1
    assert sms_count("x" * 161).segments == 2
    assert sms_count("€" * 80).segments == 1  # extension characters take two places
    greek = sms_count("Καλημέρα" * 9)
    assert (greek.encoding, greek.segments) == ("UCS-2", 2)
    assert sms_count("x" * 170, 160).too_long
    assert sms_count("Hi", 160).label() == "2/160 · 1 SMS"
