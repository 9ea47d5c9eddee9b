"""The protected cube against a reference: the suppression search as first written and
audited (cells as a dict keyed by (period, department, category), candidate hypercubes
as lists of tuples), kept here verbatim as an oracle. The fast cube
(anonymizer.statistics.disclosure: flat arrays, integer costs, candidates tried before
skipped) must give the same counts and suppress exactly the same cells, on random data
(hypothesis) and on a few years of data in many departments. So every guarantee the
disclosure tests establish for one holds for the other; changing the search on purpose
means changing this oracle with it."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import product

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anonymizer.statistics import disclosure, periods
from anonymizer.statistics.disclosure import (
    ALL_DEPARTMENTS,
    BUCKETS,
    CATEGORIES,
    CHANNELS,
    DIMENSIONS,
    GENDERS,
    INDEX,
    OUTCOMES,
    STAGES,
    TOTAL,
    _attribute_options,
    _gamma_effects,
    _months_under,
    channel,
    gender,
    outcome,
    stage,
)
from anonymizer.statistics.queries import Counts
from tests.anonymizer.test_stats_disclosure import counts_strategy, to_counts


@dataclass
class Reference:
    k: int
    departments: list[str]
    tree: dict[str, list[str]]
    values: dict[tuple[str, str | None, int], int] = field(default_factory=dict)
    suppressed: set[tuple[str, str | None, int]] = field(default_factory=set)


def reference(counts: Counts, *, k: int, until: str, extra_departments=()) -> Reference:
    years = [year for year in counts.years if str(year) <= until[:4]]
    cube = Reference(
        k=k,
        departments=sorted({*counts.departments, *extra_departments}),
        tree=periods.tree(years, until=until),
    )
    _fill(cube, counts)
    protect(cube)
    return cube


# --- The reference, as first written ---------------------------------------------------


def _members(counts: Counts, months):
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


def _fill(cube: Reference, counts: Counts) -> None:
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


# The categories each change of the attributes touches, and the changes worth trying
# per category: the same for every cube.
_EFFECTS: dict[tuple[int, tuple[int, ...]], list[tuple[int, int]]] = {}
_ATTRIBUTE_OPTIONS: dict[int, list[list[dict[str, int]]]] = {}


class _Protector:
    def __init__(self, cube: Reference):
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


def protect(cube: Reference) -> None:
    """Primary suppression of every cell under k, then a protecting hypercube for each."""
    primary = [key for key, value in cube.values.items() if value < cube.k]
    cube.suppressed.update(primary)
    if not cube.departments:
        return
    protector = _Protector(cube)
    primary.sort(key=lambda key: (_LEVEL_ORDER[periods.level(key[0])], key[1] is not None))
    for key in primary:
        protector.protect(key)


# --- The same cube ---------------------------------------------------------------------


def assert_same(counts: Counts, *, k: int, until: str, extra_departments=()) -> None:
    fast = disclosure.build(counts, k=k, until=until, extra_departments=extra_departments)
    slow = reference(counts, k=k, until=until, extra_departments=extra_departments)
    assert dict(fast.values.items()) == slow.values
    assert set(fast.suppressed) == slow.suppressed
    assert len(fast.suppressed) == len(slow.suppressed)
    for key in slow.values:
        assert (key in fast.suppressed) == (key in slow.suppressed)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=counts_strategy(max_count=15),
    k=st.sampled_from([1, 3, 5, 10]),
    until=st.sampled_from(["2025-02", "2025-06", "2025-12", "2026-03"]),
    extra=st.sampled_from([(), ("",), ("", "Engineering", "People", "Empty")]),
)
def test_the_fast_cube_suppresses_exactly_what_the_reference_does(records, k, until, extra):
    assert_same(to_counts(records), k=k, until=until, extra_departments=extra)


def years_of_data(seed: int, *, years: range, departments: list[str], per_month: int) -> Counts:
    """A few years of applications with a funnel (few hires), so that many cells are
    small and the search has real choices."""
    rng = random.Random(seed)
    stages = ["new"] * 8 + ["screening"] * 6 + ["interview"] * 4 + ["offer", "hired"]
    records = []
    for year, month, dept in product(years, range(1, 13), departments):
        for _ in range(rng.randint(0, per_month)):
            s = rng.choice(stages)
            o = "hired" if s == "hired" else rng.choice(["rejected", "withdrawn", "none"])
            records.append(
                (
                    f"{year}-{month:02d}",
                    dept,
                    rng.choice(GENDERS),
                    rng.choice(CHANNELS),
                    s,
                    o,
                    rng.randint(1, 4),
                )
            )
    return to_counts(records)


def test_the_fast_cube_matches_the_reference_on_years_of_data():
    departments = ["", "Engineering", "Finance", "People", "Sales"]
    for seed, per_month in [(1, 6), (2, 25)]:
        counts = years_of_data(
            seed, years=range(2022, 2025), departments=departments, per_month=per_month
        )
        assert_same(counts, k=10, until="2024-09", extra_departments=["", "Legal"])


def test_the_cube_reads_as_a_mapping_and_a_set():
    counts = to_counts([("2025-03", "People", "female", "linkedin", "new", "rejected", 12)])
    cube = disclosure.build(counts, k=10, until="2025-12")
    assert len(cube.values) == len(list(cube.values)) == len(cube.tree) * 2 * len(CATEGORIES)
    assert cube.values[("2025-03", "People", INDEX[TOTAL])] == 12
    assert ("2025-03", "People", INDEX[TOTAL]) not in cube.suppressed
    assert ("2025-04", "People", INDEX[TOTAL]) in cube.suppressed
    assert ("1999-01", "People", 0) not in cube.suppressed
    assert "junk" not in cube.suppressed
    assert len(cube.suppressed) == len(list(cube.suppressed))
