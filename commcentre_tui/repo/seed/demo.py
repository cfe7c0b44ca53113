"""The demo data set: 300 customers and one agent per role, loaded on first start.

The rows come from the same generator as the bulk seed (with a richer profile: more vouchers,
rewards, cases and tasks per customer, communications over the last four months, reminders due
within the next two hours) and a fixed seed, after a dozen hand-picked customers with accented,
Greek and apostrophe names and some companies.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select

from commcentre_tui.config import Settings
from commcentre_tui.models import Agent
from commcentre_tui.repo.seed.bulk import load, os_agent_name
from commcentre_tui.repo.seed.generate import DEMO, Featured

DEMO_SEED = 20_260_101
DEMO_CONTACTS = 300

#: (username, display name, role, unit, extension)
DEMO_AGENTS = (
    ("maria", "Maria Georgiou", "agent", "Care", "1001"),
    ("george", "George Antoniou", "supervisor", "Care", "1002"),
    ("eleni", "Eleni Christodoulou", "finance", "Finance", "1003"),
    ("admin", "Administrator", "admin", None, None),
)

FEATURED = (
    Featured("María", "Hadjigeorgiou", title="Ms", language="el"),
    Featured("Γιώργος", "Ιωάννου", title="Mr", language="el"),
    Featured("Klaus", "Müller", title="Mr", language="de"),
    Featured("Siobhán", "O'Brien", title="Ms"),
    Featured(company="Mediterranean Logistics Ltd"),
    Featured("Andreas", "Constantinou", title="Mr", language="el"),
    Featured("Élodie", "Dubois", title="Ms", language="fr"),
    Featured(company="Café Olympia Ltd"),
    Featured("Chrysanthi", "Charalambous", title="Mrs", language="el"),
    Featured("José", "Núñez", title="Mr", language="es"),
    Featured(company="Aphrodite Hotels Ltd"),
    Featured("Marios", "Papadopoulos", title="Dr", language="el"),
)


def demo_agents() -> list[tuple[str, str, str, str | None, str | None]]:
    """The demo agents, plus one (role agent) for the operating-system user running this."""
    agents = list(DEMO_AGENTS)
    me = os_agent_name()
    if me and me not in {a[0] for a in agents}:
        agents.append((me, me.replace(".", " ").replace("_", " ").title(), "agent", "Care", "1004"))
    return agents


def load_demo(engine: Engine, settings: Settings, *, now: datetime | None = None) -> str:
    """Load the demo customers and agents into a freshly migrated database; a summary such as
    "300 customers and 5 agents" (:func:`commcentre_tui.services.demo.seed_demo` adds the
    shipped templates and the roles)."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    table = Agent.__table__  # type: ignore[attr-defined]  # sqlmodel's stubs do not declare a table model's __table__
    with engine.begin() as conn:
        existing = set(conn.execute(select(table.c.username)).scalars())
        rows = [
            {
                "username": u,
                "display_name": d,
                "role": r,
                "unit": un,
                "extension": x,
                "active": True,
                "created_at": now,
                "version": 1,
            }
            for u, d, r, un, x in demo_agents()
            if u not in existing
        ]
        if rows:
            conn.execute(insert(table), rows)
        n_agents = len(existing) + len(rows)
    counts = load(
        engine,
        settings,
        contacts=DEMO_CONTACTS,
        seed=DEMO_SEED,
        profile=DEMO,
        anchor=now,
        featured=FEATURED,
    )
    return f"{counts['contact']} customers and {n_agents} agents"
