"""Reference data for seeding: the product catalogue, and name/street/company pools.

The pools are built once per process from Faker with a fixed seed (Faker per row is far too
slow) plus hand-written Cypriot names that dominate the draw, so common prefixes such as "Mar"
match thousands of contacts at scale. Every entry carries its folded form, computed with
:func:`commcentre_tui.text.fold` exactly as the ORM events do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from commcentre_tui.text import fold

#: The catalogue: (code, name, kind, price in cents, billing period).
PRODUCTS: tuple[tuple[str, str, str, int, str], ...] = (
    ("TV-BASIC", "TV Basic", "recurring", 1500, "monthly"),
    ("TV-FAMILY", "TV Family Pack", "recurring", 2500, "monthly"),
    ("TV-SPORTS", "TV Sports Pack", "recurring", 1999, "monthly"),
    ("TV-CINEMA", "TV Cinema Pack", "recurring", 1250, "monthly"),
    ("BB-50", "Broadband 50 Mbps", "recurring", 2400, "monthly"),
    ("BB-200", "Broadband 200 Mbps", "recurring", 3200, "monthly"),
    ("BB-1G", "Fibre 1 Gbps", "recurring", 4500, "monthly"),
    ("MOB-S", "Mobile S (5 GB)", "recurring", 999, "monthly"),
    ("MOB-M", "Mobile M (30 GB)", "recurring", 1750, "monthly"),
    ("MOB-UNL", "Mobile Unlimited", "recurring", 2900, "monthly"),
    ("VOICE", "Home Phone Line", "recurring", 850, "monthly"),
    ("INSTALL", "Installation", "one_time", 5000, "one_time"),
    ("ROUTER", "Router Delivery", "one_time", 1500, "one_time"),
    ("TECH", "Technician Visit", "one_time", 3500, "one_time"),
    ("DECODER", "Decoder Setup", "one_time", 2000, "one_time"),
    ("SIM", "SIM Card Replacement", "one_time", 500, "one_time"),
)

CY_MALE = (
    "Andreas",
    "Georgios",
    "Christos",
    "Nikos",
    "Konstantinos",
    "Michalis",
    "Panayiotis",
    "Ioannis",
    "Demetris",
    "Marios",
    "Charalambos",
    "Savvas",
    "Kyriakos",
    "Stavros",
    "Costas",
    "Antonis",
    "Petros",
    "Loizos",
    "Neophytos",
    "Sotiris",
    "Chrysostomos",
    "Stelios",
    "Yiannis",
    "Pavlos",
    "Theodoros",
    "Marinos",
    "Evagoras",
    "Charis",
    "Markos",
    "Zacharias",
    "Adamos",
)
CY_FEMALE = (
    "Maria",
    "Eleni",
    "Christina",
    "Anna",
    "Georgia",
    "Androulla",
    "Panayiota",
    "Katerina",
    "Despina",
    "Stella",
    "Marina",
    "Elena",
    "Sophia",
    "Andri",
    "Chrystalla",
    "Myria",
    "Natasa",
    "Irene",
    "Maroulla",
    "Marianna",
    "Chrysanthi",
    "Ioanna",
    "Kyriaki",
    "Evi",
    "Demetra",
    "Antigoni",
    "Martha",
    "Marilena",
    "Margarita",
    "Charoula",
    "Marita",
)
CY_LAST = (
    "Georgiou",
    "Ioannou",
    "Christodoulou",
    "Constantinou",
    "Charalambous",
    "Nicolaou",
    "Papadopoulos",
    "Michael",
    "Antoniou",
    "Demetriou",
    "Savva",
    "Kyriacou",
    "Andreou",
    "Hadjigeorgiou",
    "Panayiotou",
    "Christou",
    "Stylianou",
    "Petrou",
    "Theodorou",
    "Vasiliou",
    "Loizou",
    "Pavlou",
    "Neophytou",
    "Sotiriou",
    "Efthymiou",
    "Hadjimichael",
    "Markou",
    "Hadjinicolaou",
    "Evripidou",
    "Philippou",
    "Kyprianou",
    "Zachariou",
    "Panayi",
    "Economou",
    "Chrysostomou",
    "Solomou",
    "Mavrou",
    "Iacovou",
    "Charalambides",
    "Marangos",
    "Hadjimarkou",
)
CY_STREETS = (
    "Makariou III Avenue",
    "Archbishop Kyprianou Street",
    "Griva Digeni Avenue",
    "Spyrou Kyprianou Avenue",
    "Ledras Street",
    "Onasagorou Street",
    "Stasikratous Street",
    "Themistokli Dervi Avenue",
    "Anexartisias Street",
    "Agiou Andreou Street",
    "28th October Street",
    "Omonias Avenue",
    "Ayias Fylaxeos Street",
    "Gladstonos Street",
    "Evagorou Avenue",
    "Athalassas Avenue",
    "Kennedy Avenue",
    "Tseriou Avenue",
    "Limassol Avenue",
    "Grigori Afxentiou Avenue",
    "Artemidos Avenue",
    "Poseidonos Avenue",
    "Apostolou Pavlou Avenue",
    "Tombs of the Kings Road",
    "Eleftheriou Venizelou Street",
    "Nikis Avenue",
    "Vyronos Avenue",
    "Aglantzias Avenue",
    "Strovolou Avenue",
    "Kallipoleos Avenue",
    "Digeni Akrita Avenue",
    "Dimostheni Severi Avenue",
    "Ermou Street",
    "Pafou Street",
    "Zinonos Kitieos Street",
    "Ammochostou Street",
    "Protaras Avenue",
    "Arch. Makarios Avenue",
    "Marathonos Street",
    "Μακαρίου Γ΄",
    "Λεωφόρος Αρχιεπισκόπου Κυπριανού",
    "Οδός Λήδρας",
)
#: (city, weight, landline prefix, first postal code, last postal code).
CITIES: tuple[tuple[str, int, str, int, int], ...] = (
    ("Nicosia", 25, "22", 1010, 1107),
    ("Limassol", 20, "25", 3010, 3120),
    ("Larnaca", 12, "24", 6010, 6060),
    ("Paphos", 8, "26", 8010, 8049),
    ("Strovolos", 7, "22", 2000, 2064),
    ("Lakatamia", 4, "22", 2300, 2332),
    ("Latsia", 3, "22", 2220, 2237),
    ("Aglantzia", 3, "22", 2100, 2122),
    ("Engomi", 3, "22", 2405, 2421),
    ("Mesa Geitonia", 3, "25", 4000, 4009),
    ("Germasogeia", 3, "25", 4040, 4047),
    ("Paralimni", 3, "23", 5280, 5299),
    ("Ayia Napa", 2, "23", 5330, 5343),
    ("Kato Polemidia", 2, "25", 4150, 4158),
    ("Aradippou", 2, "24", 7100, 7104),
    ("Geroskipou", 2, "26", 8200, 8202),
    ("Ypsonas", 1, "25", 4180, 4189),
    ("Deryneia", 1, "23", 5380, 5382),
    ("Polis Chrysochous", 1, "26", 8820, 8822),
    ("Λευκωσία", 1, "22", 1011, 1100),
)
MOBILE_PREFIXES = ("94", "95", "96", "97", "99")
EMAIL_DOMAINS = (
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "cytanet.com.cy",
    "cytanet.com.cy",
    "hotmail.com",
    "outlook.com",
    "yahoo.com",
    "primehome.com",
    "epic.com.cy",
    "cablenet.com.cy",
    "icloud.com",
)
COMPANY_SUFFIXES = (
    "Ltd",
    "Ltd",
    "Ltd",
    "Trading Ltd",
    "& Sons Ltd",
    "Holdings Ltd",
    "Services Ltd",
    "Enterprises Ltd",
)
_GREEK_LATIN = str.maketrans(
    {
        "α": "a",
        "β": "v",
        "γ": "g",
        "δ": "d",
        "ε": "e",
        "ζ": "z",
        "η": "i",
        "θ": "th",
        "ι": "i",
        "κ": "k",
        "λ": "l",
        "μ": "m",
        "ν": "n",
        "ξ": "x",
        "ο": "o",
        "π": "p",
        "ρ": "r",
        "σ": "s",
        "ς": "s",
        "τ": "t",
        "υ": "y",
        "φ": "f",
        "χ": "ch",
        "ψ": "ps",
        "ω": "o",
    }
)
POOL_SEED = 20240601
POOL_LOCALES = ("en_GB", "en_US", "en_IE", "de_DE", "fr_FR", "es_ES", "it_IT")


def slug(value: str) -> str:
    """A lowercase ASCII token for email addresses: ``"O'Brien"`` → ``obrien``."""
    latin = fold(value).replace("ου", "ou").translate(_GREEK_LATIN)
    return "".join(ch for ch in latin if ch.isascii() and ch.isalnum())


@dataclass(frozen=True)
class Name:
    """A pooled name: as shown, folded (search shadow), and as an email token."""

    text: str
    folded: str
    slug: str


def _name(text: str) -> Name:
    return Name(text, fold(text), slug(text) or "user")


@dataclass(frozen=True)
class Pools:
    """Weighted draw lists (a name repeats in proportion to how common it is)."""

    male: tuple[Name, ...]
    female: tuple[Name, ...]
    last: tuple[Name, ...]
    greek_male: tuple[Name, ...]
    greek_female: tuple[Name, ...]
    greek_last: tuple[Name, ...]
    companies: tuple[Name, ...]
    streets: tuple[Name, ...]
    cities: tuple[tuple[Name, str, int, int], ...]


def _weighted(
    common: tuple[str, ...], rare: list[str], common_share: float, rng: random.Random, size: int
) -> tuple[Name, ...]:
    """A draw list of ``size``: ``common`` take ``common_share`` (Zipf-like), ``rare`` the rest."""
    names = {t: _name(t) for t in (*common, *rare)}
    out: list[Name] = []
    n_common = int(size * common_share)
    zipf = [1 / (r + 1) ** 0.8 for r in range(len(common))]
    total = sum(zipf)
    for text, weight in zip(common, zipf, strict=True):
        out.extend([names[text]] * max(1, round(n_common * weight / total)))
    rare_zipf = [1 / (r + 1) ** 0.5 for r in range(len(rare))]
    rare_total = sum(rare_zipf)
    n_rare = size - len(out)
    for text, weight in zip(rare, rare_zipf, strict=True):
        out.extend([names[text]] * max(1, round(n_rare * weight / rare_total)))
    rng.shuffle(out)
    return tuple(out)


def _faker_unique(fakers: list[Any], method: str, per_locale: int, exclude: set[str]) -> list[str]:
    seen: dict[str, None] = {}
    for fk in fakers:
        for _ in range(per_locale):
            value = getattr(fk, method)()
            if value not in exclude and len(value) <= 60:
                seen.setdefault(value, None)
    return list(seen)


@lru_cache(maxsize=1)
def pools() -> Pools:
    """The process-wide pools (built in about a second, identical on every run)."""
    from faker import Faker

    rng = random.Random(POOL_SEED)
    fakers = []
    for loc in POOL_LOCALES:
        fk = Faker(loc)
        fk.seed_instance(POOL_SEED)
        fakers.append(fk)
    greek = Faker("el_GR")
    greek.seed_instance(POOL_SEED)
    male = _faker_unique(fakers, "first_name_male", 900, set(CY_MALE))
    female = _faker_unique(fakers, "first_name_female", 900, set(CY_FEMALE))
    last = _faker_unique(fakers, "last_name", 1200, set(CY_LAST))
    streets = _faker_unique(fakers[:3], "street_name", 900, set(CY_STREETS))
    companies = [
        f"{n} {COMPANY_SUFFIXES[i % len(COMPANY_SUFFIXES)]}" for i, n in enumerate(last[:2500])
    ]
    companies += [f"{n} {s}" for n in CY_LAST for s in ("Ltd", "Trading Ltd", "Group")]
    city_names = {c[0]: _name(c[0]) for c in CITIES}
    city_draw = tuple(
        (city_names[name], prefix, lo, hi)
        for name, weight, prefix, lo, hi in CITIES
        for _ in range(weight)
    )
    return Pools(
        male=_weighted(CY_MALE, male, 0.55, rng, 40_000),
        female=_weighted(CY_FEMALE, female, 0.55, rng, 40_000),
        last=_weighted(CY_LAST, last, 0.5, rng, 60_000),
        greek_male=tuple(_name(greek.first_name_male()) for _ in range(300)),
        greek_female=tuple(_name(greek.first_name_female()) for _ in range(300)),
        greek_last=tuple(_name(greek.last_name()) for _ in range(600)),
        companies=_weighted((), companies, 0.0, rng, 10_000),
        streets=_weighted(CY_STREETS, streets, 0.4, rng, 20_000),
        cities=city_draw,
    )
