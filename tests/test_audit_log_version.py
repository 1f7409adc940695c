"""The audit log's version: numbered up by every committed write that leaves audit events, whoever
makes it (the reminders' sweep evaluates its rules again only when it changed)."""
from portfolio.audit.tracking import log_version
from portfolio.extensions import db
from portfolio.startups.models import Organisation


def _add_organisation(slug: str) -> Organisation:
    organisation = Organisation(slug=slug, name=f"Organisation {slug}")
    db.session.add(organisation)
    db.session.commit()
    return organisation


def test_each_committed_write_numbers_the_version_up_and_a_rolled_back_one_does_not(app):
    assert log_version(db.session) is None  # no write yet
    organisation = _add_organisation("dge")
    first = log_version(db.session)
    token, number = first.split(".")
    organisation.name = "DGE"
    db.session.commit()
    assert log_version(db.session) == f"{token}.{int(number) + 1}"
    organisation.name = "Autre nom"
    db.session.flush()
    db.session.rollback()
    assert log_version(db.session) == f"{token}.{int(number) + 1}"
    # A commit that writes nothing audited leaves it too.
    db.session.commit()
    assert log_version(db.session) == f"{token}.{int(number) + 1}"


def test_an_emptied_log_starts_a_new_token(app):
    from conftest import empty_all_tables

    _add_organisation("a")
    old = log_version(db.session)
    empty_all_tables()
    _add_organisation("a")
    new = log_version(db.session)
    # Same number, another token: a mark taken before cannot be taken for today's.
    assert old.split(".")[1] == new.split(".")[1] and old != new


def test_the_generators_bulk_inserts_change_the_version(app, runner):
    _add_organisation("a")
    before = log_version(db.session)
    result = runner.invoke(args=["demo", "generate", "--scale", "1"])
    assert result.exit_code == 0, result.output
    assert log_version(db.session) != before
