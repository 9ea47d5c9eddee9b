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

from array import array
from collections.abc import Container, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
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


class Cube:
    """Every cell of every view, flat: the cell (period, department, category) sits at
    (node * D + department) * C + category, in the order of the period tree, the
    departments (then the all-departments total) and CATEGORIES. Flat arrays rather
    than a dict of tuples: the cube is filled, protected and pickled into the cache on
    every change of the data, and ints in an array cost a fraction of keyed objects.

    `values` and `suppressed` read it as a mapping and a set keyed by (period,
    department, category index), as the tests and the audit read it."""

    def __init__(
        self,
        *,
        k: int,
        years: list[int],
        departments: list[str],
        until: str = "",
        tree: dict[str, list[str]] | None = None,
    ):
        self.k = k
        self.years = years
        self.departments = departments
        self.key = ""  # what the data's version is called in the cache
        self.until = until  # the last month the cube covers
        self.tree = tree or {}  # the periods it covers
        self.counts = array("q")  # per cell, flat (see above)
        self.hidden = bytearray()  # 1 where a cell is suppressed

    # Derived on first use (not pickled: rebuilt from the tree and departments).
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        for name in ("_nodes", "_depts"):
            state.pop(name, None)
        return state

    @property
    def node_index(self) -> dict[str, int]:
        nodes = self.__dict__.get("_nodes")
        if nodes is None:
            nodes = self._nodes = {node: i for i, node in enumerate(self.tree)}
        return nodes

    @property
    def department_index(self) -> dict[str | None, int]:
        depts = self.__dict__.get("_depts")
        if depts is None:
            depts = {name: i for i, name in enumerate(self.departments)}
            depts[ALL_DEPARTMENTS] = len(self.departments)
            self._depts = depts
        return depts

    def index(self, period: str, department: str | None, ci: int) -> int:
        """The flat position of a cell; KeyError for a period or department not in it."""
        depts = self.department_index
        return (self.node_index[period] * len(depts) + depts[department]) * len(CATEGORIES) + ci

    def keys(self) -> Iterator[tuple[str, str | None, int]]:
        """Every cell's (period, department, category index), in flat order."""
        return product(self.tree, [*self.departments, ALL_DEPARTMENTS], range(len(CATEGORIES)))

    @property
    def values(self) -> Mapping[tuple[str, str | None, int], int]:
        return _Values(self)

    @property
    def suppressed(self) -> AbstractSet[tuple[str, str | None, int]]:
        return _Suppressed(self)

    def figure(self, period: str, department: str | None, category: Category) -> Figure:
        at = self.index(period, department, INDEX[category])
        value = self.counts[at]
        if not self.hidden[at]:
            return Figure(value, PUBLISHED)
        return Figure(None, FEWER if value < self.k else WITHHELD)


class _Values(Mapping):
    def __init__(self, cube: Cube):
        self.cube = cube

    def __getitem__(self, key):
        try:
            return self.cube.counts[self.cube.index(*key)]
        except (KeyError, TypeError, ValueError):
            raise KeyError(key) from None

    def __iter__(self):
        return self.cube.keys()

    def __len__(self) -> int:
        return len(self.cube.counts)


class _Suppressed(AbstractSet):
    def __init__(self, cube: Cube):
        self.cube = cube

    def __contains__(self, key) -> bool:
        try:
            return bool(self.cube.hidden[self.cube.index(*key)])
        except (KeyError, TypeError, ValueError):
            return False

    def __iter__(self):
        hidden = self.cube.hidden
        return (key for at, key in enumerate(self.cube.keys()) if hidden[at])

    def __len__(self) -> int:
        return self.cube.hidden.count(1)


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


def _member_categories() -> dict[tuple[str, str], tuple[int, ...]]:
    """The categories an application of each channel and progress falls in."""
    by_cs = {}
    for c, s in product(CHANNELS, STAGES):
        bucket = next(name for name, stages in BUCKETS.items() if s in stages)
        cats = {TOTAL, stage(s), channel(c), channel(c, bucket), channel(None, bucket)}
        by_cs[(c, s)] = tuple(sorted(INDEX[cat] for cat in cats))
    return by_cs


_BY_CHANNEL_STAGE = _member_categories()
_BY_GENDER = {g: (INDEX[gender(g)],) for g in GENDERS}
_BY_OUTCOME = {o: (INDEX[outcome(o)],) for o in OUTCOMES}


def _members(counts: Counts, months: Container[str]):
    """For each count of a month the cube covers: its month, department, the categories
    it falls in, and n."""
    # A value the statistics do not know (a channel retired since, say) counts under
    # "other", "not stated", "new" or "no decision", so that every total stays whole.
    by_cs, by_g, by_o = _BY_CHANNEL_STAGE, _BY_GENDER, _BY_OUTCOME
    other_cs = {c: by_cs[(c, "new")] for c in CHANNELS}
    for (month, dept, c, s), n in counts.channel_stage.items():
        if month in months:
            cats = by_cs.get((c, s))
            if cats is None:
                c = c if c in CHANNELS else "other"
                cats = by_cs.get((c, s)) or other_cs[c]
            yield month, dept, cats, n
    not_stated = by_g["not_stated"]
    for (month, dept, g), n in counts.gender.items():
        if month in months:
            yield month, dept, by_g.get(g, not_stated), n
    none = by_o["none"]
    for (month, dept, o), n in counts.outcome.items():
        if month in months:
            yield month, dept, by_o.get(o, none), n


def _fill(cube: Cube, counts: Counts) -> None:
    """Counts per month, department and category first; then each coarser period as the
    sum of its children, and the all-departments total as the sum of the departments:
    block by block of the flat array."""
    tree, node_index, dept_index = cube.tree, cube.node_index, cube.department_index
    n_cats, n_depts = len(CATEGORIES), len(dept_index)
    block = n_depts * n_cats  # one period's cells
    cells = [0] * (len(tree) * block)
    months = {node for node, children in tree.items() if not children}
    for month, dept, cats, n in _members(counts, months):
        base = (node_index[month] * n_depts + dept_index[dept]) * n_cats
        for i in cats:
            cells[base + i] += n
    total = (n_depts - 1) * n_cats  # the all-departments row within a block
    for month in months:
        start = node_index[month] * block
        rows = [cells[start + r : start + r + n_cats] for r in range(0, total, n_cats)]
        if rows:
            cells[start + total : start + block] = list(map(sum, zip(*rows, strict=True)))
    # Coarser periods after their children: quarters, then years, then all time.
    for level in ("quarter", "year", "all"):
        for node, children in tree.items():
            if children and periods.level(node) == level:
                starts = [node_index[child] * block for child in children]
                start = node_index[node] * block
                cells[start : start + block] = list(
                    map(sum, zip(*(cells[s : s + block] for s in starts), strict=True))
                )
    cube.counts = array("q", cells)
    cube.hidden = bytearray(len(cells))


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


class _Attributes:
    """For a category: how many options each attribute has (sizes), and per choice of
    one option each, the categories that change touches, with its sign there: the same
    for every cube, so computed once per process, as the search asks for them."""

    def __init__(self, ci: int):
        self.options = _attribute_options(CATEGORIES[ci])
        self.sizes = [len(dimension) for dimension in self.options]
        self.known: dict[tuple[int, ...], tuple[tuple[int, int], ...]] = {}
        self.cells: dict[tuple[int, ...], tuple[int, ...]] = {}
        self.around: dict[tuple, list[tuple[tuple, tuple]]] = {}

    def touched(self, choice: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
        found = self.known.get(choice)
        if found is None:
            gammas = {
                dim: self.options[n][c]
                for n, (dim, c) in enumerate(zip(DIMENSIONS, choice, strict=True))
            }
            found = self.known[choice] = tuple(_gamma_effects(gammas))
        return found

    def neighbours(self, choice: tuple[int, ...], position: int) -> list[tuple[tuple, tuple]]:
        """The choices that differ from `choice` at `position` only, in the order of
        their options, each with the categories it touches."""
        key = (choice, position)
        found = self.around.get(key)
        if found is None:
            found = self.around[key] = []
            for option in range(self.sizes[position]):
                if option != choice[position]:
                    trial = (*choice[:position], option, *choice[position + 1 :])
                    found.append((trial, self.categories(trial)))
        return found

    def categories(self, choice: tuple[int, ...]) -> tuple[int, ...]:
        """The categories touched, without the signs (the cost does not depend on them)."""
        found = self.cells.get(choice)
        if found is None:
            found = self.cells[choice] = tuple(ci for ci, _sign in self.touched(choice))
        return found


_ATTRIBUTES: dict[int, _Attributes] = {}


def _attributes(ci: int) -> _Attributes:
    found = _ATTRIBUTES.get(ci)
    if found is None:
        found = _ATTRIBUTES[ci] = _Attributes(ci)
    return found


class _Protector:
    """The hypercube search on the flat cube. A cell's cost of suppression is one
    number, `cost[at]`: 0 when it is suppressed already, else BIG plus its count, BIG
    exceeding any sum of counts; so summing costs over a hypercube and comparing the
    sums orders the candidates by (new cells suppressed, their total count), the
    method's criterion, exactly."""

    def __init__(self, cube: Cube):
        self.cube = cube
        tree = cube.tree
        nodes = list(tree)
        index = cube.node_index
        self.n_depts = len(cube.department_index)
        self.n_cats = len(CATEGORIES)
        self.all_depts = self.n_depts - 1
        self.real_depts = list(range(self.n_depts - 1))
        counts, hidden = cube.counts, cube.hidden
        big = (max(counts, default=0) + 1) * (len(counts) + 1)
        self.cost = [0 if hidden[at] else big + value for at, value in enumerate(counts)]
        self.children = [[index[c] for c in tree[node]] for node in nodes]
        self.parent = [None if (p := periods.parent(node)) is None else index[p] for node in nodes]
        self.under = [[index[m] for m in _months_under(node, tree)] for node in nodes]
        # Each month's chain up to all time; a path from a month up to a node of level
        # L is the chain's first depth[L] nodes.
        self.chain = [[index[n] for n in periods.path_up(node)] for node in nodes]
        depth = {"month": 1, "quarter": 2, "year": 3, "all": 4}
        self.depth = [depth[periods.level(node)] for node in nodes]

    def at(self, node: int, dept: int, ci: int) -> int:
        return (node * self.n_depts + dept) * self.n_cats + ci

    def leaf(self, node: int, dept: int, ci: int) -> int:
        cost, at = self.cost, self.at
        return min(self.under[node], key=lambda m: cost[at(m, dept, ci)])

    def period_options(self, node: int, dept: int, ci: int) -> list[list[int]]:
        """+1 in a month under the node and -1 in one under a sibling (the four
        cheapest siblings), or +1 from a month all the way up: the nodes each touches."""
        cost, at, chain, depth = self.cost, self.at, self.chain, self.depth
        options = []
        own = self.leaf(node, dept, ci)
        up = self.parent[node]
        if up is not None:
            siblings = [s for s in self.children[up] if s != node]
            siblings.sort(key=lambda s: cost[at(s, dept, ci)])
            mine = chain[own][: depth[node]]
            for sibling in siblings[:4]:
                other = self.leaf(sibling, dept, ci)
                options.append(mine + chain[other][: depth[sibling]])
        options.append(chain[own])
        return options

    def department_options(self, node: int, dept: int, ci: int) -> list[list[int]]:
        cost, at = self.cost, self.at
        others = sorted(self.real_depts, key=lambda d: cost[at(node, d, ci)])
        if dept == self.all_depts:
            return [[d, dept] for d in others[:4]]
        options = [[dept, d] for d in others if d != dept][:4]
        options.append([dept, self.all_depts])
        return options

    def protect(self, node: int, dept: int, ci: int) -> None:
        """The cheapest hypercube found by trying each dimension's options in turn, the
        others kept (coordinate descent): periods, departments, then the attributes; a
        candidate replaces the best only when strictly cheaper, and a cost of 0 (every
        corner suppressed already) ends the search."""
        time_options = self.period_options(node, dept, ci)
        dept_options = self.department_options(node, dept, ci)
        attributes = _attributes(ci)
        cost, n_depts, n_cats = self.cost, self.n_depts, self.n_cats

        def bases(t: int, d: int) -> list[int]:
            depts = dept_options[d]
            return [(node * n_depts + dept) * n_cats for node in time_options[t] for dept in depts]

        def price(rows: list[int], cats: tuple[int, ...]) -> int:
            return sum([cost[row + c] for row in rows for c in cats])

        choice = (0,) * len(attributes.sizes)
        cats = attributes.categories(choice)
        t = d = 0
        rows = bases(t, d)
        best = price(rows, cats)
        # Periods, then departments: each option gives cells never tried before.
        for option in range(1, len(time_options)):
            if not best:
                break
            found = price(bases(option, d), cats)
            if found < best:
                best, t = found, option
        rows = bases(t, d)
        if best:
            for option in range(1, len(dept_options)):
                trial = bases(t, option)
                found = price(trial, cats)
                if found < best:
                    best, d, rows = found, option, trial
                    if not best:
                        break
        # The attributes: many of their changes touch the same categories, tried once
        # (a candidate tried before never beats the best, which is it or better).
        seen = {cats}
        for position in range(len(choice)):
            if not best:
                break
            for trial, trial_cats in attributes.neighbours(choice, position):
                if trial_cats in seen:
                    continue
                seen.add(trial_cats)
                found = sum([cost[row + c] for row in rows for c in trial_cats])
                if found < best:
                    best, choice, cats = found, trial, trial_cats
                    if not best:
                        break
        hidden = self.cube.hidden
        for row in rows:
            for c in cats:
                hidden[row + c] = 1
                cost[row + c] = 0


_LEVEL_ORDER = {"all": 0, "year": 1, "quarter": 2, "month": 3}


def protect(cube: Cube) -> None:
    """Primary suppression of every cell under k, then a protecting hypercube for each,
    coarse periods first, then the all-departments cells before a department's."""
    k, counts, hidden = cube.k, cube.counts, cube.hidden
    primary = [at for at, value in enumerate(counts) if value < k]
    for at in primary:
        hidden[at] = 1
    if not cube.departments:
        return
    protector = _Protector(cube)
    n_depts, n_cats = protector.n_depts, len(CATEGORIES)
    levels = [_LEVEL_ORDER[periods.level(node)] for node in cube.tree]
    cells = []
    for at in primary:
        row, ci = divmod(at, n_cats)
        node, dept = divmod(row, n_depts)
        cells.append((levels[node], dept != protector.all_depts, node, dept, ci))
    cells.sort(key=lambda cell: cell[:2])
    for _level, _in_department, node, dept, ci in cells:
        protector.protect(node, dept, ci)
