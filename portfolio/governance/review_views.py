"""The pages of one review, on the governance blueprint: its time slots and place on the
agenda, the intrapreneur's preparation, its minutes, the decision with its follow-ups, the
decision's validation (which writes the phase change), and a follow-up's status."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portfolio.accounts.access import authorize, requires
from portfolio.accounts.forms import ConfirmForm
from portfolio.core import concurrency
from portfolio.core.errors import render_error
from portfolio.core.redirects import safe_path
from portfolio.extensions import db
from portfolio.governance import decisions, operations
from portfolio.governance.dossier import load_review
from portfolio.governance.health import HealthForm, record_health, watch_due_on
from portfolio.governance.forms import (
    DecisionForm,
    FollowUpStatusForm,
    MinutesForm,
    MoveForm,
    PreparationForm,
    SlotsForm,
    ValidateForm,
)
from portfolio.governance.models import FollowUpAction
from portfolio.governance.queries import follow_up_owner_choices
from portfolio.governance.view_support import before_meeting_day, failed, meeting_url
from portfolio.startups.operations import NeedsConfirmation, StartupError
from portfolio.startups.phases import label as phase_label
from portfolio.timeutil import to_paris, today_in_paris

#: Blank follow-up rows offered under the existing ones.
BLANK_FOLLOW_UPS = 2


def _managed_review(review_id: int):
    review = load_review(review_id)
    authorize("meeting.manage", review.meeting)
    return review


def _review_url(review, anchor: str = "ordre-du-jour") -> str:
    return meeting_url(review.meeting, anchor)


# --- Agenda --------------------------------------------------------------------------------


@requires("meeting.manage")
def review_slots(review_id: int):
    review = _managed_review(review_id)
    form = SlotsForm(
        data=(
            None
            if request.method == "POST"
            else {
                "presentation": review.presentation_minutes,
                "questions": review.questions_minutes,
                "deliberation": review.deliberation_minutes,
            }
        )
    )
    context = {"form": form, "review": review, "meeting": review.meeting}
    if form.validate_on_submit():
        concurrency.check(review, form)
        try:
            operations.set_slots(review, form.presentation.data, form.questions.data, form.deliberation.data)
        except operations.GovernanceError as error:
            return failed("governance/slots_form.html", error, **context)
        db.session.commit()
        flash(f"Temps de la revue de {review.startup.name} enregistrés.", "success")
        return redirect(_review_url(review))
    if form.is_submitted():
        return failed("governance/slots_form.html", **context)
    return render_template("governance/slots_form.html", **context)


@requires("meeting.manage")
def review_move(review_id: int):
    review = _managed_review(review_id)
    form = MoveForm()
    if not form.validate_on_submit():
        return render_error(422, "Requête incorrecte", "Le sens du déplacement est inconnu : rien n’a été enregistré.")
    try:
        operations.move_review(review, -1 if form.direction.data == "up" else 1)
    except operations.GovernanceError as error:
        db.session.rollback()
        flash(f"Rien n’a été enregistré : {error}", "error")
        return redirect(_review_url(review))
    db.session.commit()
    return redirect(_review_url(review))


@requires("meeting.manage")
def review_remove(review_id: int):
    review = _managed_review(review_id)
    meeting, name = review.meeting, review.startup.name
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            operations.remove_review(review)
        except operations.GovernanceError as error:
            db.session.rollback()
            flash(f"Rien n’a été enregistré : {error}", "error")
            return redirect(meeting_url(meeting, "ordre-du-jour"))
        db.session.commit()
        flash(f"{name} est retirée de l’ordre du jour.", "success")
        return redirect(meeting_url(meeting, "ordre-du-jour"))
    return render_template(
        "accounts/confirm.html",
        form=form,
        title="Retirer une startup de l’ordre du jour",
        question=f"Retirer la revue de {name} de l’ordre du jour ? Sa préparation sera supprimée.",
        confirm_label="Retirer",
        cancel_url=meeting_url(meeting, "ordre-du-jour"),
        crumb=("Comités", url_for("governance.meeting_list"), meeting.title, meeting_url(meeting)),
    )


# --- Preparation (the startup's intrapreneur) ----------------------------------------------


def _preparation_data(review) -> dict | None:
    preparation = review.preparation
    if preparation is None:
        return None
    data = {
        "done_since_last": preparation.done_since_last,
        "objectives": preparation.objectives,
        "budget_asked": _amount_text(preparation.budget_asked),
        "blockers": preparation.blockers,
    }
    for key, values in (preparation.impact or {}).items():
        data[f"impact_{key}_level"] = values.get("level") or ""
        data[f"impact_{key}_comment"] = values.get("comment")
    return data


def _amount_text(amount) -> str | None:
    """An amount as the form shows it back: French decimals, no thousands separator."""
    if amount is None:
        return None
    whole, cents = f"{amount:.2f}".split(".")
    return whole if cents == "00" else f"{whole},{cents}"


@requires("review.prepare")
def preparation(review_id: int):
    review = load_review(review_id)
    authorize("review.prepare", review)
    form = PreparationForm(data=None if request.method == "POST" else _preparation_data(review))
    context = {"form": form, "review": review, "meeting": review.meeting}
    if form.validate_on_submit():
        concurrency.check(review.preparation, form)
        try:
            operations.save_preparation(
                review,
                current_user,
                done_since_last=form.done_since_last.data,
                objectives=form.objectives.data,
                budget_asked=form.budget_asked.data,
                blockers=form.blockers.data,
                impact=form.impact_values(),
            )
        except operations.GovernanceError as error:
            return failed("governance/preparation_form.html", error, **context)
        db.session.commit()
        flash(f"Préparation de la revue de {review.startup.name} enregistrée.", "success")
        return redirect(_review_url(review, "preparations"))
    if form.is_submitted():
        return failed("governance/preparation_form.html", **context)
    return render_template("governance/preparation_form.html", **context)


# --- Minutes and decision (the meeting's chair) --------------------------------------------


@requires("meeting.manage")
def review_minutes(review_id: int):
    review = _managed_review(review_id)
    if (refusal := before_meeting_day(review.meeting)) is not None:
        return refusal
    form = MinutesForm(data=None if request.method == "POST" else {"minutes": review.minutes})
    context = {"form": form, "review": review, "meeting": review.meeting}
    if form.validate_on_submit():
        concurrency.check(review, form)
        try:
            decisions.record_review_minutes(review, form.minutes.data, reason=form.reason.data)
        except operations.GovernanceError as error:
            return failed("governance/minutes_form.html", error, **context)
        db.session.commit()
        flash(f"Compte rendu de la revue de {review.startup.name} enregistré.", "success")
        return redirect(_review_url(review, "decisions"))
    if form.is_submitted():
        return failed("governance/minutes_form.html", **context)
    return render_template("governance/minutes_form.html", **context)


def _decision_data(review) -> dict:
    decision = review.decision
    rows = []
    if decision is not None:
        rows = [
            {
                "id": str(action.id),
                "text": action.text,
                "owner": str(action.owner_id or ""),
                "owner_name": action.owner_name,
                "due_on": action.due_on,
                "status": action.status,
            }
            for action in decision.follow_ups
        ]
    rows += [{"status": "open"}] * BLANK_FOLLOW_UPS
    if decision is None:
        return {"phase_change_on": to_paris(review.meeting.starts_at).date(), "follow_ups": rows}
    return {
        "outcome": decision.outcome,
        "phase_change_to": decision.phase_change_to or "",
        "phase_change_on": decision.phase_change_on or to_paris(review.meeting.starts_at).date(),
        "amount_granted": _amount_text(decision.amount_granted),
        "provisional_months": str(decision.provisional_months or ""),
        "conditions": decision.conditions,
        "reserves": decision.reserves,
        "follow_ups": rows,
    }


def _follow_up_inputs(form: DecisionForm) -> list[decisions.FollowUpInput]:
    inputs = []
    for entry in form.follow_ups:
        row = entry.form
        inputs.append(
            decisions.FollowUpInput(
                id=int(row.id.data) if (row.id.data or "").isdigit() else None,
                text=row.text.data,
                due_on=row.due_on.data,
                owner_id=int(row.owner.data) if (row.owner.data or "").isdigit() else None,
                owner_name=row.owner_name.data,
                status=row.status.data or "open",
            )
        )
    return inputs


@requires("meeting.manage")
def decision(review_id: int):
    review = _managed_review(review_id)
    if (refusal := before_meeting_day(review.meeting)) is not None:
        return refusal
    form = DecisionForm(data=None if request.method == "POST" else _decision_data(review))
    form.set_owner_choices(follow_up_owner_choices(review))
    context = {"form": form, "review": review, "meeting": review.meeting}
    if form.validate_on_submit():
        concurrency.check(review.decision, form)
        try:
            decisions.record_decision(
                review,
                outcome=form.outcome.data,
                phase_change_to=form.phase_change_to.data,
                phase_change_on=form.phase_change_on.data,
                amount_granted=form.amount_granted.data,
                provisional_months=form.provisional_months.data,
                conditions=form.conditions.data,
                reserves=form.reserves.data,
                follow_ups=_follow_up_inputs(form),
                reason=form.reason.data,
            )
        except operations.GovernanceError as error:
            return failed("governance/decision_form.html", error, **context)
        db.session.commit()
        flash(f"Décision enregistrée pour {review.startup.name}.", "success")
        return redirect(_review_url(review, "decisions"))
    if form.is_submitted():
        return failed("governance/decision_form.html", **context)
    return render_template("governance/decision_form.html", **context)


@requires("meeting.manage")
def decision_validate(review_id: int):
    review = _managed_review(review_id)
    if (refusal := before_meeting_day(review.meeting)) is not None:
        return refusal
    if review.decision is None:
        flash(f"Enregistrez d’abord la décision concernant {review.startup.name}.", "error")
        return redirect(_review_url(review, "decisions"))
    form = ValidateForm()
    context = {"form": form, "review": review, "meeting": review.meeting, "decision": review.decision}
    if form.validate_on_submit():
        try:
            span = decisions.validate_decision(review.decision, current_user, confirmed=form.confirmed.data == "1")
        except NeedsConfirmation as question:
            db.session.rollback()
            form.confirmed.data = "1"
            return render_template("governance/validate_confirm.html", question=str(question), **context)
        except (operations.GovernanceError, StartupError) as error:
            return failed("governance/validate_confirm.html", error, **context)
        db.session.commit()
        if span is not None:
            flash(
                f"Décision validée : {review.startup.name} passe en phase « {phase_label(span.phase)} » "
                f"le {span.start:%d/%m/%Y}, "
                "inscrit dans l’historique de la startup.",
                "success",
            )
        else:
            flash(f"Décision validée pour {review.startup.name}.", "success")
        return redirect(_review_url(review, "decisions"))
    return render_template("governance/validate_confirm.html", question=None, **context)


@requires("followup.update")
def follow_up_status(action_id: int):
    action = db.get_or_404(FollowUpAction, action_id)
    authorize("followup.update", action)
    meeting = action.decision.review.meeting
    form = FollowUpStatusForm()
    context = {"form": form, "action": action, "meeting": meeting}
    if not form.validate_on_submit():
        return failed("governance/follow_up_form.html", **context)
    try:
        decisions.set_follow_up_status(action, form.status.data, today_in_paris())
    except operations.GovernanceError as error:
        return failed("governance/follow_up_form.html", error, **context)
    db.session.commit()
    flash(f"Action de suivi « {action.text[:60]} » : statut enregistré.", "success")
    return redirect(safe_path(request.form.get("next"), meeting_url(meeting, "decisions")))


@requires("meeting.manage")
def review_health(review_id: int):
    """The chair records the startup's health at this review (who records its decision)."""
    review = _managed_review(review_id)
    if (refusal := before_meeting_day(review.meeting)) is not None:
        return refusal
    form = HealthForm(data=None if request.method == "POST" else {"health": review.health or "", "reason": review.health_reason})
    context = {"form": form, "review": review, "meeting": review.meeting, "watch_due_on": watch_due_on(review)}
    if form.validate_on_submit():
        concurrency.check(review, form)
        try:
            action = record_health(
                review, form.health.data, form.reason.data, current_user,
                follow_up_due=form.follow_up_due.data, amendment_reason=form.amendment_reason.data,
            )
        except operations.GovernanceError as error:
            return failed("governance/health_form.html", error, **context)
        db.session.commit()
        suffix = f" Action de suivi due le {action.due_on:%d/%m/%Y}." if action is not None else ""
        flash(f"Santé de {review.startup.name} enregistrée.{suffix}", "success")
        return redirect(_review_url(review, "decisions"))
    if form.is_submitted():
        return failed("governance/health_form.html", **context)
    return render_template("governance/health_form.html", **context)
