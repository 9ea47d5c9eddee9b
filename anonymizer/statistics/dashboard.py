"""The tables of one view of the statistics (a period and a department), read from the
protected cube: every count is a cube cell, shown only when the cube publishes it."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from anonymizer.models import Outcome
from anonymizer.statistics import disclosure, periods, queries
from anonymizer.statistics.disclosure import (
    ALL_DEPARTMENTS,
    BUCKETS,
    CHANNELS,
    GENDERS,
    OUTCOMES,
    STAGES,
    TOTAL,
    Cube,
    Figure,
)
from ats.models import Channel, Department, Gender, Stage

UNSOLICITED = "~unsolicited"  # the department filter's value for unsolicited applications
CACHE_SECONDS = 24 * 3600
LIVE_SECONDS = 300

BUCKET_LABELS = {
    "before_interview": gettext_lazy("Before an interview"),
    "interview": gettext_lazy("Interview or offer"),
    "hired": gettext_lazy("Hired"),
}
OUTCOME_LABELS = dict(Outcome.choices)
STAGE_LABELS = dict(Stage.Kind.choices)
CHANNEL_LABELS = dict(Channel.choices)
GENDER_LABELS = {**dict(Gender.choices), "not_stated": gettext_lazy("Not stated")}


def department_label(name: str | None) -> str:
    if name is None:
        return _("All departments")
    return name or _("Unsolicited applications")


@dataclass
class Table:
    """One table of a view: what the page shows, the CSV exports and the chart draws."""

    slug: str
    title: str
    columns: list[str]
    rows: list[list[object]] = field(default_factory=list)  # label, then Figure | str
    chart_column: int | None = 1  # the column the bar chart draws, if any
    note: str = ""


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _sorted(counts: queries.Counts) -> tuple:
    return tuple(
        sorted(getattr(counts, name).items()) for name in ("channel_stage", "gender", "outcome")
    )


@dataclass(frozen=True)
class Summary:
    """What the filters need of a cube (small, read on every request): the full cube is
    read only to compute a view that is not in the cache yet."""

    key: str
    k: int
    years: list[int]
    departments: list[str]
    tree: dict[str, list[str]]


# The last cube this process used: a view of the same data needs no unpickling.
_LAST: dict[str, Cube] = {}


def current() -> Summary:
    """The summary of the cube for the current data (building the cube if need be)."""
    key, counts, live, k, until = _key()
    summary = cache.get(f"stats-summary:{key}")
    if summary is None:
        summary = _summary(_cube(key, counts, live, k, until))
        cache.set(f"stats-summary:{key}", summary, CACHE_SECONDS)
    return summary


def protected_cube() -> Cube:
    """The cube for the current data. The same counts always give the same cube, so it
    is kept in the cache under a key that changes with the data: on PostgreSQL the
    erased statistics' version (kept by a trigger) and a digest of the live
    applications' counts, read at most every LIVE_SECONDS; elsewhere all the counts.
    A new key is a new cube; every view of one cube is protected together."""
    return _cube(*_key())


def _key() -> tuple:
    k = settings.ATS_STATS_MIN_CELL
    until = periods.last_complete_month(timezone.localdate())
    version = queries.erased_version()
    if version is None:
        live = queries.live_counts()
        counts = queries.counts(live)
        return _digest(k, until, _sorted(counts)), counts, live, k, until
    live_digest, live = _live_snapshot()
    return _digest(k, until, version, live_digest), None, live, k, until


def _cube(key: str, counts, live, k: int, until: str) -> Cube:
    cube = _LAST.get(key) or cache.get(f"stats-cube:{key}")
    if cube is None:
        cube = disclosure.build(
            counts or queries.counts(live), k=k, until=until, extra_departments=_fixed()
        )
        cube.key = key
        cache.set(f"stats-cube:{key}", cube, CACHE_SECONDS)
    _LAST.clear()
    _LAST[key] = cube
    return cube


def _summary(cube: Cube) -> Summary:
    return Summary(cube.key, cube.k, cube.years, cube.departments, cube.tree)


def _live_snapshot() -> tuple[str, queries.Counts]:
    """The live applications' counts and their digest, read again after LIVE_SECONDS:
    live statistics lag by at most that, and a busy workspace does not rebuild the
    cube on every page of the statistics."""
    snapshot = cache.get("stats-live")
    if snapshot is None:
        live = queries.live_counts()
        snapshot = (_digest(_sorted(live)), live)
        cache.set("stats-live", snapshot, LIVE_SECONDS)
    return snapshot


def cached_view(summary: Summary, period: periods.Period, department: str | None) -> list[Table]:
    """view() of the summary's cube, kept in the cache (its medians take a query)."""
    key = "stats-view:" + _digest(summary.key, period.key, department, get_language())
    tables = cache.get(key)
    if tables is None:
        cube = _LAST.get(summary.key) or cache.get(f"stats-cube:{summary.key}")
        if cube is None:  # evicted meanwhile: this data's cube, built again
            cube = protected_cube()
        tables = view(cube, period, department)
        cache.set(key, tables, CACHE_SECONDS)
    return tables


def _fixed() -> list[str]:
    """The departments the filter always offers: every department there is, and the
    unsolicited applications."""
    return ["", *Department.objects.values_list("name", flat=True)]


def department_choices(cube: Cube | Summary) -> list[tuple[str, str]]:
    return [("", _("All departments"))] + [
        (name or UNSOLICITED, department_label(name)) for name in cube.departments
    ]


def parse_department(value: str | None, cube: Cube | Summary) -> str | None:
    """The department a filter value names (None: all); ValueError for any other."""
    if not value:
        return ALL_DEPARTMENTS
    name = "" if value == UNSOLICITED else value
    if name not in cube.departments:
        raise ValueError(value)
    return name


def period_choices(cube: Cube | Summary) -> list[tuple[str, str]]:
    choices = [(periods.ALL, _("All time"))]
    for year in reversed(cube.tree[periods.ALL]):
        choices.append((year, year))
        for quarter in cube.tree[year]:
            choices.append((quarter, quarter))
        for quarter in cube.tree[year]:
            choices += [(month, month) for month in cube.tree[quarter]]
    return choices


def _rate(numerator: list[Figure], denominator: Figure) -> str:
    """A percentage, only when every count it is made of is published."""
    if not denominator.published or not all(f.published for f in numerator):
        return _("not shown")
    if not denominator.count:
        return _("not shown")
    return f"{round(100 * sum(f.count for f in numerator) / denominator.count)} %"


def _median(histogram: Counter | None, k: int) -> str:
    if not histogram or sum(histogram.values()) < k:
        return _("fewer than %(k)s") % {"k": k}
    total = sum(histogram.values())
    wanted = {(total - 1) // 2, total // 2}  # the middle one or two, counted from 0
    found, seen = [], 0
    for days in sorted(histogram):
        n = histogram[days]
        found += [days] * sum(1 for w in wanted if seen <= w < seen + n)
        seen += n
    return f"{sum(found) / len(found):g}"


def view(cube: Cube, period: periods.Period, department: str | None) -> list[Table]:
    """Every table of the view, in the order the page shows them."""
    node = period.key
    fig = lambda category, at=node, dept=department: cube.figure(at, dept, category)  # noqa: E731
    tables = []

    over_time = Table(
        "applications",
        _("Applications per month and quarter"),
        [_("Period"), _("Applications")],
    )
    # Months in time order, then quarters, then years: a reader scans time along.
    under = [node] if period.level != "all" else cube.tree[node]
    years = under if period.level == "all" else []
    quarters = [q for y in years for q in cube.tree[y]] if years else []
    if period.level == "year":
        quarters = cube.tree[node]
    elif period.level == "quarter":
        quarters = [node]
    months = period.months(cube.tree)
    for key in [*months, *quarters, *years]:
        over_time.rows.append([key, fig(TOTAL, key)])
    over_time.rows.append([_("Total"), fig(TOTAL)])
    tables.append(over_time)

    gender = Table(
        "gender",
        _("Applications by self-declared gender"),
        [_("Gender"), _("Applications"), _("Share")],
    )
    total = fig(TOTAL)
    for value in GENDERS:
        figure = fig(disclosure.gender(value))
        gender.rows.append([GENDER_LABELS.get(value, value), figure, _rate([figure], total)])
    gender.rows.append([_("Total"), total, ""])
    tables.append(gender)

    channels = Table(
        "channels",
        _("Channels and their conversion to interview and hire"),
        [
            _("Channel"),
            _("Applications"),
            *[str(label) for label in BUCKET_LABELS.values()],
            _("Reached an interview"),
            _("Hired"),
        ],
    )
    for value in [*CHANNELS, None]:
        applications = fig(disclosure.channel(value))
        buckets = [fig(disclosure.channel(value, bucket)) for bucket in BUCKETS]
        channels.rows.append(
            [
                CHANNEL_LABELS.get(value, value) if value else _("All channels"),
                applications,
                *buckets,
                _rate(buckets[1:], applications),
                _rate(buckets[2:], applications),
            ]
        )
    tables.append(channels)

    funnel = Table(
        "funnel",
        _("Furthest stage reached"),
        [_("Stage"), _("Applications"), _("Reached at least this stage")],
    )
    stage_figures = [fig(disclosure.stage(value)) for value in STAGES]
    for n, value in enumerate(STAGES):
        later = stage_figures[n:]
        at_least = (
            sum(f.count for f in later) if all(f.published for f in later) else _("not shown")
        )
        funnel.rows.append([STAGE_LABELS.get(value, value), stage_figures[n], at_least])
    funnel.rows.append([_("Total"), total, ""])
    tables.append(funnel)

    outcomes = Table("outcomes", _("Outcomes"), [_("Outcome"), _("Applications"), _("Share")])
    for value in OUTCOMES:
        figure = fig(disclosure.outcome(value))
        outcomes.rows.append([OUTCOME_LABELS.get(value, value), figure, _rate([figure], total)])
    outcomes.rows.append([_("Total"), total, ""])
    tables.append(outcomes)

    # The months of the period that the cube covers: never the month in progress.
    covered = period.months(cube.tree)
    days = queries.day_histograms(covered, department) if covered else {"decision": {}, "hire": {}}
    durations = Table(
        "durations",
        _("Median days from application"),
        [_("Measure"), _("Median days")],
        chart_column=None,
        note=_("A median is shown only when it is taken over at least %(k)s applications.")
        % {"k": cube.k},
    )
    durations.rows.append([_("To a decision"), _median(days["decision"].get(None), cube.k)])
    durations.rows.append([_("To a hire"), _median(days["hire"].get(None), cube.k)])
    tables.append(durations)

    if department is ALL_DEPARTMENTS:
        hired = disclosure.stage("hired")
        per_department = Table(
            "departments",
            _("Per department"),
            [
                _("Department"),
                _("Applications"),
                _("Hired"),
                _("Hire rate"),
                _("Median days to a decision"),
            ],
        )
        for name in cube.departments:
            applications = cube.figure(node, name, TOTAL)
            hires = cube.figure(node, name, hired)
            per_department.rows.append(
                [
                    department_label(name),
                    applications,
                    hires,
                    _rate([hires], applications),
                    _median(days["decision"].get(name), cube.k),
                ]
            )
        per_department.rows.append(
            [_("All departments"), total, fig(hired), _rate([fig(hired)], total), ""]
        )
        tables.append(per_department)
    return tables


def shown(value: object, k: int) -> str:
    """A cell as the page and the CSV show it."""
    if isinstance(value, Figure):
        if value.published:
            return str(value.count)
        if value.status == disclosure.FEWER:
            return _("fewer than %(k)s") % {"k": k}
        return _("withheld")
    return str(value)
