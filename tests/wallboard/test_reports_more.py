"""`report communications|outbox|fcr|calls` by hour, week and unit, with abandoned calls: every
figure equals a brute-force count over the same hypothesis-generated rows, on SQLite and
PostgreSQL, with the definitions of docs/reports.md."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete
from sqlmodel import Session, select

from commcentre_tui.models import Agent, Communication, Contact
from commcentre_tui.models.security import QueueAbandon
from commcentre_tui.repo.report_keys import label_of
from commcentre_tui.repo.reports import report
from commcentre_tui.repo.reports_comms import reason_of

DAY0 = date(2026, 3, 26)  # a Thursday: the range's weeks start on two Mondays
FIRST, LAST = DAY0, DAY0 + timedelta(days=5)
START = datetime.combine(FIRST, datetime.min.time(), UTC)
END = datetime.combine(LAST + timedelta(days=1), datetime.min.time(), UTC)
UNITS = {"ana": "Care", "bob": "Sales", "cy": None}
FCR_DAYS = 2

record = st.fixed_dictionaries(
    {
        "agent": st.sampled_from([*UNITS, None]),
        "contact": st.integers(1, 3),
        "at": st.integers(-3 * 86_400, 7 * 86_400),  # seconds from DAY0: before, in, after
        "direction": st.sampled_from(["incoming", "outgoing"]),
        "media": st.sampled_from(["phone", "email", "sms"]),
        "state": st.sampled_from(["draft", "completed", "cancelled"]),
        "delivery": st.sampled_from([None, "queued", "sent", "failed"]),
        "error": st.sampled_from([None, "Mailbox full", "Rejected\nby the server", " "]),
        "category": st.sampled_from(["Billing", "Sales"]),
    }
)
abandon = st.integers(-86_400, 7 * 86_400)


def _at(seconds: int) -> datetime:
    return START + timedelta(seconds=seconds)


def _setup(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        if session.get(Contact, 1) is None:
            session.add_all(
                Contact(id=n, customer_number=f"C{n}", last_name="K") for n in (1, 2, 3)
            )
            session.add_all(
                Agent(username=a, display_name=a.title(), role="agent", unit=u)
                for a, u in UNITS.items()
            )
            session.commit()
        return {a.username: a.id for a in session.exec(select(Agent))}  # type: ignore[misc]


def _insert(
    engine: Engine, ids: dict[str, int], rows: list[dict[str, Any]], abandons: list[int]
) -> list[int]:
    """The rows as communications (returns their ids, in order) and the abandoned calls."""
    with Session(engine) as session:
        session.execute(delete(Communication))
        session.execute(delete(QueueAbandon))
        made = []
        for r in rows:
            comm = Communication(
                contact_id=r["contact"],
                agent_id=ids[r["agent"]] if r["agent"] else None,
                direction=r["direction"],
                media=r["media"],
                state=r["state"],
                delivery=r["delivery"],
                last_error=r["error"],
                category=r["category"],
                created_at=_at(r["at"]),
            )
            session.add(comm)
            made.append(comm)
        for n, seconds in enumerate(abandons):
            session.add(QueueAbandon(queue="support", uniqueid=f"a{n}", abandoned_at=_at(seconds)))
        session.commit()
        return [c.id for c in made]  # type: ignore[misc]


def _key(r: dict[str, Any], by: str | None) -> tuple[str, ...]:
    if by is None:
        return ()
    if by == "agent":
        return (r["agent"] or "(no agent)",)
    if by == "unit":
        return ((UNITS[r["agent"]] if r["agent"] else None) or "(no unit)",)
    return (label_of(_at(r["at"]), by),)


def _in_range(r: dict[str, Any]) -> bool:
    return START <= _at(r["at"]) < END


def _fcr(rows: list[dict[str, Any]], ids: list[int], by: str | None) -> dict[tuple, list[int]]:
    """First contacts and those resolved, by the definition in docs/reports.md."""
    window = FCR_DAYS * 86_400
    incoming = [(r, i) for r, i in zip(rows, ids, strict=True) if r["direction"] == "incoming"]
    found: dict[tuple, list[int]] = {}
    for r, i in incoming:
        if not _in_range(r):
            continue
        same = [
            (o, j)
            for o, j in incoming
            if j != i and (o["contact"], o["category"]) == (r["contact"], r["category"])
        ]

        def near(o: dict[str, Any], j: int, before: bool, r=r, i=i) -> bool:
            gap = o["at"] - r["at"]
            if gap == 0:
                return j < i if before else j > i
            return -window <= gap < 0 if before else 0 < gap <= window

        if any(near(o, j, True) for o, j in same):
            continue
        totals = found.setdefault(_key(r, by), [0, 0])
        totals[0] += 1
        totals[1] += not any(near(o, j, False) for o, j in same)
    return found


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    rows=st.lists(record, max_size=20),
    abandons=st.lists(abandon, max_size=4),
    by=st.sampled_from([None, "hour", "day", "week", "agent", "unit"]),
)
def test_reports_equal_a_brute_force_count(
    engine: Engine, rows: list[dict[str, Any]], abandons: list[int], by: str | None
) -> None:
    ids = _insert(engine, _setup(engine), rows, abandons)
    kept = [r for r in rows if _in_range(r)]

    comms: Counter[tuple] = Counter(
        (*_key(r, by), r["media"], r["direction"], r["state"]) for r in kept
    )
    got = report(engine, "communications", FIRST, LAST, by)
    assert {row[:-1]: row[-1] for row in got.rows} == dict(comms)

    outbox: Counter[tuple] = Counter(
        (
            *_key(r, by),
            r["delivery"],
            reason_of(r["error"]) if r["delivery"] == "failed" else "",
        )
        for r in kept
        if r["delivery"]
    )
    got = report(engine, "outbox", FIRST, LAST, by)
    assert {row[:-1]: row[-1] for row in got.rows} == dict(outbox)

    expected = _fcr(rows, ids, by)
    got = report(engine, "fcr", FIRST, LAST, by, fcr_days=FCR_DAYS)
    assert {row[:-3]: list(row[-3:-1]) for row in got.rows} == expected
    for row in got.rows:
        assert row[-1] == round(100 * row[-2] / row[-3], 1)

    day_by = by or "day"  # the calls report: phone calls in and out, and the abandoned ones
    calls: dict[tuple, Counter[str]] = {}
    for r in kept:
        if r["media"] == "phone":
            calls.setdefault(_key(r, day_by), Counter())[r["direction"]] += 1
    for seconds in abandons:
        if START <= _at(seconds) < END:
            nobody = {"agent": ("(no agent)",), "unit": ("(no unit)",)}
            key = nobody[day_by] if day_by in nobody else _key({"at": seconds}, day_by)
            calls.setdefault(key, Counter())["abandoned"] += 1
    got = report(engine, "calls", FIRST, LAST, by)
    assert {r[:1]: (r[1], r[2], r[4]) for r in got.rows if any(r[1:5])} == {
        k: (n["incoming"], n["outgoing"], n["abandoned"]) for k, n in calls.items()
    }


care_item = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["task", "case", "activity"]),
        "agent": st.sampled_from([*UNITS, None]),
        "at": st.integers(-86_400, 7 * 86_400),
        "open": st.booleans(),
        "due": st.one_of(st.none(), st.integers(-86_400, 30 * 86_400)),
        "severity": st.sampled_from(["minor", "critical"]),
    }
)


@settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(items=st.lists(care_item, max_size=12), by=st.sampled_from([None, "week", "unit"]))
def test_the_care_report_equals_a_brute_force_count(
    engine: Engine, items: list[dict[str, Any]], by: str | None
) -> None:
    from commcentre_tui.models import Activity, Case, Task
    from commcentre_tui.repo.reports_care import care_report

    ids = _setup(engine)
    now = _at(4 * 86_400)
    with Session(engine) as session:
        for model in (Task, Case, Activity):
            session.execute(delete(model))
        for n, item in enumerate(items):
            who = ids[item["agent"]] if item["agent"] else None
            common = {"contact_id": 1, "assigned_agent_id": who, "created_at": _at(item["at"])}
            due = _at(item["due"]) if item["due"] is not None else None
            if item["kind"] == "task":
                status = "open" if item["open"] else "done"
                session.add(Task(subject="t", due_at=due or now, status=status, **common))
            elif item["kind"] == "case":
                status = "open" if item["open"] else "closed"
                session.add(
                    Case(
                        number=f"CS{n}",
                        subject="c",
                        severity=item["severity"],
                        status=status,
                        **common,
                    )
                )
            else:
                status = "in_progress" if item["open"] else "completed"
                session.add(
                    Activity(
                        number=f"AC{n}",
                        type="Installation",
                        status=status,
                        expected_completion_at=due,
                        **common,
                    )
                )
        session.commit()
    expected: dict[tuple, list[int]] = {}
    for item in items:
        if not START <= _at(item["at"]) < END:
            continue
        severity = item["severity"] if item["kind"] == "case" else "-"
        key = (*_key(item, by), item["kind"], severity)
        totals = expected.setdefault(key, [0, 0, 0, 0])
        due = (
            item["due"]
            if item["kind"] == "activity"
            else item["due"]
            if item["kind"] == "task"
            else None
        )
        if item["kind"] == "task" and due is None:
            due = 4 * 86_400  # due now: not before now
        totals[0] += 1
        totals[1] += not item["open"]
        totals[2] += item["open"]
        totals[3] += item["open"] and due is not None and _at(due) < now
    start, end = START, END
    got = care_report(engine, start, end, by, now=now)
    assert {row[:-4]: list(row[-4:]) for row in got.rows} == expected
