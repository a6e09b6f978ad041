"""tasks: task steps (call, LinkedIn, custom) as queue rows of their own

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 11:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=False),
        sa.Column("prospect_id", sa.Integer(), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("kind", _TEXT(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("state", _TEXT(), nullable=False),
        sa.Column("due_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("keep_on_reply", sa.Boolean(), nullable=False),
        sa.Column("outcome", _TEXT(), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("done_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("done_by", _TEXT(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["enrollment_id"], ["enrollment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mailbox_id"], ["mailbox.id"]),
        sa.ForeignKeyConstraint(["prospect_id"], ["prospect.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enrollment_id", "step_index"),
    )
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_enrollment_id"), ["enrollment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_mailbox_id"), ["mailbox_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_prospect_id"), ["prospect_id"], unique=False)
        batch_op.create_index("ix_task_state_due", ["state", "due_at"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("task")
