"""`flask demo ...`: load the demo data."""
import click
from flask.cli import AppGroup

from portfolio.audit.tracking import acting_as
from portfolio.demo.data import load_demo, persona_logins
from portfolio.extensions import db

demo_cli = AppGroup("demo", help="Données de démonstration.")


@demo_cli.command("load")
def load_command():
    """Load the demo data (a second run adds nothing)."""
    with acting_as(label="démo"):
        report = load_demo()
        db.session.commit()
    if report.total:
        details = ", ".join(f"{count} {kind}" for kind, count in report.created.items())
        click.echo(f"Démo chargée : {details}.")
    else:
        click.echo("Démo déjà chargée : rien à ajouter.")


@demo_cli.command("logins")
def logins_command():
    """Print one demo login per persona."""
    for label, email, password in persona_logins():
        click.echo(f"  {label:<24} {email:<34} mot de passe : {password}")
