"""`flask users ...`: accounts for deployments."""
import click
from flask.cli import AppGroup

from portfolio.accounts import operations
from portfolio.accounts.models import ROLE_LABELS
from portfolio.audit.tracking import acting_as
from portfolio.extensions import db

users_cli = AppGroup("users", help="Gérer les comptes.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Nom complet.")
@click.option("--role", required=True, type=click.Choice(sorted(ROLE_LABELS)), help="Rôle accordé.")
@click.option("--scope", default=None, help="Identifiant de l’incubateur (coach) ou de la startup (intrapreneur).")
@click.option(
    "--password",
    prompt="Mot de passe",
    hide_input=True,
    confirmation_prompt="Confirmez le mot de passe",
    help="Sans cette option, il est demandé.",
)
def create_user_command(email, name, role, scope, password):
    """Create the account EMAIL with one role."""
    with acting_as(label="ligne de commande"):
        try:
            user = operations.create_user(email, name, password)
            grant = operations.grant_role(user, role, scope)
        except operations.AccountError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
        db.session.commit()
    click.echo(f"Compte créé : {user.email} ({grant.label}).")
