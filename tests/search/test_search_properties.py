"""Property tests: any typed string gives the brute-force reference's answer, or a clear refusal."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from commcentre_tui.config import Settings
from commcentre_tui.errors import ValidationFailed
from commcentre_tui.repo.search import plan as search_plan
from commcentre_tui.repo.search.api import Condition, search_contacts
from tests.search.population import NORMS, Person, expected

FIELDS = [
    "first_name",
    "last_name",
    "company_name",
    "email",
    "city",
    "street",
    "customer_number",
    "id_number",
    "account_number",
    "postal_code",
    "national_id",
]
FRAGMENTS = [
    "%",
    "%",
    "_",
    "'",
    '"',
    "\\",
    "😀",
    "ß",
    "ria",
    "Mar",
    "MARÍA",
    "ari",
    "o_b",
    "50%",
    " ",
    "  ",
    "ΠΟΥ",
    "c000",
    "a0000",
    "x0",
    "\x00",
    "é",
    "e\u0301",
    "Ltd",
    "@example",
    "\t",
    "ﬁ",
]

values = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS), min_size=0, max_size=5).map("".join),
    st.text(max_size=12),
    st.text(alphabet="%_\\'\"marioMARIOÍí ", max_size=10),
    st.text(min_size=900, max_size=1500),
)

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def refused(name: str, op: str, value: str) -> str | None:
    """The reference's refusals: an empty value (nothing but blanks, or only Like wildcards),
    or an "ends with"/"contains" shorter than three characters once normalised."""
    v = value.strip()
    if op != "like":
        return None if v else "Type a value"
    lead, trail = v.startswith("%"), len(v) > 1 and v.endswith("%")
    core = v[1 if lead else 0 : len(v) - 1 if trail else len(v)]
    if not core.strip():
        return "Type a value"
    term = NORMS[name](core)  # type: ignore[operator]
    if lead and 0 < len(term) < 3:
        return "at least three characters"
    return None


def check(
    engine: Engine, settings_: Settings, people: list[Person], name: str, op: str, value: str
) -> None:
    cond = [Condition(name, op, value)]
    refusal = refused(name, op, value)
    if refusal is not None:
        try:
            search_contacts(engine, settings_, cond)
        except ValidationFailed as exc:
            assert refusal in str(exc), (name, op, value, str(exc))
            return
        raise AssertionError(f"{value!r} was not refused")
    page = search_contacts(engine, settings_, cond, limit=500)
    assert [h.contact_id for h in page.hits] == expected(people, name, op, value), (name, op, value)
    assert not page.has_more and page.total_text == str(len(page.hits))
    for hit in page.hits:
        assert name in hit.matched


def test_any_string_matches_the_reference(
    engine: Engine, settings: Settings, people: list[Person]
) -> None:
    @SETTINGS
    @given(name=st.sampled_from(FIELDS), op=st.sampled_from(["=", "like"]), value=values)
    def run(name: str, op: str, value: str) -> None:
        check(engine, settings, people, name, op, value)

    run()


def test_any_string_matches_the_reference_under_each_plan(
    engine: Engine, settings: Settings, people: list[Person], monkeypatch: object
) -> None:
    @settings_for_plans
    @given(
        name=st.sampled_from(FIELDS),
        value=values,
        plan=st.sampled_from(["walk", "candidates", "plain", "split"]),
    )
    def run(name: str, value: str, plan: str) -> None:
        old = search_plan.FORCE_STRATEGY
        search_plan.FORCE_STRATEGY = plan
        try:
            check(engine, settings, people, name, "like", value)
        finally:
            search_plan.FORCE_STRATEGY = old

    run()


settings_for_plans = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
