"""The database as a ``validity.Catalogue``: loads what a batch of checks needs at once.

A check of 1,000 references must take well under 100 ms, so editions are fetched by
series and number in a handful of queries (then chains are followed in memory), never
one query per reference.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q

from standards.validity import Edition, Link

from .models import Standard, Supersession

#: Longest chain followed when preloading successors (real chains are < 10 long).
MAX_CHAIN_ROUNDS = 30
#: Parameters per IN (...) query, well below SQLite's and PostgreSQL's limits.
BATCH = 900

_FIELDS = (
    "id",
    "number",
    "series",
    "title",
    "title_en",
    "status",
    "published",
    "effective",
    "withdrawn",
    "placeholder",
)


def edition_from_model(std: Standard) -> Edition:
    """One model instance as an ``Edition``, with its links read from the database."""
    links = Supersession.objects.filter(Q(old=std) | Q(new=std)).values_list(
        "old__number", "new__number", "partial"
    )
    replaced_by, replaces = [], []
    for old, new, partial in links:
        if old == std.number:
            replaced_by.append(Link(new, partial))
        else:
            replaces.append(Link(old, partial))
    return _edition(_row(std), replaced_by, replaces)


def _row(std: Standard) -> dict:
    row = {field: getattr(std, field) for field in _FIELDS}
    for field in ("published", "effective", "withdrawn"):
        if isinstance(row[field], str):  # an instance saved with "2025-01-01", not re-read
            row[field] = Standard._meta.get_field(field).to_python(row[field])
    return row


def _edition(row: dict, replaced_by: list, replaces: list) -> Edition:
    return Edition(
        number=row["number"],
        series=row["series"],
        title=row["title"],
        title_en=row["title_en"],
        status=row["status"],
        published=row["published"],
        effective=row["effective"],
        withdrawn=row["withdrawn"],
        replaced_by=tuple(sorted(replaced_by, key=lambda link: link.number)),
        replaces=tuple(sorted(replaces, key=lambda link: link.number)),
        placeholder=row["placeholder"],
    )


def _chunks(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class DbCatalogue:
    """Editions read from the database, cached for the life of one batch of checks."""

    def __init__(self):
        self._by_number: dict[str, Edition | None] = {}
        self._by_series: dict[str, list[Edition]] = {}

    # -- the Catalogue protocol ------------------------------------------------------
    def get(self, number: str) -> Edition | None:
        if number not in self._by_number:
            self._load(numbers=[number])
        return self._by_number.get(number)

    def in_series(self, series: str) -> list[Edition]:
        if series not in self._by_series:
            self._load(series=[series])
        return self._by_series.get(series, [])

    # -- loading -----------------------------------------------------------------------
    def preload(
        self,
        numbers: Iterable[str] = (),
        series: Iterable[str] = (),
        objects: Iterable[Standard] = (),
    ) -> None:
        """Fetch editions by number and whole series, then follow their chains.
        ``objects``: standards already in hand, taken as they are instead of fetched."""
        self._load(numbers=list(numbers), series=list(series), objects=objects)

    def _load(self, numbers=(), series=(), objects=()) -> None:
        rows = [_row(o) for o in objects if o.number not in self._by_number]
        for r in rows:
            self._by_number[r["number"]] = None
        numbers = [n for n in dict.fromkeys(numbers) if n not in self._by_number]
        series = [s for s in dict.fromkeys(series) if s not in self._by_series]
        for s in series:
            self._by_series[s] = []
        for n in numbers:
            self._by_number.setdefault(n, None)
        for chunk in _chunks(numbers):
            rows += Standard.objects.filter(number__in=chunk).values(*_FIELDS)
        for chunk in _chunks(series):
            rows += Standard.objects.filter(series__in=chunk).values(*_FIELDS)
        for _round in range(MAX_CHAIN_ROUNDS):
            fresh = {}
            for r in rows:
                known = self._by_number.get(r["number"])
                if known is None:
                    fresh[r["id"]] = r
                else:
                    self._add_to_series(known)
            if not fresh:
                break
            linked = self._add(fresh)
            wanted = [n for n in linked if n not in self._by_number]
            for n in wanted:
                self._by_number[n] = None
            rows = []
            for chunk in _chunks(wanted):
                rows += Standard.objects.filter(number__in=chunk).values(*_FIELDS)

    def _add(self, rows: dict[int, dict]) -> set[str]:
        """Turn rows into Editions with their links; return the numbers they link to."""
        ids = list(rows)
        replaced_by, replaces = defaultdict(list), defaultdict(list)
        linked = set()
        for chunk in _chunks(ids, BATCH // 2):
            links = Supersession.objects.filter(Q(old_id__in=chunk) | Q(new_id__in=chunk))
            for old_id, new_id, old_no, new_no, partial in links.values_list(
                "old_id", "new_id", "old__number", "new__number", "partial"
            ):
                if old_id in rows:
                    replaced_by[old_id].append(Link(new_no, partial))
                    linked.add(new_no)
                if new_id in rows:
                    replaces[new_id].append(Link(old_no, partial))
                    linked.add(old_no)
        for pk, row in rows.items():
            edition = _edition(row, replaced_by[pk], replaces[pk])
            self._by_number[row["number"]] = edition
            self._add_to_series(edition)
        return linked

    def _add_to_series(self, edition: Edition) -> None:
        members = self._by_series.get(edition.series)
        if members is not None and all(e.number != edition.number for e in members):
            members.append(edition)
