"""Management statistics: anonymised counts of applications that cannot single anyone
out (docs/statistics.md).

- `periods`: the time hierarchy (month, quarter, year, all time) the filters offer;
- `queries`: the counts, aggregated in the database, from the anonymised statistics
  that survive erasure and from live applications (derived by the retention job's rule);
- `disclosure`: the protected cube: every cell under ATS_STATS_MIN_CELL suppressed, and
  complementary suppression across every table and filter the dashboard offers;
- `dashboard`: the snapshot of the data the pages show (taken in the background by
  anonymizer.tasks.refresh_statistics) and the tables of one view (a period and a
  department) read from its cube;
- `charts`: accessible server-rendered SVG.
"""
