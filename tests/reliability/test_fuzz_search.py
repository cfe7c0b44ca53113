"""Issue #10 scenario 5: the search parser and engine under hostile input, SQLite and PostgreSQL.

* Any field name, operator and value (escapes, markup, SQL, NUL, surrogates, 10 kB pastes), in
  quick or advanced mode: a page of results or :class:`ValidationFailed` with one sentence —
  nothing else, and the database is unchanged.
* Like and = on names agree with the documented rules computed independently here: ``%`` is a
  wildcard only as the first or last character; ``_``, inner ``%``, quotes and backslashes are
  literal; case and accents are ignored.
"""

from __future__ import annotations

import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from sqlalchemy import Engine

from commcentre_tui.catalog import ANY_FIELD
from commcentre_tui.config import Settings
from commcentre_tui.errors import ValidationFailed
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.repo.search.api import Condition, count_matches, search_contacts
from commcentre_tui.repo.search.parse import known_fields
from commcentre_tui.services.contacts import log_person
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.text import fold
from tests.reliability.strategies import FUZZ, FUZZ_SLOW, hostile_text, one_sentence
from tests.reliability.test_fuzz_forms import table_counts

#: Last names stored for the searches: LIKE metacharacters, quotes, backslashes, accents, escapes.
NAMES = [
    "Maria",
    "Ma%ia",
    "Ma_ia",
    "Maxia",
    "100%",
    "100 percent",
    "a_b",
    "axb",
    "a%b",
    "O'Brien",
    "Back\\slash",
    "Backxslash",
    "Zoë",
    "ZOE",
    "[bold red]Red",
    "[31mEsc",
    "Δημήτρης",
    "%lead",
    "trail%",
    "x" * 100,
]


@pytest.fixture
def stored(engine: Engine, settings: Settings, admin_actor: Actor) -> dict[int, str]:
    """One person per name in :data:`NAMES`: contact id → last name."""
    ctx = ServiceContext(engine, settings, admin_actor)
    return {
        log_person(ctx, {"first_name": "Test", "last_name": name}).contact_id: name
        for name in NAMES
    }


def search_ids(engine: Engine, settings: Settings, field: str, op: str, value: str) -> set[int]:
    page = search_contacts(engine, settings, [Condition(field, op, value)], mode="quick", limit=200)
    assert not page.has_more
    return {hit.contact_id for hit in page.hits}


def expected(stored: dict[int, str], op: str, value: str) -> set[int] | None:
    """The documented rules, independently: ids matching ``last_name op value`` (None: refused)."""
    text = value.strip()
    if op == "=":
        return {cid for cid, name in stored.items() if fold(name) == fold(text)} if text else None
    leading = text.startswith("%")
    trailing = len(text) > 1 and text.endswith("%")
    core = text[1 if leading else 0 : len(text) - 1 if trailing else len(text)]
    if not core.strip():
        return None
    term = fold(core)
    if leading and 0 < len(term) < 3:
        return None  # ends with / contains need three characters
    if leading and trailing:
        return {cid for cid, name in stored.items() if term in fold(name)}
    if leading:
        return {cid for cid, name in stored.items() if fold(name).endswith(term)}
    return {cid for cid, name in stored.items() if fold(name).startswith(term)}


like_values = st.one_of(
    st.text(alphabet="%_\\'\"ab xMaiëE0[]", max_size=8),
    st.builds(
        lambda a, b, c: a + b + c,
        st.sampled_from(["", "%"]),
        st.sampled_from([n[1:4] for n in NAMES] + ["_", "%", "a_", "_b", "%i", "'", "\\"]),
        st.sampled_from(["", "%"]),
    ),
)


@given(
    op=st.sampled_from(["=", "like"]),
    value=st.one_of(like_values, st.sampled_from(NAMES), hostile_text),
)
@FUZZ
def test_name_search_follows_the_like_rules_and_keeps_percent_and_underscore_literal(
    engine: Engine, settings: Settings, stored: dict[int, str], op: str, value: str
) -> None:
    want = expected(stored, op, value)
    note(f"expected {sorted(stored[i] for i in want or ())}")
    if want is None:
        with pytest.raises(ValidationFailed) as refused:
            search_ids(engine, settings, "last_name", op, value)
        assert one_sentence(str(refused.value))
        return
    assert search_ids(engine, settings, "last_name", op, value) == want


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("a_b", {"a_b"}),  # _ is one literal underscore, not "any character"
        ("%a_i%", {"Ma_ia"}),  # not Maria, not Maxia
        ("Ma%ia", {"Ma%ia"}),  # an inner % is literal
        ("Back\\%", {"Back\\slash"}),  # a backslash is literal too (not an escape)
        ("100%", {"100%", "100 percent"}),  # a trailing % means "starts with"
        ("%100%%", {"100%"}),  # contains "100%"
        ("%%lead", {"%lead"}),  # ends with "%lead"
        ("o'brien", {"O'Brien"}),
        ("%\\sl%", {"Back\\slash"}),
        ("zoe", {"Zoë", "ZOE"}),
    ],
)
def test_like_metacharacters_examples(
    engine: Engine, settings: Settings, stored: dict[int, str], value: str, names: set[str]
) -> None:
    found = search_ids(engine, settings, "last_name", "like", value)
    assert {stored[i] for i in found} == names


fields = st.one_of(
    st.sampled_from([ANY_FIELD, *known_fields(), "", "LAST_NAME", " email "]), hostile_text
)
ops = st.one_of(st.sampled_from(["=", "like", "", "LIKE", " = ", "ilike", "==", "%"]), hostile_text)
conditions = st.builds(Condition, fields, ops, st.one_of(hostile_text, st.sampled_from(NAMES)))


@given(
    conds=st.lists(conditions, min_size=0, max_size=3),
    mode=st.sampled_from(["quick", "advanced", "x"]),
    count=st.booleans(),
)
@FUZZ
def test_any_field_operator_and_value_gives_results_or_one_sentence(
    engine: Engine,
    settings: Settings,
    stored: dict[int, str],
    conds: list[Condition],
    mode: str,
    count: bool,
) -> None:
    before = table_counts(engine)
    try:
        if count:
            total = count_matches(engine, settings, conds, mode=mode)
            assert total.replace(",", "").rstrip("+").isdigit()
        else:
            page = search_contacts(engine, settings, conds, mode=mode)
            assert set(hit.contact_id for hit in page.hits) <= set(stored)
    except ValidationFailed as exc:
        note(str(exc))
        assert one_sentence(str(exc)), repr(str(exc))
    assert table_counts(engine) == before


@given(value=hostile_text)
@FUZZ_SLOW
def test_every_search_field_takes_any_value(
    engine: Engine, settings: Settings, stored: dict[int, str], value: str
) -> None:
    for field in [ANY_FIELD, *settings.search.enabled("advanced")]:
        for op in ("=", "like"):
            try:
                search_contacts(
                    engine,
                    settings,
                    [Condition(field, op, value)],
                    mode="quick" if field == ANY_FIELD else "advanced",
                )
            except ValidationFailed as exc:
                assert one_sentence(str(exc)), (field, op, str(exc))
