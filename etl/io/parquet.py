"""The release's Parquet file, written in row groups of exactly ``ROW_GROUP`` rows (the last one
shorter), however the rows arrived: the file is byte-identical whatever the input's chunking.

Some string columns may be written dictionary-encoded (``dictionary_columns``: an incremental run
carries row groups over as dictionaries, without decoding and encoding them again); the file then
still stores the published Arrow schema, so that every reader gets strings back, never
dictionaries.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP = 131_072


def stored_arrow_schema(schema: pa.Schema) -> str:
    """The ``ARROW:schema`` value a Parquet writer with ``store_schema=True`` stores for ``schema``
    (a base64 IPC message), for a schema without metadata of its own."""
    if schema.metadata:
        raise ValueError("only for a schema without metadata")
    return base64.b64encode(schema.serialize().to_pybytes()).decode("ascii")


class RowGroupWriter:
    """Rows of ``arrow_schema`` into a zstd-compressed Parquet file with statistics."""

    def __init__(self, path: Path, arrow_schema: pa.Schema, dictionary_columns: tuple[str, ...] = ()):
        self.arrow_schema = arrow_schema
        self.file_schema = pa.schema(
            [
                pa.field(f.name, pa.dictionary(pa.int32(), f.type), f.nullable) if f.name in dictionary_columns else f
                for f in arrow_schema
            ]
        )
        # The Arrow schema stored in the file is always arrow_schema's: written by hand (as the
        # writer would) when the file's columns differ from it.
        same = self.file_schema == arrow_schema
        self._writer = pq.ParquetWriter(
            path, self.file_schema, compression="zstd", write_statistics=True, store_schema=same
        )
        if not same:
            self._writer.add_key_value_metadata({"ARROW:schema": stored_arrow_schema(arrow_schema)})
        self._pending: list[pa.Table] = []
        self._pending_rows = 0

    def write(self, typed: pa.Table) -> None:
        """Rows after those written so far, cut into row groups of ROW_GROUP rows as they fill up."""
        if typed.schema != self.arrow_schema:  # rows carried over from a release read back as ms timestamps
            typed = typed.cast(self.arrow_schema)
        self._pending.append(typed)
        self._pending_rows += typed.num_rows
        self._flush(final=False)

    def write_group(self, typed: pa.Table) -> None:
        """``typed`` as one row group of its own, after the rows written so far; its dictionary
        columns may come as dictionaries (written as they are). Comes before any ``write`` rows
        still pending."""
        if self._pending_rows:
            raise RuntimeError("write_group must come before the rows write holds")
        if typed.num_rows:
            self._writer.write_table(typed.cast(self.file_schema), row_group_size=typed.num_rows)

    def close(self) -> None:
        self._flush(final=True)
        self._writer.close()

    def _flush(self, final: bool) -> None:
        if self._pending_rows < ROW_GROUP and not (final and self._pending_rows):
            return
        table = pa.concat_tables(self._pending)
        full = (table.num_rows // ROW_GROUP) * ROW_GROUP if not final else table.num_rows
        for start in range(0, full, ROW_GROUP):
            # one contiguous chunk per column: the page layout must not follow the chunking
            group = table.slice(start, min(ROW_GROUP, full - start)).combine_chunks()
            if group.schema != self.file_schema:
                group = group.cast(self.file_schema)
            self._writer.write_table(group, row_group_size=ROW_GROUP)
        rest = table.slice(full)
        self._pending, self._pending_rows = ([rest] if rest.num_rows else []), rest.num_rows
