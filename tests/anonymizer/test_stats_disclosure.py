"""Disclosure control of the statistics cube (anonymizer.statistics.disclosure), on
random data (hypothesis): no published cell counts fewer than k applications, every such
cell is suppressed, and no suppressed cell is a sum or difference of published ones:
within each table of every view, and across every view of the gender tables and the
totals (even if every month's total per department were known).

"Derivable" is decided exactly: the suppressed cell, as a set of underlying counts, lies
in the linear span of the published cells (Gaussian elimination modulo a large prime)."""

from __future__ import annotations

from itertools import product

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anonymizer.statistics import disclosure
from anonymizer.statistics.disclosure import (
    ALL_DEPARTMENTS,
    BUCKETS,
    CHANNELS,
    GENDERS,
    OUTCOMES,
    STAGES,
    TOTAL,
)
from anonymizer.statistics.queries import Counts, progress

PRIME = (1 << 61) - 1


class Span:
    """The linear span of 0/1 vectors over sets of atoms, modulo a large prime."""

    def __init__(self) -> None:
        self.rows: dict[object, dict[object, int]] = {}
        self.order: dict[object, int] = {}

    def _index(self, atom: object) -> int:
        return self.order.setdefault(atom, len(self.order))

    def _reduce(self, atoms) -> dict[int, int]:
        vector = {self._index(a): 1 for a in atoms}
        while vector:
            lead = min(vector)
            row = self.rows.get(lead)
            if row is None:
                return vector
            factor = vector[lead]
            for column, value in row.items():
                updated = (vector.get(column, 0) - factor * value) % PRIME
                if updated:
                    vector[column] = updated
                else:
                    vector.pop(column, None)
        return vector

    def add(self, atoms) -> None:
        vector = self._reduce(atoms)
        if vector:
            lead = min(vector)
            inverse = pow(vector[lead], PRIME - 2, PRIME)
            self.rows[lead] = {c: v * inverse % PRIME for c, v in vector.items()}

    def contains(self, atoms) -> bool:
        return not self._reduce(atoms)


def derivable(published: list[frozenset], suppressed: list[frozenset]) -> list[frozenset]:
    """The suppressed cells that are combinations of the published ones."""
    span = Span()
    for atoms in published:
        span.add(atoms)
    return [atoms for atoms in suppressed if span.contains(atoms)]


# --- Random data -----------------------------------------------------------------------

YEARS = [2025]
UNTIL = "2025-12"
DEPARTMENTS = ["", "Engineering", "People"]


def counts_strategy(max_count: int):
    months = [f"{y}-{m:02d}" for y in YEARS for m in range(1, 13)]
    atom = st.tuples(
        st.sampled_from(months),
        st.sampled_from(DEPARTMENTS),
        st.sampled_from(GENDERS),
        st.sampled_from(CHANNELS),
        st.sampled_from(STAGES),
        st.sampled_from(OUTCOMES),
        st.integers(1, max_count),
    )
    return st.lists(atom, min_size=1, max_size=120)


def to_counts(records) -> Counts:
    counts = Counts()
    for month, dept, g, c, s, o, n in records:
        counts.channel_stage[(month, dept, c, progress(s, o))] += n
        counts.gender[(month, dept, g)] += n
        counts.outcome[(month, dept, o)] += n
    return counts


# --- Tables as sets of atoms -----------------------------------------------------------


def view_tables(cube, node: str, dept) -> list[list[tuple[frozenset, tuple]]]:
    """Each table of one view as (atoms, cube key) per cell, atoms being the table's own
    categories (so the audit is "within one table")."""
    tree = cube.tree

    def key(category, at=node, d=dept):
        return (at, d, disclosure.INDEX[category])

    tables = []
    genders = [(frozenset({g}), key(disclosure.gender(g))) for g in GENDERS]
    tables.append([*genders, (frozenset(GENDERS), key(TOTAL))])
    stages = [(frozenset({s}), key(disclosure.stage(s))) for s in STAGES]
    tables.append([*stages, (frozenset(STAGES), key(TOTAL))])
    outcomes = [(frozenset({o}), key(disclosure.outcome(o))) for o in OUTCOMES]
    tables.append([*outcomes, (frozenset(OUTCOMES), key(TOTAL))])
    channel_table = []
    for c in [*CHANNELS, None]:
        for b in [*BUCKETS, None]:
            atoms = frozenset(
                (cc, bb) for cc in ([c] if c else CHANNELS) for bb in ([b] if b else list(BUCKETS))
            )
            channel_table.append((atoms, key(disclosure.channel(c, b))))
    tables.append(channel_table)
    months = [m for m in tree if not tree[m] and m in _months_under(node, tree)]
    over_time = []
    for t in tree:
        under = frozenset(_months_under(t, tree))
        if under <= set(months):
            over_time.append((under, key(TOTAL, at=t)))
    tables.append(over_time)
    if dept is ALL_DEPARTMENTS:
        per_dept = [(frozenset({d}), key(TOTAL, d=d)) for d in cube.departments]
        per_dept.append((frozenset(cube.departments), key(TOTAL)))
        tables.append(per_dept)
        hired = disclosure.stage("hired")
        per_dept = [(frozenset({d}), key(hired, d=d)) for d in cube.departments]
        per_dept.append((frozenset(cube.departments), key(hired)))
        tables.append(per_dept)
    return tables


def _months_under(node: str, tree) -> list[str]:
    if not tree[node]:
        return [node]
    return [m for child in tree[node] for m in _months_under(child, tree)]


def gender_family(cube) -> tuple[list[frozenset], list[frozenset]]:
    """Every published and every suppressed gender cell of every view, as sets of
    (month, department, gender); plus, as published, every month's total per
    department (the strongest an attacker could know from the other tables)."""
    tree = cube.tree
    published, suppressed = [], []
    departments = [*cube.departments, ALL_DEPARTMENTS]
    for node, dept, g in product(tree, departments, GENDERS):
        atoms = frozenset(
            (m, d, g)
            for m in _months_under(node, tree)
            for d in (cube.departments if dept is ALL_DEPARTMENTS else [dept])
        )
        k = (node, dept, disclosure.INDEX[disclosure.gender(g)])
        (suppressed if k in cube.suppressed else published).append(atoms)
    for node, dept in product(tree, departments):
        if (node, dept, disclosure.INDEX[TOTAL]) not in cube.suppressed:
            published.append(
                frozenset(
                    (m, d, g)
                    for m in _months_under(node, tree)
                    for d in (cube.departments if dept is ALL_DEPARTMENTS else [dept])
                    for g in GENDERS
                )
            )
    for m, d in product([m for m in tree if not tree[m]], cube.departments):
        published.append(frozenset((m, d, g) for g in GENDERS))
    return published, suppressed


# --- Properties ------------------------------------------------------------------------


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=counts_strategy(max_count=12), k=st.sampled_from([3, 5, 10]))
def test_no_published_cell_is_small_and_no_suppressed_cell_is_derivable_in_its_table(records, k):
    cube = disclosure.build(to_counts(records), k=k, until=UNTIL, extra_departments=DEPARTMENTS)
    for key, value in cube.values.items():
        if key not in cube.suppressed:
            assert value >= k, key
        if value < k:
            assert key in cube.suppressed, key
            assert cube.figure(key[0], key[1], disclosure.CATEGORIES[key[2]]).status == "fewer"
    tree = cube.tree
    for node in tree:
        for dept in [*cube.departments, ALL_DEPARTMENTS]:
            for table in view_tables(cube, node, dept):
                published = [atoms for atoms, key in table if key not in cube.suppressed]
                suppressed = [atoms for atoms, key in table if key in cube.suppressed]
                assert not derivable(published, suppressed), (node, dept, table)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=counts_strategy(max_count=15))
def test_no_suppressed_gender_count_is_derivable_across_views_and_totals(records):
    cube = disclosure.build(to_counts(records), k=10, until=UNTIL, extra_departments=DEPARTMENTS)
    published, suppressed = gender_family(cube)
    assert not derivable(published, suppressed)


def test_a_lone_small_cell_gets_complementary_suppression():
    """Three women among 40 applicants in one department and month: the women's count
    is fewer than k, and enough else is withheld that 40 minus the rest is not it. (No
    empty department here: its zeros would be counts under k like any other, and cost
    suppressions of their own.)"""
    records = [
        ("2025-03", "People", "female", "linkedin", "new", "rejected", 3),
        ("2025-03", "People", "male", "linkedin", "new", "rejected", 25),
        ("2025-03", "People", "not_stated", "referral", "screening", "none", 12),
        ("2025-03", "Engineering", "female", "linkedin", "new", "rejected", 30),
        ("2025-03", "Engineering", "male", "job_board", "interview", "rejected", 30),
    ]
    cube = disclosure.build(to_counts(records), k=10, until=UNTIL)
    female = cube.figure("2025-03", "People", disclosure.gender("female"))
    assert female.status == "fewer" and female.count is None
    assert cube.figure("2025-03", "Engineering", TOTAL).published
    # Men (25) and the total (40) are published, so "not stated" (12) is withheld with
    # the women: their sum is known, neither count is.
    assert cube.figure("2025-03", "People", disclosure.gender("male")).published
    assert cube.figure("2025-03", "People", disclosure.gender("not_stated")).status == "withheld"
    published, suppressed = gender_family(cube)
    assert not derivable(published, suppressed)


def test_the_audit_finds_a_difference():
    """The audit itself: a total and all but one part give the last part."""
    published = [frozenset("abc"), frozenset("a"), frozenset("b")]
    assert derivable(published, [frozenset("c")]) == [frozenset("c")]
    assert derivable(published[:2], [frozenset("c")]) == []


def test_values_the_statistics_do_not_know_count_under_other():
    counts = to_counts([("2025-03", "People", "female", "linkedin", "new", "rejected", 12)])
    counts.channel_stage[("2025-03", "People", "fax", "interview")] += 11
    counts.gender[("2025-03", "People", "")] += 11
    counts.outcome[("2025-03", "People", "lost")] += 11
    cube = disclosure.build(counts, k=10, until=UNTIL)
    assert cube.values[("2025-03", "People", disclosure.INDEX[disclosure.channel("other")])] == 11
    assert (
        cube.values[("2025-03", "People", disclosure.INDEX[disclosure.gender("not_stated")])] == 11
    )
    assert cube.values[("2025-03", "People", disclosure.INDEX[disclosure.outcome("none")])] == 11
    assert cube.values[("2025-03", "People", disclosure.INDEX[TOTAL])] == 23
