"""Backing up the database to one file and restoring it: SQLite through its online backup API (a
consistent copy while the application runs), PostgreSQL through pg_dump and pg_restore (Debian's
postgresql-client), in their custom format. `flask backup PATH` and `flask restore PATH`."""
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from portfolio.extensions import db


class BackupError(Exception):
    """A backup or restore that could not be made (French message)."""


def backup(path: Path) -> None:
    """Copy the application's database into `path` (overwritten)."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        source = _sqlite_connection(url)
        target = sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(path), _libpq(url)])
    else:
        raise BackupError(f"Base {url.get_backend_name()} non prise en charge : SQLite ou PostgreSQL seulement.")


def restore(path: Path) -> None:
    """Replace the application's database by the backup in `path`: every table, row and sequence."""
    if not path.is_file():
        raise BackupError(f"{path} n’existe pas ou n’est pas un fichier.")
    url = db.engine.url
    db.session.remove()
    db.engine.dispose()  # no pooled connection may keep reading the old data
    if url.get_backend_name() == "sqlite":
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError:
            raise BackupError(f"{path} n’est pas une sauvegarde SQLite.") from None
        target = _sqlite_connection(url)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        # --clean drops what the database holds first; one transaction: all restored, or nothing.
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
              "--dbname", _libpq(url), str(path)])
    else:
        raise BackupError(f"Base {url.get_backend_name()} non prise en charge : SQLite ou PostgreSQL seulement.")
    db.engine.dispose()


def _sqlite_connection(url) -> sqlite3.Connection:
    if not url.database or url.database == ":memory:":
        raise BackupError("Une base SQLite en mémoire ne se sauvegarde pas.")
    return sqlite3.connect(url.database)


def _libpq(url) -> str:
    """The SQLAlchemy URL as libpq reads it (no driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} est introuvable : installez postgresql-client (apt-get install postgresql-client).")
    finished = subprocess.run(command, capture_output=True, text=True)
    if finished.returncode != 0:
        raise BackupError(f"{command[0]} a échoué : {finished.stderr.strip() or finished.returncode}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Back the database up into PATH (SQLite: a database file; PostgreSQL: a pg_dump archive)."""
    try:
        backup(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Sauvegarde écrite dans {path}.")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Ne pas demander de confirmation.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database by the backup in PATH (everything it holds now is lost)."""
    if not yes:
        click.confirm("La base actuelle sera entièrement remplacée par la sauvegarde. Continuer ?", abort=True)
    try:
        restore(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Base restaurée depuis {path}.")
