"""The audit log's version and the read cache keyed on it: a value computed from the data is reused
until the next committed write, whoever makes it."""
from portfolio.audit import versions
from portfolio.extensions import db
from portfolio.startups.models import Organisation


def _add_organisation(slug: str) -> Organisation:
    organisation = Organisation(slug=slug, name=f"Organisation {slug}")
    db.session.add(organisation)
    db.session.commit()
    return organisation


def test_each_committed_write_numbers_the_version_up_and_a_rolled_back_one_does_not(app):
    assert versions.current() is None  # no write yet: nothing is cached
    organisation = _add_organisation("dge")
    first = versions.current()
    token, number = first.split(".")
    organisation.name = "DGE"
    db.session.commit()
    assert versions.current() == f"{token}.{int(number) + 1}"
    organisation.name = "Autre nom"
    db.session.flush()
    db.session.rollback()
    assert versions.current() == f"{token}.{int(number) + 1}"
    # A commit that writes nothing audited leaves it too.
    db.session.commit()
    assert versions.current() == f"{token}.{int(number) + 1}"


def test_a_value_is_computed_once_per_version(app):
    _add_organisation("a")
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert versions.cached("test", "key", compute) == 1
    assert versions.cached("test", "key", compute) == 1
    assert versions.cached("test", "other key", compute) == 2
    _add_organisation("b")
    assert versions.cached("test", "key", compute) == 3


def test_a_transaction_that_wrote_neither_reads_nor_fills_the_cache(app):
    _add_organisation("a")
    db.session.add(Organisation(slug="b", name="B"))
    db.session.flush()
    assert versions.cached("test", "key", lambda: "uncommitted") == "uncommitted"
    db.session.rollback()
    # What the rolled-back transaction computed was not kept.
    assert versions.cached("test", "key", lambda: "committed") == "committed"


def test_an_emptied_log_starts_a_new_token(app):
    from conftest import empty_all_tables

    _add_organisation("a")
    old = versions.current()
    empty_all_tables()
    _add_organisation("a")
    new = versions.current()
    # Same number, another token: values cached before cannot be taken for today's.
    assert old.split(".")[1] == new.split(".")[1] and old != new


def test_the_generators_bulk_inserts_change_the_version(app, runner):
    _add_organisation("a")
    before = versions.current()
    result = runner.invoke(args=["demo", "generate", "--scale", "1"])
    assert result.exit_code == 0, result.output
    assert versions.current() != before
