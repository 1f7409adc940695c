"""`flask import betagouv PATH`: import a copy of the beta.gouv.fr registry from the command line."""
import json
from pathlib import Path

import click
from flask.cli import AppGroup

from portfolio.imports.betagouv import RegistryError, run_import
from portfolio.imports.source import raw_files_from_directory, raw_files_from_zip

import_cli = AppGroup("import", help="Importer des données extérieures.")


@import_cli.command("betagouv")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Afficher le bilan en JSON sur la sortie standard.")
@click.option("--dry-run", is_flag=True, help="Simuler : tout vérifier, ne rien enregistrer.")
def betagouv_command(path: Path, as_json: bool, dry_run: bool):
    """Import the registry at PATH (a folder with startups/, incubators/, organisations/, or its .zip)."""

    def progress(message: str) -> None:
        click.echo(message, err=True)

    try:
        if path.is_file():
            with path.open("rb") as archive:
                raw_files = raw_files_from_zip(archive)
        else:
            raw_files = raw_files_from_directory(path)
        report = run_import(raw_files, source=str(path), dry_run=dry_run, progress=progress)
    except RegistryError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    for anomaly in report.anomalies:
        click.echo(f"{anomaly.file} : {anomaly.kind_label} ({anomaly.kind}) — {anomaly.detail} [{anomaly.action_label}]")
    if report.anomalies:
        click.echo("")
    click.echo(f"Import du registre beta.gouv.fr depuis {report.source} en {report.seconds:.2f} s")
    for line in report.summary_lines():
        click.echo(line)
