"""Screen-pop lookup: phone across all numbers, case number, email; one / several / none."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.models import Agent, Case, Contact, ContactEmail, ContactPhone
from commcentre_tui.repo.cti_lookup import extension_exists, lookup_caller
from commcentre_tui.repo.db import transaction
from commcentre_tui.text import to_e164


def add_contact(
    engine: Engine,
    number: str,
    first: str,
    last: str,
    phones: list[str] = (),
    emails: list[str] = (),
) -> int:
    with transaction(engine) as session:
        contact = Contact(customer_number=number, first_name=first, last_name=last)
        session.add(contact)
        session.flush()
        for i, phone in enumerate(phones):
            session.add(
                ContactPhone(
                    contact_id=contact.id,
                    number=phone,
                    e164=to_e164(phone, "CY"),
                    kind="mobile" if i == 0 else "home",
                    is_primary=i == 0,
                )
            )
        for email in emails:
            session.add(ContactEmail(contact_id=contact.id, address=email))
        return contact.id


@pytest.fixture
def people(engine: Engine) -> dict[str, int]:
    ids = {
        "maria": add_contact(
            engine,
            "C0000001",
            "María",
            "Georgiou",
            ["99 111111", "+357 22 123456"],
            ["Maria.Georgiou@Example.com"],
        ),
        "andreas": add_contact(engine, "C0000002", "Andreas", "Charalambous", ["99 222222"]),
        "eleni": add_contact(
            engine, "C0000003", "Eleni", "Charalambous", ["0035799222222"], ["family@example.com"]
        ),
        "nikos": add_contact(
            engine, "C0000004", "Nikos", "Charalambous", ["+35799222222"], ["family@example.com"]
        ),
    }
    with transaction(engine) as session:
        case = Case(contact_id=ids["andreas"], number="CS0000042", subject="No signal")
        session.add(case)
        session.flush()
        ids["case"] = case.id
    return ids


def test_one_match_on_any_of_the_contacts_numbers(engine, settings: Settings, people) -> None:
    match = lookup_caller(engine, settings, caller="0035722123456")  # María's second (home) number
    assert match.kind == "one" and match.matched_by == "phone"
    assert match.contact_id == people["maria"]
    (contact,) = match.contacts
    assert (contact.name, contact.customer_number) == ("María Georgiou", "C0000001")
    assert match.phone == "+35722123456"


def test_several_contacts_share_a_number(engine, settings: Settings, people) -> None:
    match = lookup_caller(engine, settings, caller="99-222-222")
    assert match.kind == "several" and match.contact_id is None
    assert [c.name for c in match.contacts] == [
        "Andreas Charalambous",
        "Eleni Charalambous",
        "Nikos Charalambous",
    ]
    limited = lookup_caller(engine, settings, caller="99222222", limit=2)
    assert limited.kind == "several" and len(limited.contacts) == 2 and limited.more


def test_no_match_and_withheld_numbers(engine, settings: Settings, people) -> None:
    unknown = lookup_caller(engine, settings, caller="+357 99 999999")
    assert unknown.kind == "none" and unknown.contacts == () and unknown.phone == "+35799999999"
    for withheld in ("anonymous", "", None, "<unknown>"):
        assert lookup_caller(engine, settings, caller=withheld).kind == "none"


def test_case_number_locates_the_case_and_wins_over_the_phone(
    engine, settings: Settings, people
) -> None:
    match = lookup_caller(engine, settings, caller="99222222", case_number=" cs0000042 ")
    assert match.kind == "one" and match.matched_by == "case_number"
    assert match.contact_id == people["andreas"]
    assert (match.case_id, match.case_number) == (people["case"], "CS0000042")
    fallback = lookup_caller(engine, settings, caller="99111111", case_number="CS9999999")
    assert fallback.kind == "one" and fallback.matched_by == "phone" and fallback.case_id is None


def test_email_id_is_matched_folded(engine, settings: Settings, people) -> None:
    match = lookup_caller(engine, settings, email="maria.georgiou@EXAMPLE.com")
    assert (
        match.kind == "one" and match.matched_by == "email" and match.contact_id == people["maria"]
    )
    family = lookup_caller(engine, settings, email="Family@example.com")
    assert family.kind == "several" and {c.id for c in family.contacts} == {
        people["eleni"],
        people["nikos"],
    }
    assert lookup_caller(engine, settings, email="nobody@example.com").kind == "none"


def test_default_region_reads_national_numbers(engine, settings: Settings, people) -> None:
    gb = settings.model_copy(
        update={"search": settings.search.model_copy(update={"default_region": "GB"})}
    )
    assert lookup_caller(engine, gb, caller="99111111").kind == "none"  # not a Cypriot number in GB
    assert lookup_caller(engine, gb, caller="+357 99 111111").kind == "one"


def test_extension_exists(engine: Engine) -> None:
    with transaction(engine) as session:
        session.add(Agent(username="a", display_name="A", extension="PJSIP/1002"))
        session.add(Agent(username="b", display_name="B", extension="1004"))
        session.add(Agent(username="c", display_name="C", extension="1003", active=False))
    assert extension_exists(engine, "1002") and extension_exists(engine, "1004")
    assert extension_exists(engine, "PJSIP/1002")
    assert not extension_exists(engine, "1003")  # disabled agent
    assert (
        not extension_exists(engine, "100%")
        and not extension_exists(engine, "")
        and not extension_exists(engine, "02")
    )
