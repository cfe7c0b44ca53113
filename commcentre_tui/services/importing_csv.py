"""Reading a contacts CSV for ``commcentre import contacts``: encoding, delimiter, header mapping.

The file is read as bytes and decoded line by line, so a wrong encoding is reported with its line
number; a UTF-8 byte-order mark is dropped. The delimiter is ``--delimiter`` or the most frequent
of ``,`` ``;`` tab ``|`` in the header line. Quoted fields may span lines (the record's first
line is the one reported) and may be very large (up to :data:`FIELD_LIMIT`).

Columns map to import fields by ``--map field=Column`` (or a mapping file of ``field = Column``
lines); a header that already is a field name (case, spaces and hyphens aside) maps itself.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from commcentre_tui.text import fold, quoted

FIELD_LIMIT = 64 * 1024 * 1024
"""The largest field the reader accepts (a longer one is still refused by its column's limit)."""
DELIMITERS = (",", ";", "\t", "|")

#: Contact columns a row may give, one value each.
CONTACT_FIELDS = (
    "external_id",
    "kind",
    "title",
    "first_name",
    "last_name",
    "company_name",
    "registration_number",
    "id_number",
    "national_id",
    "preferred_language",
    "unit",
    "notes",
)
OPT_MEDIA = ("email", "sms", "phone", "letter")
OPT_FIELDS = tuple(f"{m}_opt_{w}" for m in OPT_MEDIA for w in ("out", "in"))
#: Phone fields → the phone kind they give; ``_2`` … ``_9`` suffixes add more of the same kind.
PHONE_FIELDS = {
    "mobile": "mobile",
    "home_phone": "home",
    "work_phone": "work",
    "fax": "fax",
    "phone": "other",
}
EMAIL_FIELDS = {"email": "personal", "work_email": "work"}
ADDRESS_FIELDS = ("street", "city", "postal_code", "country")
CUSTOM_PREFIX = "custom."
_NUMBERED = re.compile(r"^(?P<base>[a-z_]+?)_(?P<n>[2-9])$")


class ImportRefused(Exception):
    """The file cannot be imported at all (one sentence); nothing was written."""


@dataclass
class Mapping:
    """Which column (index and header text) feeds which field."""

    fields: dict[str, int] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def column(self, name: str) -> str:
        return self.headers[self.fields[name]]


def field_kind(name: str, custom_names: Sequence[str]) -> str | None:
    """``contact``, ``opt``, ``phone``, ``email``, ``address``, ``custom`` or ``None`` (unknown)."""
    if name in CONTACT_FIELDS:
        return "contact"
    if name in OPT_FIELDS:
        return "opt"
    if name in ADDRESS_FIELDS:
        return "address"
    if name.startswith(CUSTOM_PREFIX):
        return "custom" if name[len(CUSTOM_PREFIX) :] in custom_names else None
    numbered = _NUMBERED.match(name)
    base = numbered.group("base") if numbered else name
    if base in PHONE_FIELDS:
        return "phone"
    if base in EMAIL_FIELDS:
        return "email"
    return None


def base_name(name: str) -> str:
    """``phone_2`` → ``phone``."""
    numbered = _NUMBERED.match(name)
    return numbered.group("base") if numbered else name


def known_fields_text() -> str:
    return ", ".join(
        (
            *CONTACT_FIELDS,
            *PHONE_FIELDS,
            *EMAIL_FIELDS,
            *ADDRESS_FIELDS,
            *OPT_FIELDS,
            "custom.<name>",
        )
    )


def _header_key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", fold(text)).strip("_")


def parse_map(specs: Sequence[str], mapping_file: Path | None) -> dict[str, str]:
    """``field → column header`` from ``--map`` values and a mapping file (later wins)."""
    pairs: list[tuple[str, str]] = []
    if mapping_file is not None:
        try:
            lines = mapping_file.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ImportRefused(
                f"Cannot read the mapping file {mapping_file}: "
                f"{getattr(exc, 'strerror', None) or exc}."
            ) from None
        for number, line in enumerate(lines, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            if "=" not in text:
                raise ImportRefused(
                    f"{mapping_file}:{number}: expected field = Column, got “{quoted(text)}”."
                )
            name, column = text.split("=", 1)
            pairs.append((name.strip(), column.strip().strip('"')))
    for spec in specs:
        for part in spec.split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise ImportRefused(
                    f"--map expects field=Column pairs separated by commas, got “{quoted(part)}”."
                )
            name, column = part.split("=", 1)
            pairs.append((name.strip(), column.strip()))
    return dict(pairs)


def build_mapping(
    headers: list[str], explicit: dict[str, str], custom_names: Sequence[str], path: Path
) -> Mapping:
    """Map the header to fields; refuses unknown fields, absent columns and missing required
    columns before any row is read."""
    mapping = Mapping(headers=headers)
    by_header = {h.strip(): i for i, h in enumerate(headers)}
    for name, column in explicit.items():
        if field_kind(name, custom_names) is None:
            raise ImportRefused(
                f"--map names the unknown field “{quoted(name)}” (known: {known_fields_text()})."
            )
        if column not in by_header:
            raise ImportRefused(
                f"--map {name}=“{quoted(column)}”: {path.name} has no column "
                f"“{quoted(column)}” (its columns: {quoted(', '.join(headers), 200)})."
            )
        mapping.fields[name] = by_header[column]
    used = set(mapping.fields.values())
    custom_by_key = {_header_key(n): n for n in custom_names}
    for index, header in enumerate(headers):
        if index in used:
            continue
        key = _header_key(header)
        field: str | None = key if field_kind(key, custom_names) else None
        if field is None and key in custom_by_key:
            field = CUSTOM_PREFIX + custom_by_key[key]
        if field is None and header.strip().startswith(CUSTOM_PREFIX):
            candidate = CUSTOM_PREFIX + header.strip()[len(CUSTOM_PREFIX) :]
            field = candidate if field_kind(candidate, custom_names) else None
        if field is None or field in mapping.fields:
            if header.strip():
                mapping.ignored.append(header)
            continue
        mapping.fields[field] = index
    have = set(mapping.fields)
    if not ({"first_name", "last_name"} <= have or "company_name" in have):
        raise ImportRefused(
            f"{path.name} has no first_name and last_name columns (or company_name for "
            f"companies); name them in the header or map them, e.g. "
            f"--map first_name=Given,last_name=Surname."
        )
    return mapping


def required_custom_missing(mapping: Mapping, required: Sequence[str]) -> str | None:
    missing = [n for n in required if CUSTOM_PREFIX + n not in mapping.fields]
    if not missing:
        return None
    return (
        f"The custom field{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
        f"{'are' if len(missing) > 1 else 'is'} required but the file has no such column; "
        f'map one with --map "custom.{missing[0]}=Column".'
    )


class LineReader:
    """Decoded lines of a binary file, counting them; a decoding error names the line."""

    def __init__(self, stream: IO[bytes], path: Path, encoding: str) -> None:
        self.stream = stream
        self.path = path
        self.encoding = encoding
        self.line = 0
        self.bytes_read = 0

    def __iter__(self) -> Iterator[str]:
        encoding = self.encoding
        for raw in self.stream:
            self.line += 1
            self.bytes_read += len(raw)
            if self.line == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield raw.decode(encoding)
            except UnicodeDecodeError as exc:
                byte = raw[exc.start]
                raise ImportRefused(
                    f"{self.path}:{self.line}: this line is not valid {encoding} (byte "
                    f"0x{byte:02x} at position {exc.start + 1}); save the file as UTF-8, or give "
                    f"its encoding with --encoding (e.g. --encoding cp1252)."
                ) from None


def sniff_delimiter(header_line: str) -> str:
    """The most frequent candidate delimiter outside quotes in the header line (``,`` if none)."""
    outside = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def open_rows(
    stream: IO[bytes], path: Path, encoding: str, delimiter: str | None
) -> tuple[list[str], Iterator[tuple[int, list[str]]], LineReader]:
    """The header and an iterator of ``(first line number, fields)`` per record."""
    csv.field_size_limit(FIELD_LIMIT)
    reader = LineReader(stream, path, encoding)
    lines = iter(reader)
    first = next(lines, None)
    if first is None or not first.strip():
        raise ImportRefused(f"{path} is empty: the first line must be the column header.")
    chosen = delimiter or sniff_delimiter(first)

    def chain() -> Iterator[str]:
        yield first
        yield from lines

    records = csv.reader(chain(), delimiter=chosen, strict=False)
    try:
        headers = next(records)
    except csv.Error as exc:
        raise ImportRefused(f"{path}:1: the header cannot be read ({exc}).") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        start = reader.line + 1
        while True:
            try:
                record = next(records)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportRefused(
                    f"{path}:{start}: this record cannot be read ({exc})."
                ) from None
            if record:
                yield start, record
            start = reader.line + 1

    return headers, rows(), reader
