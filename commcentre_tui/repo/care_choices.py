"""Pickers for the care forms: agents and units to assign, one-time products, related records."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine, select
from sqlmodel import col

from commcentre_tui.models import Account, Agent, Communication, Product, Subscription
from commcentre_tui.repo.care_queries import MODELS, case_visibility, known_units
from commcentre_tui.repo.db import reading
from commcentre_tui.repo.permissions import Actor


@dataclass(frozen=True)
class AgentChoice:
    """An active agent for an assignment picker."""

    id: int
    display_name: str
    unit: str | None


@dataclass(frozen=True)
class ProductChoice:
    """A one-time product or service of the catalogue (activity services picker)."""

    id: int
    code: str
    name: str
    price: Decimal


@dataclass(frozen=True)
class RelatedChoice:
    """Something of the same customer a care record may be associated with (picker row)."""

    kind: str
    id: int
    label: str


def assignment_agents(engine: Engine, unit: str | None = None) -> list[AgentChoice]:
    """Active agents (of ``unit`` if given) by name, for assignment pickers."""
    stmt = select(Agent).where(col(Agent.active))
    if unit is not None:
        stmt = stmt.where(col(Agent.unit) == unit)
    with reading(engine) as session:
        agents = (
            session.execute(stmt.order_by(col(Agent.display_name), col(Agent.id))).scalars().all()
        )
    return [AgentChoice(a.id or 0, a.display_name, a.unit) for a in agents]


def assignment_units(engine: Engine) -> list[str]:
    """The units of active agents, for assignment pickers."""
    with reading(engine) as session:
        return known_units(session)


def one_time_products(engine: Engine) -> list[ProductChoice]:
    """Active one-time products of the catalogue, by name (activity services picker)."""
    with reading(engine) as session:
        rows = (
            session.execute(
                select(Product)
                .where(col(Product.active), col(Product.kind) == "one_time")
                .order_by(col(Product.name), col(Product.id))
            )
            .scalars()
            .all()
        )
    return [ProductChoice(p.id or 0, p.code, p.name, p.price) for p in rows]


def related_choices(
    engine: Engine, actor: Actor, contact_id: int, *, per_kind: int = 50
) -> list[RelatedChoice]:
    """The contact's accounts, subscriptions and care records (newest first per kind) for pickers."""
    choices: list[RelatedChoice] = []
    with reading(engine) as session:
        for acc in session.execute(
            select(Account)
            .where(col(Account.contact_id) == contact_id)
            .order_by(col(Account.id).desc())
            .limit(per_kind)
        ).scalars():
            choices.append(RelatedChoice("account", acc.id or 0, f"Account {acc.number}"))
        for sub in session.execute(
            select(Subscription)
            .join(Account, col(Subscription.account_id) == col(Account.id))
            .where(col(Account.contact_id) == contact_id)
            .order_by(col(Subscription.id).desc())
            .limit(per_kind)
        ).scalars():
            choices.append(RelatedChoice("subscription", sub.id or 0, f"Subscription {sub.number}"))
        words = {
            "job": "Job",
            "service_request": "Service request",
            "case": "Case",
            "lead": "Lead",
            "activity": "Activity",
        }
        for kind, word in words.items():
            model = MODELS[kind]
            stmt = select(model).where(model.contact_id == contact_id)
            if kind == "case":
                stmt = stmt.where(case_visibility(actor))
            for rec in session.execute(stmt.order_by(model.id.desc()).limit(per_kind)).scalars():
                detail = getattr(rec, "subject", None) or getattr(rec, "type", None) or ""
                choices.append(RelatedChoice(kind, rec.id, f"{word} {rec.number} {detail}".strip()))
    return choices


def communication_choices(
    engine: Engine, contact_id: int, *, limit: int = 50
) -> list[Communication]:
    """The contact's latest communications (a follow-up may link one)."""
    with reading(engine) as session:
        return list(
            session.execute(
                select(Communication)
                .where(col(Communication.contact_id) == contact_id)
                .order_by(col(Communication.created_at).desc(), col(Communication.id).desc())
                .limit(limit)
            ).scalars()
        )
