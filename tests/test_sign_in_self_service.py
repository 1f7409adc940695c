"""Sessions that end server-side, the sign-in link by e-mail, the password's change and reset,
and the admins' invitations."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from conftest import PASSWORD, csrf_token, make_app, post_form
from portfolio.accounts import operations, tokens
from portfolio.accounts.models import User
from portfolio.accounts.tokens import AccountToken, hash_token
from portfolio.audit.models import AuditEvent
from portfolio.extensions import db
from portfolio.reminders.models import OutboxMessage
from portfolio.timeutil import utcnow

NEW_PASSWORD = "un-tout-nouveau-secret"
LINK = re.compile(r"http://127\.0\.0\.1:5000(/\S+)")


def _mails_to(address: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == address)))


def _link_in(message: OutboxMessage) -> str:
    return LINK.search(message.text_body).group(1)


def _reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def _logged_in_client(app, user, password: str = PASSWORD):
    client = app.test_client()
    response = client.post(
        "/login", data={"csrf_token": csrf_token(client, "/login"), "email": user.email, "password": password}
    )
    assert response.status_code == 302, f"{user.email} could not log in"
    return client


def _is_signed_in(client) -> bool:
    response = client.get("/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


# --- Sessions that end -----------------------------------------------------------------


def test_a_copied_session_cookie_gets_the_login_page_after_logout(app, make_user):
    user = make_user("coach")
    client = _logged_in_client(app, user)
    copied = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert _is_signed_in(thief)

    assert post_form(client, "/logout").status_code == 302
    response = thief.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert event_actions(user) >= {"logout"}


def event_actions(user) -> set[str]:
    return set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(user.id))))


def test_deactivation_ends_sessions_and_reactivation_does_not_revive_them(app, make_user):
    user = make_user("coach")
    client = _logged_in_client(app, user)
    operations.set_active(user, False)
    db.session.commit()
    assert not _is_signed_in(client)
    operations.set_active(_reload(user), True)
    db.session.commit()
    assert not _is_signed_in(client)
    assert _is_signed_in(_logged_in_client(app, _reload(user)))  # a new login works again


def test_a_session_id_without_its_version_loads_nobody(app, make_user):
    user = make_user("coach")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # the format before session versions
        session["_fresh"] = True
    assert not _is_signed_in(client)


# --- Password change on /compte --------------------------------------------------------------


def test_the_account_page_shows_the_person_and_their_roles(app, client, login, make_user):
    login(make_user("coach", email="ines@test.gouv.fr", name="Inès Moreau"))
    page = client.get("/compte").get_data(as_text=True)
    assert "Inès Moreau" in page and "ines@test.gouv.fr" in page and "Coach" in page
    assert "Changer de mot de passe" in page


def test_a_password_change_with_bad_input_says_why_in_french_and_changes_nothing(app, make_user):
    user = make_user("coach")
    client = _logged_in_client(app, user)
    cases = [
        ({"current_password": "pas-le-bon-mot", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
         "Le mot de passe actuel est incorrect."),
        ({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": "autre-chose-encore"},
         "Les deux mots de passe ne sont pas identiques."),
        ({"current_password": PASSWORD, "new_password": "court", "confirm_password": "court"},
         "Le mot de passe doit compter au moins 10 caractères."),
        ({"current_password": PASSWORD, "new_password": PASSWORD, "confirm_password": PASSWORD},
         "Le nouveau mot de passe doit être différent de l’actuel."),
        ({"current_password": "", "new_password": "", "confirm_password": ""}, "Ce champ est obligatoire."),
    ]
    for data, message in cases:
        response = post_form(client, "/compte/mot-de-passe", data, token_from="/compte")
        assert response.status_code == 422 and message in response.get_data(as_text=True), message
    assert _reload(user).check_password(PASSWORD) and _is_signed_in(client)


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, make_user):
    user = make_user("coach")
    here, elsewhere = _logged_in_client(app, user), _logged_in_client(app, user)
    response = post_form(
        here, "/compte/mot-de-passe",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        token_from="/compte",
    )
    assert response.status_code == 302
    assert "Votre mot de passe est changé" in here.get("/compte").get_data(as_text=True)
    assert not _is_signed_in(elsewhere)
    assert _reload(user).check_password(NEW_PASSWORD)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "change_password"))
    assert event.after["password_hash"] == "(masqué)" and event.actor_id == user.id


def test_an_account_without_password_has_no_password_form(app, client, make_user):
    user = operations.create_user("sans-mdp@test.gouv.fr", "Sans Mot", password=None)
    db.session.commit()
    client = _magic_link_client(app, user)
    assert "Changer de mot de passe" not in client.get("/compte").get_data(as_text=True)
    response = post_form(client, "/compte/mot-de-passe", {"current_password": "x"}, token_from="/compte")
    assert response.status_code == 404


# --- Reset by e-mail -------------------------------------------------------------------------


def test_a_reset_request_answers_the_same_whether_the_address_exists_or_not(app, make_user):
    user = make_user("coach")
    answers = []
    for address in (user.email, "personne@nulle-part.gouv.fr"):
        client = app.test_client()
        response = post_form(client, "/mot-de-passe/oubli", {"email": address}, token_from="/mot-de-passe/oubli")
        answers.append((response.status_code, response.headers["Location"],
                        client.get("/login").get_data(as_text=True).count("Si un compte Portfolio correspond")))
    assert answers[0] == answers[1] == (302, "/login", 1)
    assert len(_mails_to(user.email)) == 1 and not _mails_to("personne@nulle-part.gouv.fr")


def test_a_reset_link_sets_a_new_password_once_and_ends_the_sessions(app, make_user):
    user = make_user("coach")
    before = _logged_in_client(app, user)
    post_form(app.test_client(), "/mot-de-passe/oubli", {"email": user.email}, token_from="/mot-de-passe/oubli")
    link = _link_in(_mails_to(user.email)[0])
    token = link.rsplit("/", 1)[1]
    # Stored hashed: the database does not hold the token itself.
    stored = db.session.scalars(select(AccountToken.token_hash)).all()
    assert stored == [hash_token(token)] and token not in stored

    client = app.test_client()
    assert client.get(link).status_code == 200
    bad = post_form(client, link, {"new_password": NEW_PASSWORD, "confirm_password": "différent-du-premier"},
                    token_from=link)
    assert bad.status_code == 422 and "Les deux mots de passe ne sont pas identiques." in bad.get_data(as_text=True)
    assert _reload(user).check_password(PASSWORD)

    good = post_form(client, link, {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}, token_from=link)
    assert good.status_code == 302 and good.headers["Location"] == "/login"
    assert _reload(user).check_password(NEW_PASSWORD) and not _is_signed_in(before)
    again = client.get(link)
    assert again.status_code == 410 and "Ce lien n’est pas valable" in again.get_data(as_text=True)
    assert _is_signed_in(_logged_in_client(app, _reload(user), NEW_PASSWORD))


def test_an_expired_reset_link_does_not_work(app, make_user):
    user = make_user("coach")
    token = tokens.issue(user, tokens.PASSWORD_RESET, timedelta(minutes=60))
    db.session.scalar(select(AccountToken)).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    client = app.test_client()
    assert client.get(f"/mot-de-passe/nouveau/{token}").status_code == 410
    response = post_form(client, f"/mot-de-passe/nouveau/{token}",
                         {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}, token_from="/login")
    assert response.status_code == 410 and _reload(user).check_password(PASSWORD)


# --- Sign-in link by e-mail ------------------------------------------------------------------


def _magic_link_client(app, user):
    client = app.test_client()
    post_form(client, "/connexion/lien", {"email": user.email}, token_from="/connexion/lien")
    link = _link_in(_mails_to(user.email)[-1])
    assert post_form(client, link, token_from=link).status_code == 302
    return client


def test_a_sign_in_link_works_once_within_15_minutes(app, make_user):
    user = make_user("coach")
    client = app.test_client()
    response = post_form(client, "/connexion/lien", {"email": user.email.upper()}, token_from="/connexion/lien")
    assert response.status_code == 302
    message = _mails_to(user.email)[0]
    assert "dans les 15 minutes" in message.text_body
    link = _link_in(message)
    row = db.session.scalar(select(AccountToken))
    assert timedelta(minutes=14) < row.expires_at - row.created_at <= timedelta(minutes=15)

    assert client.get(link).status_code == 200 and client.get(link).status_code == 200  # opening spends nothing
    assert not _is_signed_in(client)
    assert post_form(client, link, token_from=link).status_code == 302
    assert _is_signed_in(client)

    other = app.test_client()
    assert post_form(other, link, token_from="/login").status_code == 410
    assert not _is_signed_in(other)


def test_an_expired_sign_in_link_does_not_work(app, make_user):
    user = make_user("coach")
    token = tokens.issue(user, tokens.MAGIC_LINK, timedelta(minutes=15))
    db.session.scalar(select(AccountToken)).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    client = app.test_client()
    assert post_form(client, f"/connexion/lien/{token}", token_from="/login").status_code == 410
    assert not _is_signed_in(client)


def test_a_newer_sign_in_link_replaces_the_older(app, make_user):
    user = make_user("coach")
    first = tokens.issue(user, tokens.MAGIC_LINK, timedelta(minutes=15))
    tokens.issue(user, tokens.MAGIC_LINK, timedelta(minutes=15))
    db.session.commit()
    assert app.test_client().get(f"/connexion/lien/{first}").status_code == 410


def test_a_sign_in_link_request_answers_the_same_for_an_unknown_address_and_checks_its_input(app):
    client = app.test_client()
    response = post_form(client, "/connexion/lien", {"email": "personne@nulle-part.gouv.fr"},
                         token_from="/connexion/lien")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    bad = post_form(client, "/connexion/lien", {"email": "pas-une-adresse"}, token_from="/connexion/lien")
    assert bad.status_code == 422 and "Saisissez une adresse électronique valide" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert db.session.scalar(select(func.count()).select_from(AccountToken)) == 0


def test_a_deactivated_account_gets_no_sign_in_link(app, make_user):
    user = make_user("coach")
    operations.set_active(user, False)
    db.session.commit()
    post_form(app.test_client(), "/connexion/lien", {"email": user.email}, token_from="/connexion/lien")
    assert not _mails_to(user.email)


# --- Invitations -----------------------------------------------------------------------------


def test_an_admin_invites_an_agent_who_gets_an_e_mail_and_no_password(app, client, login, make_user):
    login(make_user("admin"))
    response = post_form(client, "/admin/users/invite",
                         {"email": "Nouvel.Agent@Interieur.gouv.fr", "name": "Nouvel Agent", "role": "coach",
                          "scope": ""}, token_from="/admin/users/invite")
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "nouvel.agent@interieur.gouv.fr"))
    assert user.password_hash is None and user.has_role("coach")
    [message] = _mails_to(user.email)
    assert message.subject == "Votre accès à Portfolio" and "/login" in message.text_body
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "create",
                                                      AuditEvent.object_id == str(user.id))) is not None
    # No password: the password form cannot let anyone in.
    anonymous = app.test_client()
    assert anonymous.post("/login", data={"csrf_token": csrf_token(anonymous), "email": user.email,
                                          "password": "un-mot-de-passe-au-hasard"}).status_code == 401


def test_an_invitation_with_bad_input_says_why_and_creates_nothing(app, client, login, make_user):
    admin = make_user("admin")
    login(admin)
    cases = [
        ({"email": "pas-une-adresse", "name": "Quelqu’un"}, "Saisissez une adresse électronique valide"),
        ({"email": "", "name": ""}, "Ce champ est obligatoire."),
        ({"email": admin.email, "name": "Doublon"}, "Un compte existe déjà pour l’adresse"),
        ({"email": "agent@test.gouv.fr", "name": "Agent", "role": "intrapreneur", "scope": ""},
         "doit être limité à une startup"),
    ]
    for data, message in cases:
        response = post_form(client, "/admin/users/invite", data, token_from="/admin/users/invite")
        assert response.status_code == 422 and message in response.get_data(as_text=True), message
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


# --- Password login switched off -------------------------------------------------------------


def test_the_password_login_can_be_switched_off(app, migrated_database, instance_path, make_user):
    user = make_user("coach")
    switched_off = make_app(migrated_database, instance_path, PASSWORD_LOGIN_ENABLED=False)
    client = switched_off.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "Mot de passe" not in page and "Recevoir un lien de connexion par e-mail" in page
    response = client.post("/login", data={"csrf_token": csrf_token(client), "email": user.email,
                                           "password": PASSWORD})
    assert response.status_code == 404 and not _is_signed_in(client)
    assert client.get("/mot-de-passe/oubli").status_code == 404
    with switched_off.app_context():
        db.engine.dispose()
