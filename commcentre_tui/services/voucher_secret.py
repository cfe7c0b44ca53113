"""Retrieve Voucher Secret Number: only roles with ``see_secrets`` see one; every try is audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import Field

from commcentre_tui.errors import CommCentreError, NotAllowed, ValidationFailed
from commcentre_tui.models import Voucher
from commcentre_tui.repo.audit import record
from commcentre_tui.repo.billing_queries import find_by
from commcentre_tui.repo.db import transaction
from commcentre_tui.repo.permissions import check
from commcentre_tui.services.context import ServiceContext
from commcentre_tui.services.money import FormInput
from commcentre_tui.text import quoted
from commcentre_tui.validation import parse_input

RETRIEVE = "Retrieve Voucher Secret Number"


class RetrieveSecretInput(FormInput):
    """Retrieve Voucher Secret Number by serial."""

    serial: str = Field(title="Serial", min_length=1, max_length=30)


@dataclass(frozen=True)
class SecretResult:
    """A retrieved secret number (only for roles with ``see_secrets``)."""

    voucher_id: int
    serial: str
    secret_number: str
    state: str
    value: Decimal
    currency: str


def retrieve_voucher_secret(
    ctx: ServiceContext, data: RetrieveSecretInput | Mapping[str, Any]
) -> SecretResult:
    """Retrieve Voucher Secret Number: only for roles with ``see_secrets``; always audited."""
    inp = parse_input(RetrieveSecretInput, data)
    refusal: CommCentreError | None = None
    if not ctx.actor.role.see_secrets:
        refusal = NotAllowed(
            f"Your role ({ctx.actor.role_name}) may not see voucher secret numbers."
        )
    elif not ctx.actor.may(entity="voucher", level="view", action=RETRIEVE):
        try:
            check(ctx.actor, entity="voucher", level="view", action=RETRIEVE)
        except NotAllowed as exc:
            refusal = exc
    result: SecretResult | None = None
    with transaction(ctx.engine) as session:
        voucher: Voucher | None = find_by(session, Voucher.serial, inp.serial)  # type: ignore[arg-type]  # a SQLModel class attribute is typed as its value; here it is the column
        if refusal is None and voucher is None:
            refusal = ValidationFailed(
                f"There is no voucher with serial {quoted(inp.serial)}.", "serial"
            )
        if refusal is None and voucher is not None:
            assert voucher.id is not None
            result = SecretResult(
                voucher.id,
                voucher.serial,
                voucher.secret_number,
                voucher.state,
                voucher.value,
                voucher.currency,
            )
        record(
            session,
            agent_id=ctx.actor.agent_id,
            action=RETRIEVE,
            entity="voucher",
            entity_id=voucher.id if voucher else None,
            detail=(
                f"serial {inp.serial}: secret shown"
                if result
                else f"serial {inp.serial}: refused: {refusal}"
            ),
        )
    if result is None:
        assert refusal is not None
        raise refusal
    return result
