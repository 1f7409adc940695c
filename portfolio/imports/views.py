"""The admin's page to import the beta.gouv.fr registry from an uploaded .zip archive."""
from flask import current_app, render_template, request
from flask_login import current_user

from portfolio.accounts.access import requires
from portfolio.extensions import csrf
from portfolio.imports import queries
from portfolio.imports.betagouv import RegistryError, run_import
from portfolio.imports.forms import RegistryUploadForm
from portfolio.imports.report import ANOMALY_LABELS, RECORD_LABELS
from portfolio.imports.source import raw_files_from_zip


#: Room for the form's other fields and the multipart boundaries around the archive.
FORM_OVERHEAD_BYTES = 64 * 1024
#: The page lists this many anomalies at most (the CLI's --json gives them all).
ANOMALIES_SHOWN = 1000


@requires("imports.run")
@csrf.exempt  # checked below, once the body's size is known to be bounded
def upload():
    limit = current_app.config["IMPORT_MAX_BYTES"]
    too_big = f"L’archive dépasse la taille autorisée ({_megabytes(limit)})."
    if request.method == "POST":
        if request.content_length is not None and request.content_length > limit + FORM_OVERHEAD_BYTES:
            return _form_page(RegistryUploadForm(formdata=None), limit, error=too_big), 413
        # Bodies sent without a length stop at the limit too (Werkzeug answers 413).
        request.max_content_length = limit + FORM_OVERHEAD_BYTES
        if current_app.config["WTF_CSRF_ENABLED"]:
            csrf.protect()
    form = RegistryUploadForm()
    if not form.validate_on_submit():
        return _form_page(form, limit), 422 if form.is_submitted() else 200
    data = form.archive.data.read(limit + 1)
    if len(data) > limit:
        return _form_page(form, limit, error=too_big), 413
    try:
        report = run_import(
            raw_files_from_zip(data),
            source=form.archive.data.filename or "archive.zip",
            user=current_user._get_current_object(),
            dry_run=form.dry_run.data,
        )
    except RegistryError as error:
        return _form_page(form, limit, error=str(error)), 422
    return render_template(
        "imports/upload.html",
        form=RegistryUploadForm(formdata=None),
        limit=_megabytes(limit),
        report=report,
        anomalies_shown=ANOMALIES_SHOWN,
        record_labels=RECORD_LABELS,
        anomaly_labels=ANOMALY_LABELS,
    )


def _form_page(form: RegistryUploadForm, limit: int, error: str | None = None):
    if error:
        form.archive.errors = [*form.archive.errors, error]
    last_run = queries.last_run()
    return render_template(
        "imports/upload.html",
        form=form,
        limit=_megabytes(limit),
        report=None,
        last_run=last_run,
        last_report=queries.report_of(last_run) if last_run else None,
        anomalies_shown=ANOMALIES_SHOWN,
        record_labels=RECORD_LABELS,
        anomaly_labels=ANOMALY_LABELS,
    )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} Mo" if size >= 1024 * 1024 else f"{size} octets"
