"""The upload form of the registry import."""
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField

from portfolio.forms import Form


class RegistryUploadForm(Form):
    archive = FileField(
        "Archive .zip du registre",
        validators=[
            FileRequired("Choisissez l’archive .zip du registre."),
            FileAllowed(["zip"], "Le fichier doit être une archive .zip."),
        ],
    )
    dry_run = BooleanField("Simulation : tout vérifier sans rien enregistrer")
