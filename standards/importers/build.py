"""Canonical field values -> ``StandardRecord``, and the per-file bookkeeping.

Every shape reader maps its rows to a dict keyed by canonical field names (values as
found: text, lists, dates, numbers) and hands it to ``Collector.add``; that is where
rows become records or ``Skipped`` entries, fixes are counted, and duplicates resolved.
"""

from collections.abc import Callable, Mapping
from typing import Any

from .records import (
    NOTE_DUPLICATE,
    ImportBatch,
    RowError,
    Skipped,
    StandardRecord,
)
from .values import (
    LABELS,
    MAX_LENGTHS,
    Fixes,
    cell_text,
    clean_title,
    one_line,
    parse_date,
    parse_effective,
    parse_ics,
    parse_links,
    parse_number,
    parse_status,
    shorten,
)

LINK_FIELDS = ("replaces", "replaces_partial", "replaced_by", "replaced_by_partial")

#: Called with the new record, its parsed number and the row's fixes; may adjust the
#: record or raise ``RowError``.
PostHook = Callable[[StandardRecord, Any, Fixes], None]


def build_record(fields: Mapping[str, Any], fixes: Fixes, *, line: int = 0):
    """One record from canonical fields; returns ``(record, parsed_number)``."""
    parsed = parse_number(fields.get("number"), fixes)
    number = parsed.normalized
    raw_number = cell_text(fields.get("number"))
    title = clean_title(fields.get("title"), fixes, raw_number=raw_number, number=number)
    if not title:
        raise RowError("缺少标准名称")
    status = parse_status(fields.get("status"))
    published = parse_date(fields.get("published"), "published")
    withdrawn = parse_date(fields.get("withdrawn"), "withdrawn")
    effective, effective_note = parse_effective(fields.get("effective"), fixes)
    if fields.get("effective_note") and not effective_note:
        effective_note = one_line(fields["effective_note"])
    record = StandardRecord(
        number=number,
        title=title,
        title_en=one_line(fields.get("title_en")),
        status=status,
        published=published,
        effective=effective,
        withdrawn=withdrawn,
        effective_note=effective_note,
        ics=parse_ics(fields.get("ics"), fixes),
        ccs=one_line(fields.get("ccs")).upper(),
        department=one_line(fields.get("department")),
        scope=cell_text(fields.get("scope")),
        category=one_line(fields.get("category")),
        line=line,
        raw_number=raw_number,
    )
    for name in LINK_FIELDS:
        setattr(record, name, parse_links(fields.get(name), name, number, fixes))
    check_lengths(record)
    return record, parsed


def check_lengths(record: StandardRecord) -> None:
    for name, limit in MAX_LENGTHS.items():
        value = getattr(record, name)
        if len(value) > limit:
            raise RowError(f"{LABELS[name]}过长（{len(value)} 字，上限 {limit} 字）")


class Collector:
    """Rows of one file -> ``batch.records`` / ``batch.skipped`` / ``batch.notes``."""

    def __init__(self, batch: ImportBatch):
        self.batch = batch
        self._raw: dict[int, str] = {}  # line -> raw row, for records replaced later
        self._keys: dict[int, list[str]] = {}  # line -> note keys counted for it

    def skip(self, line: int, raw: str, reason: str) -> None:
        self.batch.skipped.append(Skipped(line, shorten(raw), reason))

    def add(
        self,
        line: int,
        raw: str,
        fields: Mapping[str, Any],
        post: PostHook | None = None,
        *,
        fixes: Fixes | None = None,
    ) -> StandardRecord | None:
        """Build and keep a record, or skip the row with the reason; ``fixes`` may hold
        fixes the reader already applied to this row."""
        fixes = fixes if fixes is not None else Fixes()
        try:
            record, parsed = build_record(fields, fixes, line=line)
            if post is not None:
                post(record, parsed, fixes)
            check_lengths(record)
        except RowError as exc:
            self.skip(line, raw, str(exc))
            return None
        keys = []
        for key, message in fixes.items:
            self.batch.notes[key] += 1
            keys.append(key)
            if message not in record.warnings:
                record.warnings.append(message)
        self._keys[line] = keys
        self._raw[line] = raw
        self.batch.records.append(record)
        return record

    def finish(self) -> ImportBatch:
        """Resolve duplicate numbers (the last one wins) and order everything by line."""
        last: dict[str, StandardRecord] = {}
        for record in self.batch.records:
            last[record.number] = record
        kept = []
        for record in self.batch.records:
            winner = last[record.number]
            if winner is record:
                kept.append(record)
                continue
            self.batch.notes[NOTE_DUPLICATE] += 1
            self.batch.notes.subtract(self._keys.get(record.line, []))
            self.skip(
                record.line,
                self._raw.get(record.line, record.raw_number),
                f"文件内重复标准号 {record.number}，以第 {winner.line} 行为准",
            )
        self.batch.records = sorted(kept, key=lambda r: r.line)
        self.batch.skipped.sort(key=lambda s: s.line)
        self.batch.notes = +self.batch.notes  # drop keys that fell to zero
        return self.batch
