"""Generated wallets (with their transactions) and rewards participants (with their awards and
spends) of one contact; a wallet's balance is the sum of its transactions, a participant's points
are posted awards minus posted spends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from commcentre_tui.repo.seed.generate import Customer

DAY = 86400
_AWARD_REASONS = (
    "Bill paid on time",
    "Loyalty bonus",
    "Referral",
    "Anniversary bonus",
    "Upgrade bonus",
)
_SPEND_REASONS = ("Redeemed for eVoucher", "Bill discount", "Partner offer")


class WalletRewardRows:
    """Mixin of :class:`~commcentre_tui.repo.seed.finance.FinanceRows` for wallets and rewards."""

    rng: Any
    ids: Any
    enc: Any
    rows: dict[str, list[tuple[Any, ...]]]
    anchor_ts: int

    def agent(self) -> tuple[int, str | None]:
        raise NotImplementedError

    def _wallet(self, aid: int, created: int) -> list[Any]:
        r = self.rng.random
        wid = self.ids.take("wallet")
        when = created + int(r() * (self.anchor_ts - created) * 0.5)
        wallet = [wid, 0, when, when]
        self._wallet_tx(wallet, (1000, 2000, 5000, 10000)[int(r() * 4)], "top_up", "Wallet top-up")
        for _ in range(int(r() * 5)):
            spend = min(wallet[1], 300 + int(r() * 1500))
            if spend:
                self._wallet_tx(wallet, -spend, "purchase", "Prepaid usage")
        return wallet

    def _wallet_tx(self, wallet: list[Any], cents: int, kind: str, text: str) -> None:
        """Append a transaction a little after the wallet's last one."""
        wallet[3] = min(wallet[3] + int(self.rng.random() * 30 * DAY) + 60, self.anchor_ts - 60)
        self.rows["wallet_transaction"].append(
            (
                self.ids.take("wallet_transaction"),
                wallet[0],
                self.enc.money(cents),
                kind,
                text,
                self.enc.ts(wallet[3]),
                self.agent()[0],
            )
        )
        wallet[1] += cents

    def _rewards(self, cust: Customer) -> None:
        r, ids, enc, rows = self.rng.random, self.ids, self.enc, self.rows
        pid = ids.take("reward_participant")
        joined = cust.created + int(r() * (self.anchor_ts - cust.created) * 0.5)
        when, points = joined, 0
        for _ in range(2 + int(r() * 7)):
            when = min(when + int(r() * 60 * DAY) + 60, self.anchor_ts - 60)
            pts = (10, 25, 50, 100, 200)[int(r() * 5)]
            cancelled = r() < 0.08
            rows["reward_award_transaction"].append(
                (
                    ids.take("reward_award_transaction"),
                    pid,
                    pts,
                    _AWARD_REASONS[int(r() * 5)],
                    "cancelled" if cancelled else "posted",
                    enc.ts(when),
                    enc.ts(min(when + DAY, self.anchor_ts - 30)) if cancelled else None,
                    self.agent()[0],
                )
            )
            points += 0 if cancelled else pts
        for _ in range(int(r() * 4)):
            pts = min(points, (50, 100, 150)[int(r() * 3)])
            if pts < 10:
                break
            when = min(when + int(r() * 30 * DAY) + 60, self.anchor_ts - 60)
            cancelled = r() < 0.1
            rows["reward_spend_transaction"].append(
                (
                    ids.take("reward_spend_transaction"),
                    pid,
                    pts,
                    _SPEND_REASONS[int(r() * 3)],
                    "cancelled" if cancelled else "posted",
                    enc.ts(when),
                    enc.ts(min(when + DAY, self.anchor_ts - 30)) if cancelled else None,
                    self.agent()[0],
                )
            )
            points -= 0 if cancelled else pts
        rows["reward_participant"].append(
            (
                pid,
                cust.id,
                cust.accounts[0] if cust.accounts else None,
                ids.number("reward_participant"),
                points,
                enc.ts(joined),
                1,
            )
        )
