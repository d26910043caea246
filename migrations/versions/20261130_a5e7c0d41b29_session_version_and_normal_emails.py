"""sessions that end (users.session_version) and emails in one normal form

Revision ID: a5e7c0d41b29
Revises: 7b25e333486c
Create Date: 2026-11-30 05:00:00

`users.session_version` is copied into the session at sign-in and compared on every request;
raising it ends every session of the account. Sessions opened before this revision carry no
version and end once: everyone signs in again after the upgrade.

Emails are rewritten in the normal form of `mediation.emails` (NFKC, IDNA domain, lower case),
so the existing unique index on `users.email` is unique on the normal form:

* an account whose address is not valid keeps it as it is (it could not sign in before either);
* when two accounts normalise to the same address, the one already stored in that form (else
  the oldest, lowest id) keeps it; each other one keeps its old spelling, is deactivated and its
  sessions end, and a warning names it: nobody can sign in to it by typing any spelling of the
  address, so an administrator merges or removes it;
* people's addresses are normalised where valid; invalid ones stay, and the invites to them
  fail visibly in the outbox instead of being sent.

The downgrade drops the column and leaves the addresses normalised (the same addresses).
"""
import logging
import unicodedata

import sqlalchemy as sa
from alembic import op
from email_validator import EmailNotValidError, validate_email

# revision identifiers, used by Alembic.
revision = 'a5e7c0d41b29'
down_revision = '7b25e333486c'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def _normal(value):
    """mediation.emails.normalise at the time of this revision; None when not valid."""
    if not value:
        return None
    folded = unicodedata.normalize("NFKC", value.strip())
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs") for ch in folded):
        return None
    if any(ch in ',;<>"' or ch.isspace() for ch in folded) or folded.count("@") > 1:
        return None
    if len(folded) > 320:
        return None
    try:
        return validate_email(folded, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def _normalise_users(conn):
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.String),
                     sa.column("active", sa.Boolean), sa.column("session_version", sa.Integer))
    rows = conn.execute(sa.select(users.c.id, users.c.email).order_by(users.c.id)).all()
    by_normal = {}
    for uid, email in rows:
        normal = _normal(email)
        if normal is not None:
            by_normal.setdefault(normal, []).append((uid, email))
    for normal, accounts in by_normal.items():
        keeper = next((a for a in accounts if a[1] == normal), accounts[0])
        for uid, email in accounts:
            if uid == keeper[0]:
                continue
            log.warning("users.id %s (%r) is the same address as users.id %s (%s): kept as "
                        "it is and deactivated; merge or remove it", uid, email, keeper[0],
                        normal)
            conn.execute(users.update().where(users.c.id == uid).values(
                active=False, session_version=users.c.session_version + 1))
        if keeper[1] != normal:
            conn.execute(users.update().where(users.c.id == keeper[0]).values(email=normal))


def _normalise_people(conn):
    people = sa.table("people", sa.column("id", sa.Integer), sa.column("email", sa.String))
    rows = conn.execute(sa.select(people.c.id, people.c.email)
                        .where(people.c.email.is_not(None))).all()
    for pid, email in rows:
        normal = _normal(email)
        if normal is not None and normal != email:
            conn.execute(people.update().where(people.c.id == pid).values(email=normal))


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(),
                                      server_default=sa.text('1'), nullable=False))
    conn = op.get_bind()
    _normalise_users(conn)
    _normalise_people(conn)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
