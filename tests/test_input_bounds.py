"""Every input bounded: ids and page numbers beyond what the database holds answer 404, dates outside
1990-2100 a French refusal, NUL characters a 400, amounts beyond the Money columns a French error;
never a server error (SQLite raised OverflowError on ids and pages of 2^63)."""
import re

import pytest
from sqlalchemy import func, select

from portfolio.audit.models import AuditEvent
from portfolio.extensions import db
from portfolio.funding.amounts import AmountError, parse_amount
from portfolio.validation import DAY_RANGE_MESSAGE, page_number

from conftest import post_form

HUGE = 2**63
PAGINATED = ("/startups/", "/funding/", "/governance/", "/audit/", "/admin/users", "/notifications", "/a-faire",
             "/admin/reminders", "/admin/outbox", "/governance/next-committees")
RANGE_TEXT = "Saisissez une date entre le 01/01/1990 et le 31/12/2100."


@pytest.fixture
def admin(app, demo, make_user, login, client):
    user = make_user("admin")
    login(user)
    return user


def _int_routes(app):
    for rule in app.url_map.iter_rules():
        ints = [name for name in rule.arguments if type(rule._converters[name]).__name__ == "BoundedIntegerConverter"]
        if ints:
            path = rule.rule
            for name in rule.arguments:
                path = re.sub(rf"<(?:[^>:]+:)?{name}>", str(HUGE) if name in ints else "x", path)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, path


def test_every_int_id_beyond_the_columns_range_is_not_found(app, client, admin):
    routes = list(_int_routes(app))
    assert len(routes) >= 47
    answers = {(method, path): client.open(path, method=method).status_code for method, path in routes}
    assert set(answers.values()) == {404}, {route: code for route, code in answers.items() if code != 404}


@pytest.mark.parametrize("page", [str(HUGE), "0", "-1", "abc", "1e3", "1000001"])
def test_a_page_number_out_of_range_is_not_found_on_every_list(client, admin, page):
    for path in PAGINATED:
        assert client.get(path, query_string={"page": page}).status_code == 404, path
    assert client.get("/startups/", query_string={"page": "2"}).status_code == 200


def test_page_numbers_are_whole_numbers_from_one():
    assert [page_number(text) for text in ("", "1", " 7 ", "1000000", "٣", "+1")] == [1, 1, 7, 1000000, None, None]


@pytest.mark.parametrize("day", ["0001-01-01", "1989-12-31", "2101-01-01", "9999-12-31"])
@pytest.mark.parametrize("path", ["/startups/", "/startups/export.csv", "/governance/next-committees",
                                  "/governance/next-committees.csv"])
def test_a_date_out_of_range_in_a_filter_is_refused_in_french(client, admin, path, day):
    response = client.get(path, query_string={"on": day})
    assert response.status_code == 400
    assert RANGE_TEXT in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/funding/lines.csv", "/funding/conventions.csv"])
def test_a_date_out_of_range_on_the_funding_exports_is_refused_in_french(client, admin, path):
    for day in ("0001-01-01", "9999-12-31"):
        response = client.get(path, query_string={"on": day})
        assert response.status_code == 422 and response.get_data(as_text=True) == DAY_RANGE_MESSAGE
    assert client.get(path, query_string={"on": "2100-12-31"}).status_code == 200


def test_a_form_date_out_of_range_is_refused_and_nothing_is_saved(client, admin):
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = post_form(client, "/startups/signaux-faibles/milestones/new",
                         {"date": "9999-12-31", "kind": "other", "title": "Dans très longtemps"})
    assert response.status_code == 422 and RANGE_TEXT in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_nul_characters_are_refused_before_any_view(client, admin):
    assert client.get("/startups/", query_string={"q": "a\x00b"}).status_code == 400
    response = post_form(client, "/startups/signaux-faibles/indicators/new", {"name": "a\x00b"})
    assert response.status_code == 400 and "Requête incorrecte" in response.get_data(as_text=True)


def test_an_amount_beyond_the_money_columns_is_refused_in_french():
    assert str(parse_amount("999 999 999 999,99")) == "999999999999.99"
    with pytest.raises(AmountError, match="dépasse le plus grand montant accepté"):
        parse_amount("1 000 000 000 000")


def test_a_nul_character_in_an_api_query_names_nothing(client, demo):
    """The API answers its French JSON 404 (no object has such a slug), never a 400 nor a 500."""
    from portfolio.accounts.models import User
    from portfolio.api import tokens
    from sqlalchemy import select

    admin = db.session.scalar(select(User).where(User.email == "admin@demo.beta.gouv.fr"))
    secret = tokens.create_token(admin, "Test").secret
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    response = client.get("/api/v1/next-committees", query_string={"incubator": "din\x00um"}, headers=headers)
    assert response.status_code == 404 and response.is_json
    assert client.get("/api/v1/startups/a%00b", headers=headers).status_code == 404
