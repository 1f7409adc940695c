"""The quarterly consumption reports of a convention: the quarters with their due dates and
statuses, consumed vs granted with a chart, filing a quarter's report. Finance and admins write;
funding readers read. The annex import is in `annex_views` (same blueprint)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portfolio.accounts.access import authorize, requires
from portfolio.accounts.models import User
from portfolio.extensions import db
from portfolio.funding import consumption, queries, reports
from portfolio.funding.charts import Bar, consumption_chart
from portfolio.funding.report_forms import report_form
from portfolio.funding.view_support import as_of_day
from portfolio.timeutil import today_in_paris


def _bars(used) -> tuple[list[Bar], Bar]:
    bars = [
        Bar(
            f"{item.line.startup.name} — {item.line.fiscal_year}",
            item.envelope.granted_ae,
            item.envelope.committed_ae,
            item.envelope.granted_cp,
            item.envelope.paid_cp,
        )
        for item in used.lines
    ]
    total = used.total
    return bars, Bar("Total de la convention", total.granted_ae, total.committed_ae, total.granted_cp, total.paid_cp)


def _submitters(convention) -> dict[int, str]:
    ids = {report.submitted_by_id for report in convention.reports if report.submitted_by_id}
    if not ids:
        return {}
    return {row.id: row.name for row in db.session.execute(select(User.id, User.name).where(User.id.in_(ids)))}


@requires("funding.view")
def report_list(convention_id: int):
    convention = queries.load_convention(convention_id, for_reports=True)
    authorize("funding.view", convention)
    day, day_error = as_of_day()
    used = consumption.consumption(convention, day)
    bars, total = _bars(used)
    today = today_in_paris()
    ended_on = reports.convention_end(convention, today)
    html = render_template(
        "funding/report_list.html",
        ended_on=ended_on if ended_on < today else None,
        convention=convention,
        day=day,
        today=today,
        day_error=day_error,
        schedule=reports.schedule(convention, day),
        consumption=used,
        chart=consumption_chart(bars, total) if used.lines else None,
        submitters=_submitters(convention),
    )
    return (html, 422) if day_error else html


def _quarter_or_404(convention, key: str, today):
    try:
        quarter = reports.Quarter.from_key(key)
    except ValueError:
        abort(404)
    known = {state.quarter for state in reports.schedule(convention, today)}
    if quarter not in known:
        abort(404)
    return quarter


@requires("funding.view")
def report_file(convention_id: int, quarter: str):
    """A quarter's report: shown once filed; the form to file it for finance and admins."""
    convention = queries.load_convention(convention_id, for_reports=True)
    authorize("funding.edit" if request.method == "POST" else "funding.view", convention)
    today = today_in_paris()
    period = _quarter_or_404(convention, quarter, today)
    context = {
        "convention": convention,
        "state": next(state for state in reports.schedule(convention, today) if state.quarter == period),
        "rows": consumption.quarter_lines(convention, period),
        "submitters": _submitters(convention),
        "today": today,
    }
    form = report_form(convention.lines, today)
    if request.method == "POST":
        if not form.validate():
            return _report_page(context, form, status=422)
        try:
            reports.file_report(
                convention,
                period,
                form.submitted_on.data,
                form.entries(convention.lines),
                today=today,
                by=current_user,
                note=form.note.data,
                confirmed=form.confirmed.data == "1",
            )
        except reports.NeedsConfirmation as question:
            db.session.rollback()
            form.confirmed.data = "1"
            return render_template("funding/report_form.html", form=form, error=None, question=str(question), **context)
        except reports.ReportError as error:
            return _report_page(context, form, error=str(error), status=422)
        db.session.commit()
        flash(f"Le compte rendu du {period.label} est enregistré.", "success")
        return redirect(url_for("funding_reports.report_list", convention_id=convention.id))
    return _report_page(context, form)


def _report_page(context: dict, form, error: str | None = None, status: int = 200):
    if status != 200:
        db.session.rollback()
    return render_template("funding/report_form.html", form=form, error=error, **context), status


