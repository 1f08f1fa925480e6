"""The re-flagging benchmark's parts (``manage.py bench_reflag``).

A throwaway SQLite file holds a synthetic catalogue (``search.bench``'s generator:
realistic numbers, edition chains, ICS classes), 2,000 enterprises with their members,
watchers, and N published declarations citing the catalogue — bulk-inserted rows, as
``publish()`` one by one would take hours. Then K standards are withdrawn the way an
announcement does it (the catalogue rows marked withdrawn, ``StandardChange`` records,
``alerts.reflag.catalogue_changed`` in the same transaction), and only that step is
timed. The project's own database is never touched: every model the step reads or
writes is routed to the file's Django alias.
"""

import contextlib
import datetime
import functools
import json
import random
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.test.utils import override_settings
from django.utils import timezone

from declarations.models import Declaration, Enterprise, Membership, Product, Reference
from search import bench as search_bench
from standards.changes import WITHDRAWN, StandardChange
from standards.models import IcsClass, Standard

from .models import Notification, Watch
from .reflag import ics_ancestors

ALIAS = "bench_reflag"
#: Apps whose models live in the throwaway file while the benchmark runs.
APPS = frozenset({"standards", "search", "declarations", "alerts", "auth", "contenttypes"})
ENTERPRISES = 2000
#: Users who only watch (no enterprise), and how many items each follows at most.
WATCHERS = 1000
MAX_WATCHES = 5
REGIONS = ("130700", "130702", "130723", "110105", "310115", "440300", "330106", "510104")
PRODUCTS = ("复合调味料", "牙科光固化机", "人造草坪", "电动自行车", "婴幼儿配方奶粉", "医用口罩")
CATEGORIES = ("food", "medical_device", "sports", "vehicle", "light", "other")
#: Rows per INSERT batch while building, and declarations per committed transaction.
BATCH = 20_000
DECLARATIONS_PER_COMMIT = 100_000


class _Router:
    """Models of ``APPS`` read and write the benchmark's file."""

    def __init__(self, alias):
        self.alias = alias

    def db_for_read(self, model, **hints):
        return self.alias if model._meta.app_label in APPS else None

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        return True


@contextlib.contextmanager
def throwaway_database(path: Path):
    """Within the block the models of ``APPS`` live in the SQLite file ``path`` (Django
    alias ``bench_reflag``, migrated), e-mail stays in memory and DEBUG is off.
    Settings, routers and connections are put back afterwards; the default database is
    never touched. (Like ``search.bench.throwaway_catalogue``, with more apps routed.)"""
    from django.core.management import call_command

    configured = {str(Path(c.get("NAME") or "")) for c in connections.settings.values()}
    if ALIAS in connections.settings or str(path) in configured:
        raise ValueError(f"{path} is a configured database; the benchmark needs its own file")
    connections.settings[ALIAS] = search_bench._sqlite_settings(path)
    routers = [_Router(ALIAS), *settings.DATABASE_ROUTERS]
    try:
        with override_settings(
            DATABASE_ROUTERS=routers,
            DEBUG=False,
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            # As at scale: e-mail tasks are queued (the worker is run after the timing).
            TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}},
        ):
            for app in ("contenttypes", "auth", "standards", "search", "declarations", "alerts"):
                call_command("migrate", app, database=ALIAS, verbosity=0, interactive=False)
            yield
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]
        del connections.settings[ALIAS]


# -- bulk rows -----------------------------------------------------------------------------


class RawTable:
    """Rows for one model inserted with ``executemany``: values given for ``columns``
    (already in their database form), every other column its default."""

    def __init__(self, model, columns: list[str], alias: str = ALIAS):
        self.alias = alias
        conn = connections[alias]
        now = conn.ops.adapt_datetimefield_value(timezone.now())
        fields = model._meta.concrete_fields
        by_attname = {f.attname: f for f in fields}
        unknown = set(columns) - set(by_attname)
        if unknown:
            raise ValueError(f"{model.__name__} has no {sorted(unknown)}")
        self.extra: list[tuple[str, object]] = []  # (column, constant or callable)
        for f in fields:
            if f.attname in columns:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.extra.append((f.column, now))
            elif f.has_default() and f.unique:
                self.extra.append((f.column, lambda f=f: f.get_db_prep_save(f.get_default(), conn)))
            elif f.has_default():
                self.extra.append((f.column, f.get_db_prep_save(f.get_default(), conn)))
            elif f.null:
                self.extra.append((f.column, None))
            elif f.primary_key:
                continue
            elif f.empty_strings_allowed:
                self.extra.append((f.column, ""))
            else:
                raise ValueError(f"{model.__name__}.{f.name} needs a value")
        names = [by_attname[c].column for c in columns] + [c for c, _v in self.extra]
        quote = conn.ops.quote_name
        table, columns_sql = quote(model._meta.db_table), ", ".join(quote(n) for n in names)
        placeholders = ", ".join(["%s"] * len(names))
        # Table and column names come from the model's _meta; every value is a parameter.
        self.sql = f"INSERT INTO {table} ({columns_sql}) VALUES ({placeholders})"  # noqa: S608
        self.dynamic = any(callable(v) for _c, v in self.extra)
        self.constant = tuple(v for _c, v in self.extra)
        self.pending: list[tuple] = []
        self.count = 0

    def add(self, row: tuple) -> None:
        if self.dynamic:
            row += tuple(v() if callable(v) else v for _c, v in self.extra)
        else:
            row += self.constant
        self.pending.append(row)
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            with connections[self.alias].cursor() as cursor:
                cursor.executemany(self.sql, self.pending)
            self.count += len(self.pending)
            self.pending = []


def _dt(value: datetime.datetime) -> str:
    return connections[ALIAS].ops.adapt_datetimefield_value(value)


# -- building ------------------------------------------------------------------------------


def build(n: int, standards: int, seed: int, say=lambda message: None) -> dict:
    """The catalogue, firms, watchers and ``n`` published declarations; what was made."""
    rng = random.Random(seed)  # noqa: S311 - reproducible samples
    started = time.perf_counter()
    conn = connections[ALIAS]
    with conn.cursor() as cursor:  # a build, not a workload: no fsync on every batch
        cursor.execute("PRAGMA synchronous=OFF")
    say(f"catalogue: {standards:,} standards")
    generator = search_bench.CatalogueGenerator(_vocabulary(), search_bench.load_ics_codes(), seed)
    catalogue, _numbers, _titles = search_bench.insert_catalogue(generator, standards, ALIAS)
    editions = list(
        Standard.objects.using(ALIAS).values_list("number", "series", "status", "title", "level")
    )
    current = [e for e in editions if e[2] == "current"]
    old = [e for e in editions if e[2] == "superseded"]
    # Popular standards are cited far more often than others (GB 2760, GB 7718 …).
    popular = search_bench.Zipf(rng.sample(current, len(current)), 0.6)
    stale = search_bench.Zipf(rng.sample(old, len(old)), 0.6) if old else None
    ics_codes = sorted(IcsClass.objects.using(ALIAS).values_list("code", flat=True))

    say("checking every citable number as publish() does")
    citable = [e[0] for e in current] + sorted({e[1] for e in current}) + [e[0] for e in old]
    checked = _checked(citable)

    say("enterprises, members and watchers")
    with transaction.atomic(using=ALIAS):
        people = _people(rng, current, ics_codes)
    firms = people["enterprises"]

    say(f"declarations: {n:,}")
    now = timezone.now()
    declarations = RawTable(
        Declaration,
        [
            "id",
            "enterprise_id",
            "title",
            "status",
            "version",
            "commitment",
            "warnings_acknowledged",
            "first_published_at",
            "published_at",
        ],
    )
    products = RawTable(Product, ["declaration_id", "position", "name", "model", "category"])
    references = RawTable(
        Reference,
        [
            "declaration_id",
            "position",
            "input",
            "normalized",
            "series",
            "title",
            "level",
            "own",
            "verdict",
            "message",
            "warnings",
            "current_number",
            "checked_on",
        ],
    )
    checked_on = (now.date() - datetime.timedelta(days=30)).isoformat()
    kinds = Counter()
    cited = set()
    next_report = time.perf_counter() + 15
    for start in range(1, n + 1, DECLARATIONS_PER_COMMIT):
        with transaction.atomic(using=ALIAS):
            for pk in range(start, min(start + DECLARATIONS_PER_COMMIT, n + 1)):
                published = _dt(now - datetime.timedelta(days=rng.randint(30, 2000)))
                declarations.add(
                    (pk, rng.choice(firms), "", "published", 1, True, False, published, published)
                )
                for position in range(rng.choice((1, 1, 1, 2, 2, 3))):
                    product = rng.randrange(len(PRODUCTS))
                    model = f"M-{rng.randint(1, 9999):04d}"
                    products.add((pk, position, PRODUCTS[product], model, CATEGORIES[product]))
                seen = set()
                for position in range(rng.choice((1, 1, 2, 2, 2, 3, 3, 4))):
                    row, depends_on = _citation(rng, popular, stale, checked, kinds)
                    if row[0] in seen:
                        continue
                    seen.add(row[0])
                    if depends_on:
                        cited.add(depends_on)
                    references.add((pk, position, *row, checked_on))
            for table in (declarations, products, references):
                table.flush()
        if time.perf_counter() >= next_report:
            say(f"  {min(start + DECLARATIONS_PER_COMMIT - 1, n):,} / {n:,}")
            next_report = time.perf_counter() + 15
    with conn.cursor() as cursor:
        cursor.execute("PRAGMA synchronous=NORMAL")
        # As a database in service: the build's write-ahead log folded into the file.
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {
        "catalogue": {
            "standards": catalogue["standards"],
            "series": catalogue["series"],
            "statuses": catalogue["statuses"],
        },
        "enterprises": len(firms),
        "users": people["users"],
        "watches": people["watches"],
        "declarations": declarations.count,
        "products": products.count,
        "references": references.count,
        "citations": dict(kinds.most_common()),
        "cited_current": sorted(e[0] for e in current if e[0] in cited),
        "seconds": round(time.perf_counter() - started, 1),
    }


@functools.cache
def _vocabulary():
    """Title words of the real catalogue (read once per process, whatever the sizes)."""
    return search_bench.load_vocabulary()


def _checked(numbers: list[str]) -> dict[str, tuple]:
    """What ``publish()`` stores for each number (verdict, message, warnings as JSON,
    edition in force, title), from the real checker in batches: the references start
    as a firm's would, so a re-check rewrites only what a change really touched."""
    from declarations.services import check_standards

    today = timezone.localdate()
    out = {}
    for start in range(0, len(numbers), 2000):
        chunk = numbers[start : start + 2000]
        for number, c in zip(chunk, check_standards(chunk, today), strict=True):
            out[number] = (
                c.title[:500],
                c.level or "",
                c.verdict,
                c.message[:500],
                json.dumps(list(c.warnings), ensure_ascii=False),
                (c.current or "")[:120],
            )
    return out


def _citation(rng, popular, stale, checked, kinds) -> tuple[tuple, str | None]:
    """One reference's column values (input, normalized, series, title, level, own,
    verdict, message, warnings, current_number) and the current edition it depends on:
    mostly current editions, some undated (the series), some outdated editions."""
    r = rng.random()
    if r < 0.65 or stale is None:
        number, series, *_rest = popular.pick(rng)
        kinds["dated_current"] += 1
        cited, depends_on = number, number
    elif r < 0.9:
        number, series, *_rest = popular.pick(rng)
        kinds["undated"] += 1
        cited, depends_on = series, number
    else:
        number, series, *_rest = stale.pick(rng)
        kinds["dated_outdated"] += 1
        cited, depends_on = number, None
    title, level, verdict, message, warnings, current = checked[cited]
    return (cited, cited, series, title, level, False, verdict, message, warnings, current), (
        depends_on
    )


def _people(rng, current, ics_codes) -> dict:
    users = RawTable(
        get_user_model(),
        ["id", "username", "email", "password", "is_active", "is_staff", "is_superuser"],
    )
    enterprises = RawTable(Enterprise, ["id", "name", "uscc", "region"])
    members = RawTable(Membership, ["user_id", "enterprise_id", "role"])
    watches = RawTable(Watch, ["user_id", "kind", "value"])
    user_id = 0

    def user(prefix):
        nonlocal user_id
        user_id += 1
        users.add((user_id, f"{prefix}{user_id}", f"{prefix}{user_id}@example.com", "!", 1, 0, 0))
        return user_id

    firms = []
    for pk in range(1, ENTERPRISES + 1):
        enterprises.add(
            (pk, f"基准测试企业{pk:04d}有限公司", f"91BENCH{pk:011d}", rng.choice(REGIONS))
        )
        firms.append(pk)
        for role in ("owner", *(["member"] if rng.random() < 0.3 else [])):
            members.add((user(f"firm{pk}_"), pk, role))
    watched = 0
    for _i in range(WATCHERS):
        uid = user("watcher")
        chosen = set()
        for _j in range(rng.randint(1, MAX_WATCHES)):
            number, series, *_rest = rng.choice(current)
            kind = rng.choice(("standard", "series", "ics"))
            value = {"standard": number, "series": series}.get(kind)
            if value is None:  # an ICS class, at any of its three levels
                value = rng.choice(ics_ancestors(rng.choice(ics_codes)))
            if (kind, value) not in chosen:
                chosen.add((kind, value))
                watches.add((uid, kind, value))
                watched += 1
    for table in (users, enterprises, members, watches):
        table.flush()
    return {"enterprises": firms, "users": user_id, "watches": watched}


# -- the timed step ------------------------------------------------------------------------


def withdraw(numbers: list[str], source: str = "基准测试公告") -> dict:
    """Withdraw ``numbers`` as an announcement does, timed: mark them withdrawn today,
    re-flag and warn through ``catalogue_changed`` in one transaction, commit (e-mails
    are queued on commit; ``run_queued_tasks`` then sends them, timed apart)."""
    from django.core import mail
    from django.urls import reverse

    from .reflag import catalogue_changed

    reverse("alerts:notifications")  # load the URL configuration before timing, as a server has
    today = timezone.localdate()
    outbox_before = len(getattr(mail, "outbox", []) or [])
    started = time.perf_counter()
    with transaction.atomic(using=ALIAS):
        rows = list(
            Standard.objects.using(ALIAS)
            .filter(number__in=numbers)
            .values_list("number", "series", "title", "level")
        )
        Standard.objects.using(ALIAS).filter(number__in=numbers).update(
            status=WITHDRAWN, withdrawn=today
        )
        changes = [
            StandardChange(
                number=number,
                series=series,
                kind=WITHDRAWN,
                effective_on=today,
                title=title,
                level=level,
                source=source,
            )
            for number, series, title, level in rows
        ]
        marked = time.perf_counter()
        result = catalogue_changed(changes, source=source)
        committing = time.perf_counter()
    done = time.perf_counter()
    # The worker's part: send the e-mails queued on commit.
    queued = run_queued_tasks()
    sent = time.perf_counter()
    result["breakdown"] = {
        "mark_withdrawn": round(marked - started, 4),
        **result.pop("timings"),
        "commit": round(done - committing, 4),
    }
    result["email_tasks"] = queued
    result["emails"] = len(getattr(mail, "outbox", []) or []) - outbox_before
    result["email_seconds"] = round(sent - done, 4)
    result["seconds"] = round(done - started, 4)
    return result


def run_queued_tasks() -> int:
    """Run what the dummy task backend holds, as a database backend's worker would."""
    from django_tasks import default_task_backend

    results = list(getattr(default_task_backend, "results", []))
    for queued in results:
        queued.task.call(*queued.args, **queued.kwargs)
    default_task_backend.clear()
    return len(results)


def flagged_count() -> int:
    return Declaration.objects.using(ALIAS).filter(flagged_at__isnull=False).count()


def notifications_count() -> int:
    return Notification.objects.using(ALIAS).count()
