"""`flask scheduler run`: the long-running scheduler process."""
import click
from flask import current_app
from flask.cli import AppGroup

from portfolio.core.french import counted
from portfolio.scheduler import build_scheduler

scheduler_cli = AppGroup("scheduler", help="Planificateur des tâches récurrentes.")


@scheduler_cli.command("run")
def run_command():
    """Run the scheduler until interrupted (one process per deployment)."""
    scheduler = build_scheduler(current_app._get_current_object())
    jobs = scheduler.get_jobs()
    click.echo(f"Planificateur démarré ({counted(len(jobs), 'tâche')} : {', '.join(j.id for j in jobs) or 'aucune'}).")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("Planificateur arrêté.")
