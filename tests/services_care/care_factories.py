"""Small factories for the customer-care service tests (rows inserted directly, no demo seeder)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import SQLModel

from commcentre_tui import models as m
from commcentre_tui.config import Settings
from commcentre_tui.repo.db import reading, transaction
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.services.context import ServiceContext


def soon(**delta: float) -> datetime:
    """Now plus ``delta`` (aware UTC)."""
    return m.utcnow() + timedelta(**delta)


class Factory:
    """Creates the rows a test needs, each in its own transaction."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def add(self, row: SQLModel) -> Any:
        with transaction(self.engine) as session:
            session.add(row)
            session.flush()
        return row

    def contact(
        self,
        first: str = "Maria",
        last: str = "Georgiou",
        *,
        phone: str | None = None,
        e164: str | None = None,
        email: str | None = None,
    ) -> m.Contact:
        n = self._next()
        contact = self.add(m.Contact(customer_number=f"X{n:06d}", first_name=first, last_name=last))
        if phone:
            self.add(
                m.ContactPhone(contact_id=contact.id, number=phone, e164=e164, is_primary=True)
            )
        if email:
            self.add(m.ContactEmail(contact_id=contact.id, address=email, is_primary=True))
        return contact

    def agent(
        self, username: str, *, unit: str | None = "Care", role: str = "agent", active: bool = True
    ) -> m.Agent:
        return self.add(
            m.Agent(
                username=username,
                display_name=username.title(),
                unit=unit,
                role=role,
                active=active,
            )
        )

    def actor(self, agent: m.Agent) -> Actor:
        return Actor(
            agent_id=agent.id,
            username=agent.username,
            role_name=agent.role,
            role=self.settings.roles[agent.role],
            display_name=agent.display_name,
            unit=agent.unit,
        )

    def ctx(self, actor: Actor) -> ServiceContext:
        return ServiceContext(self.engine, self.settings, actor)

    def product(
        self, name: str = "Installation", *, kind: str = "one_time", active: bool = True
    ) -> m.Product:
        n = self._next()
        return self.add(
            m.Product(code=f"P{n}", name=name, kind=kind, price=Decimal("50.00"), active=active)
        )

    def account(self, contact: m.Contact) -> m.Account:
        return self.add(m.Account(contact_id=contact.id, number=f"A{self._next():08d}"))

    def subscription(self, account: m.Account) -> m.Subscription:
        return self.add(
            m.Subscription(
                account_id=account.id, number=f"S{self._next():08d}", start_date=date(2026, 1, 1)
            )
        )

    def communication(
        self, contact: m.Contact, subject: str = "Call about picture"
    ) -> m.Communication:
        return self.add(
            m.Communication(
                contact_id=contact.id,
                direction="incoming",
                media="phone",
                subject=subject,
                state="completed",
            )
        )

    def count(self, model: type[SQLModel]) -> int:
        with reading(self.engine) as session:
            return int(session.execute(select(func.count()).select_from(model)).scalar_one())

    def get(self, model: type[SQLModel], record_id: int) -> Any:
        with reading(self.engine) as session:
            return session.get(model, record_id)

    def audit(self, entity: str, entity_id: int) -> list[m.AuditEntry]:
        with reading(self.engine) as session:
            return list(
                session.execute(
                    select(m.AuditEntry)
                    .where(m.AuditEntry.entity == entity, m.AuditEntry.entity_id == entity_id)
                    .order_by(m.AuditEntry.id)
                ).scalars()
            )
