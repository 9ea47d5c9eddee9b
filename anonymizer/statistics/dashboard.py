"""The tables of one view of the statistics (a period and a department), read from the
protected cube: every count is a cube cell, shown only when the cube publishes it.

Which cube the pages show is a snapshot (refresh()), taken in the background every
REFRESH_SECONDS and after each retention run, so that readers find the cube, its
summary and the landing view in the cache and read no counts."""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone, translation
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
LIVE_SECONDS = 300  # how far the statistics may lag the data while a worker runs

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


def _complete(counts: queries.Counts, until: str) -> queries.Counts:
    """Only the complete months' counts: the cube covers nothing later, so an
    application in the month in progress changes no key, builds no cube, and adds no
    year or department to the filters before its month is over."""
    return queries.Counts(
        **{
            name: Counter({key: n for key, n in getattr(counts, name).items() if key[0] <= until})
            for name in ("channel_stage", "gender", "outcome")
        }
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


@dataclass(frozen=True)
class Snapshot:
    """Which cube the statistics pages show (kept in the cache under SNAPSHOT), and
    what it was built from: a request never reads the counts while a snapshot younger
    than STALE_SECONDS is there."""

    key: str  # the cube's: a digest of everything the cube is built from
    k: int
    until: str
    version: tuple[int, int] | None  # the erased statistics' (PostgreSQL), when read
    live: str  # a digest of the live applications' counts of complete months
    departments: str  # a digest of the departments the filter always offers
    taken: float  # time.time() when the data was last read


SNAPSHOT = "stats-snapshot"
REFRESH_SECONDS = LIVE_SECONDS  # the background task's interval (CELERY_BEAT_SCHEDULE)
STALE_SECONDS = 2 * LIVE_SECONDS  # a request takes a snapshot itself past this

# The last cube this process used: a view of the same data needs no unpickling.
_LAST: dict[str, Cube] = {}


def current() -> Summary:
    """The summary of the cube the pages show now: the latest snapshot's, taken by the
    background task (anonymizer.tasks.refresh_statistics); taken here, with the cube
    built if need be, only when there is none younger than STALE_SECONDS (the first
    start, or no worker running)."""
    snapshot = cache.get(SNAPSHOT)
    if snapshot is None or _stale(snapshot):
        snapshot = refresh()
    summary = cache.get(f"stats-summary:{snapshot.key}")
    if summary is None:  # evicted: the cube again (from the cache, or built anew)
        summary = _summary(protected_cube())
    return summary


def protected_cube() -> Cube:
    """The cube the pages show now. The same counts always give the same cube, so it is
    kept in the cache under a digest of what it is built from (k, the last complete
    month, the departments offered and every count of the complete months); a new
    digest is a new cube, and every view of one cube is protected together."""
    snapshot = cache.get(SNAPSHOT)
    if snapshot is None or _stale(snapshot):
        snapshot = refresh()
    cube = _cached_cube(snapshot.key)
    if cube is None:  # evicted meanwhile: the counts read again
        cube = _cached_cube(refresh(force=True).key)
    return cube


def _stale(snapshot: Snapshot) -> bool:
    return snapshot.k != settings.ATS_STATS_MIN_CELL or time.time() - snapshot.taken > (
        STALE_SECONDS
    )


def _cached_cube(key: str) -> Cube | None:
    cube = _LAST.get(key) or cache.get(f"stats-cube:{key}")
    if cube is not None:
        _LAST.clear()
        _LAST[key] = cube
    return cube


def refresh(*, force: bool = False, warm: bool = False) -> Snapshot:
    """Read the data and make the pages show its cube: the background task's work
    (every REFRESH_SECONDS and after each retention run), and a request's when no
    snapshot is young enough.

    The erased statistics' version and the live applications' counts are read first
    (cheap); only when either changed since the last snapshot (or the month, k or the
    departments did) are the erased counts read and, if their digest is new, the cube
    built and protected. On PostgreSQL everything is read in one repeatable-read
    transaction, so an erasure committed meanwhile is counted once, never as both
    live and erased. `warm` computes the landing view (all time, all departments) in
    every language, so the first reader finds it in the cache too."""
    k = settings.ATS_STATS_MIN_CELL
    until = periods.last_complete_month(timezone.localdate())
    previous = cache.get(SNAPSHOT)
    with _consistent_read():
        version = queries.erased_version()
        fixed = _fixed()
        live = _complete(queries.live_counts(), until)
        live_digest, fixed_digest = _digest(_sorted(live)), _digest(fixed)
        same = (
            not force
            and previous is not None
            and version is not None
            and (previous.k, previous.until, previous.version) == (k, until, version)
            and (previous.live, previous.departments) == (live_digest, fixed_digest)
            and cache.touch(f"stats-cube:{previous.key}", CACHE_SECONDS)
            and cache.touch(f"stats-summary:{previous.key}", CACHE_SECONDS)
        )
        if same:
            key = previous.key
        else:
            counts = _complete(queries.counts(live), until)
            key = _digest(k, until, fixed, _sorted(counts))
            if _cached_cube(key) is None:
                cube = disclosure.build(counts, k=k, until=until, extra_departments=fixed)
                cube.key = key
                cache.set(f"stats-cube:{key}", cube, CACHE_SECONDS)
                _LAST.clear()
                _LAST[key] = cube
            if not cache.touch(f"stats-summary:{key}", CACHE_SECONDS):
                cache.set(f"stats-summary:{key}", _summary(_LAST[key]), CACHE_SECONDS)
    snapshot = Snapshot(key, k, until, version, live_digest, fixed_digest, time.time())
    summary = cache.get(f"stats-summary:{key}") if warm else None
    if summary is not None:
        landing = periods.parse(None, summary.tree)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                cached_view(summary, landing, ALL_DEPARTMENTS)
    cache.set(SNAPSHOT, snapshot, STALE_SECONDS)
    return snapshot


@contextmanager
def _consistent_read():
    """One repeatable-read transaction on PostgreSQL (unless a transaction is open
    already, as in a test); elsewhere nothing."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _summary(cube: Cube) -> Summary:
    return Summary(cube.key, cube.k, cube.years, cube.departments, cube.tree)


def cached_view(summary: Summary, period: periods.Period, department: str | None) -> list[Table]:
    """view() of the summary's cube, kept in the cache (its medians take a query)."""
    key = "stats-view:" + _digest(summary.key, period.key, department, get_language())
    tables = cache.get(key)
    if tables is None:
        cube = _cached_cube(summary.key)
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
