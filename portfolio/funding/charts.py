"""The consumed-vs-granted chart of a convention, as server-rendered SVG.

Each line, then the total, gets two bars: AE committed against AE granted, CP paid against
CP granted. A bar's full width is what was granted, its fill what was consumed, so lines of
very different sizes and the total read on the same page. No script draws it (the CSP
forbids inline scripts and styles): colours are SVG presentation attributes, every text is
escaped, and the page gives the same figures as a table.
"""
from dataclasses import dataclass
from decimal import Decimal
from typing import Sequence

from markupsafe import Markup, escape

from portfolio.funding.amounts import format_euros

WIDTH = 760
BAR_X, BAR_WIDTH, BAR_HEIGHT = 40, 380, 14
TEXT_X = BAR_X + BAR_WIDTH + 10
#: DSFR colours: "bleu France", its light tint, the error red, and text grey.
GRANTED_COLOUR = "#cacafb"
CONSUMED_COLOUR = "#000091"
OVER_COLOUR = "#ce0500"
TEXT_COLOUR = "#3a3a3a"


@dataclass
class Bar:
    label: str
    granted_ae: Decimal
    committed_ae: Decimal
    granted_cp: Decimal
    paid_cp: Decimal


def percent(consumed: Decimal, granted: Decimal) -> Decimal | None:
    """Consumed as a share of granted, in whole percent; None when nothing was granted."""
    if granted <= 0:
        return None
    return (consumed * 100 / granted).quantize(Decimal("1"))


def _bar(y: int, tag: str, consumed: Decimal, granted: Decimal, verb: str) -> str:
    share = percent(consumed, granted)
    over = share is not None and share > 100
    filled = BAR_WIDTH if over or (share is None and consumed > 0) else int(BAR_WIDTH * (share or 0) / 100)
    colour = OVER_COLOUR if over or (share is None and consumed > 0) else CONSUMED_COLOUR
    caption = f"{format_euros(consumed)} {verb} sur {format_euros(granted)}"
    if share is not None:
        caption += f" ({share} %)"
    return (
        f'<text x="0" y="{y + 11}" font-size="12" font-weight="bold" fill="{TEXT_COLOUR}">{tag}</text>'
        f'<rect x="{BAR_X}" y="{y}" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" fill="{GRANTED_COLOUR}"/>'
        f'<rect x="{BAR_X}" y="{y}" width="{filled}" height="{BAR_HEIGHT}" fill="{colour}" '
        f'data-share="{share if share is not None else ""}"/>'
        f'<text x="{TEXT_X}" y="{y + 11}" font-size="12" fill="{TEXT_COLOUR}">{escape(caption)}</text>'
    )


def consumption_chart(bars: Sequence[Bar], total: Bar, chart_id: str = "consumption") -> Markup:
    """One group of two bars (AE, CP) per line, then the total, set apart."""
    parts: list[str] = []
    y = 0
    for index, bar in enumerate([*bars, total]):
        is_total = index == len(bars)
        if is_total:
            y += 6
            parts.append(f'<line x1="0" y1="{y}" x2="{WIDTH}" y2="{y}" stroke="{TEXT_COLOUR}" stroke-width="1"/>')
            y += 8
        weight = ' font-weight="bold"' if is_total else ""
        parts.append(
            f'<g data-testid="chart-group"><text x="0" y="{y + 13}" font-size="14"{weight} fill="{TEXT_COLOUR}">'
            f"{escape(bar.label)}</text>"
        )
        y += 20
        parts.append(_bar(y, "AE", bar.committed_ae, bar.granted_ae, "engagées"))
        y += BAR_HEIGHT + 6
        parts.append(_bar(y, "CP", bar.paid_cp, bar.granted_cp, "payés"))
        y += BAR_HEIGHT + 14
        parts.append("</g>")
    total_share = percent(total.paid_cp, total.granted_cp)
    title = (
        f"Consommation par ligne et au total : {format_euros(total.paid_cp)} de CP payés sur "
        f"{format_euros(total.granted_cp)} accordés"
        + (f" ({total_share} %)" if total_share is not None else "")
    )
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {y}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title" data-testid="consumption-chart">'
        f'<title id="{chart_id}-title">{escape(title)}</title>{"".join(parts)}</svg>'
    )
