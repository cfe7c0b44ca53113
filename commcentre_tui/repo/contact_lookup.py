"""Small contact look-ups the action forms need."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlmodel import col

from commcentre_tui.models import Contact
from commcentre_tui.repo.db import reading
from commcentre_tui.text import canon_number, storable


def contact_id_by_number(engine: Engine, customer_number: str) -> int | None:
    """The id of the contact with ``customer_number`` (any case), or ``None``."""
    number = canon_number(customer_number)
    if not number or not storable(number):
        return None
    with reading(engine) as session:
        return session.execute(
            select(col(Contact.id)).where(col(Contact.customer_number) == number)
        ).scalar_one_or_none()
