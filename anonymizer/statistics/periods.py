"""The periods the statistics offer: whole months, quarters, years and all time.

A period is named by a short key that is also the filter's value in the URL:
"2026-03" (a month), "2026-Q1" (a quarter), "2026" (a year), "all". Nothing finer than a
month exists anywhere in the statistics (dates are coarsened to months)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

ALL = "all"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


class BadPeriod(ValueError):
    """The period key names no whole month, quarter or year (or lies outside the data)."""


@dataclass(frozen=True)
class Period:
    key: str
    level: str  # "month", "quarter", "year" or "all"

    @property
    def label(self) -> str:
        if self.level == "all":
            return _("All time")
        return self.key

    def months(self, offered: dict[str, list[str]]) -> list[str]:
        """The month keys this period covers, among those offered (a tree())."""
        if self.level == "month":
            return [self.key]
        children = offered[self.key]
        return [m for child in children for m in Period(child, level(child)).months(offered)]


def month_key(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def quarter_of(month: str) -> str:
    year, number = month.split("-")
    return f"{year}-Q{(int(number) - 1) // 3 + 1}"


def year_of(node: str) -> str:
    return node[:4]


def parent(node: str) -> str | None:
    """The next coarser period: month -> quarter -> year -> all time -> None."""
    if node == ALL:
        return None
    if _MONTH.match(node):
        return quarter_of(node)
    if _QUARTER.match(node):
        return year_of(node)
    return ALL


def path_up(node: str) -> list[str]:
    """The node and every coarser period containing it, up to all time."""
    nodes = []
    current: str | None = node
    while current is not None:
        nodes.append(current)
        current = parent(current)
    return nodes


def level(node: str) -> str:
    if node == ALL:
        return "all"
    if _MONTH.match(node):
        return "month"
    if _QUARTER.match(node):
        return "quarter"
    return "year"


def tree(years: list[int], *, until: str | None = None) -> dict[str, list[str]]:
    """Every period of the given years up to the month `until` (all of them if None),
    each with its children (all time -> years -> quarters -> months); a month has none."""
    children: dict[str, list[str]] = {ALL: []}
    for y in years:
        quarters = []
        for q in range(1, 5):
            months = [f"{y}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]
            months = [month for month in months if until is None or month <= until]
            if not months:
                continue
            quarters.append(f"{y}-Q{q}")
            children[f"{y}-Q{q}"] = months
            for month in months:
                children[month] = []
        if quarters:
            children[ALL].append(str(y))
            children[str(y)] = quarters
    return children


def last_complete_month(today: date) -> str:
    """The month before today's: the month in progress is never shown, since its counts
    would change with each application as it arrives."""
    first = today.replace(day=1)
    previous = date.fromordinal(first.toordinal() - 1)
    return month_key(previous)


def parse(key: str | None, offered: dict[str, list[str]]) -> Period:
    """The period a filter value names among those offered (a tree()); BadPeriod
    otherwise."""
    key = (key or ALL).strip()
    if key not in offered:
        raise BadPeriod(key)
    return Period(key, level(key))
