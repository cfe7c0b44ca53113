"""Pure row generation: deterministic tuples for every table, encoded for one backend.

No database access here. :class:`Generator` turns a seed, the ids/numbers to start from, the
catalogue and the agents into ``{table: [tuple, ...]}`` batches whose tuples follow
:data:`COLUMNS`. Money is generated in integer cents and datetimes as epoch seconds, then
encoded by :class:`.encoding.Encoding` exactly as the ORM types store them (SQLite: cents and
``YYYY-MM-DD HH:MM:SS.ffffff`` naive-UTC text; PostgreSQL: ``D.CC`` and ``…+00``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from commcentre_tui.repo.seed.care import CareRows
from commcentre_tui.repo.seed.columns import COLUMNS
from commcentre_tui.repo.seed.encoding import DAY, EPOCH, Encoding, Ids, national_id
from commcentre_tui.repo.seed.finance import FinanceRows
from commcentre_tui.repo.seed.pools import EMAIL_DOMAINS, MOBILE_PREFIXES, Name, pools, slug
from commcentre_tui.text import canon_id, canon_number, fold, to_e164


@dataclass(frozen=True)
class Profile:
    """How much of everything one contact gets (probabilities and ranges)."""

    company_share: float = 0.08
    greek_share: float = 0.03
    second_phone: float = 0.45
    email: float = 0.88
    address: float = 0.93
    accounts: tuple[int, ...] = (1, 1, 1, 1, 1, 1, 2, 2, 2, 3)
    subscriptions: tuple[int, ...] = (0, 0, 0, 1, 1, 1, 1, 1, 1, 2)
    bills: tuple[int, int] = (3, 8)
    comms: tuple[int, int] = (0, 20)
    comm_days: int = 730
    invoice: float = 0.08
    credit: float = 0.03
    wallet: float = 0.15
    voucher: float = 0.03
    spare_vouchers: float = 0.02
    reward: float = 0.12
    activity: float = 0.04
    job: float = 0.03
    service_request: float = 0.06
    lead: float = 0.02
    case: float = 0.04
    task: float = 0.05
    soon_tasks: int = 0
    """How many tasks to make due within the next two hours (demo reminders)."""
    exact_e164: bool = False
    """Derive E.164 with ``to_e164`` (slow) instead of from the generated digits."""
    national_ids: bool = True
    """Give most people a national ID (derived from the contact id: no random draw, so the rest
    of the data is the same with or without)."""


BULK = Profile()
DEMO = Profile(
    company_share=0.1,
    greek_share=0.05,
    comms=(3, 14),
    comm_days=120,
    invoice=0.25,
    credit=0.12,
    wallet=0.35,
    voucher=0.15,
    spare_vouchers=0.1,
    reward=0.4,
    activity=0.15,
    job=0.12,
    service_request=0.2,
    lead=0.1,
    case=0.2,
    task=0.3,
    soon_tasks=12,
    exact_e164=True,
    national_ids=False,
)


@dataclass(frozen=True)
class Featured:
    """A hand-picked contact (demo): its names replace the drawn ones."""

    first: str | None = None
    last: str | None = None
    company: str | None = None
    title: str | None = None
    language: str = "en"


@dataclass(frozen=True)
class World:
    """What the database already holds that generated rows point at."""

    recurring: tuple[tuple[int, str, int], ...]
    """(product id, name, price cents) of recurring products."""
    one_time: tuple[tuple[int, str, int], ...]
    agents: tuple[tuple[int, str | None], ...]
    """(agent id, unit)."""
    reasons: tuple[str, ...] = ("Billing", "Technical", "Sales", "Complaint", "Other")
    outcomes: tuple[str, ...] = ("Resolved", "Follow-up needed", "Escalated", "No answer")


@dataclass
class Customer:
    """What later rows of one contact refer to."""

    id: int
    first: str
    created: int
    email: str | None = None
    phone: str | None = None
    accounts: list[int] = field(default_factory=list)
    subscriptions: list[tuple[int, int]] = field(default_factory=list)
    bills: list[int] = field(default_factory=list)
    comms: list[int] = field(default_factory=list)


_PHONE_FORMATS = (
    "{a} {b}",
    "+357 {d}",
    "00357{d}",
    "{d}",
    "+357 {a} {b1} {b2}",
    "{d}",
    "(+357) {a}-{b}",
    "{a} {b}",
)


class Generator(FinanceRows, CareRows):
    """Deterministic rows for ``n`` contacts at a time (call :meth:`batch` repeatedly)."""

    def __init__(
        self,
        enc: Encoding,
        ids: Ids,
        world: World,
        profile: Profile,
        *,
        seed: int,
        anchor: datetime,
    ) -> None:
        self.enc, self.ids, self.world, self.profile = enc, ids, world, profile
        self.rng = random.Random(seed)
        self.pools = pools()
        self.anchor_ts = int(anchor.astimezone(UTC).timestamp())
        self.anchor_day = self.anchor_ts // DAY
        self.months = _months(anchor.astimezone(UTC).date(), 60)
        self.month_text = [  # period start/end, bill date, due date, bill created_at, bill day
            (
                enc.day(first),
                enc.day(last),
                enc.day(last + 1),
                enc.day(last + 31),
                enc.ts((last + 1) * DAY + 7200),
                last + 1,
            )
            for first, last, _label in self.months
        ]
        self.labels: dict[tuple[str, int], str] = {}
        self.soon_left = profile.soon_tasks
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in COLUMNS}

    def batch(
        self, n: int, featured: tuple[Featured, ...] = ()
    ) -> dict[str, list[tuple[Any, ...]]]:
        """Rows for the next ``n`` contacts (the first ones take ``featured`` names)."""
        self.rows = {t: [] for t in COLUMNS}
        for i in range(n):
            self.customer(featured[i] if i < len(featured) else None)
        return self.rows

    def agent(self) -> tuple[int, str | None]:
        agents: tuple[tuple[int, str | None], ...] = self.world.agents
        return agents[int(self.rng.random() * len(agents))]

    def customer(self, feat: Featured | None) -> None:
        r, p, pl, enc = self.rng.random, self.profile, self.pools, self.enc
        cid = self.ids.take("contact")
        created = self.anchor_ts - 430 * DAY - int(r() * 5 * 365 * DAY)
        title = reg = id_number = None
        if feat is not None:
            kind = "company" if feat.company else "person"
            first, last, company = feat.first, feat.last, feat.company
            title, lang = feat.title, feat.language
            f_norm, l_norm, c_norm = fold(first), fold(last), fold(company)
            first_slug = slug(first or "") or "info"
            last_slug = slug(last or company or "") or "mail"
        elif r() < p.company_share:
            kind, first, last, f_norm, l_norm = "company", None, None, "", ""
            name = _pick(pl.companies, r)
            company, c_norm, first_slug, last_slug = name.text, name.folded, "info", name.slug
            lang = "en"
        else:
            kind, company, c_norm = "person", None, ""
            greek = r() < p.greek_share
            female = r() < 0.52
            if greek:
                fn = _pick(pl.greek_female if female else pl.greek_male, r)
                ln = _pick(pl.greek_last, r)
            else:
                fn = _pick(pl.female if female else pl.male, r)
                ln = _pick(pl.last, r)
            first, last, f_norm, l_norm = fn.text, ln.text, fn.folded, ln.folded
            first_slug, last_slug = fn.slug, ln.slug
            x = r()
            title = (
                ("Ms" if x < 0.6 else "Mrs" if x < 0.9 else "Dr")
                if female
                else ("Mr" if x < 0.92 else "Dr")
            )
            lang = "el" if greek or r() < 0.25 else "en"
        if kind == "person" and r() < 0.85:
            id_number = str(100000 + int(r() * 9_899_999))
        if kind == "company":
            reg = f"HE{100000 + int(r() * 899_999)}"
        sort = f"{l_norm} {f_norm}".strip() if (l_norm or f_norm) else c_norm
        national = national_id(cid) if kind == "person" and p.national_ids and cid % 8 else None
        updated = created + int(r() * (self.anchor_ts - created))
        self.rows["contact"].append(
            (
                cid,
                self.ids.number("contact"),
                kind,
                title,
                first,
                last,
                company,
                reg,
                id_number,
                lang,
                r() < 0.05,
                r() < 0.04,
                r() < 0.02,
                r() < 0.03,
                "Business" if kind == "company" else None,
                None,
                "{}",
                f_norm,
                l_norm,
                c_norm,
                canon_number(id_number),
                sort,
                enc.ts(created),
                enc.ts(updated),
                1,
                national,
                canon_id(national),
            )
        )
        cust = Customer(cid, first or company or "", created)
        self._phones(cust)
        if r() < p.email:
            self._email(cust, first_slug, last_slug, kind == "company")
        address = self._address(cust) if r() < p.address else ""
        self.finance(cust, address)
        self.care(cust)

    def _phones(self, cust: Customer) -> None:
        r = self.rng.random
        idx = (cust.id * 1_234_567 + 89_101) % 5_000_000
        digits = MOBILE_PREFIXES[idx // 1_000_000] + f"{idx % 1_000_000:06d}"
        phones = [("mobile", digits)]
        if r() < self.profile.second_phone:
            line = (cust.id * 7_654_321 + 12_345) % 1_000_000
            phones.append(
                ("home" if r() < 0.8 else "work", ("22", "24", "25")[line % 3] + f"{line:06d}")
            )
        rows = self.rows["contact_phone"]
        for n, (kind, d) in enumerate(phones):
            fmt = _PHONE_FORMATS[int(r() * len(_PHONE_FORMATS))]
            typed = fmt.format(d=d, a=d[:2], b=d[2:], b1=d[2:5], b2=d[5:])
            e164 = to_e164(typed) if self.profile.exact_e164 else "+357" + d
            rows.append((self.ids.take("contact_phone"), cust.id, kind, typed, e164, n == 0))
            if n == 0:
                cust.phone = e164

    def _email(self, cust: Customer, first: str, last: str, company: bool) -> None:
        r = self.rng.random
        if company:
            address = f"{first}@{last[:20]}.com.cy"
        else:
            style = int(r() * 4)
            tag = "" if style == 0 else str(cust.id % 1000)
            local = (f"{first}.{last}", f"{first[0]}{last}", f"{first}{last}", f"{last}.{first}")[
                style
            ]
            address = f"{local}{tag}@{EMAIL_DOMAINS[int(r() * len(EMAIL_DOMAINS))]}"
        cust.email = address
        self.rows["contact_email"].append(
            (
                self.ids.take("contact_email"),
                cust.id,
                "work" if company else "personal",
                address,
                address,
                True,
            )
        )

    def _address(self, cust: Customer) -> str:
        r = self.rng.random
        street = _pick(self.pools.streets, r)
        city, _prefix, lo, hi = self.pools.cities[int(r() * len(self.pools.cities))]
        number = str(1 + int(r() * 180))
        postal = str(lo + int(r() * (hi - lo + 1)))
        self.rows["contact_address"].append(
            (
                self.ids.take("contact_address"),
                cust.id,
                "home",
                f"{street.text} {number}",
                city.text,
                postal,
                "Cyprus",
                f"{street.folded} {number}",
                city.folded,
                postal,
                "cyprus",
                True,
            )
        )
        return f"{street.text} {number}, {postal} {city.text}, Cyprus"


def _pick(pool: tuple[Name, ...], r: Callable[[], float]) -> Name:
    return pool[int(r() * len(pool))]


def _months(today: date, count: int) -> list[tuple[int, int, str]]:
    """``[(first day, last day, "Mon YYYY")]`` of the ``count`` months before ``today``'s;
    index 0 is the current month, 1 the previous one, …"""
    out = []
    year, month = today.year, today.month
    for _ in range(count + 1):
        first = date(year, month, 1)
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        out.append(((first - EPOCH).days, (nxt - EPOCH).days - 1, first.strftime("%b %Y")))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out
