"""outbox: the app's own reasons for an unsent message stored as codes

Revision ID: 4df0d16b7568
Revises: a5e7c0d41b29
Create Date: 2026-11-30 08:00:00

`outbox_messages.last_error` held the app's own reasons in words: "P0001 has no email address"
(English whatever the reader's language), the stored-address sentence in the publisher's
language, and the sender's "PermanentFailure: …" texts. They are now the codes of
`mediation.calendar.models.MESSAGE_ERRORS`, worded when shown. Errors of the mail server are
left as they are. The downgrade writes the English words back.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '4df0d16b7568'
down_revision = 'a5e7c0d41b29'
branch_labels = None
depends_on = None

outbox = sa.table("outbox_messages", sa.column("id", sa.Integer),
                  sa.column("person_id", sa.Integer), sa.column("last_error", sa.Text))
people = sa.table("people", sa.column("id", sa.Integer), sa.column("code", sa.String))

NO_ADDRESS_WORDS = " has no email address"
INVALID_WORDS = (": the stored address is not a valid email address, so this message is not "
                 "sent; correct it on the person's page.")
INVALID_WORDS_ZH = "：所存邮箱地址无效，本邮件未发送；请在该人员页面更正邮箱地址。"
WORDS = {
    "no_address": [outbox.c.last_error.like("%" + NO_ADDRESS_WORDS),
                   outbox.c.last_error == "PermanentFailure: no recipient address"],
    "invalid_address": [
        outbox.c.last_error.like("%" + INVALID_WORDS),
        outbox.c.last_error.like("%" + INVALID_WORDS_ZH),
        outbox.c.last_error == "PermanentFailure: the recipient is not one valid email address"],
}


def upgrade():
    for code, words in WORDS.items():
        op.execute(outbox.update().where(sa.or_(*words)).values(last_error=code))


def downgrade():
    person_code = sa.func.coalesce(
        sa.select(people.c.code).where(people.c.id == outbox.c.person_id)
        .scalar_subquery(), "")
    op.execute(outbox.update().where(outbox.c.last_error == "no_address")
               .values(last_error=person_code + NO_ADDRESS_WORDS))
    op.execute(outbox.update().where(outbox.c.last_error == "invalid_address")
               .values(last_error=person_code + INVALID_WORDS))
