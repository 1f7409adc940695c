"""`flask reminders sweep`: one sweep now, and what it claimed, sent and failed."""
import json
from datetime import datetime

import click
from flask.cli import AppGroup

from portfolio.core.french import counted
from portfolio.reminders.sweep import run_sweep

reminders_cli = AppGroup("reminders", help="Rappels : échéances et notifications.")
UNCHANGED = " Rien n’a changé depuis le dernier calcul des échéances : il n’a pas été refait."


@reminders_cli.command("sweep")
@click.option("--json", "as_json", is_flag=True, help="Le même compte rendu, en JSON.")
@click.option(
    "--now",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z"]),
    default=None,
    help="L’instant du passage, avec son fuseau (par exemple 2026-11-01T08:00+01:00) ; maintenant par défaut.",
)
def sweep_command(as_json: bool, now: datetime | None):
    """Run one sweep of the reminders now (the scheduler runs the same every REMINDER_SWEEP_SECONDS).
    Exits with status 1 when a delivery failed, so that cron, CI or a supervisor sees it."""
    result = run_sweep(now)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(
            f"Passage des rappels : {counted(result.claimed, 'réclamé')}, {counted(result.sent, 'envoyé')}, "
            f"{result.failed} en échec ({counted(result.emails, 'courriel')} ; "
            f"{counted(result.created, 'notification créée', 'notifications créées')}, "
            f"{counted(result.superseded, 'remplacée')} ; échéances : {counted(result.deadlines_opened, 'ouverte')}, "
            f"{counted(result.deadlines_closed, 'close')} ; {result.seconds} s)."
            + (UNCHANGED if result.generation_skipped else "")
        )
        for failure in result.failures:
            click.echo(
                f"  échec pour {failure.recipient} (notifications {', '.join(map(str, failure.notification_ids))}) : "
                f"{failure.error} ; nouvel essai à partir du {failure.next_attempt_at.isoformat()}"
            )
    if result.failed:
        retried = "il sera retenté" if result.failed == 1 else "ils seront retentés"
        click.echo(f"{counted(result.failed, 'envoi en échec', 'envois en échec')} : {retried} au prochain passage.", err=True)
        raise SystemExit(1)
