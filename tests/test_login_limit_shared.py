"""The login limit holds across web workers when RATELIMIT_STORAGE_URI names a Redis: two
worker processes sharing the machine's Redis (127.0.0.1:6379) let 5 wrong passwords through
a minute, not 5 each."""
import json
import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

WORKER = Path(__file__).resolve().parent / "login_worker.py"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


@pytest.fixture
def key_prefix():
    """A prefix of this run's own: the test removes its keys and no one else's."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        client.close()
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis unreachable at {REDIS_URL}: {error}")
    prefix = f"portfolio-test-{uuid.uuid4().hex}"
    yield prefix
    for key in client.scan_iter(match=f"*{prefix}*"):
        client.delete(key)
    client.close()


@contextmanager
def two_workers(database_url: str, instance_path: Path, storage: str, prefix: str):
    """Two Portfolio processes (started together) with the login limit in `storage`; their URLs."""
    settings = {
        "database_url": database_url,
        "instance_path": str(instance_path),
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": storage,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_RATE_LIMIT": "5 per minute",
        "WTF_CSRF_ENABLED": False,
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-W", "ignore", str(WORKER), json.dumps(settings)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        for _ in range(2)
    ]
    try:
        ports = [process.stdout.readline().strip() for process in processes]
        assert all(port.isdigit() for port in ports), "a worker did not start"
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
            process.stdout.close()


def _wrong_passwords(bases: list[str]) -> list[int]:
    """One wrong password on each base in turn; the statuses."""
    return [
        requests.post(f"{base}/login", data={"email": "personne@test.gouv.fr", "password": "faux"}, timeout=10)
        .status_code
        for base in bases
    ]


def test_six_wrong_passwords_across_two_workers_sharing_redis_get_a_429(migrated_database, instance_path, key_prefix):
    with two_workers(migrated_database, instance_path, REDIS_URL, key_prefix) as (first, second):
        statuses = _wrong_passwords([first, second, first, second, first, second])
    assert statuses == [401, 401, 401, 401, 401, 429]


def test_without_a_shared_storage_each_worker_counts_alone(migrated_database, instance_path, key_prefix):
    """The control: with memory:// the same six attempts all pass, which is what Redis fixes."""
    with two_workers(migrated_database, instance_path, "memory://", key_prefix) as (first, second):
        statuses = _wrong_passwords([first, second, first, second, first, second])
    assert statuses == [401] * 6
