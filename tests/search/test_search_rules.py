"""Quick Search rules against the brute-force reference, on both backends and under every plan."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.errors import ValidationFailed
from commcentre_tui.repo.search.api import Condition, SearchPage, search_contacts
from commcentre_tui.text import to_e164
from commcentre_tui.validation import normal_email
from tests.search.population import NORMS, Person, expected, stored

TEXT_FIELDS = [
    "first_name",
    "last_name",
    "company_name",
    "customer_number",
    "id_number",
    "email",
    "street",
    "city",
    "postal_code",
    "country",
    "account_number",
    "subscription_number",
    "case_number",
    "national_id",
]
Plans = Callable[[], object]


def ids(page: SearchPage) -> list[int]:
    return [hit.contact_id for hit in page.hits]


def all_ids(
    engine: Engine, settings: Settings, conds: list[Condition], mode: str = "quick"
) -> list[int]:
    """Every matching id, paging forward 4 at a time (so paging is exercised too)."""
    out: list[int] = []
    after = None
    while True:
        page = search_contacts(engine, settings, conds, mode=mode, limit=4, after=after)
        out += ids(page)
        if not page.has_more:
            return out
        after = page.hits[-1].sort_key


SEED_EXAMPLES = [
    ("%ria", {"María", "Maria", "Gloria", "Victoria"}, {"Mario", "Marianna"}),
    ("Ma%", {"María", "Maria", "Mario", "Marianna", "Ma"}, {"Gloria", "Ari"}),
    ("Mar", {"María", "Maria", "Mario", "Marianna", "Marco"}, {"Gloria", "Ma"}),
    ("%ari%", {"María", "Maria", "Mario", "Marianna", "Ari", "Dario"}, {"Gloria", "Ma"}),
]


def test_the_seeds_four_like_examples(
    engine: Engine, settings: Settings, people: list[Person], each_plan: Plans
) -> None:
    for plan in each_plan():  # type: ignore[attr-defined]
        with plan as strategy:
            for value, must_find, must_not_find in SEED_EXAMPLES:
                got = all_ids(engine, settings, [Condition("first_name", "like", value)])
                assert got == expected(people, "first_name", "like", value), (strategy, value)
                firsts = {p.first_name for p in people if p.id in got}
                assert must_find <= firsts
                assert not (must_not_find & firsts)


def test_accents_and_case_are_folded(
    engine: Engine, settings: Settings, people: list[Person], each_plan: Plans
) -> None:
    for plan in each_plan():  # type: ignore[attr-defined]
        with plan:
            maria = all_ids(engine, settings, [Condition("first_name", "=", "MARIA")])
            assert {p.first_name for p in people if p.id in maria} == {"María", "Maria"}
            greek = all_ids(engine, settings, [Condition("last_name", "like", "%ΠΟΥΛΟΥ")])
            assert [p.last_name for p in people if p.id in greek] == ["Παπαδοπούλου"]
            strasse = all_ids(engine, settings, [Condition("last_name", "=", "strasse")])
            assert strasse == expected(people, "last_name", "=", "strasse") != []


METACHARACTERS = [
    "O_Brien",
    "%_%",
    "50%off%",
    "%50%off%",
    "D'Angelo",
    "%\\%",
    '%"q',
    "%😀",
    "% %",
    "%%",
    "%%ria",
    "Mar%%",
    "%'%",
    "_",
    "\\",
]


def test_metacharacters_are_literal(
    engine: Engine, settings: Settings, people: list[Person], each_plan: Plans
) -> None:
    for plan in each_plan():  # type: ignore[attr-defined]
        with plan as strategy:
            for value in METACHARACTERS:
                for name in ("last_name", "company_name"):
                    try:
                        got = all_ids(engine, settings, [Condition(name, "like", value)])
                    except ValidationFailed as exc:
                        core = value.strip("%").strip()
                        assert core == "" or (
                            value.startswith("%") and len(core) < 3 and "three" in str(exc)
                        ), (value, str(exc))
                        continue
                    assert got == expected(people, name, "like", value), (strategy, name, value)
    assert all_ids(engine, settings, [Condition("last_name", "like", "O_Brien")]) != []
    assert all_ids(engine, settings, [Condition("last_name", "like", "O%Brien")]) == []


def test_equals_on_every_enabled_field(
    engine: Engine, settings: Settings, people: list[Person], each_plan: Plans
) -> None:
    for plan in each_plan():  # type: ignore[attr-defined]
        with plan as strategy:
            for name in TEXT_FIELDS:
                values = [v for p in people for v in stored(p, name) if v][:3]
                assert values, name
                for value in values:
                    for typed in (value.upper(), f"  {value.lower()} "):
                        want = expected(people, name, "=", typed)
                        got = all_ids(engine, settings, [Condition(name, "=", typed)])
                        assert got == want != [], (strategy, name, typed)


def test_like_on_every_enabled_field(
    engine: Engine, settings: Settings, people: list[Person], each_plan: Plans
) -> None:
    for plan in each_plan():  # type: ignore[attr-defined]
        with plan as strategy:
            for name in TEXT_FIELDS:
                value = next(v for p in people for v in stored(p, name) if v and len(v) > 3)
                for typed in (
                    value[:3],
                    f"%{value[-3:]}",
                    f"%{value[1:4]}%",
                    f"{value[:2]}%",
                    f"{value[0]}",
                ):
                    if typed.startswith("%") and len(NORMS[name](typed.strip("%"))) < 3:
                        continue  # (normalised to under three characters: refused, below)
                    got = all_ids(engine, settings, [Condition(name, "like", typed)])
                    assert got == expected(people, name, "like", typed), (strategy, name, typed)
                for typed in (f"%{value[-1]}", f"%{value[1:3]}%"):  # under three characters
                    if not NORMS[name](typed.strip("%")):
                        continue  # (nothing left to compare: matches nothing)
                    with pytest.raises(ValidationFailed, match="at least three characters"):
                        all_ids(engine, settings, [Condition(name, "like", typed)])


def test_hits_carry_contact_fields_and_what_matched(
    engine: Engine, settings: Settings, people: list[Person]
) -> None:
    page = search_contacts(engine, settings, [Condition("city", "=", "Αγία Νάπα")])
    assert page.hits
    for hit in page.hits:
        person = next(p for p in people if p.id == hit.contact_id)
        assert hit.matched == {"city": "Αγία Νάπα"}
        assert hit.customer_number == person.customer_number
        assert (hit.first_name, hit.last_name, hit.company_name) == (
            person.first_name,
            person.last_name,
            person.company_name,
        )
        assert hit.phone == to_e164(person.phones[0], "CY")
        assert hit.email == normal_email(person.emails[0])  # as stored, like the E.164 phone
    company = search_contacts(engine, settings, [Condition("company_name", "like", "50%off")])
    assert [h.display_name for h in company.hits] == ["50%off Ltd"]
    assert company.hits[0].matched == {"company_name": "50%off Ltd"}
    assert company.total_text == "1"
    sub = search_contacts(engine, settings, [Condition("subscription_number", "=", "s00000003")])
    assert sub.hits[0].matched == {"subscription_number": "S00000003"}


def test_phone_numbers_compare_as_e164(
    engine: Engine, settings: Settings, people: list[Person], each_plan: Plans
) -> None:
    person = people[2]
    digits = "".join(ch for ch in person.phones[0] if ch.isdigit())[-8:]
    for plan in each_plan():  # type: ignore[attr-defined]
        with plan:
            for typed in (
                digits,
                f"{digits[:2]} {digits[2:]}",
                f"+357 {digits}",
                f"00357{digits}",
                f"(+357) {digits[:2]}-{digits[2:]}",
            ):
                page = search_contacts(engine, settings, [Condition("phone", "=", typed)])
                assert ids(page) == [person.id], typed
                assert page.hits[0].matched == {"phone": f"+357{digits}"}
            second = people[1].phones[1]  # a second, non-primary number finds its contact too
            assert ids(search_contacts(engine, settings, [Condition("phone", "=", second)])) == [
                people[1].id
            ]
            assert (
                ids(search_contacts(engine, settings, [Condition("phone", "=", "not a phone")]))
                == []
            )


def test_phone_like_uses_the_e164_digits(
    engine: Engine, settings: Settings, people: list[Person], each_plan: Plans
) -> None:
    person = people[4]
    digits = "".join(ch for ch in person.phones[0] if ch.isdigit())[-8:]
    for plan in each_plan():  # type: ignore[attr-defined]
        with plan:
            assert person.id in all_ids(engine, settings, [Condition("phone", "like", digits[:4])])
            plus = all_ids(engine, settings, [Condition("phone", "like", f"+357 {digits[:3]}%")])
            assert person.id in plus
            assert all_ids(engine, settings, [Condition("phone", "like", f"%{digits[-5:]}")]) == [
                person.id
            ]
            for fragment in (digits[2:6], digits[-3:], "9900"):
                want = sorted(
                    p.id
                    for p in people
                    if any(fragment in (to_e164(raw, "CY") or "") for raw in p.phones)
                )
                got = all_ids(engine, settings, [Condition("phone", "like", f"%{fragment}%")])
                assert sorted(got) == want and person.id in got


@pytest.mark.parametrize("mode", ["quick", "advanced"])
def test_empty_values_are_refused(engine: Engine, settings: Settings, mode: str) -> None:
    for value in ("", "   ", "%", "%%", "% %"):
        with pytest.raises(ValidationFailed, match="Type a value"):
            search_contacts(engine, settings, [Condition("last_name", "like", value)], mode=mode)
    with pytest.raises(ValidationFailed, match="Type a value"):
        search_contacts(engine, settings, [Condition("last_name", "=", " ")], mode=mode)
