"""PROXY_FIX: behind a reverse proxy the app believes its X-Forwarded-* headers (the client's
address counts for the login limit); without it, a forged X-Forwarded-For changes nothing."""
import uuid

import pytest

from portfolio.extensions import db

from conftest import make_app


def _wrong_logins(app, forwarded_for: str, times: int) -> list[int]:
    client = app.test_client()
    return [
        client.post("/login", data={"email": "personne@test.gouv.fr", "password": "faux"},
                    headers={"X-Forwarded-For": forwarded_for}).status_code
        for _ in range(times)
    ]


@pytest.mark.parametrize("proxy_fix", [0, 1])
def test_the_login_limit_counts_the_forwarded_address_only_behind_proxy_fix(migrated_database, instance_path, proxy_fix):
    app = make_app(
        migrated_database, instance_path, PROXY_FIX=proxy_fix, RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=f"memory://{uuid.uuid4().hex}", LOGIN_RATE_LIMIT="2 per minute", WTF_CSRF_ENABLED=False,
    )
    try:
        assert _wrong_logins(app, "203.0.113.1", 3)[-1] == 429
        other_client = _wrong_logins(app, "203.0.113.2", 1)[0]
        assert (other_client == 429) == (proxy_fix == 0)
    finally:
        with app.app_context():
            db.engine.dispose()  # this app's own pool: no connection left for the garbage collector

