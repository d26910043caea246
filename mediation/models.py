"""Every model, imported in one place so that metadata (and Alembic) sees the whole schema."""

from mediation.attachments.models import Attachment
from mediation.attendance.models import HearingResponse, PersonLink
from mediation.audit.models import AuditEntry
from mediation.auth.models import User
from mediation.availability.models import CalendarSource, ImportedBusy
from mediation.calendar.models import FeedToken, OutboxMessage
from mediation.calendar.removals import FormerAttendee
from mediation.calendar.version import FeedState
from mediation.cases.followups import FollowUp
from mediation.cases.models import Case, CaseEvent, CaseLink, PanelOpinion, Party
from mediation.centres.calendar_days import CalendarDay
from mediation.centres.models import Centre, CentreDate, HearingSession, Room
from mediation.conflicts.models import Conflict
from mediation.hearings.models import Hearing, HearingMember, HearingOutcome
from mediation.notices.models import Notice
from mediation.planning.models import PlanRun, UnscheduledCase
from mediation.regions.models import Region
from mediation.roster.models import (
    ExpertiseArea,
    Leader,
    Organisation,
    OrganisationAlias,
    Person,
    Unavailability,
)

__all__ = [
    "Attachment", "AuditEntry", "CalendarDay", "CalendarSource", "Case", "CaseEvent", "CaseLink", "Centre",
    "CentreDate", "Conflict", "ExpertiseArea", "FeedState", "FeedToken", "FollowUp", "FormerAttendee",
    "Hearing", "HearingMember", "HearingOutcome", "HearingResponse", "HearingSession", "ImportedBusy", "Leader", "Notice", "Organisation",
    "OrganisationAlias", "OutboxMessage", "PanelOpinion", "Party", "Person", "PersonLink", "PlanRun", "Region",
    "Room", "Unavailability", "UnscheduledCase", "User",
]
