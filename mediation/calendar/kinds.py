"""Feed kinds, one class each: what a feed's target is, how it is named, which hearings it shows
and what its content depends on. Everything that used to branch on the kind string asks the
registry (`KINDS`) instead. Adding a kind: docs/architecture.md, "Walkthrough: adding a feed
kind".

Kinds know nothing of tokens: rows are FeedToken rows (mediation.calendar.models), read by
attribute only.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from mediation.auth.models import User
from mediation.auth.permissions import EDITORS
from mediation.calendar.removals import FormerAttendee
from mediation.cases.models import Case
from mediation.centres.models import Centre, Room
from mediation.hearings.models import Hearing, HearingMember
from mediation.regions.services import at_and_below_ids
from mediation.roster.models import Person

# The "role" of a person in a hearing they were taken off (their feed shows it cancelled).
REMOVED = "removed"


class FeedKind:
    """One kind of feed. Subclasses set the class attributes and the two queries."""

    name: str = ""
    column: str = ""  # the feed_tokens column naming the target (exactly one is set)
    relation: str = ""  # the FeedToken relationship loading the target
    model: type = object
    with_role: bool = False  # do rows carry the reader's role in each hearing?

    def target(self, row):
        return getattr(row, self.relation)

    def identifier(self, target) -> str:
        """How the audit log names the target (no personal data of parties); the kind is worded
        beside it when shown (calendar.audit_words)."""
        return target.code

    def calendar_name(self, row) -> str:
        raise NotImplementedError

    def locale(self, row) -> str | None:
        """The language of the feed (None: the default)."""
        return None

    def check_target(self, target) -> str | None:
        """Why `target` cannot have this kind of feed, or None."""
        if not isinstance(target, self.model) or target.id is None:
            return f"a {self.name} feed needs a saved {self.model.__name__}"
        return None

    def usable(self, row) -> bool:
        """Can this live link still be served (its target may have lost the right)?"""
        return True

    region_bound: bool = False  # only coordinators of the target's region manage the link

    def region_id(self, target) -> int | None:
        """The region a coordinator must see to manage this link (when `region_bound`)."""
        return None

    owner_only: bool = False  # only the target user may manage the link
    # The feed shows hearings of every region (a person's, wherever they sit): its link is not
    # for a region-limited coordinator to see or manage.
    all_regions: bool = False

    def hearings(self, row, window, removed_since=None) -> sa.Select:
        """SELECT of the hearings (and the role, if `with_role`) this feed shows in `window`;
        a personal feed also shows hearings its person left since `removed_since`."""
        raise NotImplementedError


class PersonFeed(FeedKind):
    name, column, relation, model, with_role = "person", "person_id", "person", Person, True
    all_regions = True

    def calendar_name(self, row) -> str:
        return _("Mediation hearings (%(code)s)", code=row.person.code)

    def locale(self, row) -> str | None:
        return row.person.locale

    def hearings(self, row, window, removed_since=None) -> sa.Select:
        """The person's hearings with their role; with `removed_since`, also the hearings they
        were taken off since then, with the role REMOVED (shown cancelled for them)."""
        seat = sa.and_(HearingMember.hearing_id == Hearing.id,
                       HearingMember.person_id == row.person_id)
        if removed_since is None:
            return sa.select(Hearing, HearingMember.role).join(HearingMember, seat).where(window)
        former = sa.and_(FormerAttendee.hearing_id == Hearing.id,
                         FormerAttendee.person_id == row.person_id)
        return (sa.select(Hearing, sa.func.coalesce(HearingMember.role, REMOVED))
                .outerjoin(HearingMember, seat).outerjoin(FormerAttendee, former)
                .where(window, sa.or_(HearingMember.person_id.is_not(None),
                                      FormerAttendee.removed_at >= removed_since)))


class RoomFeed(FeedKind):
    name, column, relation, model = "room", "room_id", "room", Room
    region_bound = True

    def calendar_name(self, row) -> str:
        return _("Mediation hearings: %(centre)s, %(room)s", centre=row.room.centre.name,
                 room=row.room.name)

    def region_id(self, target) -> int | None:
        return target.centre.region_id

    def hearings(self, row, window, removed_since=None) -> sa.Select:
        return sa.select(Hearing).where(window, Hearing.room_id == row.room_id)


class CentreFeed(FeedKind):
    name, column, relation, model = "centre", "centre_id", "centre", Centre
    region_bound = True

    def calendar_name(self, row) -> str:
        return _("Mediation hearings: %(centre)s", centre=row.centre.name)

    def region_id(self, target) -> int | None:
        return target.region_id

    def hearings(self, row, window, removed_since=None) -> sa.Select:
        return (sa.select(Hearing).where(window).join(Room, Room.id == Hearing.room_id)
                .where(Room.centre_id == row.centre_id))


class CoordinatorFeed(FeedKind):
    """Hearings of cases in the coordinator's regions and every region below (all for an
    administrator or a coordinator without regions)."""

    name, column, relation, model = "coordinator", "user_id", "user", User
    owner_only = True

    def identifier(self, target) -> str:
        return target.email

    def calendar_name(self, row) -> str:
        regions = "" if row.user.role == "admin" else ", ".join(r.name for r in row.user.regions)
        return _("Mediation hearings: %(regions)s", regions=regions or _("all regions"))

    def locale(self, row) -> str | None:
        return row.user.locale

    def check_target(self, target) -> str | None:
        reason = super().check_target(target)
        if reason is None and target.role not in EDITORS:
            return f"{target.email} is not a coordinator or administrator"
        return reason

    def usable(self, row) -> bool:
        return row.user.active and row.user.role in EDITORS

    def _regions(self, row) -> list[int] | None:
        if row.user.role == "admin" or not row.user.regions:
            return None
        return sorted(at_and_below_ids([r.id for r in row.user.regions]))

    def hearings(self, row, window, removed_since=None) -> sa.Select:
        query = sa.select(Hearing).where(window)
        regions = self._regions(row)
        if regions is None:
            return query
        return query.join(Case, Case.id == Hearing.case_id).where(Case.region_id.in_(regions))

KINDS: dict[str, FeedKind] = {k.name: k for k in (PersonFeed(), RoomFeed(), CentreFeed(),
                                                   CoordinatorFeed())}


def kind_of(name: str) -> FeedKind | None:
    return KINDS.get(name)


__all__ = ["KINDS", "FeedKind", "kind_of"]
