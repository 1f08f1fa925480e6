"""Announcements (公告): validate, preview and apply them; announce changes on their date.

* :func:`validate` lists every problem (in Chinese) that stops an announcement from
  being applied; nothing is written.
* :func:`preview` says what applying would do: standards created and changed, the
  declarations, enterprises and watchers concerned (``alerts.reflag.affected``), and
  the first declarations affected, with links.
* :func:`apply` writes the whole announcement in one transaction: new standards,
  supersession links, withdrawal dates and stored statuses, the search index, one
  :class:`~standards.models.CatalogueChange` per standard and kind of change; all of
  them go to ``alerts.reflag.catalogue_changed`` at once (future ones as a warning
  ahead), and those already in effect are marked announced.
* :func:`process_due_changes` (run daily, see docs/operations.md) announces the
  changes whose date has come.

Statuses: a standard's status on any date is derived from its dates and links
(``standards.validity.status_on``), so a future-dated change is true on its date by
itself; the stored ``status`` is set to what it is on the day of writing and brought up
to date by :func:`process_due_changes` on the day the change takes effect.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from standards import changes as kinds
from standards import numbers
from standards.catalogue import DbCatalogue
from standards.changes import StandardChange
from standards.models import (
    Announcement,
    AnnouncementItem,
    CatalogueChange,
    IcsClass,
    Standard,
    Status,
    Supersession,
)
from standards.models.announcements import change_headline, chinese_date
from standards.models.catalogue import number_fields
from standards.validity import UNPUBLISHED, status_on

Action = AnnouncementItem.Action

#: Audit-log actions (registered in ``standards.wagtail_hooks``).
LOG_APPLY = "standards.announcement.apply"
LOG_DUE = "standards.announcement.changes_due"
LOG_IMPORT = "standards.announcement.import"

#: Affected declarations listed by a preview.
LIST_LIMIT = 50
#: Days looked back by ``process_due_changes`` for standards whose dates change their
#: status (so a missed daily run is caught up within a week).
DATED_WINDOW = 7
#: Most supersession steps followed when looking for loops.
MAX_WALK = 100
_BATCH = 900


class AnnouncementError(Exception):
    """The announcement cannot be applied; ``problems`` says why (Chinese)."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


# -- reading an announcement -----------------------------------------------------------


@dataclass
class _New:
    position: int
    number: str
    title: str
    published: datetime.date | None
    effective: datetime.date | None
    ics: list[str]


@dataclass
class _Link:
    position: int
    old: str
    new: str
    partial: bool
    #: As given; None: the replacing standard's effective date.
    given: datetime.date | None
    effective: datetime.date | None = None


@dataclass
class Plan:
    """What an announcement asks for, checked against the catalogue."""

    announcement: Announcement
    problems: list[str] = field(default_factory=list)
    new: dict[str, _New] = field(default_factory=dict)
    links: list[_Link] = field(default_factory=list)
    #: number -> date of withdrawal
    withdrawals: dict[str, datetime.date] = field(default_factory=dict)
    #: Catalogue standards named anywhere in the announcement, by number.
    existing: dict[str, Standard] = field(default_factory=dict)
    #: ICS codes of the existing standards concerned, by number.
    ics: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _label(position: int, item: AnnouncementItem) -> str:
    action = dict(Action.choices).get(item.action, item.action or "?")
    number = (item.number or "").strip() or "—"
    return _("第 %(n)s 条（%(action)s %(number)s）") % {
        "n": position,
        "action": action,
        "number": number,
    }


def read_number(text: str) -> tuple[str | None, str | None]:
    """``(edition, None)`` for a usable number, else ``(None, problem)``."""
    text = (text or "").strip()
    if not text:
        return None, _("未填写标准编号")
    try:
        parsed = numbers.parse(text)
    except numbers.NumberError as exc:
        return None, _("标准编号“%(text)s”无法识别：%(reason)s") % {"text": text, "reason": exc}
    if parsed.amendment:
        return None, _("“%(text)s”是修改单编号，请填写其所属标准的编号") % {"text": text}
    if not parsed.dated:
        return None, _("“%(text)s”缺少年代号，请填写完整编号（如 GB 2760-2024）") % {"text": text}
    return parsed.edition, None


def _same_title(a: str, b: str) -> bool:
    def fold(text):
        return re.sub(r"\s+", "", text or "").replace(":", "：")

    return fold(a) == fold(b)


def plan(announcement: Announcement, items=None, *, today: datetime.date | None = None) -> Plan:
    """Read and check an announcement (its saved items, or ``items``) without writing."""
    today = today or timezone.localdate()
    items = list(announcement.items.all() if items is None else items)
    result = Plan(announcement)
    problems = result.problems
    if announcement.is_applied:
        problems.append(_("该公告已应用，不能再次应用"))
    if not items:
        problems.append(_("公告中没有任何条目"))
        return result
    announced = announcement.published_on

    seen_actions: dict[tuple[str, str], int] = {}
    for position, item in enumerate(items, 1):
        where = _label(position, item)

        def say(message, where=where):
            problems.append(f"{where}：{message}")

        if item.action not in Action.values:
            say(
                _("操作“%(action)s”无法识别（应为新发布、代替、部分代替或废止）")
                % {"action": item.action}
            )
            continue
        number, problem = read_number(item.number)
        if problem:
            say(problem)
            continue
        key = (item.action, number)
        if key in seen_actions:
            say(_("与第 %(n)s 条重复") % {"n": seen_actions[key]})
            continue
        seen_actions[key] = position
        replaced = []
        for text in item.replaces_list:
            old, problem = read_number(text)
            if problem:
                say(_("代替标准：%(problem)s") % {"problem": problem})
            elif old == number:
                say(_("标准不能代替其自身"))
            else:
                replaced.append(old)
        if item.published_on and item.effective_on and item.effective_on < item.published_on:
            say(
                _("实施日期（%(effective)s）早于发布日期（%(published)s）")
                % {
                    "effective": chinese_date(item.effective_on),
                    "published": chinese_date(item.published_on),
                }
            )

        if item.action == Action.NEW:
            if not (item.title or "").strip():
                say(_("新发布标准须填写标准名称"))
            if not item.effective_on:
                say(_("新发布标准须填写实施日期"))
            published = item.published_on or announced
            if published and item.effective_on and item.effective_on < published:
                if not item.published_on:
                    say(
                        _("实施日期（%(effective)s）早于公告日期（%(published)s）")
                        % {
                            "effective": chinese_date(item.effective_on),
                            "published": chinese_date(published),
                        }
                    )
            codes = []
            for code in item.ics_list:
                codes.append(code.strip())
            result.new[number] = _New(
                position, number, (item.title or "").strip(), published, item.effective_on, codes
            )
            for old in replaced:
                result.links.append(_Link(position, old, number, False, item.effective_on))
        elif item.action in (Action.SUPERSEDE, Action.PARTIAL_SUPERSEDE):
            if not item.replaces_list:
                say(_("请在“代替标准”中填写被本标准代替的标准编号"))
            partial = item.action == Action.PARTIAL_SUPERSEDE
            for old in replaced:
                result.links.append(_Link(position, old, number, partial, item.effective_on))
        else:  # withdraw
            if item.replaces_list:
                say(_("废止条目不应填写代替标准；标准被代替时请用“代替”操作"))
            when = item.effective_on or announced
            if item.effective_on and announced and item.effective_on < announced:
                say(
                    _("废止日期（%(date)s）早于公告日期（%(announced)s）")
                    % {
                        "date": chinese_date(item.effective_on),
                        "announced": chinese_date(announced),
                    }
                )
            result.withdrawals[number] = when

    _check_catalogue(result, items, today)
    return result


def _check_catalogue(result: Plan, items, today: datetime.date) -> None:
    problems = result.problems
    wanted = set(result.new) | set(result.withdrawals)
    for link in result.links:
        wanted |= {link.old, link.new}
    existing = result.existing
    unique = sorted(wanted)
    for start in range(0, len(unique), _BATCH):
        for std in Standard.objects.filter(number__in=unique[start : start + _BATCH]):
            existing[std.number] = std
    through = Standard.ics.through
    ids = {std.pk: std.number for std in existing.values()}
    id_list = list(ids)
    for start in range(0, len(id_list), _BATCH):
        for std_id, code in through.objects.filter(
            standard_id__in=id_list[start : start + _BATCH]
        ).values_list("standard_id", "icsclass__code"):
            result.ics.setdefault(ids[std_id], []).append(code)

    def where(position):
        return _label(position, items[position - 1])

    # New standards.
    known_ics = set()
    all_codes = {code for new in result.new.values() for code in new.ics}
    if all_codes:
        known_ics = set(IcsClass.objects.filter(code__in=all_codes).values_list("code", flat=True))
    for number, new in result.new.items():
        std = existing.get(number)
        if std is not None and not std.placeholder and std.title and new.title:
            if not _same_title(std.title, new.title):
                problems.append(
                    _("%(where)s：目录中已有 %(number)s，但名称为“%(title)s”，与公告不一致")
                    % {"where": where(new.position), "number": number, "title": std.title}
                )
        for code in new.ics:
            if code not in known_ics:
                problems.append(
                    _("%(where)s：ICS 分类号“%(code)s”不存在")
                    % {"where": where(new.position), "code": code}
                )
        if number in result.withdrawals:
            problems.append(
                _("%(where)s：%(number)s 在本公告中既新发布又废止")
                % {"where": where(new.position), "number": number}
            )

    # Supersession.
    catalogue = DbCatalogue()
    catalogue.preload(numbers=list(existing))
    superseded: dict[str, int] = {}
    pairs: dict[tuple[str, str], int] = {}
    for link in result.links:
        here = where(link.position)
        if (link.old, link.new) in pairs:
            problems.append(
                _("%(where)s：%(new)s 代替 %(old)s 在第 %(n)s 条已有")
                % {
                    "where": here,
                    "new": link.new,
                    "old": link.old,
                    "n": pairs[(link.old, link.new)],
                }
            )
            continue
        pairs[(link.old, link.new)] = link.position
        new_std = existing.get(link.new)
        if link.new not in result.new and (new_std is None or new_std.placeholder):
            problems.append(
                _("%(where)s：代替标准 %(new)s 既不在标准目录中，也不是本公告新发布的标准")
                % {"where": here, "new": link.new}
            )
            continue
        old_std = existing.get(link.old)
        if old_std is None:
            problems.append(
                _("%(where)s：被代替的标准 %(old)s 不在标准目录中")
                % {"where": here, "old": link.old}
            )
            continue
        if link.old in result.new:
            problems.append(
                _("%(where)s：%(old)s 在本公告中新发布，不能同时被代替")
                % {"where": here, "old": link.old}
            )
            continue
        superseded.setdefault(link.old, link.position)
        if new_std is not None and Supersession.objects.filter(old=old_std, new=new_std).exists():
            problems.append(
                _("%(where)s：目录中已记录 %(new)s 代替 %(old)s")
                % {"where": here, "new": link.new, "old": link.old}
            )
        if old_std.withdrawn and not link.partial:
            problems.append(
                _("%(where)s：%(old)s 已记录废止日期（%(date)s），不能再被代替")
                % {"where": here, "old": link.old, "date": chinese_date(old_std.withdrawn)}
            )
        # When it takes effect: as given, else when the replacing standard does.
        if link.new in result.new:
            new_published = result.new[link.new].published
            new_effective = result.new[link.new].effective
        else:
            new_published, new_effective = new_std.published, new_std.effective
        link.effective = link.given or new_effective
        if link.effective is None:
            if link.new not in result.new:  # a new standard without a date is reported above
                problems.append(
                    _("%(where)s：%(new)s 没有实施日期，请填写代替的生效日期")
                    % {"where": here, "new": link.new}
                )
        elif new_published and link.effective < new_published:
            problems.append(
                _("%(where)s：代替生效日期（%(date)s）早于 %(new)s 的发布日期（%(published)s）")
                % {
                    "where": here,
                    "date": chinese_date(link.effective),
                    "new": link.new,
                    "published": chinese_date(new_published),
                }
            )

    # Withdrawals.
    positions = {}
    for position, item in enumerate(items, 1):
        if item.action == Action.WITHDRAW:
            edition, _problem = read_number(item.number)
            if edition:
                positions.setdefault(edition, position)
    for number, when in result.withdrawals.items():
        here = where(positions[number])
        std = existing.get(number)
        if std is None or std.placeholder:
            if number not in result.new:
                problems.append(
                    _("%(where)s：%(number)s 不在标准目录中") % {"where": here, "number": number}
                )
            continue
        if number in superseded:
            problems.append(
                _("%(where)s：%(number)s 在本公告中既被废止又被代替（见第 %(n)s 条）")
                % {"where": here, "number": number, "n": superseded[number]}
            )
        if std.withdrawn:
            problems.append(
                _("%(where)s：%(number)s 已记录废止日期（%(date)s）")
                % {"where": here, "number": number, "date": chinese_date(std.withdrawn)}
            )
        else:
            edition = catalogue.get(number)
            state = status_on(edition, today, catalogue) if edition else None
            successors = [link.number for link in edition.replaced_by if not link.partial]
            if successors and state not in (Status.SUPERSEDED, Status.WITHDRAWN):
                problems.append(
                    _("%(where)s：目录中已记录 %(new)s 代替 %(number)s，不能再废止")
                    % {"where": here, "new": "、".join(successors), "number": number}
                )
            elif state in (Status.SUPERSEDED, Status.WITHDRAWN):
                problems.append(
                    _("%(where)s：%(number)s 目前已是“%(status)s”状态")
                    % {"where": here, "number": number, "status": Status(state).label}
                )
        if when and std.effective and when < std.effective:
            problems.append(
                _("%(where)s：废止日期（%(date)s）早于该标准的实施日期（%(effective)s）")
                % {
                    "where": here,
                    "date": chinese_date(when),
                    "effective": chinese_date(std.effective),
                }
            )

    _check_loops(result, items)


def _check_loops(result: Plan, items) -> None:
    """A replaces B … replaces A, through this announcement's links and the catalogue's."""
    forward: dict[str, set[str]] = defaultdict(set)
    for link in result.links:
        forward[link.old].add(link.new)
    stored: dict[str, set[str]] = {}

    def successors(number):
        return forward.get(number, set()) | stored.get(number, set())

    # Load the catalogue's forward links for everything reachable, level by level.
    frontier = {n for link in result.links for n in (link.old, link.new)}
    for _round in range(MAX_WALK):
        frontier = {n for n in frontier if n not in stored}
        if not frontier:
            break
        for n in frontier:
            stored[n] = set()
        chunk = sorted(frontier)
        nxt = set()
        for start in range(0, len(chunk), _BATCH):
            for old, new in Supersession.objects.filter(
                old__number__in=chunk[start : start + _BATCH]
            ).values_list("old__number", "new__number"):
                stored[old].add(new)
                nxt.add(new)
        frontier = nxt | {n for f in frontier for n in forward.get(f, ())}

    reported = set()
    for link in result.links:
        if link.old == link.new:
            continue
        # Walk forward from the new standard; coming back to the old one is a loop.
        path = {link.new: None}
        queue = [link.new]
        found = False
        while queue and not found:
            current = queue.pop(0)
            for nxt in successors(current):
                if nxt == link.old:
                    path[nxt] = current
                    found = True
                    break
                if nxt not in path and len(path) < MAX_WALK * 10:
                    path[nxt] = current
                    queue.append(nxt)
        if not found:
            continue
        chain = [link.old]
        step = path[link.old]
        while step is not None:
            chain.append(step)
            step = path[step]
        chain.append(link.old)
        chain.reverse()
        key = frozenset(chain)
        if key in reported:
            continue
        reported.add(key)
        result.problems.append(
            _("%(where)s：代替关系成环：%(chain)s")
            % {
                "where": _label(link.position, items[link.position - 1]),
                "chain": " → ".join(chain),
            }
        )


def validate(announcement: Announcement, items=None, *, today=None) -> list[str]:
    """Every problem that stops the announcement from being applied (Chinese)."""
    return plan(announcement, items, today=today).problems


# -- the changes an announcement makes -------------------------------------------------


@dataclass
class _Change:
    number: str
    kind: str
    effective_on: datetime.date
    replaced_by: tuple[str, ...] = ()


def _changes(result: Plan) -> list[_Change]:
    out = []
    for number, new in result.new.items():
        out.append(_Change(number, kinds.PUBLISHED, new.published or new.effective))
    grouped: dict[tuple[str, bool], list[_Link]] = defaultdict(list)
    for link in result.links:
        if link.effective is not None:
            grouped[(link.old, link.partial)].append(link)
    for (old, partial), links in grouped.items():
        kind = kinds.PARTIALLY_SUPERSEDED if partial else kinds.SUPERSEDED
        out.append(
            _Change(
                old,
                kind,
                min(link.effective for link in links),
                tuple(sorted({link.new for link in links})),
            )
        )
    for number, when in result.withdrawals.items():
        if when is not None:
            out.append(_Change(number, kinds.WITHDRAWN, when))
    return [c for c in out if c.effective_on is not None]


def _standard_change(change: _Change, result: Plan) -> StandardChange:
    parsed = numbers.parse(change.number)
    std = result.existing.get(change.number)
    new = result.new.get(change.number)
    title = new.title if new else (std.title if std else "")
    return StandardChange(
        number=change.number,
        series=parsed.series,
        kind=change.kind,
        effective_on=change.effective_on,
        replaced_by=change.replaced_by,
        title=title,
        level=parsed.level,
        ics=tuple(_ics_for(change.number, result)),
        source=result.announcement.code,
    )


def _ics_for(number: str, result: Plan) -> list[str]:
    new = result.new.get(number)
    if new is not None:
        if new.ics:
            return new.ics
        inherited = []
        for link in result.links:
            if link.new == number:
                inherited += result.ics.get(link.old, [])
        if inherited:
            return list(dict.fromkeys(inherited))
    return result.ics.get(number, [])


# -- preview ---------------------------------------------------------------------------


def affected_declarations(changes: list[StandardChange], limit: int = LIST_LIMIT):
    """Published declarations citing a changed edition, or its series undated;
    ``(first ``limit`` as dicts, whether there are more)``."""
    from declarations.models import Declaration, Reference

    keys = sorted({c.number for c in changes} | {c.series for c in changes})
    if not keys:
        return [], False
    cited: dict[int, list[str]] = defaultdict(list)
    ids = set()
    for start in range(0, len(keys), _BATCH):
        rows = Reference.objects.filter(
            normalized__in=keys[start : start + _BATCH],
            own=False,
            declaration__status=Declaration.Status.PUBLISHED,
        ).values_list("declaration_id", flat=True)
        ids.update(rows)
    wanted = sorted(ids)[: limit + 1]
    more = len(ids) > limit
    wanted = wanted[:limit]
    for declaration_id, normalized in Reference.objects.filter(
        declaration_id__in=wanted, normalized__in=keys, own=False
    ).values_list("declaration_id", "normalized"):
        if normalized not in cited[declaration_id]:
            cited[declaration_id].append(normalized)
    out = []
    for declaration in (
        Declaration.objects.filter(pk__in=wanted)
        .select_related("enterprise")
        .prefetch_related("products")
        .order_by("pk")
    ):
        out.append(
            {
                "id": declaration.pk,
                "title": str(declaration),
                "enterprise": declaration.enterprise.name,
                "url": declaration.get_absolute_url(),
                "cites": cited.get(declaration.pk, []),
            }
        )
    return out, more


def preview(announcement: Announcement, *, today: datetime.date | None = None) -> dict:
    """What applying would do (JSON-ready; kept on the announcement when applied)."""
    today = today or timezone.localdate()
    result = plan(announcement, today=today)
    return _preview(result, today)


def _preview(result: Plan, today: datetime.date) -> dict:
    from alerts.reflag import affected

    changes = _changes(result)
    standard_changes = [_standard_change(c, result) for c in changes]
    created = [n for n in result.new if n not in result.existing or result.existing[n].placeholder]
    touched = set(result.new) | set(result.withdrawals)
    for link in result.links:
        touched |= {link.old, link.new}
    changed = [n for n in touched if n not in created and n in result.existing]
    counts = {"standards": 0, "declarations": 0, "enterprises": 0, "watchers": 0}
    if standard_changes:
        found = affected(standard_changes)
        counts = {
            "standards": found.standards,
            "declarations": found.declarations,
            "enterprises": found.enterprises,
            "watchers": found.watchers,
        }
    declarations, more = affected_declarations(standard_changes)
    rows = []
    for change, sc in zip(changes, standard_changes, strict=True):
        new = result.new.get(change.number)
        std = result.existing.get(change.number)
        implemented = new.effective if new else (std.effective if std else None)
        rows.append(
            {
                "number": change.number,
                "kind": change.kind,
                "effective_on": change.effective_on.isoformat(),
                "effective_label": chinese_date(change.effective_on),
                "replaced_by": list(change.replaced_by),
                "headline": change_headline(
                    change.number, change.kind, change.replaced_by, change.effective_on, implemented
                ),
                "due": change.effective_on <= today,
                "level": sc.level,
            }
        )
    return {
        "as_of": today.isoformat(),
        "problems": list(result.problems),
        "standards_created": len(created),
        "standards_changed": len(changed),
        "created": sorted(created),
        "changed": sorted(changed),
        "changes": rows,
        "changes_due": sum(1 for r in rows if r["due"]),
        "changes_later": sum(1 for r in rows if not r["due"]),
        "affected": counts,
        "declarations": declarations,
        "declarations_more": more,
    }


# -- applying --------------------------------------------------------------------------


def apply(announcement: Announcement, user=None, *, today: datetime.date | None = None) -> dict:
    """Apply the announcement in one transaction; returns the summary kept on it.

    Raises :class:`AnnouncementError` (nothing written) when it has problems or was
    applied already.
    """
    from wagtail.log_actions import log

    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        # Claim it first: of two concurrent applies only one changes the status.
        claimed = Announcement.objects.filter(
            pk=announcement.pk, status=Announcement.Status.DRAFT
        ).update(status=Announcement.Status.APPLIED, applied_at=now)
        fresh = Announcement.objects.get(pk=announcement.pk)
        if not claimed:
            raise AnnouncementError([_("该公告已应用，不能再次应用")])
        fresh.status = Announcement.Status.DRAFT  # read as a draft for checking
        result = plan(fresh, today=today)
        if result.problems:
            raise AnnouncementError(result.problems)
        summary = _preview(result, today)
        touched = _write_catalogue(result, today)
        rows = _log_changes(result, touched, fresh)
        from standards.services import _reindex

        indexed = _reindex(sorted({std.pk for std in touched.values()}))
        due = [row for row in rows if row.effective_on <= today]
        alerts = _announce(rows, due, now, source=fresh.code)
        summary.update(
            {
                "applied_on": today.isoformat(),
                "recorded": len(rows),
                "announced": len(due),
                "waiting": len(rows) - len(due),
                "indexed": indexed,
                "alerts": _jsonable(alerts),
            }
        )
        fresh.status = Announcement.Status.APPLIED
        fresh.applied_at = now
        fresh.applied_by = user if getattr(user, "is_authenticated", False) else None
        fresh.summary = summary
        fresh.save(update_fields=["status", "applied_at", "applied_by", "summary", "updated_at"])
        log(
            instance=fresh,
            action=LOG_APPLY,
            user=fresh.applied_by,
            data={
                "code": fresh.code,
                "created": summary["standards_created"],
                "changed": summary["standards_changed"],
                "recorded": len(rows),
                "announced": len(due),
                "declarations": summary["affected"]["declarations"],
            },
        )
    for name in ("status", "applied_at", "applied_by_id", "summary"):
        setattr(announcement, name, getattr(fresh, name))
    return summary


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _write_catalogue(result: Plan, today: datetime.date) -> dict[str, Standard]:
    """New standards, links, dates and statuses; returns every standard touched."""
    source = f"公告 {result.announcement.code}"[:120]
    existing = result.existing
    touched: dict[str, Standard] = {}

    # New standards (or the placeholder / identical record already there).
    to_create = []
    for number, new in result.new.items():
        std = existing.get(number)
        if std is None:
            std = Standard(
                **number_fields(number),
                title=new.title,
                published=new.published,
                effective=new.effective,
                status=Status.UPCOMING,
                source=source,
            )
            to_create.append(std)
        else:
            std.title = std.title if (std.title and not std.placeholder) else new.title
            std.placeholder = False
            std.published = new.published or std.published
            std.effective = new.effective or std.effective
            std.source = std.source or source
        touched[number] = std
    Standard.objects.bulk_create(to_create, batch_size=500)
    if any(std.pk is None for std in to_create):  # backends that do not return keys
        for std in Standard.objects.filter(number__in=[s.number for s in to_create]):
            touched[std.number] = std
    for number in result.new:
        existing[number] = touched[number]

    # ICS classes of the new standards (given, else those of what they replace).
    codes_by_number = {n: _ics_for(n, result) for n in result.new}
    all_codes = {c for codes in codes_by_number.values() for c in codes}
    if all_codes:
        classes = dict(IcsClass.objects.filter(code__in=all_codes).values_list("code", "pk"))
        through = Standard.ics.through
        through.objects.bulk_create(
            [
                through(standard_id=touched[n].pk, icsclass_id=classes[c])
                for n, codes in codes_by_number.items()
                for c in codes
                if c in classes
            ],
            ignore_conflicts=True,
        )

    # Supersession links; a full one ends the old standard on its date.
    Supersession.objects.bulk_create(
        [
            Supersession(
                old=existing[link.old], new=existing[link.new], partial=link.partial, source=source
            )
            for link in result.links
        ],
        batch_size=500,
    )
    ends: dict[str, datetime.date] = {}
    for link in result.links:
        touched[link.old] = existing[link.old]
        touched[link.new] = existing[link.new]
        if not link.partial and link.effective is not None:
            ends[link.old] = min(link.effective, ends.get(link.old, link.effective))
    for number, when in ends.items():
        std = existing[number]
        if std.withdrawn is None:
            std.withdrawn = when
    for number, when in result.withdrawals.items():
        std = existing[number]
        std.withdrawn = when
        touched[number] = std

    now = timezone.now()
    for std in touched.values():
        std.updated_at = now
    fields = ["title", "placeholder", "published", "effective", "withdrawn", "source", "updated_at"]
    Standard.objects.bulk_update(list(touched.values()), fields, batch_size=500)
    _store_statuses(list(touched.values()), today)
    return touched


def _store_statuses(standards: list[Standard], today: datetime.date) -> int:
    """Set the stored status to what the dates and links make it on ``today``."""
    catalogue = DbCatalogue()
    catalogue.preload(numbers=[s.number for s in standards])
    changed = []
    for std in standards:
        edition = catalogue.get(std.number)
        if edition is None:
            continue
        state = status_on(edition, today, catalogue)
        if state == UNPUBLISHED:
            state = Status.UPCOMING
        if std.status != state:
            std.status = state
            std.updated_at = timezone.now()
            changed.append(std)
    Standard.objects.bulk_update(changed, ["status", "updated_at"], batch_size=500)
    return len(changed)


def _log_changes(result: Plan, touched: dict[str, Standard], announcement) -> list[CatalogueChange]:
    rows = []
    for change in _changes(result):
        sc = _standard_change(change, result)
        rows.append(
            CatalogueChange(
                standard=touched[change.number],
                number=change.number,
                series=sc.series,
                level=sc.level,
                title=sc.title[:500],
                ics_codes=(" " + " ".join(sc.ics) + " ") if sc.ics else "",
                kind=change.kind,
                replaced_by="; ".join(change.replaced_by),
                effective_on=change.effective_on,
                announcement=announcement,
            )
        )
    CatalogueChange.objects.bulk_create(rows, batch_size=500)
    if any(row.pk is None for row in rows):
        rows = list(CatalogueChange.objects.filter(announcement=announcement))
        for row in rows:
            row.announcement = announcement
    return rows


def _announce(rows: list[CatalogueChange], due: list[CatalogueChange], now, *, source="") -> dict:
    """Hand an announcement's changes to the alerts engine and mark those now in effect
    announced.

    Changes dated in the future go too, so that firms are warned ahead of time (the
    alerts engine words them "将于 … 废止" and tells them again on the date, when
    ``process_due_changes`` hands them over once more); they stay unannounced until then.
    """
    if not rows:
        return {}
    from alerts.reflag import catalogue_changed

    outcome = catalogue_changed([row.as_standard_change() for row in rows], source=source)
    CatalogueChange.objects.filter(pk__in=[row.pk for row in due]).update(announced_at=now)
    for row in due:
        row.announced_at = now
    return outcome or {}


# -- changes reaching their date -------------------------------------------------------


def process_due_changes(*, today: datetime.date | None = None) -> dict:
    """Announce every recorded change whose date has come (idempotent).

    Brings the stored status of the standards concerned up to date, re-indexes them
    and hands the changes to the alerts engine, one call per announcement, all in one
    transaction; returns counts.
    """
    from wagtail.log_actions import log

    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        ids = list(CatalogueChange.objects.due(today).values_list("pk", flat=True))
        # Claim them, so that two runs at once never announce a change twice.
        claimed = 0
        for start in range(0, len(ids), _BATCH):
            claimed += CatalogueChange.objects.filter(
                pk__in=ids[start : start + _BATCH], announced_at__isnull=True
            ).update(announced_at=now)
        rows = list(
            CatalogueChange.objects.filter(announced_at=now, effective_on__lte=today)
            .select_related("announcement", "standard")
            .order_by("effective_on", "pk")
        )
        # New standards from announcements that have come into force meanwhile.
        started = list(
            Standard.objects.filter(
                status=Status.UPCOMING,
                effective__lte=today,
                catalogue_changes__isnull=False,
            ).distinct()
        )
        standards = {row.standard_id: row.standard for row in rows}
        standards.update({std.pk: std for std in started})
        statuses = _store_statuses(list(standards.values()), today) if standards else 0
        from standards.services import _reindex

        # Any standard whose status changes today by its dates alone (imported records
        # too): its search document says what it was yesterday.
        dated = _dated(today) - set(standards)
        indexed = _reindex(sorted(set(standards) | dated)) if standards or dated else 0
        by_source: dict[int | None, list[CatalogueChange]] = defaultdict(list)
        for row in rows:
            by_source[row.announcement_id].append(row)
        alerts = {}
        from alerts.reflag import catalogue_changed

        for group in by_source.values():
            announcement = group[0].announcement
            source = announcement.code if announcement else ""
            outcome = catalogue_changed([row.as_standard_change() for row in group], source=source)
            alerts[source or "-"] = _jsonable(outcome or {})
            if announcement is not None:
                log(
                    instance=announcement,
                    action=LOG_DUE,
                    user=None,
                    data={
                        "date": today.isoformat(),
                        "changes": [row.headline() for row in group][:100],
                        "count": len(group),
                    },
                )
    return {
        "date": today.isoformat(),
        "due": len(rows),
        "dated": len(dated),
        "standards": len(standards),
        "statuses_updated": statuses,
        "indexed": indexed,
        "announcements": len(by_source),
        "alerts": alerts,
    }


def _dated(today: datetime.date) -> set[int]:
    """Standards whose status changes by their dates within the last ``DATED_WINDOW``
    days: taking effect, withdrawn, or ended by a full successor taking effect."""
    start = today - datetime.timedelta(days=DATED_WINDOW - 1)
    window = (start, today)
    ids = set(
        Standard.objects.filter(
            models.Q(effective__range=window) | models.Q(withdrawn__range=window)
        ).values_list("pk", flat=True)
    )
    ids |= set(
        Supersession.objects.filter(partial=False, new__effective__range=window).values_list(
            "old_id", flat=True
        )
    )
    return ids


def changes_for(announcement: Announcement) -> models.QuerySet:
    return announcement.changes.select_related("standard").order_by("effective_on", "number")
