"""Every domain's models, imported once so that the metadata (and Alembic) sees them all."""
from portfolio.accounts.models import RoleGrant, User  # noqa: F401
from portfolio.accounts.tokens import AccountToken  # noqa: F401
from portfolio.audit.models import AuditEvent  # noqa: F401
from portfolio.startups.models import (  # noqa: F401
    CoIncubation,
    Incubator,
    Indicator,
    Measurement,
    Milestone,
    Organisation,
    PhaseSpan,
    Sponsorship,
    Startup,
    TeamMember,
)
from portfolio.funding.models import (  # noqa: F401
    Amendment,
    ConsumptionEntry,
    ConsumptionReport,
    Convention,
    ConventionParty,
    FundingLine,
    LineAmount,
    Obligation,
    StatusChange,
)
from portfolio.funding.grants import Grant  # noqa: F401
from portfolio.governance.models import (  # noqa: F401
    CalendarToken,
    Decision,
    FollowUpAction,
    Meeting,
    Participant,
    Preparation,
    Review,
)
from portfolio.reminders.models import (  # noqa: F401
    Deadline,
    DeadlineRecipient,
    Notification,
    NotificationPreference,
    OutboxMessage,
)
from portfolio.status.models import StartupStatus  # noqa: F401
from portfolio.api.models import ApiToken  # noqa: F401
from portfolio.imports.models import ImportRun  # noqa: F401
