"""Re-flagging declarations when the catalogue changes, and warning who is concerned.

Contract (used by ``standards.announcements``):

* ``affected(changes) -> Affected`` — read-only counts for an announcement's preview;
* ``catalogue_changed(changes, *, source="") -> dict`` — inside the caller's
  transaction: re-check exactly the declarations citing a changed edition or series,
  flag them, and queue one notice per recipient and change (e-mails after commit).

Work is proportional to what is affected, never to the size of the catalogue or the
number of declarations: references are found through their indexed ``normalized``
column (a dated reference by its edition; an undated one, whose ``normalized`` is the
series, by the series), declarations and their other references by primary and
foreign keys, watchers through the ``(kind, value)`` index — chunk by chunk, with one
batch catalogue check (``declarations.services.check_standards``) per chunk.

What "needs attention" means is the firm's own list (``declarations.views.declare``):
a blocking verdict (withdrawn, unknown …), a warning verdict (superseded, upcoming) or
a warning on a current edition (a successor published, a withdrawal ahead). Published
declarations with such a reference are flagged (``flagged_at``/``flag_reason``, the
bureau's review queue); drafts get their references re-checked and their owners told,
but are never flagged, as they are not public.
"""

import datetime
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections, router, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from declarations.models import Declaration, Membership, Product, Reference
from declarations.services import BLOCKING, WARNING, check_standards
from standards.changes import (
    PARTIALLY_SUPERSEDED,
    PUBLISHED,
    SUPERSEDED,
    WITHDRAWN,
    StandardChange,
)
from standards.models import Standard
from standards.models.catalogue import standard_path

from . import notify
from .models import Notification, Watch
from .tasks import absolute

#: Declarations handled per chunk (each chunk: a few queries and one catalogue check).
CHUNK = 500
#: Values per ``IN (...)`` list.
IN_BATCH = 500
#: Declarations named in one notice; the rest are counted.
MAX_LISTED = 10
LIVE = (Declaration.Status.PUBLISHED, Declaration.Status.DRAFT)
#: Fields of a reference a re-check may change.
CHECKED_FIELDS = (
    "verdict",
    "message",
    "message_en",
    "warnings",
    "warnings_en",
    "current_number",
)


@dataclass
class Affected:
    standards: int
    declarations: int
    enterprises: int
    watchers: int


# -- finding -------------------------------------------------------------------------------


def _chunks(items, size=IN_BATCH):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _unique(changes) -> list[StandardChange]:
    return list(dict.fromkeys(changes))


def _followers(changes: list[StandardChange]) -> dict[str, list[int]]:
    """``Reference.normalized`` values that follow each change -> indexes of changes.

    A dated reference follows its edition; an undated one (``normalized`` is then the
    series, e.g. ``GB 2760``) follows every edition of its series."""
    keys: dict[str, list[int]] = defaultdict(list)
    for i, change in enumerate(changes):
        for key in dict.fromkeys((change.number, change.series)):
            if key and i not in keys[key]:
                keys[key].append(i)
    return keys


def _citing(keys, db) -> dict[int, set[str]]:
    """Declaration id -> the followed ``normalized`` values it cites (index lookups)."""
    found: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks(sorted(keys)):
        rows = (
            Reference.objects.using(db)
            .filter(normalized__in=chunk, own=False)
            .values_list("declaration_id", "normalized")
        )
        for declaration_id, normalized in rows:
            found[declaration_id].add(normalized)
    return found


def ics_ancestors(code: str) -> list[str]:
    """``67.220.20`` -> ``["67", "67.220", "67.220.20"]``: a class and those above it."""
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _ics_of(changes, db) -> dict[str, set[str]]:
    """ICS codes of each changed edition: given on the change, else from the catalogue."""
    codes: dict[str, set[str]] = defaultdict(set)
    unknown = []
    for change in changes:
        if change.ics:
            codes[change.number].update(change.ics)
        else:
            unknown.append(change.number)
    through = Standard.ics.through
    for chunk in _chunks(sorted(set(unknown))):
        rows = (
            through.objects.using(db)
            .filter(standard__number__in=chunk)
            .values_list("standard__number", "icsclass__code")
        )
        for number, code in rows:
            codes[number].add(code)
    return codes


def _watchers(changes, db) -> dict[int, dict[int, tuple[str, str]]]:
    """User id -> {change index: (kind, value) of the watch that concerns it}.

    A standard's watchers, its series' watchers and the watchers of any of its ICS
    classes or the classes above them; the most specific watch is kept."""
    targets: dict[tuple[str, str], list[int]] = defaultdict(list)
    ics = _ics_of(changes, db)
    for i, change in enumerate(changes):
        targets[(Watch.Kind.STANDARD, change.number)].append(i)
        if change.series:
            targets[(Watch.Kind.SERIES, change.series)].append(i)
        for code in ics.get(change.number, ()):
            for above in ics_ancestors(code):
                targets[(Watch.Kind.ICS, above)].append(i)
    rank = {Watch.Kind.STANDARD: 0, Watch.Kind.SERIES: 1, Watch.Kind.ICS: 2}
    by_kind = defaultdict(list)
    for kind, value in targets:
        by_kind[kind].append(value)
    found: dict[int, dict[int, tuple[str, str]]] = defaultdict(dict)
    for kind, values in by_kind.items():
        for chunk in _chunks(sorted(set(values))):
            rows = (
                Watch.objects.using(db)
                .filter(kind=kind, value__in=chunk, user__is_active=True)
                .values_list("user_id", "value")
            )
            for user_id, value in rows:
                for i in targets[(kind, value)]:
                    known = found[user_id].get(i)
                    if known is None or rank[kind] < rank[known[0]]:
                        found[user_id][i] = (kind, value)
    return found


def affected(changes: list[StandardChange]) -> Affected:
    """What applying ``changes`` would touch (read-only, for a preview)."""
    changes = _unique(changes)
    if not changes:
        return Affected(0, 0, 0, 0)
    db = router.db_for_read(Reference)
    citing = _citing(_followers(changes), db)
    declarations, enterprises = 0, set()
    for chunk in _chunks(sorted(citing)):
        rows = (
            Declaration.objects.using(db)
            .filter(pk__in=chunk, status=Declaration.Status.PUBLISHED)
            .values_list("enterprise_id", flat=True)
        )
        for enterprise_id in rows:
            declarations += 1
            enterprises.add(enterprise_id)
    return Affected(
        standards=len({c.number for c in changes}),
        declarations=declarations,
        enterprises=len(enterprises),
        watchers=len(_watchers(changes, db)),
    )


# -- texts ---------------------------------------------------------------------------------


def chinese_date(day: datetime.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _due(change: StandardChange, today: datetime.date) -> bool:
    return change.effective_on is None or change.effective_on <= today


def change_key(change: StandardChange, today: datetime.date) -> str:
    """What a notice about ``change`` is deduplicated on. A change announced ahead of
    its date is told once when announced and once more when it takes effect."""
    phase = "due" if _due(change, today) else "ahead"
    when = change.effective_on.isoformat() if change.effective_on else "-"
    return f"catalogue:{change.kind}:{change.number}:{when}:{phase}"[:200]


def headline(change: StandardChange, today: datetime.date) -> str:
    """One line saying what changed: ``GB 2760-2014 已被 GB 2760-2024 代替``."""
    values = {
        "n": change.number,
        "new": "、".join(change.replaced_by),
        "date": chinese_date(change.effective_on),
    }
    due = _due(change, today)
    if change.kind == WITHDRAWN:
        if not due:
            return _("%(n)s 将于 %(date)s 废止") % values
        if change.effective_on:
            return _("%(n)s 已于 %(date)s 废止") % values
        return _("%(n)s 已废止") % values
    if change.kind in (SUPERSEDED, PARTIALLY_SUPERSEDED):
        partial = change.kind == PARTIALLY_SUPERSEDED
        if not values["new"]:
            return (_("%(n)s 已被部分代替") if partial else _("%(n)s 已被代替")) % values
        if not due:
            if partial:
                return _("%(n)s 将于 %(date)s 被 %(new)s 部分代替") % values
            return _("%(n)s 将于 %(date)s 被 %(new)s 代替") % values
        return (_("%(n)s 已被 %(new)s 部分代替") if partial else _("%(n)s 已被 %(new)s 代替")) % (
            values
        )
    if change.kind == PUBLISHED:
        if change.effective_on and not due:
            return _("%(n)s 已发布，将于 %(date)s 实施") % values
        return _("%(n)s 已发布实施") % values
    return _("%(n)s 有变化") % values


def what_to_do(change: StandardChange, today: datetime.date) -> str:
    """What a firm whose declarations cite the changed standard should do."""
    values = {
        "n": change.number,
        "new": "、".join(change.replaced_by),
        "date": chinese_date(change.effective_on),
    }
    due = _due(change, today)
    if change.kind == WITHDRAWN:
        if not due:
            return (
                _(
                    "请在 %(date)s 之前修订上述声明：删除该标准，或改为执行其他现行有效的标准，"
                    "然后重新公开。"
                )
                % values
            )
        return (
            _("请修订上述声明：删除该标准，或改为执行其他现行有效的标准，然后重新公开。") % values
        )
    if change.kind == SUPERSEDED:
        if not values["new"]:
            return _("请修订上述声明，改为执行现行版本，然后重新公开。") % values
        if not due:
            return (
                _("请做好准备，在 %(date)s 之前修订上述声明，改为执行 %(new)s，然后重新公开。")
                % values
            )
        return _("请修订上述声明，改为执行现行版本 %(new)s，然后重新公开。") % values
    if change.kind == PARTIALLY_SUPERSEDED:
        return (
            _("请核对产品涉及被代替的内容，必要时修订上述声明，同时执行 %(new)s，然后重新公开。")
            % values
        )
    return _("请核对产品是否符合 %(n)s，必要时修订上述声明并重新公开。") % values


def reference_summary(normalized: str, checked) -> str:
    """Why a reference needs attention, in a few words (for ``flag_reason``)."""
    verdict = checked.verdict
    if verdict == "superseded":
        if checked.current:
            return _("%(n)s 已被 %(new)s 代替") % {"n": normalized, "new": checked.current}
        return _("%(n)s 已被代替") % {"n": normalized}
    if verdict == "withdrawn":
        return _("%(n)s 已废止") % {"n": normalized}
    if verdict == "upcoming":
        return _("%(n)s 尚未实施") % {"n": normalized}
    if verdict == "unknown":
        return _("标准目录中没有 %(n)s") % {"n": normalized}
    if verdict == "malformed":
        return _("%(n)s 不是有效的标准编号") % {"n": normalized}
    if checked.warnings:
        return f"{normalized}：{checked.warnings[0]}"
    return normalized


def _needs_attention(checked) -> bool:
    return checked.verdict in BLOCKING or checked.verdict in WARNING or bool(checked.warnings)


def _path(name: str, *args, fallback: str = "") -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


# -- re-flagging ---------------------------------------------------------------------------


def update_rows(model, fields: list[str], rows: list[tuple], db: str) -> int:
    """``UPDATE … SET fields WHERE pk = …`` for ``rows`` of ``(pk, *values)``: one
    prepared statement run for every row (``executemany``), so rows with different
    values cost a few microseconds each, not a query each (nor ``bulk_update``'s
    ``CASE WHEN`` per field). Column names come from ``_meta``, values are parameters
    converted by their fields, as the ORM does; ``auto_now`` fields are not touched."""
    if not rows:
        return 0
    connection = connections[db]
    columns = [model._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in columns)
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608 - names from _meta
    params = [
        (*(f.get_db_prep_save(v, connection) for f, v in zip(columns, values, strict=True)), pk_)
        for pk_, *values in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)


@dataclass
class _Run:
    changes: list[StandardChange]
    db: str
    today: datetime.date
    now: datetime.datetime
    followers: dict[str, list[int]]
    verdicts: dict = field(default_factory=dict)
    #: (enterprise id, change index) -> [(declaration id, title, status)]
    hits: dict = field(default_factory=lambda: defaultdict(list))
    declarations: int = 0
    references: int = 0
    written: int = 0
    flagged: int = 0
    timings: dict = field(default_factory=lambda: defaultdict(float))


def catalogue_changed(changes: list[StandardChange], *, source: str = "") -> dict:
    """Re-check, flag and warn for ``changes``, in the caller's transaction.

    Returns ``{"declarations", "references", "enterprises", "notifications", "seconds"}``
    (declarations re-checked, references that follow a change, enterprises warned,
    notices created) plus ``flagged``, ``watchers`` and ``timings`` (seconds per step).
    """
    started = time.perf_counter()
    changes = _unique(changes)
    db = router.db_for_write(Reference)
    run = _Run(
        changes=changes,
        db=db,
        today=timezone.localdate(),
        now=timezone.now(),
        followers=_followers(changes),
    )
    notices: list[notify.Notice] = []
    watchers: dict = {}
    with transaction.atomic(using=db), translation.override(settings.LANGUAGE_CODE):
        if changes:
            mark = time.perf_counter()
            citing = _citing(run.followers, db)
            run.timings["find"] += time.perf_counter() - mark
            for chunk in _chunks(sorted(citing), CHUNK):
                _recheck_chunk(run, chunk, citing)
            mark = time.perf_counter()
            notices = _enterprise_notices(run, source)
            watchers = _watchers(changes, db)
            notices += _watch_notices(run, watchers, source)
            created = notify.send(notices)
            run.timings["notify"] += time.perf_counter() - mark
        else:
            created = []
    return {
        "declarations": run.declarations,
        "references": run.references,
        "enterprises": len({eid for eid, _i in run.hits}),
        "notifications": len(created),
        "flagged": run.flagged,
        "references_written": run.written,
        "watchers": len(watchers),
        "changes": len(changes),
        "seconds": round(time.perf_counter() - started, 4),
        "timings": {k: round(v, 4) for k, v in run.timings.items()},
    }


def _recheck_chunk(run: _Run, chunk: list[int], citing: dict[int, set[str]]) -> None:
    db = run.db
    mark = time.perf_counter()
    declarations = {
        row["id"]: row
        for row in Declaration.objects.using(db)
        .filter(pk__in=chunk, status__in=LIVE)
        .values("id", "enterprise_id", "status", "title", "flagged_at", "flag_reason")
    }
    if not declarations:
        run.timings["find"] += time.perf_counter() - mark
        return
    references = list(
        Reference.objects.using(db)
        .filter(declaration_id__in=list(declarations), own=False)
        .values("id", "declaration_id", "input", "normalized", "series", "title", *CHECKED_FIELDS)
        .order_by("declaration_id", "position", "id")
    )
    run.timings["find"] += time.perf_counter() - mark

    mark = time.perf_counter()
    missing = list(dict.fromkeys(r["input"] for r in references if r["input"] not in run.verdicts))
    if missing:  # one batch check for the whole chunk
        run.verdicts.update(zip(missing, check_standards(missing, run.today), strict=True))
    run.timings["check"] += time.perf_counter() - mark

    mark = time.perf_counter()
    updates: list[tuple] = []
    by_declaration: dict[int, list[tuple[dict, object, bool]]] = defaultdict(list)
    for ref in references:
        checked = run.verdicts[ref["input"]]
        values = (
            checked.verdict,
            checked.message[:500],
            (checked.message_en or "")[:500],
            list(checked.warnings),
            list(checked.warnings_en),
            (checked.current or "")[:120],
        )
        changed = any(ref[f] != v for f, v in zip(CHECKED_FIELDS, values, strict=True))
        follows = ref["normalized"] in citing[ref["declaration_id"]]
        if changed or follows:
            title = checked.title[:500] or ref["title"]
            updates.append((ref["id"], *values, title, run.today))
        by_declaration[ref["declaration_id"]].append((ref, checked, changed))
        run.references += follows
    run.written += update_rows(Reference, [*CHECKED_FIELDS, "title", "checked_on"], updates, db)

    flags: list[tuple] = []
    for pk, declaration in declarations.items():
        run.declarations += 1
        rows = by_declaration.get(pk, [])
        followed = citing[pk]
        attention = [(r, c) for r, c, _changed in rows if _needs_attention(c)]
        # Change index -> the edition that now applies, when the declaration follows
        # the change only through undated references that still resolve (no revision
        # needed, but the products must meet that edition); else None.
        concerned: dict[int, str | None] = {}
        for ref, checked, changed in rows:
            normalized = ref["normalized"]
            if normalized not in followed or not (changed or _needs_attention(checked)):
                continue
            quiet = normalized == ref["series"] and not _needs_attention(checked)
            applies = (checked.current or normalized) if quiet else None
            for i in run.followers.get(normalized, ()):
                if i not in concerned or concerned[i] is not None:
                    concerned[i] = applies
        for i, applies in sorted(concerned.items()):
            run.hits[(declaration["enterprise_id"], i)].append(
                (pk, declaration["title"], declaration["status"], applies)
            )
        if declaration["status"] != Declaration.Status.PUBLISHED or not attention:
            continue
        # The references that follow a change first: they are why it is flagged now.
        attention.sort(key=lambda rc: rc[0]["normalized"] not in followed)
        reason = "；".join(
            dict.fromkeys(reference_summary(r["normalized"] or r["input"], c) for r, c in attention)
        )
        if len(reason) > 500:
            reason = reason[:499] + "…"
        fresh = any(changed for r, _c, changed in rows if r["normalized"] in followed)
        if declaration["flagged_at"] is None or fresh or reason != declaration["flag_reason"]:
            flags.append((pk, run.now, reason))
    run.flagged += update_rows(Declaration, ["flagged_at", "flag_reason"], flags, db)
    run.timings["write"] += time.perf_counter() - mark


# -- notices -------------------------------------------------------------------------------


def _titles(run: _Run, ids: list[int]) -> dict[int, str]:
    """Names for declarations without a title: their first products' names."""
    names: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(sorted(set(ids))):
        rows = (
            Product.objects.using(run.db)
            .filter(declaration_id__in=chunk)
            .order_by("declaration_id", "position", "id")
            .values_list("declaration_id", "name")
        )
        for pk, name in rows:
            if len(names[pk]) < 3:
                names[pk].append(name)
    return {pk: "、".join(v) for pk, v in names.items()}


def _source_line(change: StandardChange, source: str) -> str:
    where = change.source or source
    return _("根据%(source)s，") % {"source": where} if where else ""


class _Texts:
    """The strings notices are made of, translated once per run (not once per notice)."""

    def __init__(self, run: _Run, source: str):
        self.run = run
        self.source = source
        self.draft = _("草稿")
        self.public = _("已公开")
        self.count = _("贵企业有 %(n)d 份自我声明执行该标准：")
        self.unnamed = _("自我声明 #%(pk)d")
        self.applies = _("不注日期引用，现适用 %(n)s")
        self.more = _("……另有 %(n)d 份，见“我的声明”：%(url)s")
        self.quiet = _(
            "上述声明不注日期引用该标准，自动适用现行版本，无需修订声明；"
            "请核对产品是否符合现行版本的要求。"
        )
        self.mine = _path("declarations:mine", fallback="/my/declarations/")
        marker = 987654321
        edit = _path("declarations:edit", marker, fallback="")
        self.edit = edit.replace(str(marker), "{pk}") if edit else self.mine
        self._changes: dict[int, tuple] = {}

    def edit_path(self, pk: int) -> str:
        return self.edit.format(pk=pk) if "{pk}" in self.edit else self.edit

    def change(self, i: int) -> tuple[str, str, str, str]:
        """(headline, first line with the source, what to do, dedupe key) of change ``i``."""
        if i not in self._changes:
            change, today = self.run.changes[i], self.run.today
            line = headline(change, today)
            self._changes[i] = (
                line,
                _source_line(change, self.source) + line,
                what_to_do(change, today),
                change_key(change, today),
            )
        return self._changes[i]


def _enterprise_notices(run: _Run, source: str) -> list[notify.Notice]:
    if not run.hits:
        return []
    untitled = [
        pk
        for listed in run.hits.values()
        for pk, title, _status, _applies in listed[:MAX_LISTED]
        if not title
    ]
    titles = _titles(run, untitled)
    members: dict[int, list[int]] = defaultdict(list)
    for chunk in _chunks(sorted({eid for eid, _i in run.hits})):
        rows = (
            Membership.objects.using(run.db)
            .filter(enterprise_id__in=chunk, user__is_active=True)
            .values_list("enterprise_id", "user_id")
        )
        for enterprise_id, user_id in rows:
            members[enterprise_id].append(user_id)
    t = _Texts(run, source)
    title_template = _("执行标准预警：%(line)s")
    notices = []
    for (enterprise_id, i), listed in sorted(run.hits.items()):
        if not members.get(enterprise_id):
            continue
        line, first, todo, key = t.change(i)
        lines = [first + "。", t.count % {"n": len(listed)}]
        for pk, title, status, applies in listed[:MAX_LISTED]:
            name = title or titles.get(pk) or t.unnamed % {"pk": pk}
            state = t.draft if status == Declaration.Status.DRAFT else t.public
            lines.append(f"· {name}（{state}） {absolute(t.edit_path(pk))}")
            if applies:
                lines.append("  " + t.applies % {"n": applies})
        if len(listed) > MAX_LISTED:
            lines.append(t.more % {"n": len(listed) - MAX_LISTED, "url": absolute(t.mine)})
        lines.append(t.quiet if all(applies for *_rest, applies in listed) else todo)
        body = "\n".join(lines)
        url = t.edit_path(listed[0][0]) if len(listed) == 1 else t.mine
        title = title_template % {"line": line}
        for user_id in members[enterprise_id]:
            notices.append(
                notify.Notice(
                    recipient_id=user_id,
                    title=title,
                    body=body,
                    dedupe_key=key,
                    kind=Notification.Kind.DECLARATION,
                    url=url,
                    enterprise_id=enterprise_id,
                )
            )
    return notices


def _watch_notices(run: _Run, watchers: dict, source: str) -> list[notify.Notice]:
    labels = {
        Watch.Kind.STANDARD: _("您关注的标准 %(v)s"),
        Watch.Kind.SERIES: _("您关注的标准系列 %(v)s"),
        Watch.Kind.ICS: _("您关注的 ICS 分类 %(v)s"),
    }
    advice = _("如贵单位的产品、文件或自我声明引用了该标准，请及时核对并更新。")
    title_template = _("关注提醒：%(line)s")
    t = _Texts(run, source)
    notices = []
    for user_id, concerns in sorted(watchers.items()):
        for i, (kind, value) in sorted(concerns.items()):
            change = run.changes[i]
            line, first, _todo, key = t.change(i)
            name = f"{change.number} {change.title}" if change.title else change.number
            why = labels[kind] % {"v": value}
            notices.append(
                notify.Notice(
                    recipient_id=user_id,
                    title=title_template % {"line": line},
                    body=f"{why}：{first}。\n{name}\n{advice}",
                    dedupe_key=key,
                    kind=Notification.Kind.WATCH,
                    url=standard_path(change.number),
                )
            )
    return notices
