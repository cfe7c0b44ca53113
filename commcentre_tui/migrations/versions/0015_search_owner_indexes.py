"""search: B-trees of the email and city fields beside their contact id

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-07 20:50:00.000000

``(column, contact_id)`` and ``(contact_id, column)`` on ``contact_email.address_norm`` and
``contact_address.city_norm`` (declared by the fields' ``owner_indexed_since``; built by
:func:`commcentre_tui.repo.search.index.change_layout`): an email prefix or a city finds its
contacts from an index alone, and a walk down the result order checks a contact's email or city
with one index seek instead of a table read.
"""

from collections.abc import Sequence

from alembic import op

from commcentre_tui.repo.search import index as search_index

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    search_index.change_layout(
        op.get_bind(), search_index.layout(down_revision), search_index.layout(revision)
    )


def downgrade() -> None:
    search_index.change_layout(
        op.get_bind(), search_index.layout(revision), search_index.layout(down_revision)
    )
