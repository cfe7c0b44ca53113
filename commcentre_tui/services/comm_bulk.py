"""Bulk notify from the console: a template to a segment, or to the customers a search found.

"Notify these results" (Advanced Search) first previews — ``dry_run=True``: how many match,
would be queued or skipped (opt-outs, no address, not renderable) and the first rendered
message — then, once the agent confirms, queues every message in ONE transaction through the
same code as ``commcentre notify`` (:func:`commcentre_tui.comms.notify.notify`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from commcentre_tui.comms.notify import notify
from commcentre_tui.comms.notify_report import NotifyReport
from commcentre_tui.errors import RuleViolation
from commcentre_tui.models.types import utcnow
from commcentre_tui.repo.permissions import enforce
from commcentre_tui.services.context import ServiceContext

#: At most this many customers per console run; larger audiences go through `commcentre notify`.
RESULTS_LIMIT = 10_000
RESULTS_SEGMENT = "search results"
_PAGE = 1000


def bulk_notify(ctx: ServiceContext, template: str, segment: str, **options: Any) -> NotifyReport:
    """Bulk notification of a segment (see ``comms.notify.notify``)."""
    return notify(
        ctx.engine, ctx.settings, ctx.actor, template=template, segment=segment, **options
    )


def result_contact_ids(
    ctx: ServiceContext, conditions: Sequence[Any], *, mode: str = "advanced"
) -> list[int]:
    """Every customer the search finds (all pages), at most :data:`RESULTS_LIMIT`."""
    from commcentre_tui.repo.search.api import Condition, search_contacts

    enforce(ctx.engine, ctx.actor, entity="contact", level="view")
    wanted = [c if isinstance(c, Condition) else Condition(*c) for c in conditions]
    ids: list[int] = []
    after = None
    while True:
        page = search_contacts(
            ctx.engine, ctx.settings, wanted, mode=mode, limit=_PAGE, after=after
        )
        ids.extend(hit.contact_id for hit in page.hits)
        if len(ids) > RESULTS_LIMIT:
            raise RuleViolation(
                f"These results have more than {RESULTS_LIMIT:,} customers; narrow the search, or "
                "notify a whole segment with `commcentre notify`."
            )
        if not page.has_more or not page.hits:
            return ids
        after = page.hits[-1].sort_key


def notify_results(
    ctx: ServiceContext,
    template: str,
    conditions: Sequence[Any],
    *,
    mode: str = "advanced",
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    contact_ids: Sequence[int] | None = None,
    samples: int = 3,
) -> NotifyReport:
    """Notify these results: ``template`` to every customer the search finds (see module doc).

    ``contact_ids`` (the preview's ``report.contact_ids``) pins the audience the preview showed,
    so what is queued is what the preview counted. What each message is about follows the
    template (``comms.targets``), exactly as ``commcentre notify`` does.
    """
    enforce(
        ctx.engine, ctx.actor, entity="communication", level="edit", action="Create a Communication"
    )
    ids = (
        list(contact_ids)
        if contact_ids is not None
        else result_contact_ids(ctx, conditions, mode=mode)
    )
    return notify(
        ctx.engine,
        ctx.settings,
        ctx.actor,
        template=template,
        segment=RESULTS_SEGMENT,
        contact_ids=ids,
        one_transaction=True,
        today=utcnow().date(),
        dry_run=dry_run,
        progress=progress,
        samples=samples,
        chunk_size=_PAGE,
    )
