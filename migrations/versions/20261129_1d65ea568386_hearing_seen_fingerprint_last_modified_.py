"""hearing seen fingerprint, last modified, run result cases

Hearings get `seen` (what attendees see: the fingerprint SEQUENCE follows) and
`last_modified_at` (LAST-MODIFIED and a feed's DTSTAMP), filled for existing rows from their
current state and `updated_at`. Plan runs get `result_cases`: the results that used to be mixed
into `scope` (`planned_case_ids`) move there, and the scope keeps only inputs, in the keys of
mediation.planning.scope.RunScope (`region` → `region_code`, `release` → `release_ids`).

Revision ID: 1d65ea568386
Revises: 31ae043c9780
Create Date: 2026-11-29 18:58:05.568451

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from mediation.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = '1d65ea568386'
down_revision = '31ae043c9780'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')

hearings = sa.table(
    'hearings', sa.column('id', sa.Integer), sa.column('layer', sa.Integer),
    sa.column('status', sa.String), sa.column('date', sa.Date),
    sa.column('session_id', sa.Integer), sa.column('room_id', sa.Integer),
    sa.column('starts_at', UTCDateTime), sa.column('ends_at', UTCDateTime),
    sa.column('updated_at', UTCDateTime), sa.column('seen', JSON),
    sa.column('last_modified_at', UTCDateTime))
members = sa.table('hearing_members', sa.column('hearing_id', sa.Integer),
                   sa.column('person_id', sa.Integer), sa.column('role', sa.String))
rooms = sa.table('rooms', sa.column('id', sa.Integer), sa.column('name', sa.String),
                 sa.column('centre_id', sa.Integer))
centres = sa.table('centres', sa.column('id', sa.Integer), sa.column('name', sa.String),
                   sa.column('address', sa.String))
sessions = sa.table('hearing_sessions', sa.column('id', sa.Integer), sa.column('code', sa.String))
plan_runs = sa.table('plan_runs', sa.column('id', sa.Integer), sa.column('scope', JSON),
                     sa.column('result_cases', JSON))


def _fill_hearings(conn) -> None:
    """The same fingerprint as mediation.hearings.lifecycle.seen (frozen here, as migrations
    must not follow later code)."""
    people: dict[int, list] = {}
    for hearing_id, person_id, role in conn.execute(sa.select(
            members.c.hearing_id, members.c.person_id, members.c.role)):
        people.setdefault(hearing_id, []).append([person_id, role])
    rows = conn.execute(
        sa.select(hearings.c.id, hearings.c.date, sessions.c.code, hearings.c.starts_at,
                  hearings.c.ends_at, rooms.c.id, rooms.c.name, centres.c.name,
                  centres.c.address, hearings.c.status)
        .select_from(hearings.join(rooms, rooms.c.id == hearings.c.room_id)
                     .join(centres, centres.c.id == rooms.c.centre_id)
                     .join(sessions, sessions.c.id == hearings.c.session_id))
        .where(hearings.c.layer == 0)).all()
    for (hid, day, session, starts, ends, room_id, room, centre, address, status) in rows:
        seen = {"date": day.isoformat(), "session": session, "starts_at": starts.isoformat(),
                "ends_at": ends.isoformat(), "room_id": room_id, "room": room, "centre": centre,
                "address": address, "members": sorted(people.get(hid, [])), "status": status}
        conn.execute(hearings.update().where(hearings.c.id == hid).values(seen=seen))
    conn.execute(hearings.update().values(last_modified_at=hearings.c.updated_at))


def _split_scopes(conn) -> None:
    for run_id, scope in conn.execute(sa.select(plan_runs.c.id, plan_runs.c.scope)).all():
        scope = dict(scope or {})
        planned = scope.pop('planned_case_ids', None)
        if 'region' in scope:
            scope['region_code'] = scope.pop('region')
        if 'release' in scope:
            scope['release_ids'] = scope.pop('release')
        conn.execute(plan_runs.update().where(plan_runs.c.id == run_id)
                     .values(scope=scope, result_cases=planned))


def _join_scopes(conn) -> None:
    for run_id, scope, planned in conn.execute(sa.select(
            plan_runs.c.id, plan_runs.c.scope, plan_runs.c.result_cases)).all():
        scope = dict(scope or {})
        if 'region_code' in scope:
            scope['region'] = scope.pop('region_code')
        if 'release_ids' in scope:
            scope['release'] = scope.pop('release_ids')
        if planned is not None:
            scope['planned_case_ids'] = planned
        conn.execute(plan_runs.update().where(plan_runs.c.id == run_id).values(scope=scope))


def upgrade():
    with op.batch_alter_table('hearings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seen', JSON, nullable=True))
        batch_op.add_column(sa.Column('last_modified_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('plan_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result_cases', JSON, nullable=True))

    conn = op.get_bind()
    _fill_hearings(conn)
    _split_scopes(conn)


def downgrade():
    _join_scopes(op.get_bind())
    with op.batch_alter_table('plan_runs', schema=None) as batch_op:
        batch_op.drop_column('result_cases')

    with op.batch_alter_table('hearings', schema=None) as batch_op:
        batch_op.drop_column('last_modified_at')
        batch_op.drop_column('seen')
