"""Feed state version (one number bumped by every change feeds show, so a 304 is one query)
and former attendees (a person taken off a hearing keeps it, cancelled, in their feed).

Revision ID: b7d7f64752fc
Revises: e91616df23a4
Create Date: 2026-11-29 22:07:37.046812

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d7f64752fc'
down_revision = 'e91616df23a4'
branch_labels = None
depends_on = None


def upgrade():
    feed_state = op.create_table('feed_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('id = 1', name=op.f('ck_feed_state_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_state'))
    )
    op.bulk_insert(feed_state, [{"id": 1, "version": 0}])
    op.create_table('former_attendees',
    sa.Column('hearing_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hearing_id'], ['hearings.id'], name=op.f('fk_former_attendees_hearing_id_hearings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_former_attendees_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('hearing_id', 'person_id', name=op.f('pk_former_attendees'))
    )
    with op.batch_alter_table('former_attendees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_former_attendees_person_id'), ['person_id'], unique=False)



def downgrade():
    with op.batch_alter_table('former_attendees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_former_attendees_person_id'))

    op.drop_table('former_attendees')
    op.drop_table('feed_state')
