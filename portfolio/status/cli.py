"""`flask status …`: the derived status rows (`flask status rebuild` recomputes them all)."""
import time

import click
from flask.cli import AppGroup

from portfolio.extensions import db
from portfolio.status import store
from portfolio.timeutil import today_in_paris

status_cli = AppGroup("status", help="Statut dérivé de chaque startup (phase, comités, financement).")


@status_cli.command("rebuild")
def rebuild_command():
    """Recompute every startup's status row from the records."""
    started = time.perf_counter()
    written = store.rebuild(today_in_paris())
    db.session.commit()
    click.echo(f"{written} statut{'s' if written > 1 else ''} de startup recalculé{'s' if written > 1 else ''} "
               f"en {time.perf_counter() - started:.2f} s.")
