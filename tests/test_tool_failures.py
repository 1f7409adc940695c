"""Tools that say when they fail: `flask reminders sweep` exits non-zero when a delivery failed
(against an SMTP server that refuses the message), 0 when all went out."""
import json
import socket
from datetime import date

import pytest
from aiosmtpd.controller import Controller

from reminders_support import follow_up_action, meeting, paris, startup

NOW = "2025-03-04T09:00+01:00"


@pytest.fixture
def due_action(app, make_user):
    """An open follow-up action due on 4 March 2025: its owner and the chair get a reminder that morning."""
    funded = startup("signaux-faibles")
    chair = make_user("committee_chair", name="Claire Lefèvre")
    owner = make_user("intrapreneur", scope="signaux-faibles", name="Inès Moreau")
    held = meeting(paris(2025, 1, 20, 10), reviewed=[funded], chair=chair, status="held")
    return follow_up_action(held, owner, due_on=date(2025, 3, 4))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on loopback, answering DATA with `reply` (set by the test)."""

    class Handler:
        reply = "250 Message accepted for delivery"

        async def handle_DATA(self, server, session, envelope):
            return self.reply

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        yield handler
    finally:
        controller.stop()


def test_the_sweep_exits_non_zero_when_the_smtp_server_refuses_the_messages(runner, due_action, smtp_server):
    smtp_server.reply = "554 5.7.1 Message refusé"
    result = runner.invoke(args=["reminders", "sweep", "--now", NOW])
    assert result.exit_code == 1, result.output
    # The follow-up's reminder goes to its owner alone (the audience table): one message, refused.
    assert "0 envoyé, 1 en échec" in result.output
    assert "1 envoi en échec : il sera retenté" in result.stderr


def test_the_json_report_exits_non_zero_too(runner, due_action, smtp_server):
    smtp_server.reply = "554 5.7.1 Message refusé"
    result = runner.invoke(args=["reminders", "sweep", "--json", "--now", NOW])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["failed"] == 1


def test_the_sweep_exits_zero_when_everything_went_out(runner, due_action, smtp_server):
    result = runner.invoke(args=["reminders", "sweep", "--now", NOW])
    assert result.exit_code == 0, result.output
    assert "1 envoyé, 0 en échec" in result.output


def test_every_401_names_its_challenge_and_every_405_its_allowed_methods(client, app):
    from conftest import post_form

    refused = post_form(client, "/login", {"email": "personne@test.gouv.fr", "password": "faux"}, token_from="/login")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    anonymous = client.get("/api/startups/signaux-faibles")
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == 'Bearer realm="Portfolio"'
    wrong_method = client.delete("/login")
    assert wrong_method.status_code == 405 and set(wrong_method.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert "Méthode non autorisée" in wrong_method.get_data(as_text=True)
