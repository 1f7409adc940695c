"""How many warnings of each kind the finance view lists (`portfolio.funding.warnings`), counted in
SQL: the finance home shows them, and it cannot load every convention with its lines, amounts and
reports to run the rules in Python (4.6 s for the 500 conventions of a 10x portfolio).

Each count is the rule of `warnings.py` written again in SQL; `tests/test_funding_warning_counts.py`
holds the two equal. Amounts are compared to the cent (SQLite keeps them as floating point)."""
from datetime import date

from sqlalchemy import and_, case, func, literal, or_, select

from portfolio.extensions import db
from portfolio.funding.models import ConsumptionEntry, ConsumptionReport, Convention, FundingLine, LineAmount
from portfolio.startups.phases import STOPPED_PHASES
from portfolio.status import store
from portfolio.status.models import StartupStatus

#: Amounts differ when they differ by a cent or more.
CENT = 0.005


def _differ(left, right):
    return func.abs(left - right) > CENT


def _above(left, right):
    return left - right > CENT


def in_force_amounts(day: date):
    """Each line's amounts in force on `day` (`amounts.amount_on`: the latest effective on or before
    it, the later id on the same day): a subquery of (line_id, ae, cp)."""
    ranked = (
        select(
            LineAmount.line_id, LineAmount.ae, LineAmount.cp,
            func.row_number().over(
                partition_by=LineAmount.line_id, order_by=(LineAmount.effective_on.desc(), LineAmount.id.desc())
            ).label("rank"),
        )
        .where(LineAmount.effective_on <= day)
        .subquery("ranked")
    )
    return select(ranked.c.line_id, ranked.c.ae, ranked.c.cp).where(ranked.c.rank == 1).subquery("in_force")


def _base_amounts():
    """The amounts each line was set with by the convention itself (`operations.base_amount` of the
    lines `_set_by_convention`): the latest of the convention's rows, when its first row is one.
    Only for the lines of conventions that declare a TOTAL: the others have nothing to compare."""
    declaring = select(FundingLine.id).join(Convention, Convention.id == FundingLine.convention_id).where(
        or_(Convention.declared_total_ae.is_not(None), Convention.declared_total_cp.is_not(None))
    )
    first = (
        select(
            LineAmount.line_id, LineAmount.amendment_id,
            func.row_number().over(partition_by=LineAmount.line_id, order_by=(LineAmount.effective_on, LineAmount.id)).label("rank"),
        )
        .where(LineAmount.line_id.in_(declaring))
        .subquery("first_rows")
    )
    own = (
        select(
            LineAmount.line_id, LineAmount.ae, LineAmount.cp,
            func.row_number().over(
                partition_by=LineAmount.line_id, order_by=(LineAmount.effective_on.desc(), LineAmount.id.desc())
            ).label("rank"),
        )
        .where(LineAmount.amendment_id.is_(None), LineAmount.line_id.in_(declaring))
        .subquery("own_rows")
    )
    return (
        select(own.c.line_id, own.c.ae, own.c.cp)
        .join(first, and_(first.c.line_id == own.c.line_id, first.c.rank == 1, first.c.amendment_id.is_(None)))
        .where(own.c.rank == 1)
        .subquery("base")
    )


def _consumed_by_line():
    """What the reports say was consumed on each line, summed. A report only has entries for its own
    convention's lines (`reports.file_report` refuses any other), as the Python rule reads them."""
    return (
        select(
            ConsumptionEntry.line_id,
            func.sum(ConsumptionEntry.ae_committed).label("ae"),
            func.sum(ConsumptionEntry.cp_paid).label("cp"),
        )
        .group_by(ConsumptionEntry.line_id)
        .subquery("consumed")
    )


def warning_counts(today: date) -> dict[str, int]:
    """{warning code: how many the finance view lists today}, in a fixed number of statements."""
    store.refresh(today)  # a line's startup is stopped by its status row's phase of today
    in_force = in_force_amounts(today)
    counts = {}

    started = func.coalesce(Convention.effective_on, Convention.signed_on)
    counts["end_before_start"] = db.session.scalar(
        select(func.count(Convention.id)).where(Convention.ends_on.is_not(None), started.is_not(None), Convention.ends_on < started)
    )

    base = _base_amounts()
    own = (
        select(FundingLine.convention_id, func.sum(base.c.ae).label("ae"), func.sum(base.c.cp).label("cp"))
        .join(base, base.c.line_id == FundingLine.id)
        .group_by(FundingLine.convention_id)
        .subquery("own")
    )
    ae_mismatch = and_(Convention.declared_total_ae.is_not(None), _differ(func.coalesce(own.c.ae, 0), Convention.declared_total_ae))
    cp_mismatch = and_(Convention.declared_total_cp.is_not(None), _differ(func.coalesce(own.c.cp, 0), Convention.declared_total_cp))
    counts["total_mismatch"] = db.session.scalar(
        select(func.coalesce(func.sum(case((ae_mismatch, 1), else_=0) + case((cp_mismatch, 1), else_=0)), 0))
        .select_from(Convention)
        .outerjoin(own, own.c.convention_id == Convention.id)
        .where(or_(Convention.declared_total_ae.is_not(None), Convention.declared_total_cp.is_not(None)))
    )

    # Each line with its amounts in force, what its reports consumed and its startup's phase, read
    # once (a CTE) for the line's warnings and for its convention's unconsumed credits.
    consumed = _consumed_by_line()
    per_line = (
        select(
            FundingLine.id.label("line_id"), FundingLine.convention_id, FundingLine.uo,
            in_force.c.line_id.label("in_force_line"), in_force.c.ae.label("granted_ae"), in_force.c.cp.label("granted_cp"),
            consumed.c.line_id.label("consumed_line"), consumed.c.ae.label("used_ae"), consumed.c.cp.label("used_cp"),
            StartupStatus.phase,
        )
        .outerjoin(in_force, in_force.c.line_id == FundingLine.id)
        .outerjoin(consumed, consumed.c.line_id == FundingLine.id)
        .outerjoin(StartupStatus, StartupStatus.startup_id == FundingLine.startup_id)
        .cte("per_line")
    )
    granted_ae, granted_cp = func.coalesce(per_line.c.granted_ae, 0), func.coalesce(per_line.c.granted_cp, 0)
    line_counts = (
        select(
            func.count(per_line.c.line_id).filter(
                per_line.c.in_force_line.is_not(None), _differ(per_line.c.granted_ae, per_line.c.granted_cp)
            ).label("cp_differs_from_ae"),
            func.count(per_line.c.line_id).filter(
                func.coalesce(per_line.c.uo, "") != "", func.coalesce(Convention.uo, "") != "",
                func.upper(func.trim(per_line.c.uo)) != func.upper(func.trim(Convention.uo)),
            ).label("uo_differs"),
            func.count(per_line.c.line_id).filter(
                per_line.c.consumed_line.is_not(None),
                or_(_above(per_line.c.used_ae, granted_ae), _above(per_line.c.used_cp, granted_cp)),
            ).label("beyond_granted"),
            func.count(per_line.c.line_id).filter(per_line.c.phase.in_(STOPPED_PHASES)).label("startup_stopped"),
        )
        .select_from(per_line)
        .join(Convention, Convention.id == per_line.c.convention_id)
        .subquery("line_counts")
    )
    by_convention = (
        select(
            per_line.c.convention_id,
            func.sum(granted_ae).label("granted_ae"), func.sum(granted_cp).label("granted_cp"),
            func.sum(func.coalesce(per_line.c.used_ae, 0)).label("used_ae"),
            func.sum(func.coalesce(per_line.c.used_cp, 0)).label("used_cp"),
        )
        .group_by(per_line.c.convention_id)
        .subquery("by_convention")
    )
    ended = or_(Convention.status == "closed", and_(Convention.ends_on.is_not(None), Convention.ends_on < literal(today)))
    unconsumed = (
        select(func.count(Convention.id))
        .join(by_convention, by_convention.c.convention_id == Convention.id)
        .where(ended, or_(
            _above(by_convention.c.granted_ae, by_convention.c.used_ae),
            _above(by_convention.c.granted_cp, by_convention.c.used_cp),
        ))
        .scalar_subquery()
    )
    row = db.session.execute(select(line_counts, unconsumed.label("unconsumed_credits"))).one()
    counts.update(row._mapping)
    return {code: int(counts.get(code) or 0) for code in (
        "cp_differs_from_ae", "total_mismatch", "uo_differs", "startup_stopped", "end_before_start",
        "unconsumed_credits", "beyond_granted",
    )}
