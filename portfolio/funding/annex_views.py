"""Importing a convention's annex: its table pasted, previewed with the startups it names matched,
then its funding lines created on confirmation. Writers of the convention only.

The preview saves nothing: the pasted text travels to the confirmation in a signed token."""
from flask import flash, redirect, render_template, request, url_for

from portfolio.accounts.access import authorize, requires
from portfolio.extensions import db
from portfolio.funding import queries
from portfolio.funding.annex import AnnexError
from portfolio.funding.annex_import import AnnexImportError, build_preview, import_annex, load_preview
from portfolio.funding.report_forms import AnnexPasteForm, annex_confirm_form
from portfolio.timeutil import today_in_paris


def _paste_page(convention, form, error: str | None = None, status: int = 200):
    if status != 200:
        db.session.rollback()
    return render_template("funding/annex_paste.html", convention=convention, form=form, error=error), status


def _preview_page(preview, form, error: str | None = None, row_errors: dict | None = None, status: int = 200):
    if status != 200:
        db.session.rollback()
    return (
        render_template(
            "funding/annex_preview.html",
            convention=preview.convention,
            preview=preview,
            form=form,
            error=error,
            row_errors=row_errors or {},
        ),
        status,
    )


@requires("funding.edit")
def annex_import(convention_id: int):
    convention = queries.load_convention(convention_id, for_reports=True)
    authorize("funding.edit", convention)
    today = today_in_paris()
    if request.method == "POST" and "token" in request.form:
        return _confirm(convention, today)
    form = AnnexPasteForm()
    if not form.is_submitted():
        return _paste_page(convention, form)
    if not form.validate():
        return _paste_page(convention, form, status=422)
    try:
        preview = build_preview(convention, form.text.data, today)
    except AnnexError as error:
        form.text.errors.append(str(error))
        return _paste_page(convention, form, status=422)
    return _preview_page(preview, annex_confirm_form(preview))


def _confirm(convention, today):
    """Second step: back to the text, or create the lines of the previewed annex."""
    paste = AnnexPasteForm(formdata=None)
    try:
        preview = load_preview(convention, request.form.get("token", ""), today)
    except (AnnexImportError, AnnexError) as error:
        return _paste_page(convention, paste, error=str(error), status=422)
    form = annex_confirm_form(preview, formdata=request.form)
    if form.back.data:
        paste.text.data = preview.text
        return _paste_page(convention, paste)
    if preview.stale:
        return _preview_page(
            preview,
            annex_confirm_form(preview),
            error="Les startups ont changé depuis l’aperçu : vérifiez les correspondances puis confirmez à nouveau.",
            status=422,
        )
    if not form.validate():
        return _preview_page(preview, form, status=422)
    try:
        lines = import_annex(preview, form.choices())
    except AnnexImportError as error:
        for line_no, message in error.by_line.items():
            if f"row_{line_no}" in form:
                form.row_field(line_no).errors = [*form.row_field(line_no).errors, message]
        return _preview_page(preview, form, error=str(error), row_errors=error.by_line, status=422)
    db.session.commit()
    count = len(lines)
    flash(f"{count} ligne{'s' if count > 1 else ''} de financement importée{'s' if count > 1 else ''} depuis l’annexe.", "success")
    return redirect(url_for("funding.convention_detail", convention_id=convention.id))
