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

#: endpoint -> {method: roles that may use it}. The sample objects are in `sample`.
EXPECTED = {
    "static": {"GET": EVERYONE},
    "core.healthz": {"GET": EVERYONE},
    "core.home": {"GET": LOGGED_IN},
    "accounts.login": {"GET": EVERYONE, "POST": EVERYONE},
    "accounts.logout": {"POST": LOGGED_IN},
    "accounts.user_list": {"GET": ADMIN},
    "accounts.user_create": {"GET": ADMIN, "POST": ADMIN},
    "accounts.user_detail": {"GET": ADMIN},
    "accounts.role_grant": {"POST": ADMIN},
    "accounts.role_revoke": {"GET": ADMIN, "POST": ADMIN},
    "accounts.user_deactivate": {"GET": ADMIN, "POST": ADMIN},
    "accounts.user_reactivate": {"GET": ADMIN, "POST": ADMIN},
    "audit.log": {"GET": ADMIN},
}


@pytest.fixture
def app_overrides():
    # The matrix is about access, not CSRF (tested on its own): POSTs go without a token.
    return {"WTF_CSRF_ENABLED": False}


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
    }
    return {"accounts": {role: user.email for role, user in accounts.items()}, "url_args": url_args}


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


def test_every_view_declares_an_access_rule(app):
    undeclared = sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and getattr(view, "access_rule", None) is None
    )
    assert not undeclared, f"views without @requires or @public: {undeclared}"


CASES = [
    (endpoint, method, role)
    for endpoint, methods in EXPECTED.items()
    for method in methods
    for role in (ANONYMOUS, *ROLES)
]


@pytest.mark.parametrize(("endpoint", "method", "role"), CASES, ids=[f"{m}-{e}-{r}" for e, m, r in CASES])
def test_access(app, client, sample, endpoint, method, role):
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint and method in rule.methods)
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **{arg: sample["url_args"][arg] for arg in rule.arguments})
    if role != ANONYMOUS:
        response = client.post("/login", data={"email": sample["accounts"][role], "password": PASSWORD})
        assert response.status_code == 302, f"{role} could not log in"
    response = client.open(url, method=method, data={})
    response.close()  # static files are streamed
    allowed = role in EXPECTED[endpoint][method]
    if allowed:
        assert response.status_code not in (401, 403), f"{role} refused on {method} {url}"
        assert "/login" not in response.headers.get("Location", "") or endpoint.startswith("accounts.log"), (
            f"{role} sent to the login page on {method} {url}"
        )
    elif role == ANONYMOUS:
        if url.startswith("/api/"):
            assert response.status_code == 401
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"], (
                f"anonymous not sent to login on {method} {url}: {response.status_code}"
            )
    else:
        assert response.status_code == 403, f"{role} got {response.status_code} on {method} {url}, expected 403"
