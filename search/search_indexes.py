"""What the search engine knows about each standard (haystack discovers this module)."""

import datetime
import functools
import re

from haystack import indexes
from haystack.constants import DJANGO_CT, DJANGO_ID, ID

from search.fields import SortKeyField, StandardNumberField
from standards.catalogue import DbCatalogue
from standards.models import Standard
from standards.validity import status_on

CT = "standards.standard"
FACETED = ("level", "status", "ics", "department", "year")
#: Static rank factors: the edition in force before others of the same series.
STATUS_RANK = {"current": 1.5, "upcoming": 1.3, "superseded": 1.0, "withdrawn": 0.9}


def ics_codes(pks, using=None) -> dict[int, list[str]]:
    """The ICS codes of each standard in ``pks`` (a few queries, no model instances),
    read from the database the standards came from."""
    out = {pk: [] for pk in pks}
    links = Standard.ics.through.objects.using(using)  # None: the router decides
    for start in range(0, len(pks), 900):
        rows = links.filter(standard_id__in=pks[start : start + 900]).values_list(
            "standard_id", "icsclass__code"
        )
        for pk, code in rows:
            out[pk].append(code)
    return out


def number_sort_key(number: str) -> str:
    """``GB 2760-2014`` → ``GB 0000002760-0000002014``: sorted as text, numbers come in
    numeric order (GB 2760 before GB 10000, part 2 before part 10)."""
    return _DIGITS.sub(lambda m: m.group().zfill(10), number or "")


_DIGITS = re.compile(r"\d+")


def ics_with_ancestors(codes) -> list[str]:
    """``67.220.20`` → ``67``, ``67.220``, ``67.220.20``: a class filter finds sub-classes."""
    return list(_with_ancestors(tuple(sorted(set(codes)))))


@functools.lru_cache(maxsize=50_000)
def _with_ancestors(codes: tuple[str, ...]) -> tuple[str, ...]:
    # Standards share their classes: the same few thousand combinations recur.
    out = set()
    for code in codes:
        parts = code.split(".")
        out.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return tuple(sorted(out))


class StandardIndex(indexes.SearchIndex, indexes.Indexable):
    text = indexes.CharField(document=True)
    number = StandardNumberField(model_attr="number", boost=10)
    number_sort = SortKeyField(stored=False)
    title = indexes.CharField(model_attr="title", boost=3)
    title_en = indexes.CharField(model_attr="title_en", boost=2)
    level = indexes.CharField(model_attr="level", faceted=True)
    status = indexes.CharField(faceted=True)
    ics = indexes.MultiValueField(faceted=True)
    department = indexes.CharField(model_attr="department", faceted=True, indexed=False)
    year = indexes.IntegerField(model_attr="year", faceted=True, null=True)
    effective = indexes.DateField(model_attr="effective", null=True)
    published = indexes.DateField(model_attr="published", null=True)
    series = indexes.CharField(model_attr="series", indexed=False)
    kind = indexes.CharField(model_attr="kind", indexed=False)
    rank = indexes.FloatField(indexed=False)

    def get_model(self):
        return Standard

    def index_queryset(self, using=None):
        # ICS classes are read per batch (prepare_batch): prefetching them would build
        # a model instance per class and standard, most of the time a batch takes.
        return Standard.objects.listed()

    def read_queryset(self, using=None):
        return Standard.objects.all()

    # One catalogue per batch: the status of every standard in a batch costs a few
    # queries, not a few per standard; so do their ICS classes.
    def prepare_batch(self, objects):
        self._catalogue = DbCatalogue()
        self._catalogue.preload(objects=objects)
        self._today = datetime.date.today()
        using = objects[0]._state.db if objects else None
        self._ics = ics_codes([obj.pk for obj in objects], using=using)

    def _status(self, obj):
        catalogue = getattr(self, "_catalogue", None) or DbCatalogue()
        edition = catalogue.get(obj.number)
        if edition is None:
            return obj.status or "current"
        return status_on(edition, getattr(self, "_today", None) or datetime.date.today(), catalogue)

    def prepare(self, obj):
        # Field by field, as haystack's generic ``prepare`` would give (a test keeps
        # them equal), without its per-field lookups: indexing spends its time here.
        status = self._status(obj)
        year = obj.year or 1950
        self.prepared_data = {
            ID: f"{CT}.{obj.pk}",
            DJANGO_CT: CT,
            DJANGO_ID: str(obj.pk),
            "text": self.prepare_text(obj),
            "number": obj.number,
            "number_sort": number_sort_key(obj.number),
            "title": obj.title,
            "title_en": obj.title_en,
            "level": obj.level,
            "status": status,
            "ics": self.prepare_ics(obj),
            "department": obj.department,
            "year": obj.year,
            "effective": obj.effective,
            "published": obj.published,
            "series": obj.series,
            "kind": obj.kind,
            "rank": STATUS_RANK.get(status, 1.0) * (1 + (year - 1950) / 10_000),
        }
        for name in FACETED:
            self.prepared_data[f"{name}_exact"] = self.prepared_data[name]
        return self.prepared_data

    def full_prepare(self, obj, with_string_facet=True):
        # haystack's generic full_prepare copies facet twins (``prepare`` already
        # did) and drops empty ``null=True`` fields, looping over every field.
        data = self.prepare(obj)
        for name in self.nullable:
            if data[name] is None:
                del data[name]
        return data

    @functools.cached_property
    def nullable(self) -> list[str]:
        """Fields declared ``null=True`` (facet twins included): left out when empty."""
        return [name for name, fld in self.fields.items() if fld.null]

    def prepare_number_sort(self, obj):
        return number_sort_key(obj.number)

    def prepare_status(self, obj):
        return self._status(obj)

    def prepare_rank(self, obj):
        status = self._status(obj)
        return STATUS_RANK.get(status, 1.0) * (1 + ((obj.year or 1950) - 1950) / 10_000)

    def prepare_text(self, obj):
        return "\n".join(filter(None, [obj.scope, obj.category, obj.department]))

    def prepare_ics(self, obj):
        codes = getattr(self, "_ics", {}).get(obj.pk)
        if codes is None:  # not in the batch prepared last
            codes = obj.ics.values_list("code", flat=True)
        return ics_with_ancestors(codes)
