"""Importing the same file again, fast: a row already imported is told unchanged by its text.

Each imported row leaves on its customer ``contact.import_hash`` = ``<change counter>:<digest>``:
the digest of the row's cells (keyed by everything that decides how cells are read: the header,
the column mapping, the default region, the custom field definitions) and the customer's change
counter (``contact_change.version``, which every audited change to the customer or their records
moves). A later row with the same external id, the same digest and an unmoved counter would
change nothing, so it is counted unchanged without being checked or compared; any other row
(new, edited in the file, or a customer changed since) takes the full path, and a full-path row
found unchanged gets its mark refreshed, so the next run is fast for it too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from commcentre_tui.config import CustomField
from commcentre_tui.repo.import_contacts import ContactStore
from commcentre_tui.services.importing_csv import Mapping

FORMAT = "1"
"""Bumped when the way a row becomes a customer changes (old marks then no longer match)."""


@dataclass(frozen=True)
class Seen:
    """What the database says about a row's external id."""

    digest: str
    contact_id: int | None = None
    """The customer imported under the row's external id (``None``: none yet)."""
    mark: str | None = None
    """The mark the row would leave on that customer (``counter:digest``)."""
    unchanged: bool = False
    """The customer's mark is exactly this row's: nothing to check."""


class Fingerprints:
    """Digests of rows and the look-up of the marks imports left."""

    def __init__(self, mapping: Mapping, custom_fields: Sequence[CustomField], region: str) -> None:
        self.column = mapping.fields.get("external_id")
        self.width = len(mapping.headers)
        context = "\x1e".join(
            (
                FORMAT,
                "\x1f".join(mapping.headers),
                repr(sorted(mapping.fields.items())),
                region,
                repr([d.model_dump() for d in custom_fields]),
            )
        )
        self.key = hashlib.blake2b(
            context.encode("utf-8", "surrogatepass"), digest_size=32
        ).digest()

    def digest(self, values: list[str]) -> str:
        text = "\x1f".join(values).encode("utf-8", "surrogatepass")
        return hashlib.blake2b(text, digest_size=16, key=self.key).hexdigest()

    def look_up(
        self, store: ContactStore, records: list[tuple[int, list[str]]]
    ) -> list[Seen | None]:
        """One :class:`Seen` per record with an external id (``None`` for the others)."""
        column = self.column
        if column is None:
            return [None] * len(records)
        ids: list[str | None] = [
            values[column].strip() or None if len(values) == self.width else None
            for _line, values in records
        ]
        held = store.fingerprints([i for i in ids if i])
        out: list[Seen | None] = []
        for external_id, (_line, values) in zip(ids, records, strict=True):
            if external_id is None:
                out.append(None)
                continue
            digest = self.digest(values)
            found = held.get(external_id)
            if found is None:
                out.append(Seen(digest))
                continue
            contact_id, stored, counter = found
            mark = f"{counter}:{digest}"
            out.append(Seen(digest, contact_id, mark, stored == mark))
        return out
