"""The admin's pages: create accounts, grant and revoke roles, deactivate; every write audited."""
import re

import pytest
from sqlalchemy import func, select

from conftest import post_form
from portfolio.accounts.models import RoleGrant, User
from portfolio.audit.models import AuditEvent
from portfolio.extensions import db


@pytest.fixture
def admin(make_user, login, demo):
    user = make_user("admin", name="Ada Admin")
    login(user)
    return user


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _user(email) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_admin_creates_an_account_with_a_scoped_role(client, admin):
    response = post_form(
        client,
        "/admin/users/new",
        {
            "email": "Nouvelle.Coach@Beta.Gouv.fr",
            "name": "Nouvelle Coach",
            "password": "un-mot-de-passe",
            "role": "coach",
            "scope": "dinum",
        },
    )
    assert response.status_code == 302
    user = _user("nouvelle.coach@beta.gouv.fr")
    assert user is not None and user.active
    assert [(grant.role, grant.incubator.slug) for grant in user.roles] == [("coach", "dinum")]
    assert user.roles[0].granted_by_id == admin.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Coach — incubateur" in page


def test_the_creation_is_audited_with_the_admin_as_actor(client, admin):
    post_form(client, "/admin/users/new", {"email": "a@b.gouv.fr", "name": "A B", "password": "un-mot-de-passe"})
    user = _user("a@b.gouv.fr")
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id))
    )
    assert event.action == "create"
    assert event.actor_id == admin.id and event.actor_label == "Ada Admin"
    assert event.before is None
    assert event.after["email"] == "a@b.gouv.fr"
    assert event.after["password_hash"] == "(masqué)"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "pas-une-adresse", "name": "X", "password": "un-mot-de-passe"}, "adresse électronique valide"),
        ({"email": "x@y.gouv.fr", "name": "", "password": "un-mot-de-passe"}, "Ce champ est obligatoire."),
        ({"email": "x@y.gouv.fr", "name": "X", "password": "court"}, "au moins 10 caractères"),
        ({"email": "x@y.gouv.fr", "name": "X", "password": "un-mot-de-passe", "role": "coach", "scope": "inconnu"},
         "Aucun incubateur n’a l’identifiant « inconnu »"),
        ({"email": "x@y.gouv.fr", "name": "X", "password": "un-mot-de-passe", "role": "intrapreneur"},
         "doit être limité à une startup"),
        ({"email": "x@y.gouv.fr", "name": "X", "password": "un-mot-de-passe", "role": "admin", "scope": "dinum"},
         "est global"),
        ({"email": "admin@demo.beta.gouv.fr", "name": "X", "password": "un-mot-de-passe"}, "Un compte existe déjà"),
        ({"email": "x@y.gouv.fr", "name": "X", "password": "un-mot-de-passe", "role": "pirate"}, "Not a valid choice"),
    ],
    ids=["email", "name", "password", "scope", "intrapreneur-scope", "global-scope", "duplicate", "role"],
)
def test_bad_input_gives_a_french_error_and_creates_nothing(client, admin, data, message):
    users, events = _count(User), _count(AuditEvent)
    response = post_form(client, "/admin/users/new", data)
    assert response.status_code == 422
    if message != "Not a valid choice":
        assert message in response.get_data(as_text=True)
    assert _count(User) == users
    assert _count(AuditEvent) == events


def test_unknown_role_choice_message_is_french(client, admin):
    response = post_form(
        client, "/admin/users/new", {"email": "x@y.gouv.fr", "name": "X", "password": "un-mot-de-passe", "role": "pirate"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Not a valid choice" not in body
    assert "pas un choix valide" in body


def test_admin_grants_then_revokes_a_role_after_confirming(client, admin, make_user):
    target = make_user(None, name="Cible")
    response = post_form(client, f"/admin/users/{target.id}/roles", {"role": "intrapreneur", "scope": "signaux-faibles"})
    assert response.status_code == 302
    grant = db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == target.id))
    assert grant.startup.slug == "signaux-faibles"

    confirm = client.get(f"/admin/users/{target.id}/roles/{grant.id}/revoke")
    assert confirm.status_code == 200
    assert "Retirer à Cible le rôle" in confirm.get_data(as_text=True)
    assert _count(RoleGrant) > 0 and db.session.get(RoleGrant, grant.id) is not None  # GET changed nothing

    response = post_form(client, f"/admin/users/{target.id}/roles/{grant.id}/revoke")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(RoleGrant, grant.id) is None
    deletion = db.session.scalar(
        select(AuditEvent).where(AuditEvent.object_type == "role_grant", AuditEvent.action == "delete")
    )
    assert deletion.before["role"] == "intrapreneur" and deletion.after is None
    assert deletion.actor_id == admin.id


def test_granting_the_same_role_twice_is_refused_in_french(client, admin, make_user):
    target = make_user("finance")
    response = post_form(client, f"/admin/users/{target.id}/roles", {"role": "finance"})
    assert response.status_code == 422
    assert "a déjà le rôle Finance" in response.get_data(as_text=True)
    assert len(_user(target.email).roles) == 1


def test_granting_without_a_role_is_refused(client, admin, make_user):
    target = make_user(None)
    response = post_form(client, f"/admin/users/{target.id}/roles", {"role": ""})
    assert response.status_code == 422
    assert "Choisissez un rôle." in response.get_data(as_text=True)


def test_admin_deactivates_an_account_after_confirming(client, admin, make_user):
    target = make_user("coach", name="Partante")
    confirm = client.get(f"/admin/users/{target.id}/deactivate")
    assert "Désactiver le compte de Partante" in confirm.get_data(as_text=True)
    assert _user(target.email).active  # the confirmation page changed nothing

    assert post_form(client, f"/admin/users/{target.id}/deactivate").status_code == 302
    assert not _user(target.email).active
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "deactivate"))
    # Deactivating also ends the account's open sessions (its session version goes up).
    assert event.before == {"active": True, "session_version": 1}
    assert event.after == {"active": False, "session_version": 2}
    assert event.object_id == str(target.id) and event.actor_id == admin.id

    assert post_form(client, f"/admin/users/{target.id}/reactivate").status_code == 302
    assert _user(target.email).active


def test_admin_cannot_deactivate_their_own_account(client, admin):
    response = post_form(client, f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "Vous ne pouvez pas désactiver votre propre compte." in response.get_data(as_text=True)
    assert _user(admin.email).active


def test_admin_cannot_revoke_their_own_admin_role(client, admin):
    grant = _user(admin.email).roles[0]
    response = post_form(client, f"/admin/users/{admin.id}/roles/{grant.id}/revoke", follow_redirects=True)
    assert "Vous ne pouvez pas retirer votre propre rôle" in response.get_data(as_text=True)
    assert _user(admin.email).has_role("admin")


def test_revoking_a_grant_through_another_users_url_is_not_found(client, admin, make_user):
    one, other = make_user("finance"), make_user("finance")
    response = post_form(client, f"/admin/users/{other.id}/roles/{one.roles[0].id}/revoke")
    assert response.status_code == 404
    assert _user(one.email).roles


def test_user_list_is_searchable_and_paginated(client, admin, make_user, app):
    app.config["PAGE_SIZE"] = 3
    for index in range(5):
        make_user("finance", name=f"Financier {index}")
    first = client.get("/admin/users").get_data(as_text=True)
    assert re.search(r"\d comptes\.", first) and "fr-pagination" in first
    found = client.get("/admin/users?q=financier 3").get_data(as_text=True)
    assert "Financier 3" in found and "Financier 2" not in found


def test_user_page_shows_its_own_history(client, admin, make_user):
    target = make_user("coach", name="Historique")
    post_form(client, f"/admin/users/{target.id}/deactivate")
    page = client.get(f"/admin/users/{target.id}").get_data(as_text=True)
    assert "Historique du compte" in page
    assert "Désactivation" in page and "Création" in page
