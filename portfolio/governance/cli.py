"""`flask governance …`: governance commands (the registry's committee history)."""
import json

import click
from flask.cli import AppGroup

from portfolio.audit.tracking import acting_as
from portfolio.extensions import db
from portfolio.governance.registry import reviews_from_registry_committees

governance_cli = AppGroup("governance", help="Gouvernance : comités et instances.")


@governance_cli.command("import-committees")
@click.option("--json", "as_json", is_flag=True, help="Afficher le bilan en JSON.")
def import_committees_command(as_json: bool):
    """Turn the registry's committee events into past investment-committee reviews (idempotent)."""
    with acting_as(label="import betagouv"):
        report = reviews_from_registry_committees()
        db.session.commit()
    click.echo(json.dumps(report.as_dict()) if as_json else report.summary())
