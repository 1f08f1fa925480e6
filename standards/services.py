"""Writes to the catalogue that touch several models: imports, checks.

Callers use these functions instead of saving models directly.
"""

import datetime
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone

from standards import numbers
from standards.catalogue import DbCatalogue
from standards.importers import ImportBatch, StandardRecord
from standards.validity import Verdict, check_all

from .models import IcsClass, Standard, Status, Supersession
from .models.catalogue import number_fields

#: Fields copied from a record onto the model as they are.
RECORD_FIELDS = (
    "title",
    "title_en",
    "status",
    "published",
    "effective",
    "withdrawn",
    "effective_note",
    "ccs",
    "department",
    "scope",
    "category",
)


# -- checking ----------------------------------------------------------------------------


def check_references(references: Iterable[str], on: datetime.date | None = None) -> list[Verdict]:
    """Verdicts for references as of ``on`` (default today), in the order given."""
    references = list(references)
    on = on or datetime.date.today()
    catalogue = DbCatalogue()
    wanted_numbers, wanted_series = [], []
    for ref in references:
        parsed = numbers.try_parse(ref)
        if parsed is not None:
            wanted_numbers.append(parsed.edition)
            wanted_series.append(parsed.series)
    catalogue.preload(numbers=wanted_numbers, series=wanted_series)
    return check_all(references, catalogue, on)


def check_text(text: str, on: datetime.date | None = None) -> list[Verdict]:
    """Verdicts for every reference found in free text, in the order found."""
    found = [ref.text for ref in numbers.find_references(text)]
    return check_references(found, on)


# -- importing ---------------------------------------------------------------------------


@dataclass
class ImportSummary:
    """What an import did with every record it read."""

    files: list[str] = field(default_factory=list)
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list = field(default_factory=list)  # (file, line, raw, reason)
    links_created: int = 0
    indexed: int = 0
    placeholders_created: int = 0
    notes: Counter = field(default_factory=Counter)

    @property
    def accounted(self) -> bool:
        return self.read == self.created + self.updated + self.unchanged + len(self.skipped)


class StrictImportError(Exception):
    """Raised in strict mode when any record would be skipped; nothing is written."""

    def __init__(self, summary: ImportSummary):
        super().__init__(f"{len(summary.skipped)} 条记录有问题，已全部回滚")
        self.summary = summary


def import_batches(
    batches: Iterable[ImportBatch],
    *,
    strict: bool = False,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Write records into the catalogue; idempotent (re-import updates, never duplicates).

    Each file is one transaction; in strict mode all files are one, and any skipped
    record rolls everything back. ``dry_run`` reports without writing.
    """
    summary = ImportSummary()
    batches = list(batches)
    with transaction.atomic():
        for batch in batches:
            summary.files.append(batch.path)
            summary.notes.update(batch.notes)
            summary.read += len(batch.records) + len(batch.skipped)
            summary.skipped += [(batch.path, s.line, s.raw, s.reason) for s in batch.skipped]
            with transaction.atomic():
                touched = _write_records(batch, summary, progress)
                _refresh_statistics(len(batch.records))
                summary.indexed += _reindex(touched)
        if strict and summary.skipped:
            transaction.set_rollback(True)
            raise StrictImportError(summary)
        if dry_run:
            transaction.set_rollback(True)
    return summary


#: Records in one file from which an import refreshes PostgreSQL's planner statistics.
ANALYZE_FROM = 500


def _refresh_statistics(records: int) -> None:
    """After a large import on PostgreSQL, ANALYZE the catalogue tables (inside the
    import's transaction: ANALYZE counts the rows this transaction wrote). With the
    statistics of a nearly empty catalogue, the planner joins the thousands of new
    rows by scanning, and every catalogue lookup that follows (re-indexing, 查新) takes
    seconds instead of milliseconds until autovacuum catches up."""
    connection = transaction.get_connection()
    if records < ANALYZE_FROM or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"ANALYZE {Standard._meta.db_table}, {Supersession._meta.db_table}, "
            f"{Standard.ics.through._meta.db_table}"
        )


def _write_records(batch: ImportBatch, summary: ImportSummary, progress) -> list[int]:
    records: list[StandardRecord] = []
    for record in batch.records:
        try:
            parsed = numbers.parse(record.number)
        except numbers.NumberError as exc:
            summary.skipped.append((batch.path, record.line, record.raw_number, str(exc)))
            continue
        if parsed.amendment:
            # An amendment (修改单) belongs to its edition; the catalogue holds editions.
            summary.notes["修改单编号按其所属版本记录"] += 1
            record.number = parsed.edition
        records.append(record)

    existing = _existing([r.number for r in records])
    to_create, to_update = [], []
    changed: set[str] = set()  # numbers whose search document must be rewritten
    for i, record in enumerate(records, 1):
        values = number_fields(record.number)
        values.update({f: getattr(record, f) or _empty(f) for f in RECORD_FIELDS})
        values["source"] = batch.shape
        values["placeholder"] = False
        std = existing.get(values["number"])
        if std is None:
            std = Standard(**values)
            existing[std.number] = std
            to_create.append(std)
            changed.add(std.number)
            summary.created += 1
        elif _merge(std, values):
            to_update.append(std)
            changed.add(std.number)
            summary.updated += 1
        else:
            summary.unchanged += 1
        if progress and (i % 500 == 0 or i == len(records)):
            progress(i, len(records))
    Standard.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        Standard.objects.bulk_update(
            to_update,
            [*RECORD_FIELDS, "source", "placeholder", *number_fields("GB 1").keys()],
            batch_size=500,
        )
    # bulk_create on SQLite/PostgreSQL sets primary keys; reload to be safe elsewhere.
    existing = _existing([r.number for r in records])
    changed |= _write_ics(records, existing, summary)
    changed |= _write_links(batch, records, existing, summary)
    return [existing[n].pk for n in changed if n in existing]


def _reindex(pks: list[int]) -> int:
    """Bring the search index up to date for these standards and those linked to them
    (a new link changes the status of both sides), in the import's transaction."""
    from search.indexing import update_objects

    linked = set(pks)
    for start in range(0, len(pks), 900):
        chunk = pks[start : start + 900]
        for old, new in Supersession.objects.filter(
            models.Q(old_id__in=chunk) | models.Q(new_id__in=chunk)
        ).values_list("old_id", "new_id"):
            linked.update((old, new))
    return update_objects(Standard, Standard.objects.filter(pk__in=linked))


def _merge(std: Standard, values: dict) -> bool:
    """Apply an incoming record to a stored one; whether anything changed.

    An import never erases what another source gave: empty incoming values keep the
    stored one. The source label alone is not a change.
    """
    changed = False
    for name, value in values.items():
        if name in RECORD_FIELDS and value in ("", None):
            continue
        if getattr(std, name) != value:
            setattr(std, name, value)
            changed = changed or name != "source"
    return changed


def _edition_of(number: str) -> str:
    parsed = numbers.try_parse(number)
    return parsed.edition if parsed is not None else number


def _empty(field_name: str):
    return None if field_name in {"published", "effective", "withdrawn"} else ""


def _existing(number_list: list[str]) -> dict[str, Standard]:
    found = {}
    unique = list(dict.fromkeys(number_list))
    for start in range(0, len(unique), 900):
        for std in Standard.objects.filter(number__in=unique[start : start + 900]):
            found[std.number] = std
    return found


def _write_ics(records, existing, summary) -> set[str]:
    """Set each record's ICS classes; returns the numbers whose classes changed."""
    changed = set()
    codes = {code for r in records for code in r.ics}
    if not codes:
        return changed
    known = {c.code: c for c in IcsClass.objects.filter(code__in=codes)}
    through = Standard.ics.through
    rows = []
    for record in records:
        std = existing[record.number]
        wanted = []
        for code in record.ics:
            if code in known:
                wanted.append(known[code])
            else:
                summary.notes["未知 ICS 代码，已忽略"] += 1
        if set(std.ics.values_list("code", flat=True)) != {c.code for c in wanted}:
            through.objects.filter(standard=std).delete()
            rows += [through(standard=std, icsclass=c) for c in wanted]
            changed.add(std.number)
    through.objects.bulk_create(rows, ignore_conflicts=True)
    return changed


def _write_links(batch, records, existing, summary) -> set[str]:
    """Store supersession from whichever side the source stated it; returns the numbers
    on either side of a new or changed link."""
    changed = set()
    pairs = {}  # (old, new) -> partial
    for record in records:
        for name in ("replaces", "replaces_partial", "replaced_by", "replaced_by_partial"):
            setattr(record, name, [_edition_of(n) for n in getattr(record, name)])
        for old in record.replaces:
            pairs[(old, record.number)] = False
        for old in record.replaces_partial:
            pairs.setdefault((old, record.number), True)
        for new in record.replaced_by:
            pairs[(record.number, new)] = False
        for new in record.replaced_by_partial:
            pairs.setdefault((record.number, new), True)
    if not pairs:
        return changed
    wanted = {n for pair in pairs for n in pair}
    existing.update(_existing([n for n in wanted if n not in existing]))
    # Editions known only from a link get a placeholder record, so that a reference to
    # them still finds its successor.
    for number in sorted(wanted - existing.keys()):
        try:
            values = number_fields(number)
        except numbers.NumberError:
            summary.notes["代替关系中的编号无法识别，已忽略"] += 1
            continue
        successors = [new for (old, new), _p in pairs.items() if old == number]
        status = Status.SUPERSEDED if successors else Status.CURRENT
        existing[number] = Standard.objects.create(
            **values, placeholder=True, status=status, source=batch.shape
        )
        summary.placeholders_created += 1
    current = {
        (old, new): (pk, partial)
        for pk, old, new, partial in Supersession.objects.filter(
            old__number__in=[o for o, _n in pairs], new__number__in=[n for _o, n in pairs]
        ).values_list("pk", "old__number", "new__number", "partial")
    }
    created = []
    for (old, new), partial in pairs.items():
        if old not in existing or new not in existing:
            continue
        if old == new:
            summary.notes["标准代替其自身，已忽略"] += 1
            continue
        if (new, old) in current or (new, old) in pairs:
            summary.notes["代替关系方向矛盾，已忽略"] += 1
            continue
        if (old, new) in current:
            pk, was_partial = current[(old, new)]
            if was_partial != partial:
                Supersession.objects.filter(pk=pk).update(partial=partial)
                changed |= {old, new}
            continue
        created.append(
            Supersession(old=existing[old], new=existing[new], partial=partial, source=batch.shape)
        )
        current[(old, new)] = (None, partial)
        summary.links_created += 1
        changed |= {old, new}
    # In one statement, without a save signal per link: the import re-indexes both sides
    # of every new link once, after writing (``_reindex``), instead of once per link.
    Supersession.objects.bulk_create(created, batch_size=500)
    return changed


# -- saved 查新 reports ------------------------------------------------------------------


def catalogue_date() -> datetime.date | None:
    """When the catalogue last changed: printed on every report."""
    latest = Standard.objects.aggregate(latest=models.Max("updated_at"))["latest"]
    # The date where the report is read (TIME_ZONE), not UTC's: 02:00 in Beijing is
    # the evening before in UTC.
    return timezone.localdate(latest) if latest else None


def create_report(
    references: list[str],
    *,
    as_of: datetime.date | None = None,
    source: str = "粘贴的文本",
    source_kind: str = "text",
    notes: str = "",
    user=None,
):
    """Check references and keep the result as a report with a stable link."""
    from standards.models import CheckReport
    from standards.reports import ReportRow

    as_of = as_of or datetime.date.today()
    verdicts = check_references(references, as_of)
    rows = [ReportRow.from_verdict(i, v) for i, v in enumerate(verdicts, 1)]
    counts: Counter = Counter(v.verdict for v in verdicts)
    return CheckReport.objects.create(
        as_of=as_of,
        catalogue_date=catalogue_date(),
        source=source[:200],
        source_kind=source_kind,
        notes=notes,
        references=list(references),
        rows=[row.as_json() for row in rows],
        counts=dict(counts),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
