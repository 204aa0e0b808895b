"""The write side's speed machinery: how a run's rows reach the disk and the database quickly.

``etl/pipeline.py`` tells the story of a run; the modules here do the work it names, and each
says in its docstring what it guarantees. Nothing here decides what is published: the files
and the database hold the same bytes and rows whichever path wrote them.

* ``workers``: chunks transformed in forked worker processes, results in input order.
* ``staging``: the release being built in ``.staging/<id>``: its CSV and Parquet files, hashed
  and synced in a background thread.
* ``parquet``: the Parquet file in row groups of a fixed size, whatever the chunking.
* ``csv_lines``: copying a published CSV's records as bytes, and the line lengths that let the
  next run do so without reading the file.
* ``hashing``: sha256 of files (each read once) and fsync.
* ``db_rows``: rows, lookups and the ``releases`` row written into the shared tables.
* ``sqlite_build``: a new SQLite database built beside the old one while the release is staged.
* ``delta_load``: an incremental release's change to the database, in one transaction.
"""
