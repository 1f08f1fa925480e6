"""Report, and with --repair fix, drift between the database and the search engine.

For each search index (or those given with --model), compares what the database says
should be indexed — the index's ``index_queryset``, each object prepared as it would be
written — with what the engine holds, read through haystack's ``SearchQuerySet``:

* **missing**  listed in the database, not in the engine;
* **stale**    in both, but the engine's stored fields differ from the prepared ones
               (a content fingerprint: every stored field, normalised);
* **orphaned** in the engine, no longer listed in the database (deleted, unpublished).

Prints JSON with counts and samples of identifiers. ``--repair`` writes the missing and
stale documents, removes the orphans and drains the index queue, straight to the engine
(it fails loudly if the engine is down). Works with every backend; no backend internals.
"""

import datetime
import hashlib
import json
import time

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from haystack import connections
from haystack.constants import DEFAULT_ALIAS
from haystack.exceptions import NotHandled
from haystack.query import SearchQuerySet

from search.indexing import model_label, pending_count, replay, strict, sync_objects

#: Objects prepared and looked up in the engine per round trip.
BATCH = 500
#: Documents read per page when the engine is scanned for orphans.
PAGE = 1000


def _norm(value):
    """One comparable form for a field value, whichever side it comes from."""
    if value is None or value == "" or value == [] or value == ():
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, int):
        return value
    if isinstance(value, list | tuple | set):
        return sorted(str(_norm(v)) for v in value)
    return str(value)


def stored_fields(index) -> dict:
    """The index's stored fields (not haystack's ``_exact`` facet twins)."""
    return {
        name: field
        for name, field in index.fields.items()
        if field.stored and not getattr(field, "facet_for", None)
    }


def fingerprint(fields: dict, values) -> str:
    """Hash of the normalised stored values (``values``: a mapping or an object)."""
    get = values.get if isinstance(values, dict) else (lambda n, d=None: getattr(values, n, d))
    normal = {}
    for name, field in fields.items():
        value = get(name, None)
        if value not in (None, ""):
            try:
                value = field.convert(value)
            except (TypeError, ValueError):
                pass
        normal[name] = _norm(value)
    blob = json.dumps(normal, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Drift:
    def __init__(self, using: str, index, batch: int = BATCH):
        self.using = using
        self.index = index
        self.model = index.get_model()
        self.label = model_label(self.model)
        self.fields = stored_fields(index)
        self.batch = batch
        self.missing: list[str] = []
        self.stale: list[str] = []
        self.orphaned: list[str] = []
        self.listed = 0
        self.in_engine = 0
        self.orphan_count = 0
        self.errors: list[str] = []

    def sqs(self):
        return SearchQuerySet(using=self.using).models(self.model)

    def check(self) -> "Drift":
        index = self.index
        pks = [
            str(pk) for pk in index.index_queryset(using=self.using).values_list("pk", flat=True)
        ]
        self.listed = len(pks)
        found = 0
        for chunk in _chunks(pks, self.batch):
            objects = list(index.index_queryset(using=self.using).filter(pk__in=chunk))
            if hasattr(index, "prepare_batch"):
                index.prepare_batch(objects)
            expected = {str(o.pk): fingerprint(self.fields, index.full_prepare(o)) for o in objects}
            held = {
                str(r.pk): fingerprint(self.fields, r)
                for r in self.sqs().filter(django_id__in=list(expected))[: len(expected)]
            }
            found += len(held)
            for pk, fp in expected.items():
                if pk not in held:
                    self.missing.append(pk)
                elif held[pk] != fp:
                    self.stale.append(pk)
        self.in_engine = self.sqs().count()
        # Every engine document not matched above is an orphan: the count is exact;
        # their identifiers need a scan.
        self.orphan_count = max(self.in_engine - found, 0)
        if self.orphan_count:
            self._scan_orphans(set(pks))
        return self

    def _scan_orphans(self, listed: set[str]) -> None:
        """Read the engine's identifiers page by page (only when its count says there
        are documents the database does not list)."""
        sqs = self.sqs()
        seen = 0
        problem = ""
        try:
            while seen < self.in_engine and len(self.orphaned) < self.orphan_count:
                page = list(sqs[seen : seen + PAGE])
                if not page:
                    problem = "the engine returned no more (a capped result window?)"
                    break
                seen += len(page)
                self.orphaned += [str(r.pk) for r in page if str(r.pk) not in listed]
        except Exception as exc:  # noqa: BLE001 — the count stands; the scan is partial
            problem = str(exc)
        self.orphaned = list(dict.fromkeys(self.orphaned))
        if len(self.orphaned) < self.orphan_count:
            self.errors.append(
                f"orphan scan read {seen} of {self.in_engine} documents and found "
                f"{len(self.orphaned)} of {self.orphan_count} orphans ({problem or 'changed'}); "
                "rebuild_index removes them all"
            )

    def repair(self) -> dict:
        updated = removed = 0
        for chunk in _chunks(self.missing + self.stale, self.batch):
            done, gone = sync_objects(self.model, chunk, self.using)
            updated += done
            removed += gone
        with strict(connections[self.using].get_backend()) as backend:
            for pk in self.orphaned:
                backend.remove(f"{self.label}.{pk}")
                removed += 1
        return {"updated": updated, "removed": removed}

    def report(self, sample: int) -> dict:
        out = {"listed": self.listed, "in_engine": self.in_engine}
        for name in ("missing", "stale", "orphaned"):
            ids = getattr(self, name)
            count = self.orphan_count if name == "orphaned" else len(ids)
            out[name] = {"count": count, "sample": [f"{self.label}.{pk}" for pk in ids[:sample]]}
        if self.errors:
            out["errors"] = self.errors
        return out


class Command(BaseCommand):
    help = "Compare the database with the search engine; --repair fixes what differs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair",
            action="store_true",
            help="index missing and stale objects, remove orphans, drain the index queue",
        )
        parser.add_argument(
            "--model",
            action="append",
            default=[],
            metavar="APP.MODEL",
            help="only this model (repeatable), e.g. standards.standard",
        )
        parser.add_argument("--using", default=DEFAULT_ALIAS, help="haystack connection")
        parser.add_argument("--sample", type=int, default=10, help="identifiers shown per kind")
        parser.add_argument("--batch", type=int, default=BATCH)

    def handle(
        self, *args, repair=False, model=(), using=DEFAULT_ALIAS, sample=10, batch=BATCH, **options
    ):
        started = time.perf_counter()
        unified = connections[using].get_unified_index()
        indexes = []
        for label in model or [model_label(m) for m in unified.get_indexed_models()]:
            try:
                indexes.append(unified.get_index(apps.get_model(label)))
            except (LookupError, ValueError, NotHandled) as exc:
                raise CommandError(f"{label}: not an indexed model ({exc})") from None
        drifts = [Drift(using, index, batch).check() for index in indexes]
        report = {"models": {d.label: d.report(sample) for d in drifts}}
        reports = [d.report(sample) for d in drifts]
        for name in ("missing", "stale", "orphaned"):
            report[name] = {
                "count": sum(r[name]["count"] for r in reports),
                "sample": [s for r in reports for s in r[name]["sample"]][:sample],
            }
        report["queued"] = pending_count(using)
        if repair:
            fixed = {"updated": 0, "removed": 0}
            for d in drifts:
                for key, value in d.repair().items():
                    fixed[key] += value
            if report["queued"]:
                fixed["queue"] = replay(using=using, force=True)
            report["repaired"] = fixed
        report["seconds"] = round(time.perf_counter() - started, 3)
        self.stdout.write(json.dumps(report, ensure_ascii=False, sort_keys=True))
