"""case link status and note: possible repeats confirmed or dismissed with a reason

Revision ID: d197628cc8e1
Revises: b7d7f64752fc
Create Date: 2026-11-29 22:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd197628cc8e1'
down_revision = 'b7d7f64752fc'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='confirmed',
                                      nullable=False))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            'status', "status IN ('confirmed', 'possible', 'dismissed')")


def downgrade():
    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_case_links_status'), type_='check')
        batch_op.drop_column('note')
        batch_op.drop_column('status')
