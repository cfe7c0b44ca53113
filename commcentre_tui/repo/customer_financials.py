"""Read query for the Financials tab: an account's transactions of every kind, merged and paged."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine, select
from sqlmodel import col

from commcentre_tui.models import (
    Bill,
    Credit,
    Invoice,
    Payment,
    Wallet,
    WalletTransaction,
)
from commcentre_tui.repo.customer_tabs import (
    DEFAULT_LIMIT,
    Cursor,
    Page,
    _merge,
    _upto,
    aware,
    period_text,
)
from commcentre_tui.repo.db import reading


@dataclass(frozen=True)
class FinancialRow:
    """A financial transaction of an account: invoice, bill, payment, credit or wallet movement.

    ``amount`` is signed from the customer's point of view: positive raises what they owe
    (invoice, bill); negative lowers it (payment, credit). Wallet movements keep the wallet's
    own sign (credit > 0).
    """

    entity: str
    id: int
    when: datetime
    kind_label: str
    number: str
    description: str
    amount: Decimal
    status: str


#: Financial kinds: key → (rank, label). The rank orders same-instant rows.
FINANCIAL_KINDS: dict[str, tuple[int, str]] = {
    "invoice": (5, "Invoice"),
    "bill": (4, "Bill"),
    "payment": (3, "Payment"),
    "credit": (2, "Credit"),
    "wallet": (1, "Wallet"),
}


def account_transactions(
    engine: Engine,
    account_id: int,
    *,
    kind: str | None = None,
    limit: int = DEFAULT_LIMIT,
    before: Cursor | None = None,
) -> Page[FinancialRow]:
    """An account's invoices, bills, payments, credits and wallet movements, newest first."""
    n = limit + 2
    want = set(FINANCIAL_KINDS) if kind in (None, "", "all") else {kind}
    parts: list[tuple[int, list[tuple[datetime, int, FinancialRow]]]] = []

    def add(key: str, rows: Iterable[tuple[datetime, int, FinancialRow]]) -> None:
        parts.append((FINANCIAL_KINDS[key][0], list(rows)))

    with reading(engine) as session:
        if "invoice" in want:
            add(
                "invoice",
                (
                    (
                        i.issued_at,
                        i.id,
                        FinancialRow(
                            "invoice",
                            i.id,
                            aware(i.issued_at),
                            "Invoice",
                            i.number,
                            i.description,
                            i.amount,
                            i.state,
                        ),
                    )
                    for i in session.execute(
                        select(Invoice)
                        .where(
                            col(Invoice.account_id) == account_id,
                            *_upto(col(Invoice.issued_at), before),
                        )
                        .order_by(col(Invoice.issued_at).desc(), col(Invoice.id).desc())
                        .limit(n)
                    ).scalars()
                ),
            )
        if "bill" in want:
            add(
                "bill",
                (
                    (
                        b.bill_date,
                        b.id,
                        FinancialRow(
                            "bill",
                            b.id,
                            aware(b.bill_date),
                            "Bill",
                            b.number,
                            period_text(b.period_start, b.period_end),
                            b.amount,
                            b.status.replace("_", " "),
                        ),
                    )
                    for b in session.execute(
                        select(Bill)
                        .where(
                            col(Bill.account_id) == account_id,
                            *_upto(col(Bill.bill_date), before, is_date=True),
                        )
                        .order_by(col(Bill.bill_date).desc(), col(Bill.id).desc())
                        .limit(n)
                    ).scalars()
                ),
            )
        if "payment" in want:
            add(
                "payment",
                (
                    (
                        p.received_at,
                        p.id,
                        FinancialRow(
                            "payment",
                            p.id,
                            aware(p.received_at),
                            "Payment",
                            p.number,
                            " ".join(x for x in (p.method.replace("_", " "), p.reference) if x),
                            -p.amount,
                            "received",
                        ),
                    )
                    for p in session.execute(
                        select(Payment)
                        .where(
                            col(Payment.account_id) == account_id,
                            *_upto(col(Payment.received_at), before),
                        )
                        .order_by(col(Payment.received_at).desc(), col(Payment.id).desc())
                        .limit(n)
                    ).scalars()
                ),
            )
        if "credit" in want:
            add(
                "credit",
                (
                    (
                        c.posted_at,
                        c.id,
                        FinancialRow(
                            "credit",
                            c.id,
                            aware(c.posted_at),
                            "Credit",
                            f"CR{c.id}",
                            c.reason,
                            -c.amount,
                            "posted",
                        ),
                    )
                    for c in session.execute(
                        select(Credit)
                        .where(
                            col(Credit.account_id) == account_id,
                            *_upto(col(Credit.posted_at), before),
                        )
                        .order_by(col(Credit.posted_at).desc(), col(Credit.id).desc())
                        .limit(n)
                    ).scalars()
                ),
            )
        if "wallet" in want:
            wallet_ids = list(
                session.execute(
                    select(col(Wallet.id)).where(col(Wallet.account_id) == account_id)
                ).scalars()
            )
            if wallet_ids:
                add(
                    "wallet",
                    (
                        (
                            w.created_at,
                            w.id,
                            FinancialRow(
                                "wallet_transaction",
                                w.id,
                                aware(w.created_at),
                                "Wallet",
                                f"W{w.id}",
                                w.description or w.kind.replace("_", " "),
                                w.amount,
                                w.kind.replace("_", " "),
                            ),
                        )
                        for w in session.execute(
                            select(WalletTransaction)
                            .where(
                                col(WalletTransaction.wallet_id).in_(wallet_ids),
                                *_upto(col(WalletTransaction.created_at), before),
                            )
                            .order_by(
                                col(WalletTransaction.created_at).desc(),
                                col(WalletTransaction.id).desc(),
                            )
                            .limit(n)
                        ).scalars()
                    ),
                )
    return _merge(parts, limit, before)
