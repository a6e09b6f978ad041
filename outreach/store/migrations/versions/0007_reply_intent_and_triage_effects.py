"""Reply intent and the rep's triage on inbound messages (branch effects)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 08:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EMPTY_LIST = sa.text("'[]'")


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("inboundmessage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intent", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("intent_until", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("referral", sa.JSON(), nullable=False, server_default=_EMPTY_LIST)
        )
        batch_op.add_column(sa.Column("intent_confidence", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("needs_review", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("intent_why", sa.JSON(), nullable=False, server_default=_EMPTY_LIST)
        )
        batch_op.add_column(sa.Column("manual_intent", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("manual_intent_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("manual_intent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("snoozed_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("triaged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_inboundmessage_intent"), ["intent"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("inboundmessage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inboundmessage_intent"))
        for name in (
            "triaged_at", "snoozed_until", "manual_intent_at", "manual_intent_by",
            "manual_intent", "intent_why", "needs_review", "intent_confidence", "referral",
            "intent_until", "intent",
        ):  # fmt: skip
            batch_op.drop_column(name)
