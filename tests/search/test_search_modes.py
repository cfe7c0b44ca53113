"""Any-field routing, enabled fields, Advanced Search, paging and totals."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from commcentre_tui.config import Settings, load_settings
from commcentre_tui.errors import ValidationFailed
from commcentre_tui.repo.search import count as search_count
from commcentre_tui.repo.search.api import Condition, count_matches, search_contacts
from tests.conftest import TEST_CONFIG
from tests.search.population import Person, expected, sort_key
from tests.search.test_search_rules import all_ids, ids

Plans = Callable[[], object]


def restricted() -> Settings:
    """Only a few fields enabled: names and phone for quick, last name and city for advanced."""
    return load_settings(
        TEST_CONFIG,
        search={
            "contact": {
                "last_name": {"quick": True, "advanced": True, "order": 1},
                "first_name": {"quick": True, "advanced": False, "order": 2},
                "email": {"quick": False, "advanced": False, "order": 3},
            },
            "address": {"city": {"quick": False, "advanced": True, "order": 4}},
            "account": {},
            "subscription": {},
        },
    )


def test_disabled_and_unknown_fields_are_refused_with_the_enabled_ones(engine: Engine) -> None:
    s = restricted()
    with pytest.raises(ValidationFailed) as exc:
        search_contacts(engine, s, [Condition("city", "=", "Paphos")])
    assert str(exc.value) == (
        "The field “city” is not enabled for quick search; the enabled "
        "fields are: any, last_name, first_name."
    )
    with pytest.raises(ValidationFailed, match="not enabled for advanced search.*last_name, city"):
        search_contacts(engine, s, [Condition("first_name", "=", "x")], mode="advanced")
    with pytest.raises(ValidationFailed, match="“shoe_size” is not a search field"):
        search_contacts(engine, s, [Condition("shoe_size", "=", "42")])
    with pytest.raises(ValidationFailed, match="operator “~” is not supported"):
        search_contacts(engine, s, [Condition("last_name", "~", "x")])
    with pytest.raises(ValidationFailed, match="exactly one"):
        search_contacts(engine, s, [Condition("last_name", "=", "x")] * 2)
    with pytest.raises(ValidationFailed, match="at least one condition"):
        search_contacts(engine, s, [], mode="advanced")


def test_any_routes_by_the_values_shape(
    engine: Engine, settings: Settings, people: list[Person], each_plan: Plans
) -> None:
    p3, p6 = people[2], people[5]
    digits = "".join(ch for ch in p3.phones[0] if ch.isdigit())[-8:]
    cases = [
        (f"{digits[:2]} {digits[2:]}", p3, "phone"),
        (p3.emails[0].upper(), p3, "email"),
        (p3.customer_number.lower(), p3, "customer_number"),
        (p3.accounts[0], p3, "account_number"),
        (p3.subscriptions[0], p3, "subscription_number"),
        (p6.cases[0], p6, "case_number"),
    ]
    for plan in each_plan():  # type: ignore[attr-defined]
        with plan:
            for value, person, field in cases:
                page = search_contacts(engine, settings, [Condition("any", "=", value)])
                assert ids(page) == [person.id], value
                assert list(page.hits[0].matched) == [field]
            for value in ("Mar", "%ria", "%ari%", "%ΛΟΥ"):
                got = all_ids(engine, settings, [Condition("any", "like", value)])
                union = {
                    i
                    for f in ("first_name", "last_name", "company_name")
                    for i in expected(people, f, "like", value)
                }
                assert sorted(got) == sorted(union) and len(got) == len(set(got)), value
            hits = search_contacts(
                engine, settings, [Condition("any", "like", "Mar")], limit=100
            ).hits
            assert {k for h in hits for k in h.matched} <= {
                "first_name",
                "last_name",
                "company_name",
            }
            both = next(h for h in hits if h.company_name == "Mar Shipping")
            assert both.matched == {"company_name": "Mar Shipping"}


def test_any_only_uses_enabled_fields(engine: Engine, people: list[Person]) -> None:
    s = restricted()
    digits = "".join(ch for ch in people[2].phones[0] if ch.isdigit())[-8:]
    assert ids(search_contacts(engine, s, [Condition("any", "=", digits)])) == []
    page = search_contacts(engine, s, [Condition("any", "like", "Mar")], limit=100)
    assert {k for h in page.hits for k in h.matched} <= {"first_name", "last_name"}
    assert not any(h.company_name == "Marathon Trading Ltd" for h in page.hits)


ADVANCED = [
    [("first_name", "like", "Mar"), ("city", "=", "Nicosia")],
    [("last_name", "like", "%iou"), ("country", "like", "Cy"), ("email", "like", "%.com")],
    [("company_name", "like", "%ing%"), ("account_number", "like", "A0%")],
    [
        ("last_name", "=", "georgiou"),
        ("phone", "like", "99%"),
        ("subscription_number", "like", "%002"),
    ],
    [("first_name", "like", "%ari%"), ("street", "like", "%street"), ("postal_code", "like", "10")],
    [("last_name", "like", "%"), ("city", "=", "x")],
    # Two trigram conditions on the contact row: found through one lookup of both.
    [("last_name", "like", "%iou"), ("first_name", "like", "%ari%"), ("city", "=", "Nicosia")],
    [("first_name", "like", "%mar%"), ("last_name", "like", "%ΟΥΛΟΥ")],
]


def test_advanced_is_the_intersection_of_its_quick_searches(
    engine: Engine, settings: Settings, people: list[Person], each_plan: Plans
) -> None:
    for plan in each_plan():  # type: ignore[attr-defined]
        with plan as strategy:
            for combo in ADVANCED:
                conds = [Condition(*c) for c in combo]
                try:
                    got = all_ids(engine, settings, conds, mode="advanced")
                except ValidationFailed:
                    assert combo[0][2] == "%"
                    continue
                quick = [set(all_ids(engine, settings, [c])) for c in conds]
                want = [
                    i for i in all_ids(engine, settings, [conds[0]]) if all(i in q for q in quick)
                ]
                assert got == want, (strategy, combo)
                page = search_contacts(engine, settings, conds, mode="advanced")
                for hit in page.hits:
                    assert set(hit.matched) == {c.field for c in conds}


def test_paging_forward_and_back_is_consistent(
    engine: Engine, settings: Settings, people: list[Person], each_plan: Plans
) -> None:
    query = [Condition("email", "like", "%.com")]
    everything = expected(people, "email", "like", "%.com")
    assert len(everything) == len(people)
    for plan in each_plan():  # type: ignore[attr-defined]
        with plan as strategy:
            pages = []
            page = search_contacts(engine, settings, query, limit=4)
            assert not page.has_previous
            pages.append(page)
            while page.has_more:
                page = search_contacts(
                    engine, settings, query, limit=4, after=page.hits[-1].sort_key
                )
                assert page.has_previous
                pages.append(page)
            forward = [ids(p) for p in pages]
            assert [i for chunk in forward for i in chunk] == everything, strategy
            assert all(len(chunk) == 4 for chunk in forward[:-1])
            back = [forward[-1]]
            page = pages[-1]
            while True:
                page = search_contacts(
                    engine, settings, query, limit=4, before=page.hits[0].sort_key
                )
                assert page.has_more
                back.insert(0, ids(page))
                if not page.has_previous:
                    break
            assert back == forward, strategy
            keys = [h.sort_key for p in pages for h in p.hits]
            assert keys == sorted(keys)


def honest(total_text: str, true_total: int, seen: int) -> bool:
    """A total is the exact count, or "N+" with N a true lower bound no smaller than what was seen."""
    if not total_text.endswith("+"):
        return int(total_text.replace(",", "")) == true_total
    bound = int(total_text[:-1].replace(",", ""))
    return seen <= bound <= true_total


def test_totals_are_exact_when_small_and_capped_when_large(
    engine: Engine,
    settings: Settings,
    people: list[Person],
    monkeypatch: pytest.MonkeyPatch,
    each_plan: Plans,
) -> None:
    query = [Condition("email", "like", "%.com")]
    for plan in each_plan():  # type: ignore[attr-defined]
        with plan as strategy:
            assert search_contacts(engine, settings, query).total_text == str(len(people))
            first = search_contacts(engine, settings, query, limit=5)
            assert honest(first.total_text, len(people), 6), (strategy, first.total_text)
            later = search_contacts(engine, settings, query, limit=5, after=first.hits[-1].sort_key)
            assert honest(later.total_text, len(people), 6), (strategy, later.total_text)
            with monkeypatch.context() as patch:
                patch.setattr(search_count, "TOTAL_CAP", 10)
                capped = search_contacts(engine, settings, query, limit=5).total_text
                assert capped == "10+" or honest(capped, len(people), 6)
                assert count_matches(engine, settings, query) == "10+"
            assert count_matches(engine, settings, query) == str(len(people))
            none = search_contacts(engine, settings, [Condition("email", "like", "%.org")])
            assert (none.hits, none.total_text, none.has_more) == ([], "0", False)
    assert search_contacts(engine, settings, query, limit=5).total_text == str(len(people))
    with monkeypatch.context() as patch:
        patch.setattr(search_count, "TOTAL_CAP", 10)
        assert search_contacts(engine, settings, query, limit=5).total_text == "10+"
    assert count_matches(engine, settings, [Condition("email", "like", "%.org")]) == "0"
    assert count_matches(engine, settings, [Condition("first_name", "like", "Mar")]) == str(
        len(expected(people, "first_name", "like", "Mar"))
    )


def test_any_name_pages_merge_surnames_first_names_and_companies(
    engine: Engine, settings: Settings, people: list[Person], each_plan: Plans
) -> None:
    # "Mar" is a surname prefix (Marangos), a first name filed under other letters (María
    # García, Mario Rossi …) and a company (Marathon Trading): the "split" plan merges them.
    fields = ("last_name", "first_name", "company_name")
    by_id = {p.id: p for p in people}
    for term in ("mar", "ma", "m"):
        hits = {i for f in fields for i in expected(people, f, "like", term)}
        want = sorted(hits, key=lambda i: sort_key(by_id[i]))
        assert len(want) >= 3, term
        for plan in each_plan():  # type: ignore[attr-defined]
            with plan as strategy:
                query = [Condition("any", "like", term)]
                page = search_contacts(engine, settings, query, limit=2)
                pages = [ids(page)]
                while page.has_more:
                    page = search_contacts(
                        engine, settings, query, limit=2, after=page.hits[-1].sort_key
                    )
                    pages.append(ids(page))
                assert [i for chunk in pages for i in chunk] == want, (strategy, term)
                back = [pages[-1]]
                while page.has_previous:
                    page = search_contacts(
                        engine, settings, query, limit=2, before=page.hits[0].sort_key
                    )
                    back.insert(0, ids(page))
                assert back == pages, (strategy, term)
