"""Disclosure control for the management statistics: the protected cube.

Every number the dashboard offers, in any view (a period: all time, a year, a quarter or
a month; a department or all of them) and any table, is a cell of one cube:

    (period, department, category)

where the category fixes some of four attributes of an application (self-declared
gender, channel, furthest stage reached, outcome) and leaves the others open: the total,
one gender, one channel, one channel and progress bucket, one stage, one outcome. Two
tables that show the same set of applications show the same cell (the "hired" bucket
of the channel table is the "hired" stage of the funnel).

Primary suppression: a cell counting fewer than k applications (ATS_STATS_MIN_CELL).

Complementary suppression (the hypercube method, as statistical offices use it): a
suppressed cell is safe when some change to the underlying applications would alter it
and leave every published cell as it is; then no sum or difference of published numbers,
in any table, view or CSV, can equal it. For each primary cell such a change is built as
a product of changes along each dimension, each of which keeps its own sums:

- period: +1 in a month under the cell's period, -1 in a month under a sibling period
  (same quarter, year or all time), or +1 all the way up to all time;
- department: +1 in the cell's department, -1 in another, or +1 there and in the
  all-departments total;
- each attribute the category fixes: +1 in a value inside it, -1 in one outside it (so
  no total moves); each attribute it leaves open: +1 in one value.

Every cell the change touches (the corners of the hypercube) is suppressed too; among
the candidate changes the one that suppresses the fewest new cells is chosen. Cells
suppressed this way are shown as withheld, never as "fewer than k" (their counts are not
small). Suppressing more never unprotects a cell, so one pass over the primary cells
leaves every one of them protected. See docs/statistics.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import product

from anonymizer.models import Outcome
from anonymizer.statistics import periods
from anonymizer.statistics.queries import HIRED, STAGE_BY_ORDER, Counts
from ats.models import Channel, Gender

ALL_DEPARTMENTS = None  # the department coordinate of the all-departments cells

GENDERS = tuple(str(g) for g in Gender.values)
CHANNELS = tuple(str(c) for c in Channel.values)
STAGES = tuple(STAGE_BY_ORDER[order] for order in sorted(STAGE_BY_ORDER))
OUTCOMES = tuple(str(o) for o in Outcome.values)
BUCKETS = {
    "before_interview": frozenset({"new", "screening"}),
    "interview": frozenset({"interview", "offer"}),
    "hired": frozenset({"hired"}),
}
# Progress (queries.progress) and outcome are one dimension of their valid pairs: hired
# progress exactly with a hired outcome. A change that moved an application into a pair
# that cannot exist would protect nothing, since a reader knows it cannot.
PROGRESS = tuple(
    (stage, outcome)
    for stage in STAGES
    for outcome in OUTCOMES
    if (stage == HIRED) == (outcome == HIRED)
)
DIMENSIONS = ("gender", "channel", "progress")
LEAVES = {"gender": GENDERS, "channel": CHANNELS, "progress": PROGRESS}

# A category: per dimension, the set of values it fixes, or None (open).
Category = tuple[frozenset | None, frozenset | None, frozenset | None]
TOTAL: Category = (None, None, None)


def gender(value: str) -> Category:
    return (frozenset({value}), None, None)


def _progress(stages: frozenset) -> frozenset:
    return frozenset(pair for pair in PROGRESS if pair[0] in stages)


def channel(value: str | None, bucket: str | None = None) -> Category:
    return (
        None,
        frozenset({value}) if value else None,
        _progress(BUCKETS[bucket]) if bucket else None,
    )


def stage(value: str) -> Category:
    return (None, None, _progress(frozenset({value})))


def outcome(value: str) -> Category:
    return (None, None, frozenset(pair for pair in PROGRESS if pair[1] == value))


def _categories() -> list[Category]:
    found = [TOTAL]
    found += [gender(g) for g in GENDERS]
    found += [stage(s) for s in STAGES]
    found += [outcome(o) for o in OUTCOMES]
    found += [channel(c) for c in CHANNELS]
    found += [channel(c, b) for c in CHANNELS for b in BUCKETS]
    found += [channel(None, b) for b in BUCKETS]
    unique: list[Category] = []
    for category in found:
        if category not in unique:
            unique.append(category)
    return unique


CATEGORIES = _categories()
INDEX = {category: i for i, category in enumerate(CATEGORIES)}

PUBLISHED, FEWER, WITHHELD = "published", "fewer", "withheld"


@dataclass(frozen=True)
class Figure:
    """One number as the dashboard may show it: its count only when published."""

    count: int | None
    status: str  # PUBLISHED, FEWER (under k) or WITHHELD (protects a smaller one)

    @property
    def published(self) -> bool:
        return self.status == PUBLISHED


@dataclass
class Cube:
    k: int
    years: list[int]
    departments: list[str]
    values: dict[tuple[str, str | None, int], int] = field(default_factory=dict)
    suppressed: set[tuple[str, str | None, int]] = field(default_factory=set)
    key: str = ""  # what the data's version is called in the cache
    until: str = ""  # the last month the cube covers
    tree: dict[str, list[str]] = field(default_factory=dict)  # the periods it covers

    def figure(self, period: str, department: str | None, category: Category) -> Figure:
        key = (period, department, INDEX[category])
        value = self.values[key]
        if key not in self.suppressed:
            return Figure(value, PUBLISHED)
        return Figure(None, FEWER if value < self.k else WITHHELD)


def build(counts: Counts, *, k: int, until: str, extra_departments: Iterable[str] = ()) -> Cube:
    """The cube of every period of the data's years up to the month `until` (the last
    complete month: later ones hold nothing anyone could not know to be empty), each
    department (those in the data and `extra_departments`) and category, with its
    suppression pattern."""
    years = [year for year in counts.years if str(year) <= until[:4]]
    departments = sorted({*counts.departments, *extra_departments})
    cube = Cube(
        k=k,
        years=years,
        departments=departments,
        until=until,
        tree=periods.tree(years, until=until),
    )
    _fill(cube, counts)
    protect(cube)
    return cube


def _members(counts: Counts, months: set[str]):
    """For each count of a month the cube covers: its month, department, the categories
    it falls in, and n."""
    by_cs: dict[tuple[str, str], list[int]] = {}
    for c, s in product(CHANNELS, STAGES):
        bucket = next(name for name, stages in BUCKETS.items() if s in stages)
        cats = {TOTAL, stage(s), channel(c), channel(c, bucket), channel(None, bucket)}
        by_cs[(c, s)] = [INDEX[cat] for cat in cats]
    # A value the statistics do not know (a channel retired since, say) counts under
    # "other", "not stated", "new" or "no decision", so that every total stays whole.
    for (month, dept, c, s), n in counts.channel_stage.items():
        if month in months:
            key = (c if c in CHANNELS else "other", s if s in STAGES else "new")
            yield month, dept, by_cs[key], n
    for (month, dept, g), n in counts.gender.items():
        if month in months:
            yield month, dept, [INDEX[gender(g if g in GENDERS else "not_stated")]], n
    for (month, dept, o), n in counts.outcome.items():
        if month in months:
            yield month, dept, [INDEX[outcome(o if o in OUTCOMES else "none")]], n


def _fill(cube: Cube, counts: Counts) -> None:
    """Counts per month, department and category first; then summed up the periods and
    into the all-departments total."""
    tree = cube.tree
    departments: list[str | None] = [*cube.departments, ALL_DEPARTMENTS]
    base: dict[tuple[str, str | None, int], int] = {}
    months = {node for node, children in tree.items() if not children}
    get = base.get
    for month, dept, cats, n in _members(counts, months):
        for i in cats:
            key = (month, dept, i)
            base[key] = get(key, 0) + n
    for (month, _dept, i), n in list(base.items()):
        key = (month, ALL_DEPARTMENTS, i)
        base[key] = get(key, 0) + n
    values = dict.fromkeys(product(tree, departments, range(len(CATEGORIES))), 0)
    ups = {month: periods.path_up(month) for month in tree if not tree[month]}
    for (month, dept, i), n in base.items():
        for node in ups[month]:
            values[(node, dept, i)] += n
    cube.values = values


# --- Complementary suppression ---------------------------------------------------------


def _months_under(node: str, tree: dict[str, list[str]]) -> list[str]:
    if not tree[node]:
        return [node]
    return [m for child in tree[node] for m in _months_under(child, tree)]


def _gamma_effects(gammas: dict[str, dict[str, int]]) -> list[tuple[int, int]]:
    """The categories a change of the attributes touches, with its sign there."""
    touched = []
    for i, category in enumerate(CATEGORIES):
        effect = 1
        for dim, values in zip(DIMENSIONS, category, strict=True):
            gamma = gammas[dim]
            if values is None:
                effect *= sum(gamma.values())
            else:
                effect *= sum(coef for leaf, coef in gamma.items() if leaf in values)
            if not effect:
                break
        if effect:
            touched.append((i, effect))
    return touched


# The categories each change of the attributes touches, and the changes worth trying
# per category: the same for every cube.
_EFFECTS: dict[tuple[int, tuple[int, ...]], list[tuple[int, int]]] = {}
_ATTRIBUTE_OPTIONS: dict[int, list[list[dict[str, int]]]] = {}


def _attribute_options(category: Category) -> list[list[dict[str, int]]]:
    """Per dimension, the changes of its values that keep the category's count moving:
    +1 inside the category's values and -1 outside (so no total moves), or, for an open
    dimension, +1 in one value. Changes that move every category's count alike are one
    option (the progress dimension has many equivalent pairs)."""
    per_dimension = []
    for dim, values in zip(DIMENSIONS, category, strict=True):
        leaves = LEAVES[dim]
        if values is None:
            candidates = [{leaf: 1} for leaf in leaves]
        else:
            inside = [leaf for leaf in leaves if leaf in values]
            outside = [leaf for leaf in leaves if leaf not in values]
            candidates = [{a: 1, b: -1} for a in inside for b in outside]
        sets = {c[DIMENSIONS.index(dim)] for c in CATEGORIES}
        seen, unique = set(), []
        for gamma in candidates:
            signature = tuple(
                sum(gamma.values())
                if members is None
                else sum(v for leaf, v in gamma.items() if leaf in members)
                for members in sorted(sets, key=lambda m: sorted(map(str, m or ())))
            )
            if signature not in seen:
                seen.add(signature)
                unique.append(gamma)
        per_dimension.append(unique)
    return per_dimension


class _Protector:
    def __init__(self, cube: Cube):
        self.cube = cube
        self.tree = cube.tree
        self.parent = {node: periods.parent(node) for node in self.tree}
        self.under = {node: _months_under(node, self.tree) for node in self.tree}

    def weight(self, key) -> tuple[int, int]:
        """What suppressing a cell costs: nothing if it is already suppressed."""
        if key in self.cube.suppressed:
            return (0, 0)
        return (1, self.cube.values[key])

    def leaf(self, node: str, dept, ci: int) -> str:
        return min(self.under[node], key=lambda m: self.weight((m, dept, ci)))

    def path(self, month: str, top: str | None) -> list[str]:
        nodes, current = [], month
        while current is not None:
            nodes.append(current)
            if current == top:
                break
            current = self.parent[current]
        return nodes

    def period_options(self, node: str, dept, ci: int) -> list[dict[str, int]]:
        options = []
        up = self.parent[node]
        if up is not None:
            siblings = [s for s in self.tree[up] if s != node]
            siblings.sort(key=lambda s: self.weight((s, dept, ci)))
            own = self.leaf(node, dept, ci)
            for sibling in siblings[:4]:
                other = self.leaf(sibling, dept, ci)
                change = dict.fromkeys(self.path(own, node), 1)
                change.update(dict.fromkeys(self.path(other, sibling), -1))
                options.append(change)
        own = self.leaf(node, dept, ci)
        options.append(dict.fromkeys(self.path(own, None), 1))
        return options

    def department_options(self, period: str, dept, ci: int) -> list[dict]:
        others = sorted(self.cube.departments, key=lambda d: self.weight((period, d, ci)))
        if dept is ALL_DEPARTMENTS:
            return [{d: 1, ALL_DEPARTMENTS: 1} for d in others[:4]]
        options = [{dept: 1, d: -1} for d in others if d != dept][:4]
        options.append({dept: 1, ALL_DEPARTMENTS: 1})
        return options

    def attribute_options(self, ci: int) -> list[list[dict[str, int]]]:
        options = _ATTRIBUTE_OPTIONS.get(ci)
        if options is None:
            options = _ATTRIBUTE_OPTIONS[ci] = _attribute_options(CATEGORIES[ci])
        return options

    def effects(self, ci: int, choice: tuple[int, ...], options) -> list[tuple[int, int]]:
        cached = _EFFECTS.get((ci, choice))
        if cached is None:
            gammas = {
                dim: options[n][c]
                for n, (dim, c) in enumerate(zip(DIMENSIONS, choice, strict=True))
            }
            cached = _EFFECTS[(ci, choice)] = _gamma_effects(gammas)
        return cached

    def protect(self, key: tuple[str, str | None, int]) -> None:
        period, dept, ci = key
        time_options = self.period_options(period, dept, ci)
        dept_options = self.department_options(period, dept, ci)
        attributes = self.attribute_options(ci)
        choice = [0, 0, *([0] * len(DIMENSIONS))]

        seen: dict[tuple, tuple] = {}
        suppressed, values = self.cube.suppressed, self.cube.values

        def evaluate(choice: list[int]):
            touched = self.effects(ci, tuple(choice[2:]), attributes)
            # Many changes of an open attribute touch the same cells: tried once.
            signature = (choice[0], choice[1], tuple(touched))
            found = seen.get(signature)
            if found is None:
                cells = [
                    (t, d, c)
                    for t in time_options[choice[0]]
                    for d in dept_options[choice[1]]
                    for c, _sign in touched
                ]
                new = [values[cell] for cell in cells if cell not in suppressed]
                found = seen[signature] = ((len(new), sum(new)), cells)
            return found

        best, cells = evaluate(choice)
        sizes = [len(time_options), len(dept_options), *(len(a) for a in attributes)]
        for position, size in enumerate(sizes):
            if best[0] == 0:
                break
            for option in range(size):
                if option == choice[position]:
                    continue
                trial = list(choice)
                trial[position] = option
                found, trial_cells = evaluate(trial)
                if found < best:
                    best, cells, choice = found, trial_cells, trial
                    if best[0] == 0:
                        break
        self.cube.suppressed.update(cells)


_LEVEL_ORDER = {"all": 0, "year": 1, "quarter": 2, "month": 3}


def protect(cube: Cube) -> None:
    """Primary suppression of every cell under k, then a protecting hypercube for each."""
    primary = [key for key, value in cube.values.items() if value < cube.k]
    cube.suppressed.update(primary)
    if not cube.departments:
        return
    protector = _Protector(cube)
    primary.sort(key=lambda key: (_LEVEL_ORDER[periods.level(key[0])], key[1] is not None))
    for key in primary:
        protector.protect(key)
