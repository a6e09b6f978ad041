"""oauth: how a mailbox signs in with OAuth 2.0 (provider, client id, tenant, issuer)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 08:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("oauth_provider", "oauth_client_id", "oauth_tenant", "oauth_issuer")


def upgrade() -> None:
    with op.batch_alter_table("mailbox", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mailbox", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
