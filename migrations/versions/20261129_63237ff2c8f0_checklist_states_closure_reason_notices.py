"""checklist states with reasons, closure reason; notices for the petitioner

The four "three in place, one handled" booleans become a state per point (open / done /
not_applicable) with a reason; a ticked box becomes done, an unticked one open. A closed case
gets its closure reason. Generated PDF notices get their table.

Revision ID: 63237ff2c8f0
Revises: d197628cc8e1
Create Date: 2026-11-29 21:56:05.560833

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '63237ff2c8f0'
down_revision = 'd197628cc8e1'
branch_labels = None
depends_on = None

POINTS = ("demands_resolved", "unreasonable_explained", "hardship_relieved", "unlawful_handled")


def _check(point: str) -> str:
    return (f"checklist_{point}_state IN ('open', 'done', 'not_applicable') AND "
            f"(checklist_{point}_state <> 'not_applicable' OR checklist_{point}_reason IS NOT NULL)")


def upgrade():
    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('hearing_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('file_key', sa.String(length=80), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('generated_by_id', sa.Integer(), nullable=True),
    sa.Column('superseded', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.CheckConstraint("kind IN ('hearing_notice', 'hearing_cancelled', 'written_reply')", name=op.f('ck_notices_kind')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_notices_version')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_notices_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['generated_by_id'], ['users.id'], name=op.f('fk_notices_generated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hearing_id'], ['hearings.id'], name=op.f('fk_notices_hearing_id_hearings'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_hearing_id'), ['hearing_id'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        for point in POINTS:
            batch_op.add_column(sa.Column(f'checklist_{point}_state', sa.String(length=16), server_default='open', nullable=False))
            batch_op.add_column(sa.Column(f'checklist_{point}_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('closure_reason', sa.Text(), nullable=True))

    cases = sa.table('cases', *[sa.column(f'checklist_{p}', sa.Boolean()) for p in POINTS],
                     *[sa.column(f'checklist_{p}_state', sa.String()) for p in POINTS])
    for point in POINTS:
        op.execute(cases.update().where(cases.c[f'checklist_{point}'] == sa.true())
                   .values({f'checklist_{point}_state': 'done'}))

    with op.batch_alter_table('cases', schema=None) as batch_op:
        for point in POINTS:
            batch_op.drop_column(f'checklist_{point}')
            batch_op.create_check_constraint(op.f(f'ck_cases_checklist_{point}'), _check(point))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        for point in POINTS:
            batch_op.drop_constraint(op.f(f'ck_cases_checklist_{point}'), type_='check')
            batch_op.add_column(sa.Column(f'checklist_{point}', sa.Boolean(), server_default=sa.false(), nullable=False))

    cases = sa.table('cases', *[sa.column(f'checklist_{p}', sa.Boolean()) for p in POINTS],
                     *[sa.column(f'checklist_{p}_state', sa.String()) for p in POINTS])
    for point in POINTS:
        # Not applicable counted as settled, as the closing rule does.
        op.execute(cases.update().where(cases.c[f'checklist_{point}_state'] != 'open')
                   .values({f'checklist_{point}': True}))

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('closure_reason')
        for point in POINTS:
            batch_op.drop_column(f'checklist_{point}_reason')
            batch_op.drop_column(f'checklist_{point}_state')

    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_hearing_id'))
        batch_op.drop_index(batch_op.f('ix_notices_case_id'))

    op.drop_table('notices')
