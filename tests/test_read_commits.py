"""A request that only read ends its transaction with COMMIT (psycopg 3 drops the statements it
prepared on a connection at every ROLLBACK, so PostgreSQL would plan each statement of a page on
every request); one that wrote without committing, or failed, is rolled back as before: nothing
of it stays."""
import pytest
from sqlalchemy import event, func, select, update

from conftest import make_app
from portfolio.accounts.access import public
from portfolio.extensions import db
from portfolio.startups.models import Organisation


@pytest.fixture
def fresh(app, migrated_database, instance_path):
    """A second app whose requests push and pop their own app context, as in a deployment (the `app`
    fixture's context, shared by its requests, is there to empty the tables afterwards)."""
    db.session.add(Organisation(slug="dinum", name="DINUM"))
    db.session.commit()
    other = make_app(migrated_database, instance_path)
    ends: list[str] = []
    with other.app_context():
        engine = db.engine
    event.listen(engine, "commit", lambda connection: ends.append("commit"))
    event.listen(engine, "rollback", lambda connection: ends.append("rollback"))
    yield other, ends
    with other.app_context():
        db.engine.dispose()


def _names(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Organisation.name).order_by(Organisation.id)))


def test_a_request_that_only_read_ends_with_a_commit(fresh):
    other, ends = fresh
    assert other.test_client().get("/donnees-ouvertes").status_code == 200  # the published conventions, read
    assert ends and set(ends) == {"commit"}, ends


def test_a_context_that_wrote_without_committing_is_rolled_back(fresh):
    other, ends = fresh
    with other.app_context():
        db.session.add(Organisation(slug="dge", name="DGE"))
        db.session.flush()
    with other.app_context():
        db.session.execute(update(Organisation).values(name="Renommée"))
    with other.app_context():
        db.session.get(Organisation, db.session.scalar(select(func.min(Organisation.id)))).name = "Changée"
    assert ends.count("rollback") == 3 and "commit" not in ends, ends
    assert _names(other) == ["DINUM"]


def test_a_request_that_failed_is_rolled_back(fresh):
    other, ends = fresh

    def boom():
        db.session.scalar(select(func.count()).select_from(Organisation))
        raise RuntimeError("boom")

    other.add_url_rule("/boom", view_func=public(boom))
    with pytest.raises(RuntimeError):
        other.test_client().get("/boom")
    assert ends == ["rollback"], ends
