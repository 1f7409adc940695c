"""`flask demo ...`: load the demo data."""
import click
from flask.cli import AppGroup

from portfolio.audit.tracking import acting_as
from portfolio.demo.data import load_demo, persona_logins
from portfolio.database import refresh_planner_statistics
from portfolio.extensions import db

demo_cli = AppGroup("demo", help="Données de démonstration.")


@demo_cli.command("load")
def load_command():
    """Load the demo data (a second run adds nothing)."""
    from portfolio.demo.funding import file_demo_reports

    with acting_as(label="démo"):
        report = load_demo()
        for _ in range(file_demo_reports()):
            report.count("comptes rendus trimestriels")
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


@demo_cli.command("generate")
@click.option("--scale", type=click.IntRange(min=1), default=1, show_default=True, help="Fois la taille du registre réel.")
@click.option("--seed", type=int, default=1, show_default=True, help="Graine : la même donne le même portefeuille.")
def generate_command(scale, seed):
    """Generate a synthetic portfolio SCALE times the real registry (for benchmarks)."""
    import time

    from portfolio.demo.generate import generate

    started = time.perf_counter()

    def progress(step: str) -> None:
        click.echo(f"[{time.perf_counter() - started:6.1f} s] {step}…", err=True)

    with acting_as(label="générateur synthétique"):
        try:
            report = generate(scale, seed, progress=progress)
        except ValueError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
        db.session.commit()
    refresh_planner_statistics()
    details = ", ".join(f"{count} {kind}" for kind, count in report.counts.items())
    click.echo(f"Portefeuille synthétique ×{scale} (graine {seed}) créé en {time.perf_counter() - started:.1f} s : {details}.")
