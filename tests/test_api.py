"""The JSON API answers 401 (not a login page) to anonymous callers and asks the same permissions."""
from datetime import date

from sqlalchemy import select

from portfolio.extensions import db
from portfolio.startups.models import PhaseSpan, Startup


def test_anonymous_api_callers_get_401_in_json(client, demo):
    response = client.get("/api/startups/signaux-faibles")
    assert response.status_code == 401
    assert response.get_json()["error"] == "Connexion requise"


def test_a_logged_in_user_reads_a_startup_as_json(client, demo, make_user, login):
    startup = db.session.scalar(select(Startup).where(Startup.slug == "signaux-faibles"))
    startup.phase_spans = [PhaseSpan(phase="construction", start=date(2020, 1, 1))]
    db.session.commit()
    login(make_user("finance"))
    data = client.get("/api/startups/signaux-faibles").get_json()
    assert data["slug"] == "signaux-faibles" and data["name"] == "Signaux Faibles"
    assert data["phase"] == "construction"
    assert data["phases"] == [{"phase": "construction", "start": "2020-01-01", "end": None}]


def test_an_unknown_startup_is_a_json_404(client, make_user, login):
    login(make_user("finance"))
    response = client.get("/api/startups/inconnue")
    assert response.status_code == 404 and response.get_json()["error"] == "Page non trouvée"
