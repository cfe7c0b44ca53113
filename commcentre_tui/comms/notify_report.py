"""What a bulk notification run did (or, dry, would do): counts, reasons, samples, summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sample:
    """One rendered message, as the dry run shows it."""

    customer_number: str
    name: str
    recipient: str
    language: str
    subject: str
    content: str


@dataclass
class NotifyReport:
    """What a bulk run did (or, with ``dry_run``, would do)."""

    template: str
    segment: str
    dry_run: bool
    matched: int = 0
    queued: int = 0
    logged: int = 0
    opted_out: int = 0
    no_address: int = 0
    not_rendered: int = 0
    no_record: int = 0
    """Customers without the record the template is about (no overdue bill …)."""
    missing: str = ""
    """Why those are skipped, e.g. "no overdue bill" (empty for templates about the customer)."""
    contact_ids: list[int] = field(default_factory=list, repr=False)
    """The audience (every customer counted in ``matched``): queueing a dry run's audience again
    sends what the dry run showed."""
    languages: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def skipped(self) -> int:
        return self.opted_out + self.no_address + self.not_rendered + self.no_record

    def skipped_reasons(self) -> list[str]:
        """The skipped counts in words, non-zero ones only ("21 with no overdue bill" …)."""
        reasons = [
            (self.no_record, f"with {self.missing}"),
            (self.opted_out, "opted out"),
            (self.no_address, "without an address"),
            (self.not_rendered, "not renderable"),
        ]
        return [f"{n} {why}" for n, why in reasons if n]

    def summary(self) -> str:
        """One paragraph for the terminal, the console and the audit trail."""
        verb = "would queue" if self.dry_run else "queued"
        langs = ", ".join(f"{n} {lang}" for lang, n in sorted(self.languages.items())) or "none"
        text = (
            f"{self.template!r} to segment {self.segment}: {self.matched} matched, {verb} {self.queued}"
            + (f", logged {self.logged}" if self.logged else "")
            + "; skipped "
            + (f"{self.no_record} with {self.missing}, " if self.no_record else "")
            + f"{self.opted_out} opted out, {self.no_address} without an address, "
            f"{self.not_rendered} not renderable (languages: {langs})."
        )
        return text
