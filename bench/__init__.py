"""Benchmarks of the portal: ``python -m bench etl|validate|memory|queries|browser|postgres|incremental|all``.

Targets (issue #5; BENCHMARKS.md has the commands and results):

1. ``etl``: the whole ETL on N rows vs ``frictionless validate`` of the release's CSV (ratio <= 0.5);
2. ``validate``: etl.validate and frictionless report the same errors on seeded files, and their times;
3. ``memory``: peak RSS of the ETL at N and 5N rows (growth <= 25 %, <= 2.5 GB);
4. ``queries`` / ``browser``: each page's queries (<= 150 ms), lookup by id (<= 5 ms), and navigation
   to the page's main content in headless Chromium (<= 3 s);
5. ``postgres``: the ETL into PostgreSQL (COPY) vs SQLite, and the queries on PostgreSQL;
6. ``incremental``: a delta of N/200 changed + N/200 new rows vs a full run (<= 20 %), exact changelog.

``calibration`` (not part of ``all``; issue #17) checks promises rather than speed: how often the
completion estimates' "9 in 10 by DATE" window held on a real city's held-out weeks (90 % +/- 5),
and how often pure noise makes the "rising" tables flag anything (<= the declared FDR).

Inputs are generated into the work folder (default build/bench/); results go to build/bench/results/.
"""
