"""Export rows to files, batch by batch: CSV (RFC 4180: CRLF, quotes doubled, a header) and
Parquet (one row group per batch), side by side. Memory holds one batch, whatever the count."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chalicelib.domain.export_rows import COLUMNS, FORMATS, NAMES


def parquet_schema() -> Any:
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "timestamp": pa.timestamp("us", tz="UTC"),
        "double": pa.float64(),
        "boolean": pa.bool_(),
        "bigint": pa.int64(),
    }
    return pa.schema([(name, types[kind]) for name, kind in COLUMNS])


# A text cell starting with one of these is run as a formula by spreadsheet programs; OWASP's
# CSV-injection guidance: prefix it with a quote, so it shows as the text it is.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_value(value: Any) -> str:
    """A cell of the CSV. Text that a spreadsheet would run as a formula is neutralised here
    only: Parquet keeps every value as it is (no spreadsheet runs it)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return str(value)


class RowFiles:
    def __init__(self, folder: Path, stem: str, formats: Sequence[str] = FORMATS) -> None:
        unknown = set(formats) - set(FORMATS)
        if unknown:
            raise ValueError(f"unknown export formats: {sorted(unknown)}")
        folder.mkdir(parents=True, exist_ok=True)
        self.paths: list[Path] = []
        self.rows = 0
        self._csv_file = None
        self._csv: Any = None
        self._parquet: Any = None
        self._schema: Any = None
        if "csv" in formats:
            path = folder / f"{stem}.csv"
            self._csv_file = path.open("w", encoding="utf-8", newline="")
            self._csv = csv.writer(self._csv_file, lineterminator="\r\n")
            self._csv.writerow(NAMES)
            self.paths.append(path)
        if "parquet" in formats:
            import pyarrow.parquet as pq

            path = folder / f"{stem}.parquet"
            self._schema = parquet_schema()
            self._parquet = pq.ParquetWriter(path, self._schema, compression="zstd")
            self.paths.append(path)

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        if self._csv is not None:
            self._csv.writerows([csv_value(r[name]) for name in NAMES] for r in rows)
        if self._parquet is not None:
            import pyarrow as pa

            columns = {name: [r[name] for r in rows] for name in NAMES}
            self._parquet.write_batch(pa.RecordBatch.from_pydict(columns, schema=self._schema))
        self.rows += len(rows)

    def close(self) -> list[Path]:
        if self._csv_file is not None:
            self._csv_file.close()
        if self._parquet is not None:
            self._parquet.close()
        return self.paths
