"""Generated finance rows of one contact: accounts, subscriptions, bills, payments, invoices,
credits and vouchers (wallets and rewards: :mod:`.wallet_rows`).

Kept consistent by construction: an account's balance is its posted invoices plus its bills
minus its payments and credits; a bill's paid amount is the sum of its payments; a wallet's
balance is the sum of its transactions; a participant's points are posted awards minus posted
spends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from commcentre_tui.repo.seed.wallet_rows import WalletRewardRows

if TYPE_CHECKING:
    from commcentre_tui.repo.seed.generate import Customer

DAY = 86400
VAT_PERCENT = 19
_METHODS = (
    "card",
    "card",
    "card",
    "card",
    "direct_debit",
    "direct_debit",
    "direct_debit",
    "bank_transfer",
    "bank_transfer",
    "cash",
)
_CREDIT_REASONS = (
    "Goodwill credit",
    "Service outage compensation",
    "Billing correction",
    "Loyalty discount",
)
_ACCOUNT_NAMES = ("Main account", "Home services", "Mobile lines", "Business services")


def tax_of(cents: int) -> int:
    """VAT on an amount in cents, rounded half up."""
    return (cents * VAT_PERCENT + 50) // 100


class FinanceRows(WalletRewardRows):
    """Mixin of :class:`~commcentre_tui.repo.seed.generate.Generator` for finance rows."""

    profile: Any
    world: Any
    months: list[tuple[int, int, str]]
    month_text: list[tuple[str, str, str, str, str, int]]
    labels: dict[tuple[str, int], str]

    def finance(self, cust: Customer, address: str) -> None:
        """Accounts (with everything on them), spare vouchers and the rewards participant."""
        r, p = self.rng.random, self.profile
        for k in range(p.accounts[int(r() * len(p.accounts))]):
            self._account(cust, address, k)
        if r() < p.spare_vouchers:
            self._voucher(None, cust.created + int(r() * (self.anchor_ts - cust.created)))
        if r() < p.reward:
            self._rewards(cust)

    def _account(self, cust: Customer, address: str, k: int) -> None:
        r, ids, enc, rows, p = self.rng.random, self.ids, self.enc, self.rows, self.profile
        aid = ids.take("account")
        created = cust.created + int(r() * 20 * DAY)
        cust.accounts.append(aid)
        self._total = [0, 0]  # charged (bills + posted invoices), paid (payments + credits)
        pending: list[list[Any]] = []
        for _ in range(p.subscriptions[int(r() * len(p.subscriptions))]):
            self._subscription(cust, aid, pending)
        self._bills(cust, aid, pending)
        if r() < p.invoice and self.world.one_time:
            product = self.world.one_time[int(r() * len(self.world.one_time))]
            amount = product[2] + tax_of(product[2])
            when = created + int(r() * max(DAY, self.anchor_ts - created - 2 * DAY))
            self._invoice(
                aid, f"{product[1]} charge", amount, when, pay=r() < 0.7, posted=r() < 0.92
            )
        if r() < p.credit:
            when = created + int(r() * (self.anchor_ts - created))
            self._credit(aid, 500 + int(r() * 2500), _CREDIT_REASONS[int(r() * 4)], when)
        wallet = self._wallet(aid, created) if r() < p.wallet else None
        if r() < p.voucher:
            self._sold_voucher(aid, wallet, created)
        if wallet is not None:
            wid, balance, wcreated, _last = wallet
            rows["wallet"].append((wid, aid, "EUR", enc.money(balance), enc.ts(wcreated), 1))
        x = r()
        status = "active" if x < 0.95 else "suspended" if x < 0.98 else "closed"
        rows["account"].append(
            (
                aid,
                cust.id,
                ids.number("account"),
                _ACCOUNT_NAMES[k % 4],
                "EUR",
                enc.money(self._total[0] - self._total[1]),
                enc.money(100000 if k else 50000),
                30,
                address,
                status,
                enc.ts(created),
                1,
            )
        )

    def _subscription(self, cust: Customer, aid: int, pending: list[list[Any]]) -> None:
        r, ids, enc, rows, months = self.rng.random, self.ids, self.enc, self.rows, self.months
        lo, hi = self.profile.bills
        nb = lo + int(r() * (hi - lo + 1))
        sid = ids.take("subscription")
        x = r()
        status = "active" if x < 0.86 else "suspended" if x < 0.91 else "terminated"
        last_m = 1 + int(r() * (nb - 1)) if status == "terminated" else 1
        start_day = months[nb][0]
        end_day = months[last_m][1]
        created = start_day * DAY - 3600 - int(r() * 5 * DAY)
        count = min(1 + (r() < 0.55) + (r() < 0.25), len(self.world.recurring))
        services = self.rng.sample(self.world.recurring, count)
        start, end = enc.day(start_day), enc.day(end_day)
        rows["subscription"].append(
            (
                sid,
                aid,
                ids.number("subscription"),
                status,
                start,
                end if status == "terminated" else None,
                end,
                enc.ts(created),
                1,
            )
        )
        cust.subscriptions.append((sid, aid))
        for pid, _name, price in services:
            rows["subscription_service"].append(
                (
                    ids.take("subscription_service"),
                    sid,
                    pid,
                    enc.money(price),
                    start,
                    end if status == "terminated" else None,
                    "removed" if status == "terminated" else "active",
                )
            )
        agent_id = self.agent()[0]
        events = rows["subscription_event"]
        events.append(
            (
                ids.take("subscription_event"),
                sid,
                "Become Subscriber",
                "Services: " + ", ".join(s[1] for s in services),
                start,
                enc.ts(created),
                agent_id,
            )
        )
        if status != "active":
            events.append(
                (
                    ids.take("subscription_event"),
                    sid,
                    "Suspend" if status == "suspended" else "Terminate",
                    "",
                    end,
                    enc.ts(min((end_day + 1) * DAY + 3600, self.anchor_ts - 60)),
                    agent_id,
                )
            )
        lines = rows["bill_line"]
        money, labels = enc.money, self.labels
        priced = [(pid, name, money(price), money(tax_of(price))) for pid, name, price in services]
        subtotal = sum(s[2] for s in services)
        tax = sum(tax_of(s[2]) for s in services)
        next_ids = ids.next_ids
        for m in range(nb, last_m - 1, -1):
            bid = ids.take("bill")
            line_id = next_ids["bill_line"]
            for pid, name, price, line_tax in priced:
                desc = labels.get((name, m))
                if desc is None:
                    desc = labels[name, m] = f"{name} ({months[m][2]})"
                lines.append((line_id, bid, desc, pid, 1, price, price, line_tax))
                line_id += 1
            next_ids["bill_line"] = line_id
            pending.append([m, bid, ids.number("bill"), sid, subtotal, tax])

    def _bills(self, cust: Customer, aid: int, pending: list[list[Any]]) -> None:
        """Bill rows in date order with their payments and the running previous balance."""
        r, money, rows = self.rng.random, self.enc.money, self.rows
        month_text = self.month_text
        pending.sort(key=lambda b: (-b[0], b[1]))
        outstanding = 0
        for m, bid, number, sid, subtotal, tax in pending:
            cust.bills.append(bid)
            amount = subtotal + tax
            x = r()
            if m == 1:
                paid = amount if x < 0.55 else amount * (3 + int(r() * 5)) // 10 if x < 0.65 else 0
            else:
                paid = amount if x < 0.97 else amount // 2 if x < 0.98 else 0
            first, last, billed, due, created, bill_day = month_text[m]
            if paid:
                when = min(bill_day * DAY + 3600 + int(r() * 25 * DAY), self.anchor_ts - 60)
                self._payment(aid, bid, paid, when)
            status = "paid" if paid == amount else "partly_paid" if paid else "unpaid"
            rows["bill"].append(
                (
                    bid,
                    aid,
                    sid,
                    number,
                    first,
                    last,
                    billed,
                    due,
                    money(outstanding),
                    money(subtotal),
                    money(tax),
                    money(amount),
                    money(paid),
                    status,
                    created,
                    1,
                )
            )
            outstanding += amount - paid
            self._total[0] += amount

    def _payment(self, aid: int, bid: int | None, cents: int, when: int) -> None:
        r = self.rng.random
        method = _METHODS[int(r() * len(_METHODS))]
        pid = self.ids.take("payment")
        self.rows["payment"].append(
            (
                pid,
                aid,
                bid,
                self.ids.number("payment"),
                self.enc.money(cents),
                method,
                "" if method == "cash" else f"{method[:2].upper()}{pid * 7919 % 10**8:08d}",
                self.enc.ts(when),
                None if method == "direct_debit" else self.agent()[0],
            )
        )
        self._total[1] += cents

    def _invoice(
        self, aid: int, text: str, cents: int, when: int, *, pay: bool, posted: bool = True
    ) -> None:
        r = self.rng.random
        self.rows["invoice"].append(
            (
                self.ids.take("invoice"),
                aid,
                self.ids.number("invoice"),
                text,
                self.enc.money(cents),
                self.enc.ts(when),
                self.enc.day(when // DAY + 30),
                "posted" if posted else "cancelled",
                self.agent()[0],
            )
        )
        if posted:
            self._total[0] += cents
            if pay:
                self._payment(
                    aid, None, cents, min(when + int(r() * 20 * DAY), self.anchor_ts - 60)
                )

    def _credit(self, aid: int, cents: int, reason: str, when: int) -> None:
        self.rows["credit"].append(
            (
                self.ids.take("credit"),
                aid,
                self.enc.money(cents),
                reason,
                self.enc.ts(when),
                self.agent()[0],
            )
        )
        self._total[1] += cents

    def _voucher(
        self,
        aid: int | None,
        created: int,
        *,
        state: str = "available",
        paid_from: str | None = None,
        sold: int | None = None,
        done: int | None = None,
        value: int | None = None,
    ) -> str:
        r, enc = self.rng.random, self.enc
        vid = self.ids.take("voucher")
        serial: str = self.ids.number("voucher")
        secret = "-".join(f"{int(r() * 10000):04d}" for _ in range(4))
        value = value or (1000, 2000, 2000, 5000)[int(r() * 4)]
        self.rows["voucher"].append(
            (
                vid,
                serial,
                secret,
                enc.money(value),
                "EUR",
                state,
                aid,
                paid_from,
                aid if state == "used" else None,
                enc.opt_ts(sold),
                enc.opt_ts(done if state == "used" else None),
                enc.opt_ts(done if state == "cancelled" else None),
                enc.ts(created),
                1,
            )
        )
        return serial

    def _sold_voucher(self, aid: int, wallet: list[Any] | None, created: int) -> None:
        """A voucher the account bought (then maybe used or cancelled), with its money moves."""
        r = self.rng.random
        value = (1000, 2000, 2000, 5000)[int(r() * 4)]
        x = r()
        state = "sold" if x < 0.4 else "used" if x < 0.8 else "cancelled"
        from_wallet = wallet is not None and wallet[1] >= value
        base = wallet[3] if wallet is not None else created
        sold = min(base + 60 + int(r() * 20 * DAY), self.anchor_ts - 120)
        done = min(sold + 60 + int(r() * 10 * DAY), self.anchor_ts - 60)
        serial = self._voucher(
            aid,
            sold - 30 * DAY,
            state=state,
            sold=sold,
            done=done,
            paid_from="wallet" if from_wallet else "account",
            value=value,
        )
        if from_wallet and wallet is not None:
            self._wallet_tx(wallet, -value, "voucher_purchase", f"eVoucher {serial}")
        else:
            self._invoice(aid, f"eVoucher {serial}", value, sold - DAY, pay=False)
        if state == "used":
            if wallet is not None:
                self._wallet_tx(wallet, value, "voucher_use", f"Voucher {serial} used")
            else:
                self._credit(aid, value, f"Voucher {serial} used", done)
        elif state == "cancelled":
            if from_wallet and wallet is not None:
                self._wallet_tx(wallet, value, "voucher_refund", f"eVoucher {serial} cancelled")
            else:
                self._credit(aid, value, f"eVoucher {serial} cancelled", done)
