"""A real OpenID Connect provider for the tests (npm's oidc-provider, run by node on loopback,
see oidc_provider/provider.mjs), Portfolio served beside it, and an agent who signs in through
the provider's own login and consent pages."""
import json
import re
import socket
import subprocess
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from conftest import _buffered, make_app
from portfolio.extensions import db

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROVIDER_SCRIPT = Path(__file__).resolve().parent / "oidc_provider" / "provider.mjs"
CLIENT_ID = "portfolio-tests"
CLIENT_SECRET = "un-secret-de-client-pour-les-tests-0123456789"
UNSIGNED_CLIENT_ID = "portfolio-tests-userinfo-json"
#: The test client's requests come to this host; the live server's to 127.0.0.1:<port>.
TEST_CLIENT_BASE = "http://localhost"
#: Agents the provider knows (its login page takes the login, any password).
AGENTS = {
    "agent-1": {"email": "agathe.agent@interieur.gouv.fr", "given_name": "Agathe", "usual_name": "Agent",
                "uid": "1", "siret": "13002526500013", "idp_id": "fia1"},
    "agent-2": {"email": "inconnu@finances.gouv.fr", "given_name": "Ilan", "usual_name": "Inconnu",
                "uid": "2", "siret": "13002526500013", "idp_id": "fia1"},
    "agent-3": {"email": "trafique@interieur.gouv.fr", "given_name": "Tristan", "usual_name": "Trafiqué",
                "uid": "3", "siret": "13002526500013", "idp_id": "fia1"},
}
TAMPERED_EMAIL = AGENTS["agent-3"]["email"]
FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"', re.I)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Provider:
    issuer: str
    live_base: str

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def app_overrides(self, public_url: str = TEST_CLIENT_BASE) -> dict:
        """Portfolio's settings for this provider; its public address is the one registered there."""
        return {
            "PUBLIC_URL": public_url,
            "OIDC_DISCOVERY_URL": self.discovery_url,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_ACR_VALUES": "eidas1",
        }


@contextmanager
def running_provider(rp_bases: list[str]):
    """oidc-provider on a free loopback port, with Portfolio registered as a client for the
    redirect URIs under each of `rp_bases`."""
    port = free_port()
    issuer = f"http://localhost:{port}"
    registration = {
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{base}/connexion/proconnect/retour" for base in rp_bases],
        "post_logout_redirect_uris": [f"{base}/login" for base in rp_bases],
    }
    settings = {
        "port": port,
        "issuer": issuer,
        "clients": [
            {**registration, "client_id": CLIENT_ID, "userinfo_signed_response_alg": "RS256"},
            # A client whose userinfo comes as plain JSON: Portfolio must refuse it.
            {**registration, "client_id": UNSIGNED_CLIENT_ID},
        ],
        "accounts": AGENTS,
        "tamperUserinfoOf": [TAMPERED_EMAIL],
    }
    process = subprocess.Popen(
        ["node", str(PROVIDER_SCRIPT), json.dumps(settings)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError(f"oidc-provider did not start: {line}{process.stderr.read()}")
        yield issuer
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
        process.stdout.close()
        process.stderr.close()


@contextmanager
def live_portfolio(database_url: str, instance_path: Path):
    """Portfolio served over loopback in a thread. Its address is known first (the provider
    registers it), its app built after (its settings name the provider): `serve(overrides)`."""
    from werkzeug.serving import make_server

    holder: dict = {}
    server = make_server("127.0.0.1", 0, lambda environ, start: holder["wsgi"](environ, start), threaded=True)

    def serve(overrides: dict):
        holder["app"] = make_app(database_url, instance_path, **overrides)
        holder["wsgi"] = _buffered(holder["app"])
        return holder["app"]

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", serve
    finally:
        server.shutdown()
        thread.join(timeout=5)
        if "app" in holder:
            with holder["app"].app_context():
                db.engine.dispose()


class ProviderAgent:
    """The agent's side at the provider, over HTTP: its login form, then its consent form."""

    def __init__(self, login: str):
        self.login = login
        self.http = requests.Session()

    def authenticate(self, authorization_url: str, stop_at: str) -> str:
        """Follow the provider from the authorization URL to the redirect back to Portfolio
        (a URL under `stop_at`), filling the login and consent pages on the way."""
        url, method, data = authorization_url, "GET", None
        for _ in range(20):
            if url.startswith(stop_at):
                return url
            response = self.http.request(method, url, data=data, allow_redirects=False, timeout=10)
            if response.is_redirect:
                url, method, data = urljoin(url, response.headers["Location"]), "GET", None
                continue
            assert response.status_code == 200, f"{response.status_code} at {url}: {response.text[:300]}"
            action = urljoin(url, FORM_ACTION.search(response.text).group(1))
            if 'name="login"' in response.text:
                url, method, data = action, "POST", {"prompt": "login", "login": self.login, "password": "x"}
            else:
                url, method, data = action, "POST", {"prompt": "consent"}
        raise AssertionError("the provider never sent the agent back to Portfolio")

    def end_session(self, end_session_url: str, stop_at: str) -> str:
        """Confirm the logout on the provider's page; returns where it sends the agent."""
        response = self.http.get(end_session_url, allow_redirects=False, timeout=10)
        assert response.status_code == 200, response.text[:300]
        action = urljoin(end_session_url, FORM_ACTION.search(response.text).group(1))
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', response.text))
        response = self.http.post(action, data={**fields, "logout": "yes"}, allow_redirects=False, timeout=10)
        location = urljoin(action, response.headers.get("Location", ""))
        while not location.startswith(stop_at):
            response = self.http.get(location, allow_redirects=False, timeout=10)
            location = urljoin(location, response.headers["Location"])
        return location


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")

