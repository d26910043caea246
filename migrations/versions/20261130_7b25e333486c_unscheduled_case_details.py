"""unscheduled cases keep the planner's reasons as codes and params (details)

Revision ID: 7b25e333486c
Revises: 504765437a16
Create Date: 2026-11-30 01:10:00

The English `reasons` stay (the exchange format's field); `details` holds the same reasons as
[{code, params}] so the app words them in the reader's language. Rows stored before have none
and keep showing their English reasons.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '7b25e333486c'
down_revision = '504765437a16'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('unscheduled_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'details', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'),
            server_default=sa.text("'[]'"), nullable=False))


def downgrade():
    with op.batch_alter_table('unscheduled_cases', schema=None) as batch_op:
        batch_op.drop_column('details')
