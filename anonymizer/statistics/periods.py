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

    def months(self, years: list[int]) -> list[str]:
        """The month keys this period covers, within the given years."""
        if self.level == "month":
            return [self.key]
        if self.level == "quarter":
            year, quarter = self.key.split("-Q")
            first = 3 * (int(quarter) - 1) + 1
            return [f"{year}-{m:02d}" for m in range(first, first + 3)]
        if self.level == "year":
            return [f"{self.key}-{m:02d}" for m in range(1, 13)]
        return [f"{y}-{m:02d}" for y in years for m in range(1, 13)]


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


def tree(years: list[int]) -> dict[str, list[str]]:
    """Every period of the given whole years, each with its children (all time ->
    years -> quarters -> months); a month has none."""
    children: dict[str, list[str]] = {ALL: [str(y) for y in years]}
    for y in years:
        children[str(y)] = [f"{y}-Q{q}" for q in range(1, 5)]
        for q in range(1, 5):
            months = [f"{y}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]
            children[f"{y}-Q{q}"] = months
            for month in months:
                children[month] = []
    return children


def parse(key: str | None, years: list[int]) -> Period:
    """The period a filter value names, among the given years; BadPeriod otherwise."""
    key = (key or ALL).strip()
    if key == ALL:
        return Period(ALL, "all")
    for pattern, name in ((_MONTH, "month"), (_QUARTER, "quarter"), (_YEAR, "year")):
        match = pattern.match(key)
        if match:
            if int(match.group(1)) not in years:
                raise BadPeriod(key)
            if name == "month" and not 1 <= int(match.group(2)) <= 12:
                raise BadPeriod(key)
            return Period(key, name)
    raise BadPeriod(key)
