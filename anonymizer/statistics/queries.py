"""The counts behind the statistics, aggregated in the database.

Two sources, added up: the anonymised ApplicationStatistic rows that survive erasure,
and live applications, aggregated with the retention job's own rule for what a
statistic holds (anonymizer.services.statistic_for: month of submission in the site's
time zone, the vacancy's department, channel, self-declared gender, the furthest
pipeline step reached by STAGE_ORDER, the decision or "none", whole days from
submission to decision), written here as SQL. A test holds the two to the same result
(tests/anonymizer/test_stats_queries.py), so an application counts the same before and
after its erasure. An application is either live or erased (its statistic is written in
the erasure's transaction), never both.

The self-declared gender of a live application is a plain column
(Application.self_declared_gender, not among the sealed special-category answers), so
live applications contribute it as the erased ones do.

On PostgreSQL the erased rows are read from a rollup table kept by triggers (migration
0003): one row per month, department and category with its count, so that a million
statistics are summed from a few thousand rows. Elsewhere (SQLite in development) the
same groupings are computed from ApplicationStatistic directly.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncMonth

from anonymizer import rules
from anonymizer.models import ApplicationStatistic, Outcome
from anonymizer.services import STAGE_ORDER
from ats.models import Application, StageChange

ROLLUP_TABLE = "anonymizer_statistic_rollup"
STAGE_BY_ORDER = {order: str(kind) for kind, order in STAGE_ORDER.items()}
HIRED = Outcome.HIRED.value


def progress(stage: str, outcome: str) -> str:
    """The furthest stage reached as the statistics count it: "hired" exactly when the
    outcome is hired, so that the funnel's hired and the outcome's hired are one count
    (a hired stage without the decision counts as an offer). The SQL of the rollup
    (migration 0005) and _progress_sql() say the same."""
    if outcome == HIRED:
        return HIRED
    return "offer" if stage == HIRED else stage


def _progress_sql() -> Case:
    return Case(
        When(outcome=HIRED, then=Value(HIRED)),
        When(stage_reached=HIRED, then=Value("offer")),
        default=F("stage_reached"),
    )


@dataclass
class Counts:
    """Counts per month key ("2026-03") and department name ("" for unsolicited)."""

    # (month, dept, channel, progress): progress is the stage reached by progress()
    channel_stage: Counter = field(default_factory=Counter)
    gender: Counter = field(default_factory=Counter)  # (month, dept, gender)
    outcome: Counter = field(default_factory=Counter)  # (month, dept, outcome)

    @property
    def years(self) -> list[int]:
        return sorted({int(key[0][:4]) for key in self.channel_stage})

    @property
    def departments(self) -> list[str]:
        return sorted({key[1] for key in self.channel_stage})


class DaysBetween(Func):
    """Whole days from the first timestamp to the second, at least 0: what
    `max(0, (second - first).days)` gives in Python."""

    output_field = IntegerField()
    arity = 2

    def _operands(self, compiler) -> tuple[str, str, tuple]:
        first, first_params = compiler.compile(self.source_expressions[0])
        second, second_params = compiler.compile(self.source_expressions[1])
        return first, second, (*first_params, *second_params)

    def as_sql(self, compiler, connection, **extra):
        # SQLite: julianday() is fractional, so it is rounded to whole seconds first and
        # exactly n days never come out as n - 1 by a float's error.
        first, second, params = self._operands(compiler)
        seconds = f"CAST(ROUND((julianday({second}) - julianday({first})) * 86400) AS INTEGER)"
        return f"MAX(0, {seconds} / 86400)", params

    def as_postgresql(self, compiler, connection, **extra):
        first, second, params = self._operands(compiler)
        return (
            f"GREATEST(0, FLOOR(EXTRACT(EPOCH FROM ({second} - {first})) / 86400))::integer",
            params,
        )


def _stage_order(kind_field: str) -> Case:
    return Case(
        *(When(**{kind_field: kind}, then=Value(order)) for kind, order in STAGE_ORDER.items()),
        default=Value(0),
        output_field=IntegerField(),
    )


def live_statistics() -> QuerySet:
    """Live applications annotated with what their statistic would hold (stat_month,
    stat_department, stat_stage_order, stat_outcome, stat_days), in SQL."""
    history = (
        StageChange.objects.filter(application=OuterRef("pk"))
        .order_by()
        .values("application")
        .annotate(reached=Max(_stage_order("to_stage__kind")))
        .values("reached")
    )
    decided = ~Q(decision="") & Q(decided_at__isnull=False)
    return Application.objects.order_by().annotate(
        stat_month=TruncMonth("submitted_at", output_field=DateField(), tzinfo=rules.site_zone()),
        stat_department=Coalesce(F("vacancy__department__name"), Value("")),
        stat_stage_order=Greatest(
            _stage_order("stage__kind"), Coalesce(Subquery(history), Value(0))
        ),
        stat_outcome=Case(
            When(decision="", then=Value(Outcome.NONE.value)),
            default=F("decision"),
        ),
        stat_days=Case(
            When(decided, then=DaysBetween(F("submitted_at"), F("decided_at"))),
            default=None,
            output_field=IntegerField(),
        ),
    )


def _month(value) -> str:
    return f"{value.year}-{value.month:02d}"


def counts(live: Counts | None = None) -> Counts:
    """Every count the cube needs, per month and department: erased plus live (which
    the caller may have read already)."""
    result = Counts()
    if connection.vendor == "postgresql":
        _erased_from_rollup(result)
    else:
        _erased_from_rows(result)
    for name in ("channel_stage", "gender", "outcome"):
        getattr(result, name).update(getattr(live or live_counts(), name))
    return result


def live_counts() -> Counts:
    result = Counts()
    _live(result)
    return result


def erased_version() -> tuple[int, int] | None:
    """On PostgreSQL, a number that changes with every change to the erased statistics
    (raised by a trigger in the same transaction), with their total count against a
    restored backup that reuses a number; None elsewhere."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT version FROM {ROLLUP_TABLE}_version WHERE id = 1), "  # noqa: S608
            f"(SELECT coalesce(sum(n), 0) FROM {ROLLUP_TABLE} WHERE grouping = 'g')"
        )
        version, total = cursor.fetchone()
    return int(version), int(total)


def _erased_from_rows(result: Counts) -> None:
    rows = ApplicationStatistic.objects.order_by()
    for month, dept, channel, stage, n in (
        rows.annotate(progress=_progress_sql())
        .values_list("month", "department", "channel", "progress")
        .annotate(n=Count("pk"))
    ):
        result.channel_stage[(_month(month), dept, channel, stage)] += n
    for month, dept, gender, n in rows.values_list("month", "department", "gender").annotate(
        n=Count("pk")
    ):
        result.gender[(_month(month), dept, gender)] += n
    for month, dept, outcome, n in rows.values_list("month", "department", "outcome").annotate(
        n=Count("pk")
    ):
        result.outcome[(_month(month), dept, outcome)] += n


def _erased_from_rollup(result: Counts) -> None:
    # The month key formatted by the database: twenty thousand rows, no date objects.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT grouping, to_char(month, 'YYYY-MM'), department, a, b, n "  # noqa: S608
            f"FROM {ROLLUP_TABLE} WHERE grouping IN ('cs', 'g', 'o') AND n <> 0"
        )
        rows = cursor.fetchall()
    channel_stage, gender, outcome = result.channel_stage, result.gender, result.outcome
    for grouping, month, dept, a, b, n in rows:
        if grouping == "cs":
            channel_stage[(month, dept, a, b)] += n
        elif grouping == "g":
            gender[(month, dept, a)] += n
        else:
            outcome[(month, dept, a)] += n


def _live(result: Counts) -> None:
    live = live_statistics()
    for month, dept, channel, order, outcome, n in live.values_list(
        "stat_month", "stat_department", "channel", "stat_stage_order", "stat_outcome"
    ).annotate(n=Count("pk")):
        stage = progress(STAGE_BY_ORDER[order], outcome)
        result.channel_stage[(_month(month), dept, channel, stage)] += n
    for month, dept, gender, n in live.values_list(
        "stat_month", "stat_department", "self_declared_gender"
    ).annotate(n=Count("pk")):
        result.gender[(_month(month), dept, gender)] += n
    for month, dept, outcome, n in live.values_list(
        "stat_month", "stat_department", "stat_outcome"
    ).annotate(n=Count("pk")):
        result.outcome[(_month(month), dept, outcome)] += n


def day_histograms(
    months: list[str] | None, department: str | None
) -> dict[str, dict[str | None, Counter]]:
    """Days to decision and to hire, as {days: applications} histograms, per department
    (and under None for the departments together), for the given months (None: all) and
    department (None: all). Medians are read from these; no single value leaves here."""
    result: dict[str, dict[str | None, Counter]] = {"decision": {}, "hire": {}}

    def add(dept: str, outcome: str, days: int, n: int) -> None:
        for kind in ("decision", "hire") if outcome == Outcome.HIRED else ("decision",):
            for key in (dept, None):
                result[kind].setdefault(key, Counter())[days] += n

    erased = ApplicationStatistic.objects.order_by().filter(days_to_decision__isnull=False)
    live = live_statistics().filter(stat_days__isnull=False)
    if months is not None:
        first, last = min(months), max(months)
        start = _first_day(first)
        erased = erased.filter(month__gte=start, month__lte=_first_day(last))
        live = live.filter(stat_month__gte=start, stat_month__lte=_first_day(last))
    if department is not None:
        erased = erased.filter(department=department)
        live = live.filter(stat_department=department)
    if connection.vendor == "postgresql":
        rows = _days_from_rollup(months, department)
    else:
        rows = erased.values_list("department", "outcome", "days_to_decision").annotate(
            n=Count("pk")
        )
    for dept, outcome, days, n in rows:
        add(dept, outcome, days, int(n))
    for dept, outcome, days, n in live.values_list(
        "stat_department", "stat_outcome", "stat_days"
    ).annotate(n=Count("pk")):
        add(dept, outcome, days, n)
    return result


def _first_day(month: str):
    from datetime import date

    year, number = month.split("-")
    return date(int(year), int(number), 1)


def _days_from_rollup(months: list[str] | None, department: str | None) -> list[tuple]:
    where, params = ["grouping = 'd'", "n <> 0"], []
    if months is not None:
        where.append("month BETWEEN %s AND %s")
        params += [_first_day(min(months)), _first_day(max(months))]
    if department is not None:
        where.append("department = %s")
        params.append(department)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT department, a, days, SUM(n) FROM {ROLLUP_TABLE} "  # noqa: S608
            f"WHERE {' AND '.join(where)} GROUP BY department, a, days",
            params,
        )
        return cursor.fetchall()
