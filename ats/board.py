"""The pipeline board's read: every column of a vacancy with its total and its first
cards, in one SQL statement.

The board is the workspace's busiest page and a vacancy may hold thousands of
applications, so this read must cost the same whatever their number. "The first n
applications of each stage" is a LATERAL join on PostgreSQL: per stage, an index scan
that stops after n rows. The ORM cannot say that, and what it can say was measured
slower on 5,000 applications (tests/bench/test_workspace_throughput.py,
docs/benchmarks.md): a ROW_NUMBER() window sorts every application of the vacancy, a
UNION ALL of one sliced query per stage costs more to build and plan than to run, and
the stages, their totals and the cards as three ORM queries spent more time in query
compilation than in PostgreSQL. So the statement is written here, once.

Who may see what is not decided here: the applications are those of the selector
`visible_applications(user)`, compiled by the ORM and embedded as a subquery, so every
rule it has (a hiring manager's vacancies, claims-only rejections, restrictions) holds
for the board's cards and totals alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.utils.dateparse import parse_datetime

from ats.models import Document, Vacancy
from ats.selectors import visible_applications

# What a card shows: id, submitted_at, first name, last name, mean rating (None when
# unrated), a document waits for its scan, a document failed it (or is infected).
Card = tuple[int, datetime, str, str, Decimal | float | None, bool, bool]


@dataclass
class Column:
    stage_id: int
    name: str
    kind: str
    total: int  # the applications in this stage the user may see
    cards: list[Card] = field(default_factory=list)  # the first of them, oldest first


_STATEMENT = """
SELECT s.id, s.name, s.kind, COALESCE(t.n, 0),
       a.id, a.submitted_at, c.first_name, c.last_name,
       (SELECT AVG(e.overall) FROM ats_evaluation e WHERE e.application_id = a.id),
       EXISTS (SELECT 1 FROM ats_document d
               WHERE d.application_id = a.id AND d.scan_status = %s),
       EXISTS (SELECT 1 FROM ats_document d
               WHERE d.application_id = a.id AND d.scan_status IN (%s, %s))
FROM ats_stage s
LEFT JOIN (SELECT v.stage_id, COUNT(*) AS n FROM ({visible}) v GROUP BY v.stage_id) t
       ON t.stage_id = s.id
{first_cards}
LEFT JOIN ats_candidate c ON c.id = a.candidate_id
WHERE s.vacancy_id = %s
ORDER BY s.position, a.submitted_at, a.id
"""

# Per stage, the first applications by an index scan that stops after n rows.
_FIRST_CARDS_LATERAL = """
LEFT JOIN LATERAL (
    SELECT v.id, v.submitted_at, v.candidate_id FROM ({visible}) v
    WHERE v.stage_id = s.id ORDER BY v.submitted_at, v.id LIMIT %s
) a ON TRUE
"""

# Without LATERAL (SQLite): number the applications of each stage, keep the first n.
_FIRST_CARDS_WINDOW = """
LEFT JOIN (
    SELECT v.id, v.stage_id, v.submitted_at, v.candidate_id,
           ROW_NUMBER() OVER (PARTITION BY v.stage_id ORDER BY v.submitted_at, v.id) AS place
    FROM ({visible}) v
) a ON a.stage_id = s.id AND a.place <= %s
"""


def board_columns(user: AbstractBaseUser, vacancy: Vacancy, *, per_column: int) -> list[Column]:
    """The vacancy's stages in order, each with how many of its applications the user
    may see and the first per_column of them (oldest first), in one query."""
    visible, visible_params = (
        visible_applications(user)
        .filter(vacancy=vacancy)
        .order_by()  # the model's ordering would keep the subquery from being inlined
        .values("id", "stage_id", "submitted_at", "candidate_id")
        .query.sql_with_params()
    )
    lateral = connection.vendor == "postgresql"
    first_cards = (_FIRST_CARDS_LATERAL if lateral else _FIRST_CARDS_WINDOW).format(visible=visible)
    statement = _STATEMENT.format(visible=visible, first_cards=first_cards)
    params = [
        Document.ScanStatus.PENDING,
        Document.ScanStatus.FAILED,
        Document.ScanStatus.INFECTED,
        *visible_params,
        *visible_params,
        per_column,
        vacancy.pk,
    ]
    columns: dict[int, Column] = {}
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        for stage_id, name, kind, total, pk, at, first, last, rating, waiting, failed in cursor:
            column = columns.get(stage_id)
            if column is None:
                column = columns[stage_id] = Column(stage_id, name, kind, total)
            if pk is not None:
                card = (pk, _aware(at), first, last, rating, bool(waiting), bool(failed))
                column.cards.append(card)
    return list(columns.values())


def _aware(value: datetime | str) -> datetime:
    """PostgreSQL returns an aware datetime; SQLite a naive one in UTC (or its text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
