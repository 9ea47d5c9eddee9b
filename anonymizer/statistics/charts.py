"""Bar charts as accessible, server-rendered SVG: a title and a description, labelled
axes, one labelled bar per published count, and no script or style attribute (the CSP
allows neither); the table beside each chart carries the same numbers for screen
readers. A suppressed count draws no bar, only its label."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from anonymizer.statistics.dashboard import Table, shown
from anonymizer.statistics.disclosure import Figure

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 190
PLOT_WIDTH = 360
VALUE_WIDTH = 110
TOP = 8
AXIS_SPACE = 40


def bar_chart(table: Table, *, k: int, chart_id: str) -> SafeString | str:
    """The table's chart column as horizontal bars, or "" when it has none."""
    if table.chart_column is None:
        return ""
    rows = [
        (str(row[0]), row[table.chart_column])
        for row in table.rows
        if isinstance(row[table.chart_column], Figure)
    ]
    # A total would dwarf its parts; the table gives it.
    rows = [(label, figure) for label, figure in rows if label not in (_("Total"),)]
    if not rows:
        return ""
    largest = max((f.count for _, f in rows if f.published), default=0) or 1
    height = TOP + len(rows) * (BAR_HEIGHT + GAP) + AXIS_SPACE
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    bars = []
    for n, (label, figure) in enumerate(rows):
        y = TOP + n * (BAR_HEIGHT + GAP)
        length = round(PLOT_WIDTH * figure.count / largest) if figure.published else 0
        value = shown(figure, k)
        bars.append(
            format_html(
                '<g class="bar{}" data-label="{}" data-value="{}">'
                '<text class="bar-label" x="{}" y="{}" text-anchor="end">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}"></rect>'
                '<text class="bar-value" x="{}" y="{}">{}</text></g>',
                "" if figure.published else " suppressed",
                label,
                value,
                LABEL_WIDTH - 8,
                y + BAR_HEIGHT * 0.7,
                label,
                LABEL_WIDTH,
                y,
                length,
                BAR_HEIGHT,
                LABEL_WIDTH + length + 6,
                y + BAR_HEIGHT * 0.7,
                value,
            )
        )
    axis_y = TOP + len(rows) * (BAR_HEIGHT + GAP)
    ticks = format_html_join(
        "",
        '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
        (
            (LABEL_WIDTH + round(PLOT_WIDTH * step / 4), axis_y + 14, round(largest * step / 4))
            for step in range(5)
        ),
    )
    return format_html(
        '<svg class="chart" id="{id}" role="img" aria-labelledby="{id}-title {id}-desc" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        "{bars}"
        '<line class="axis" x1="{x0}" y1="{ay}" x2="{x1}" y2="{ay}"></line>'
        '<line class="axis" x1="{x0}" y1="{top}" x2="{x0}" y2="{ay}"></line>'
        "{ticks}"
        '<text class="axis-label" x="{xm}" y="{al}" text-anchor="middle">{xlabel}</text>'
        '<text class="axis-label" x="4" y="{top2}">{ylabel}</text>'
        "</svg>",
        id=chart_id,
        w=width,
        h=height,
        title=table.title,
        desc=_("Bar chart of the table below; suppressed counts have no bar."),
        bars=SafeString("".join(bars)),
        x0=LABEL_WIDTH,
        x1=LABEL_WIDTH + PLOT_WIDTH,
        ay=axis_y,
        top=TOP,
        ticks=ticks,
        xm=LABEL_WIDTH + PLOT_WIDTH // 2,
        al=axis_y + 32,
        xlabel=table.columns[table.chart_column],
        ylabel=table.columns[0],
        top2=TOP + 2,
    )
