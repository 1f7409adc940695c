"""Who may reach which route: every route of the URL map, every method, every role.

EXPECTED is written by hand, not derived from the policy: it is the specification. A route
added without an entry here makes `test_every_route_has_a_declared_expectation` fail.
"""
import pytest
from sqlalchemy import select

from portfolio.accounts.models import User
from portfolio.extensions import db
from portfolio.startups.models import Startup

from conftest import PASSWORD

ANONYMOUS = "anonymous"
ROLES = (
    "no_role",
    "admin",
    "coach",
    "coach_other_incubator",
    "intrapreneur",
    "intrapreneur_other_startup",
    "committee_chair",
    "finance",
)
EVERYONE = frozenset({ANONYMOUS, *ROLES})
LOGGED_IN = frozenset(ROLES)
ADMIN = frozenset({"admin"})
#: Who may edit the sample startup (signaux-faibles, incubated by dinum).
COACHES = frozenset({"admin", "coach"})
#: Who may log milestones on the sample startup.
COACHES_AND_OWN_INTRAPRENEUR = frozenset({"admin", "coach", "intrapreneur"})
#: Who records a startup's certified impact level (any startup): admins and committee chairs; neither
#: its coaches nor its intrapreneurs.
IMPACT_CERTIFIERS = frozenset({"admin", "committee_chair"})
#: Who may create a startup (in an incubator they coach).
ANY_COACH = frozenset({"admin", "coach", "coach_other_incubator"})
#: Who reads conventions (coaches of any incubator included), and who writes them.
FUNDING_READERS = frozenset({"admin", "finance", "coach", "coach_other_incubator", "committee_chair"})
FUNDING_WRITERS = frozenset({"admin", "finance"})
#: Who may read the sample meeting (it reviews signaux-faibles; no chair, no participant).
SAMPLE_MEETING_READERS = frozenset({"admin", "committee_chair", "coach", "intrapreneur"})
#: Who may schedule a meeting; who manages the sample meeting (its chair is the committee_chair account).
MEETING_SCHEDULERS = frozenset({"admin", "committee_chair"})
SAMPLE_MEETING_MANAGERS = frozenset({"admin", "committee_chair"})
#: Who may prepare the sample review, or move the sample follow-up (owned by the intrapreneur).
SAMPLE_REVIEW_PREPARERS = frozenset({"admin", "committee_chair", "intrapreneur"})
SAMPLE_FOLLOW_UP_UPDATERS = frozenset({"admin", "committee_chair", "intrapreneur"})
#: Who follows the next committees of the whole portfolio.
COMMITTEE_FOLLOWERS = frozenset({"admin", "committee_chair", "coach", "coach_other_incubator"})
#: The person the sample deadline is due from and the sample notification is for.
SAMPLE_REMINDER_RECIPIENT = frozenset({"intrapreneur"})

#: The holder of the sample personal API token.
SAMPLE_API_TOKEN_HOLDER = frozenset({"intrapreneur"})

#: endpoint -> {method: roles that may use it}. The sample objects are in `sample`.
EXPECTED = {
    "static": {"GET": EVERYONE},
    "core.healthz": {"GET": EVERYONE},
    "core.home": {"GET": LOGGED_IN},
    "core.legal_notice": {"GET": EVERYONE},
    "core.personal_data": {"GET": EVERYONE},
    "core.accessibility": {"GET": EVERYONE},
    "accounts.login": {"GET": EVERYONE, "POST": EVERYONE},
    "accounts.logout": {"POST": LOGGED_IN},
    "accounts.user_list": {"GET": ADMIN},
    "accounts.user_create": {"GET": ADMIN, "POST": ADMIN},
    "accounts.user_detail": {"GET": ADMIN},
    "accounts.role_grant": {"POST": ADMIN},
    "accounts.role_revoke": {"GET": ADMIN, "POST": ADMIN},
    "accounts.user_deactivate": {"GET": ADMIN, "POST": ADMIN},
    "accounts.user_reactivate": {"GET": ADMIN, "POST": ADMIN},
    "account.show": {"GET": LOGGED_IN},
    "account.password_change": {"POST": LOGGED_IN},
    "account.invite": {"GET": ADMIN, "POST": ADMIN},
    "sign_in.proconnect_start": {"GET": EVERYONE},
    "sign_in.proconnect_callback": {"GET": EVERYONE},
    "sign_in.magic_link_request": {"GET": EVERYONE, "POST": EVERYONE},
    "sign_in.magic_link": {"GET": EVERYONE, "POST": EVERYONE},
    "sign_in.password_forgot": {"GET": EVERYONE, "POST": EVERYONE},
    "sign_in.password_reset": {"GET": EVERYONE, "POST": EVERYONE},
    "audit.log": {"GET": ADMIN},
    "api.startup": {"GET": LOGGED_IN},
    "api_v1.startups": {"GET": LOGGED_IN},
    "api_v1.startup": {"GET": LOGGED_IN},
    "api_v1.incubators": {"GET": LOGGED_IN},
    "api_v1.incubator": {"GET": LOGGED_IN},
    "api_v1.organisations": {"GET": LOGGED_IN},
    "api_v1.organisation": {"GET": LOGGED_IN},
    "api_v1.conventions": {"GET": FUNDING_READERS},
    "api_v1.convention": {"GET": FUNDING_READERS},
    # The list shows each person the meetings they may read (none at all for some).
    "api_v1.meetings": {"GET": LOGGED_IN},
    "api_v1.meeting": {"GET": SAMPLE_MEETING_READERS},
    "api_v1.next_committees": {"GET": COMMITTEE_FOLLOWERS},
    # The API's description, not its data.
    "api_docs.openapi_json": {"GET": EVERYONE},
    "api_docs.docs": {"GET": EVERYONE},
    # The published conventions, open data (Article 7 of the seed convention).
    "opendata.index": {"GET": EVERYONE},
    "opendata.conventions_csv": {"GET": EVERYONE},
    "opendata.lines_csv": {"GET": EVERYONE},
    "opendata.conventions_json": {"GET": EVERYONE},
    "api_tokens.token_list": {"GET": LOGGED_IN, "POST": LOGGED_IN},
    "api_tokens.token_revoke": {"GET": SAMPLE_API_TOKEN_HOLDER, "POST": SAMPLE_API_TOKEN_HOLDER},
    "imports.upload": {"GET": ADMIN, "POST": ADMIN},
    "portfolio.startup_list": {"GET": LOGGED_IN},
    "portfolio.export_csv": {"GET": LOGGED_IN},
    "portfolio.export_xlsx": {"GET": LOGGED_IN},
    # The type-ahead's suggestions: every startup and organisation is readable by anyone signed in.
    "startups.suggestions": {"GET": LOGGED_IN},
    "organisations.suggestions": {"GET": LOGGED_IN},
    "incubators.suggestions": {"GET": LOGGED_IN},
    # The search shows each person only the kinds and objects they may read.
    "search.results": {"GET": LOGGED_IN},
    "startups.create": {"GET": ANY_COACH, "POST": ANY_COACH},
    "startups.detail": {"GET": LOGGED_IN},
    "startups.edit": {"GET": COACHES, "POST": COACHES},
    "startups.phase_change": {"GET": COACHES, "POST": COACHES},
    "startups.span_edit": {"GET": COACHES, "POST": COACHES},
    "startups.team_add": {"GET": COACHES, "POST": COACHES},
    "startups.team_end": {"GET": COACHES, "POST": COACHES},
    "startups.milestone_add": {"GET": COACHES_AND_OWN_INTRAPRENEUR, "POST": COACHES_AND_OWN_INTRAPRENEUR},
    "startups.milestone_list": {"GET": LOGGED_IN},
    "startups.history": {"GET": LOGGED_IN},
    "startups.milestone_edit": {"GET": COACHES_AND_OWN_INTRAPRENEUR, "POST": COACHES_AND_OWN_INTRAPRENEUR},
    "startups.milestone_delete": {"GET": COACHES_AND_OWN_INTRAPRENEUR, "POST": COACHES_AND_OWN_INTRAPRENEUR},
    "startups.indicator_add": {"GET": COACHES_AND_OWN_INTRAPRENEUR, "POST": COACHES_AND_OWN_INTRAPRENEUR},
    "startups.measurement_add": {"GET": COACHES_AND_OWN_INTRAPRENEUR, "POST": COACHES_AND_OWN_INTRAPRENEUR},
    "startups.impact_level": {"GET": IMPACT_CERTIFIERS, "POST": IMPACT_CERTIFIERS},
    "funding.convention_list": {"GET": FUNDING_READERS},
    "funding.convention_detail": {"GET": FUNDING_READERS},
    "funding.document_download": {"GET": FUNDING_READERS},
    "funding.warning_list": {"GET": FUNDING_READERS},
    "funding.lines_csv": {"GET": FUNDING_READERS},
    "funding.grants_csv": {"GET": FUNDING_READERS},
    "funding.grants_xlsx": {"GET": FUNDING_READERS},
    "funding.lines_xlsx": {"GET": FUNDING_READERS},
    "funding.conventions_csv": {"GET": FUNDING_READERS},
    "funding.conventions_xlsx": {"GET": FUNDING_READERS},
    "funding.convention_create": {"GET": FUNDING_WRITERS, "POST": FUNDING_WRITERS},
    "funding.convention_edit": {"GET": FUNDING_WRITERS, "POST": FUNDING_WRITERS},
    "funding.status_change": {"GET": FUNDING_WRITERS, "POST": FUNDING_WRITERS},
    "funding.document_upload": {"GET": FUNDING_WRITERS, "POST": FUNDING_WRITERS},
    "funding.party_add": {"GET": FUNDING_WRITERS, "POST": FUNDING_WRITERS},
    "funding.party_edit": {"GET": FUNDING_WRITERS, "POST": FUNDING_WRITERS},
    "funding.party_remove": {"GET": FUNDING_WRITERS, "POST": FUNDING_WRITERS},
    "funding.obligation_form": {"GET": FUNDING_WRITERS, "POST": FUNDING_WRITERS},
    "funding.obligation_remove": {"GET": FUNDING_WRITERS, "POST": FUNDING_WRITERS},
    "funding.line_form": {"GET": FUNDING_WRITERS, "POST": FUNDING_WRITERS},
    "funding.amendment_add": {"GET": FUNDING_WRITERS, "POST": FUNDING_WRITERS},
    "funding_reports.annex_import": {"GET": FUNDING_WRITERS, "POST": FUNDING_WRITERS},
    "funding_reports.report_list": {"GET": FUNDING_READERS},
    "funding_reports.report_file": {"GET": FUNDING_READERS, "POST": FUNDING_WRITERS},
    "governance_calendar.meeting_ics": {"GET": SAMPLE_MEETING_READERS},
    "governance_calendar.my_calendar": {"GET": LOGGED_IN},
    "governance_calendar.token_create": {"POST": LOGGED_IN},
    "governance_calendar.token_revoke": {"GET": LOGGED_IN, "POST": LOGGED_IN},
    # Public: the secret token is the credential (an unknown or revoked one answers 404).
    "governance_calendar.feed": {"GET": EVERYONE},
    "governance_next.next_committees": {"GET": COMMITTEE_FOLLOWERS},
    "governance_next.next_committees_csv": {"GET": COMMITTEE_FOLLOWERS},
    "governance_next.next_committees_xlsx": {"GET": COMMITTEE_FOLLOWERS},
    "governance.meeting_list": {"GET": LOGGED_IN},
    "governance.meeting_schedule": {"GET": MEETING_SCHEDULERS, "POST": MEETING_SCHEDULERS},
    "governance.meeting_record_past": {"GET": MEETING_SCHEDULERS, "POST": MEETING_SCHEDULERS},
    "governance.meeting_detail": {"GET": SAMPLE_MEETING_READERS},
    "governance.pack": {"GET": SAMPLE_MEETING_READERS},
    "governance.pack_pdf": {"GET": SAMPLE_MEETING_READERS},
    "governance.meeting_edit": {"GET": SAMPLE_MEETING_MANAGERS, "POST": SAMPLE_MEETING_MANAGERS},
    "governance.meeting_cancel": {"GET": SAMPLE_MEETING_MANAGERS, "POST": SAMPLE_MEETING_MANAGERS},
    "governance.meeting_close": {"GET": SAMPLE_MEETING_MANAGERS, "POST": SAMPLE_MEETING_MANAGERS},
    "governance.pack_send": {"GET": SAMPLE_MEETING_MANAGERS, "POST": SAMPLE_MEETING_MANAGERS},
    "governance.attendance": {"GET": SAMPLE_MEETING_MANAGERS, "POST": SAMPLE_MEETING_MANAGERS},
    "governance.participant_add": {"GET": SAMPLE_MEETING_MANAGERS, "POST": SAMPLE_MEETING_MANAGERS},
    "governance.participant_remove": {"GET": SAMPLE_MEETING_MANAGERS, "POST": SAMPLE_MEETING_MANAGERS},
    "governance.review_add": {"GET": SAMPLE_MEETING_MANAGERS, "POST": SAMPLE_MEETING_MANAGERS},
    "governance.review_slots": {"GET": SAMPLE_MEETING_MANAGERS, "POST": SAMPLE_MEETING_MANAGERS},
    "governance.review_move": {"POST": SAMPLE_MEETING_MANAGERS},
    "governance.review_remove": {"GET": SAMPLE_MEETING_MANAGERS, "POST": SAMPLE_MEETING_MANAGERS},
    "governance.review_minutes": {"GET": SAMPLE_MEETING_MANAGERS, "POST": SAMPLE_MEETING_MANAGERS},
    "governance.review_health": {"GET": SAMPLE_MEETING_MANAGERS, "POST": SAMPLE_MEETING_MANAGERS},
    "governance.decision": {"GET": SAMPLE_MEETING_MANAGERS, "POST": SAMPLE_MEETING_MANAGERS},
    "governance.decision_validate": {"GET": SAMPLE_MEETING_MANAGERS, "POST": SAMPLE_MEETING_MANAGERS},
    "governance.preparation": {"GET": SAMPLE_REVIEW_PREPARERS, "POST": SAMPLE_REVIEW_PREPARERS},
    "governance.follow_up_status": {"POST": SAMPLE_FOLLOW_UP_UPDATERS},
    "reminders.todo": {"GET": LOGGED_IN},
    "reminders.deadline_done": {"POST": SAMPLE_REMINDER_RECIPIENT},
    "reminders.inbox": {"GET": LOGGED_IN},
    "reminders.mark_read": {"POST": SAMPLE_REMINDER_RECIPIENT},
    "reminders.mark_all_read": {"POST": LOGGED_IN},
    "reminders.preferences": {"GET": LOGGED_IN, "POST": LOGGED_IN},
    "reminders.admin_list": {"GET": ADMIN},
    "reminders.outbox": {"GET": ADMIN},
    "reminders.outbox_message": {"GET": ADMIN},
}


@pytest.fixture
def app_overrides():
    # The matrix is about access, not CSRF (tested on its own): POSTs go without a token. A crash
    # answers 500 as in production (its traceback is logged), which fails the route for that role.
    return {"WTF_CSRF_ENABLED": False, "PROPAGATE_EXCEPTIONS": False}


@pytest.fixture
def sample(app, demo, make_user):
    """The objects the URLs point at, and one account per role."""
    startup = db.session.scalar(select(Startup).where(Startup.slug == "signaux-faibles"))
    victim = make_user("finance", email="victime@test.gouv.fr")
    accounts = {
        "no_role": make_user(None),
        "admin": make_user("admin"),
        "coach": make_user("coach", scope="dinum"),
        "coach_other_incubator": _coach_of_another_incubator(make_user),
        "intrapreneur": make_user("intrapreneur", scope="signaux-faibles"),
        "intrapreneur_other_startup": make_user("intrapreneur", scope="conseillers-entreprises"),
        "committee_chair": make_user("committee_chair"),
        "finance": make_user("finance"),
    }
    url_args = {
        "user_id": victim.id,
        "grant_id": victim.roles[0].id,
        "slug": startup.slug,
        "filename": "dsfr/dsfr.min.css",
        **_startup_records(startup),
        **_funding_records(startup),
        **_calendar_records(startup, victim),
        # A past quarter of that convention (signed on 4 January 2021), for the report URLs.
        "quarter": "2021-T1",
    }
    url_args.update(_governance_records(url_args["meeting_id"], accounts))
    url_args.update(_reminder_records(accounts["intrapreneur"]))
    url_args.update(_api_token_records(accounts["intrapreneur"]))
    return {"accounts": {role: user.email for role, user in accounts.items()}, "url_args": url_args}


def _startup_records(startup) -> dict:
    """A past phase span, a team member, an indicator and a milestone of the sample startup, for their URLs."""
    from datetime import date

    from portfolio.startups.models import Indicator, Milestone, PhaseSpan, TeamMember

    span = PhaseSpan(phase="investigation", start=date(2010, 1, 1), end=date(2011, 1, 1))
    member = TeamMember(name="Membre de test", role="développeuse", start=date(2020, 1, 1))
    indicator = Indicator(name="Indicateur de test", unit="visites")
    startup.phase_spans.append(span)
    startup.team.append(member)
    startup.indicators.append(indicator)
    milestone = Milestone(date=date(2020, 6, 1), kind="other", title="Fait marquant de test")
    startup.milestones.append(milestone)
    db.session.commit()
    return {"span_id": span.id, "member_id": member.id, "indicator_id": indicator.id, "milestone_id": milestone.id}


def _funding_records(startup) -> dict:
    """A small signed convention funding the sample startup, with a party, an obligation and a line."""
    from datetime import date

    from portfolio.funding import operations
    from portfolio.startups.models import Organisation

    convention = operations.create_convention(
        reference="TEST-MATRICE", title="Convention de test", kind="partenariat", signed_on=date(2021, 1, 4)
    )
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == "dinum"))
    party = operations.add_party(convention, role="delegataire", organisation=organisation)
    obligation = operations.add_obligation(convention, "publication", "Publication sur data.gouv.fr")
    line = operations.add_line(convention, startup=startup, fiscal_year=2021, ae="1 000", cp="1 000")
    operations.change_status(convention, "signed", date(2021, 1, 4))
    db.session.commit()
    return {"convention_id": convention.id, "party_id": party.id, "obligation_id": obligation.id, "line_id": line.id}


def _calendar_records(startup, user) -> dict:
    """An investment committee reviewing the sample startup, and a calendar feed token of `user`."""
    from datetime import timedelta

    from portfolio.governance.models import CalendarToken, Meeting, Review
    from portfolio.timeutil import utcnow

    meeting = Meeting(
        kind="investment_committee", title="Comité de test", starts_at=utcnow() + timedelta(days=30),
        reviews=[Review(startup=startup)],
    )
    token = CalendarToken(user=user, token="jeton-de-test-de-la-matrice")
    db.session.add_all([meeting, token])
    db.session.commit()
    return {"meeting_id": meeting.id, "token": token.token}


def _reminder_records(recipient) -> dict:
    """A deadline due from `recipient` (one its rule lets them mark done), a notification of it to
    them, and an e-mail in the outbox."""
    from datetime import date

    from portfolio.reminders.models import Deadline, DeadlineRecipient, Notification, OutboxMessage
    from portfolio.timeutil import utcnow

    deadline = Deadline(rule="phase_overdue", subject="matrice", title="Échéance de test", due_on=date(2030, 1, 1),
                        visible_from=date(2020, 1, 1))
    deadline.recipients.append(DeadlineRecipient(user_id=recipient.id, role="intrapreneur"))
    notification = Notification(deadline=deadline, rule="phase_overdue", subject="matrice", recipient_id=recipient.id,
                                occurrence=date(2030, 1, 1), text="Rappel de test", channel="in_app",
                                due_at=utcnow(), scheduled_for=utcnow())
    message = OutboxMessage(sender="portfolio@test", to="personne@test.gouv.fr", subject="Test", text_body="Texte",
                            html_body="<p>HTML</p>")
    db.session.add_all([deadline, notification, message])
    db.session.commit()
    return {"deadline_id": deadline.id, "notification_id": notification.id, "message_id": message.id}


def _api_token_records(holder) -> dict:
    """A personal API token of `holder`."""
    from portfolio.api import tokens

    new_token = tokens.create_token(holder, "Jeton de la matrice")
    db.session.commit()
    return {"token_id": new_token.token.id}


def _governance_records(meeting_id: int, accounts: dict) -> dict:
    """The sample meeting chaired by the committee_chair account, with an outside guest, and its
    review's decision with a follow-up owned by the sample startup's intrapreneur."""
    from datetime import date

    from portfolio.governance.models import Decision, FollowUpAction, Meeting, Participant

    meeting = db.session.get(Meeting, meeting_id)
    meeting.chair = accounts["committee_chair"]
    guest = Participant(name="Invitée de test", email="invitee@test.gouv.fr", organisation="DGE", role="sponsor")
    meeting.participants.append(guest)
    review = meeting.reviews[0]
    action = FollowUpAction(text="Action de test", due_on=date(2030, 1, 1), owner=accounts["intrapreneur"])
    review.decision = Decision(outcome="continue_6_months", follow_ups=[action])
    db.session.commit()
    return {"participant_id": guest.id, "review_id": review.id, "action_id": action.id}


def _coach_of_another_incubator(make_user) -> User:
    from portfolio.startups.models import Incubator

    db.session.add(Incubator(slug="autre-incubateur", name="Un autre incubateur"))
    db.session.commit()
    return make_user("coach", scope="autre-incubateur")


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_has_a_declared_expectation(app):
    missing = sorted(
        f"{method} {rule.rule} ({rule.endpoint})"
        for rule, method in _routes(app)
        if method not in EXPECTED.get(rule.endpoint, {})
    )
    assert not missing, "routes without an access expectation in EXPECTED: " + ", ".join(missing)
    declared = {(endpoint, method) for endpoint, methods in EXPECTED.items() for method in methods}
    existing = {(rule.endpoint, method) for rule, method in _routes(app)}
    assert declared <= existing, f"EXPECTED names routes that do not exist: {sorted(declared - existing)}"


#: Everything reachable without an account: signing in, the site's notices, the API's description
#: and the open data. A route added to this list is a decision, not an accident.
ANONYMOUS_ENDPOINTS = {
    "static", "core.healthz", "core.legal_notice", "core.personal_data", "core.accessibility",
    "accounts.login", "sign_in.proconnect_start", "sign_in.proconnect_callback", "sign_in.magic_link_request",
    "sign_in.magic_link", "sign_in.password_forgot", "sign_in.password_reset",
    "api_docs.openapi_json", "api_docs.docs", "governance_calendar.feed",
    "opendata.index", "opendata.conventions_csv", "opendata.lines_csv", "opendata.conventions_json",
}


def test_anonymous_reaches_the_open_data_and_nothing_else_new(app):
    open_to_anonymous = {
        endpoint for endpoint, methods in EXPECTED.items() if any(ANONYMOUS in roles for roles in methods.values())
    }
    public_views = {
        endpoint for endpoint, view in app.view_functions.items() if getattr(view, "access_rule", None) == "public"
    }
    assert open_to_anonymous == ANONYMOUS_ENDPOINTS
    # The calendar feed is @public and checks its secret token itself; no other view opens silently.
    assert public_views <= ANONYMOUS_ENDPOINTS, sorted(public_views - ANONYMOUS_ENDPOINTS)


def test_every_view_declares_an_access_rule(app):
    undeclared = sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and getattr(view, "access_rule", None) is None
    )
    assert not undeclared, f"views without @requires or @public: {undeclared}"


ROUTES = [(endpoint, method) for endpoint, methods in EXPECTED.items() for method in methods]


def _in_checking_order(endpoint: str, method: str) -> list[str]:
    """Refused roles first, then anonymous, then the allowed ones: only an allowed request may change
    the sample data, so every refusal is checked on the data as it was built."""
    allowed = EXPECTED[endpoint][method]
    everyone = (ANONYMOUS, *ROLES)
    refused = [role for role in everyone if role not in allowed and role != ANONYMOUS]
    anonymous = [ANONYMOUS] if ANONYMOUS not in allowed else []
    return refused + anonymous + [role for role in everyone if role in allowed]


def _answer(app, sample, url: str, method: str, role: str):
    client = app.test_client()
    if role != ANONYMOUS:
        response = client.post("/login", data={"email": sample["accounts"][role], "password": PASSWORD})
        assert response.status_code == 302, f"{role} could not log in"
    response = client.open(url, method=method, data={})
    response.close()  # static files are streamed
    return response


@pytest.mark.parametrize(("endpoint", "method"), ROUTES, ids=[f"{m}-{e}" for e, m in ROUTES])
def test_access(app, sample, endpoint, method):
    """Every role (and anonymous) on this route: allowed ones get through, others are refused."""
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint and method in rule.methods)
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **{arg: sample["url_args"][arg] for arg in rule.arguments})
    for role in _in_checking_order(endpoint, method):
        response = _answer(app, sample, url, method, role)
        location = response.headers.get("Location", "")
        assert response.status_code < 500, f"{role} got a server error {response.status_code} on {method} {url}"
        if role in EXPECTED[endpoint][method]:
            assert response.status_code not in (401, 403), f"{role} refused on {method} {url}"
            assert "/login" not in location or endpoint.startswith("accounts.log"), (
                f"{role} sent to the login page on {method} {url}"
            )
        elif role == ANONYMOUS:
            if url.startswith("/api/"):
                assert response.status_code == 401, f"anonymous got {response.status_code} on {method} {url}"
            else:
                assert response.status_code == 302 and "/login" in location, (
                    f"anonymous not sent to login on {method} {url}: {response.status_code}"
                )
        else:
            assert response.status_code == 403, f"{role} got {response.status_code} on {method} {url}, expected 403"
