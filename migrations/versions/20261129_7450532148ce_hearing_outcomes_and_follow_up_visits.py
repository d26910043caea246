"""hearing outcomes (one per hearing) and follow-up visits of cases

Revision ID: 7450532148ce
Revises: c5cdeec828f1
Create Date: 2026-11-29 21:55:56.144905

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '7450532148ce'
down_revision = 'c5cdeec828f1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('visitor', sa.String(length=200), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('satisfied', sa.Boolean(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('done_on IS NOT NULL OR satisfied IS NULL', name=op.f('ck_follow_ups_satisfied')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_follow_ups_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_follow_ups_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_ups_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_due_on'), ['due_on'], unique=False)

    op.create_table('hearing_outcomes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hearing_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('present_person_ids', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('petitioner_present', sa.Boolean(), nullable=False),
    sa.Column('agreement', sa.Boolean(), nullable=True),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("result = 'held' OR agreement IS NULL", name=op.f('ck_hearing_outcomes_agreement')),
    sa.CheckConstraint("result IN ('held', 'adjourned', 'no_show', 'postponed')", name=op.f('ck_hearing_outcomes_result')),
    sa.ForeignKeyConstraint(['hearing_id'], ['hearings.id'], name=op.f('fk_hearing_outcomes_hearing_id_hearings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_hearing_outcomes_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hearing_outcomes')),
    sa.UniqueConstraint('hearing_id', name=op.f('uq_hearing_outcomes_hearing_id'))
    )


def downgrade():
    op.drop_table('hearing_outcomes')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_ups_due_on'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_case_id'))

    op.drop_table('follow_ups')
