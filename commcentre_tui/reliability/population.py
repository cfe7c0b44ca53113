"""The data of the concurrent-agents scenario: 100 customers and 20 agents, written once.

Each customer has an email, a mobile, a work phone and an address; an account (with an empty
wallet) and a subscription to one recurring product billed for three whole months, its three
bills unpaid — the account balance is exactly their sum, so the books add up from the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Engine, select
from sqlmodel import col

from commcentre_tui import models as m
from commcentre_tui.config import Settings
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.permissions import Actor
from commcentre_tui.roles import default_roles

PRICE = Decimal("31.00")
START = date(2025, 1, 1)
MONTHS = (
    (date(2025, 1, 1), date(2025, 1, 31)),
    (date(2025, 2, 1), date(2025, 2, 28)),
    (date(2025, 3, 1), date(2025, 3, 31)),
)
PREFIX = "RC"
"""Customer, account, subscription and bill numbers of the scenario's rows."""


@dataclass(frozen=True)
class Customer:
    contact_id: int
    account_id: int
    subscription_id: int
    customer_number: str
    mobile: str


@dataclass(frozen=True)
class Population:
    customers: list[Customer]
    actors: list[Actor]


def _tax(amount: Decimal, settings: Settings) -> Decimal:
    return (amount * Decimal(settings.billing.tax_rate)).quantize(
        Decimal("0.01"), rounding=settings.billing.rounding
    )


def populate(
    engine: Engine,
    settings: Settings,
    *,
    customers: int = 100,
    agents: int = 20,
    finance_every: int = 5,
) -> Population:
    """Write the customers and agents (every ``finance_every``-th agent has the finance role)."""
    tax = _tax(PRICE, settings)
    out: list[Customer] = []
    with transaction(engine) as session:
        product = session.execute(
            select(m.Product).where(col(m.Product.code) == f"{PREFIX}TV")
        ).scalar_one_or_none()
        if product is None:
            product = m.Product(code=f"{PREFIX}TV", name="Reliability TV", price=PRICE)
            session.add(product)
            session.flush()
        for i in range(customers):
            n = f"{i:05d}"
            mobile = f"+3579{7_000_000 + i:07d}"
            contact = m.Contact(
                customer_number=f"{PREFIX}{n}", first_name="Agnes", last_name=f"Reliable{n}"
            )
            session.add(contact)
            session.flush()
            session.add_all(
                [
                    m.ContactEmail(
                        contact_id=contact.id, address=f"rc{n}@example.com", is_primary=True
                    ),
                    m.ContactPhone(
                        contact_id=contact.id,
                        kind="mobile",
                        number=mobile,
                        e164=mobile,
                        is_primary=True,
                    ),
                    m.ContactPhone(
                        contact_id=contact.id,
                        kind="work",
                        number="+35722000000",
                        e164="+35722000000",
                    ),
                    m.ContactAddress(
                        contact_id=contact.id,
                        street="1 Main St",
                        city="Nicosia",
                        postal_code="1000",
                        country="Cyprus",
                        is_primary=True,
                    ),
                ]
            )
            account = m.Account(
                contact_id=contact.id, number=f"{PREFIX}A{n}", balance=(PRICE + tax) * len(MONTHS)
            )
            session.add(account)
            session.flush()
            session.add(m.Wallet(account_id=account.id, currency=account.currency))
            sub = m.Subscription(
                account_id=account.id,
                number=f"{PREFIX}S{n}",
                start_date=START,
                billed_until=MONTHS[-1][1],
            )
            session.add(sub)
            session.flush()
            session.add(
                m.SubscriptionService(
                    subscription_id=sub.id, product_id=product.id, price=PRICE, start_date=START
                )
            )
            for k, (first, last) in enumerate(MONTHS):
                session.add(
                    m.Bill(
                        account_id=account.id,
                        subscription_id=sub.id,
                        number=f"{PREFIX}B{n}{k}",
                        period_start=first,
                        period_end=last,
                        bill_date=last,
                        due_date=last + timedelta(days=30),
                        subtotal=PRICE,
                        tax=tax,
                        amount=PRICE + tax,
                        previous_balance=(PRICE + tax) * k,
                    )
                )
            assert contact.id and account.id and sub.id
            out.append(Customer(contact.id, account.id, sub.id, contact.customer_number, mobile))
        actors = []
        for i in range(agents):
            role = (
                "finance" if finance_every and i % finance_every == finance_every - 1 else "agent"
            )
            agent = m.Agent(
                username=f"reliability{i:02d}",
                display_name=f"Reliability {i:02d}",
                role=role,
                unit="Care",
            )
            session.add(agent)
            session.flush()
            actors.append(
                Actor(
                    agent_id=agent.id,
                    username=agent.username,
                    role_name=role,
                    role=settings.roles.get(role, default_roles()[role]),
                    display_name=agent.display_name,
                    unit="Care",
                )
            )
    return Population(out, actors)
