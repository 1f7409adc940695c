"""Indicator charts as server-rendered SVG: a line over time, with axes and labelled points.

No script draws them (the CSP forbids inline scripts and styles); colours and sizes are
SVG presentation attributes. Every value is escaped; the page also gives the data as a table.
"""
from datetime import date
from decimal import Decimal
from typing import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 84, 24, 20, 48
#: DSFR "bleu France" and its grey, as presentation attributes.
LINE_COLOUR = "#000091"
GRID_COLOUR = "#dddddd"
TEXT_COLOUR = "#3a3a3a"


def format_number(value: Decimal | int | float | None) -> str:
    """20 000 or 12,5: French grouping (narrow no-break space) and decimal comma."""
    if value is None:
        return ""
    number = Decimal(value)
    if number == number.to_integral_value():
        text = f"{int(number):,}"
    else:
        text = f"{number.normalize():,f}"
    return text.replace(",", "\u202f").replace(".", ",")


def _nice_step(span: Decimal) -> Decimal:
    """A round step (1, 2 or 5 times a power of ten) giving about five grid lines."""
    if span <= 0:
        return Decimal(1)
    raw = span / 5
    power = Decimal(10) ** raw.adjusted()
    for factor in (1, 2, 5):
        if power * factor >= raw:
            return power * factor
    return power * 10


def _y_scale(values: Sequence[Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    low, high = min(min(values), Decimal(0)), max(max(values), Decimal(0))
    step = _nice_step(high - low)
    bottom = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    top = (high / step).to_integral_value(rounding="ROUND_CEILING") * step
    if top == bottom:
        top = bottom + step
    return bottom, top, step


def indicator_chart(name: str, unit: str | None, points: Sequence[tuple[date, Decimal]], chart_id: str) -> Markup:
    """An accessible SVG line chart of (date, value) points, oldest first."""
    title = f"{name} ({unit})" if unit else name
    if not points:
        return Markup("")
    points = sorted(points)
    values = [Decimal(value) for _, value in points]
    bottom, top, step = _y_scale(values)
    first, last = points[0][0], points[-1][0]
    days = max((last - first).days, 1)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        if first == last:
            return LEFT + plot_width / 2
        return LEFT + plot_width * (day - first).days / days

    def y(value: Decimal) -> float:
        return TOP + plot_height * float((top - value) / (top - bottom))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title" data-testid="indicator-chart">',
        f'<title id="{chart_id}-title">{escape(title)} : {len(points)} mesure{"s" if len(points) > 1 else ""}, '
        f'de {format_number(values[0])} le {first:%d/%m/%Y} à {format_number(values[-1])} le {last:%d/%m/%Y}</title>',
    ]
    tick = bottom
    while tick <= top:
        ty = y(tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{ty:.1f}" x2="{WIDTH - RIGHT}" y2="{ty:.1f}" stroke="{GRID_COLOUR}" stroke-width="1"/>'
            f'<text x="{LEFT - 8}" y="{ty + 4:.1f}" text-anchor="end" font-size="12" fill="{TEXT_COLOUR}">'
            f"{format_number(tick)}</text>"
        )
        tick += step
    # The first and last dates (and the middle point's), anchored so that none overflows the frame.
    labelled = {first, last}
    middle = points[len(points) // 2][0]
    if min(abs(x(middle) - x(first)), abs(x(last) - x(middle))) > 90:
        labelled.add(middle)
    labelled = sorted(labelled)
    for day in labelled:
        anchor = "middle" if first == last or day not in (first, last) else ("start" if day == first else "end")
        parts.append(
            f'<text x="{x(day):.1f}" y="{HEIGHT - BOTTOM + 20}" text-anchor="{anchor}" font-size="12" '
            f'fill="{TEXT_COLOUR}">{day:%d/%m/%Y}</text>'
        )
    coordinates = " ".join(f"{x(day):.1f},{y(value):.1f}" for (day, _), value in zip(points, values))
    if len(points) > 1:
        parts.append(
            f'<polyline points="{coordinates}" fill="none" stroke="{LINE_COLOUR}" stroke-width="2.5" '
            'stroke-linejoin="round"/>'
        )
    for (day, _), value in zip(points, values):
        parts.append(
            f'<circle cx="{x(day):.1f}" cy="{y(value):.1f}" r="4.5" fill="{LINE_COLOUR}">'
            f"<title>{day:%d/%m/%Y} : {format_number(value)}{escape(' ' + unit) if unit else ''}</title></circle>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
