"""Reading standards files into canonical records (no database access here).

``read_file(path)`` recognises the file by its content — canonical JSON Lines / JSON /
CSV / XLSX (architecture.md, "Contracts"), or the two known source shapes in
``../shared/data`` — and returns an ``ImportBatch``: records ready for the database
writer, the rows it skipped with their line and a Chinese reason, and counted notes
on what it fixed or dropped. Every data row ends up as exactly one record or one
skipped entry.
"""

from .files import MAX_BYTES, decode, read_file
from .records import (
    SHAPES,
    STATUSES,
    ImportBatch,
    ImportFileError,
    Skipped,
    StandardRecord,
)

__all__ = [
    "MAX_BYTES",
    "SHAPES",
    "STATUSES",
    "ImportBatch",
    "ImportFileError",
    "Skipped",
    "StandardRecord",
    "decode",
    "read_file",
]
