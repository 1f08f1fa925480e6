"""Announcements (公告) that change the catalogue, and the log of changes they made.

An :class:`Announcement` is entered (or imported) as a draft with its items, previewed,
then applied once by ``standards.announcements.apply``; it is read-only afterwards.
Applying writes one :class:`CatalogueChange` per standard concerned; a change dated in
the future waits until ``process_due_changes`` announces it on its date.
"""

import datetime
import re

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from standards import changes, numbers

from .catalogue import Standard


def split_numbers(text: str) -> list[str]:
    """``"GB 1-2000；GB 2-2001"`` -> both numbers (separators ``;`` ``；`` ``,`` ``、``)."""
    return [part.strip() for part in re.split(r"[;；,，、\n]+", text or "") if part.strip()]


class Announcement(ClusterableModel):
    """One announcement of the standardization administration, e.g. 国家标准公告2026年第3号."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        APPLIED = "applied", _("已应用")

    code = models.CharField(
        _("公告号"),
        max_length=100,
        unique=True,
        help_text=_("如：国家标准公告2026年第3号"),
    )
    title = models.CharField(_("公告标题"), max_length=300)
    issuer = models.CharField(_("发布机关"), max_length=200, blank=True)
    published_on = models.DateField(_("公告日期"))
    note = models.TextField(_("说明"), blank=True)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
        editable=False,
    )
    applied_at = models.DateTimeField(_("应用时间"), null=True, blank=True, editable=False)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("应用人"),
    )
    #: The preview as it stood when the announcement was applied (counts, affected
    #: declarations, what the alerts engine reported).
    summary = models.JSONField(_("应用时的影响预览"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-published_on", "-id"]
        verbose_name = _("公告")
        verbose_name_plural = _("公告")
        permissions = [("apply_announcement", _("可以应用公告（修改标准目录）"))]

    def __str__(self):
        return self.code

    @property
    def is_applied(self) -> bool:
        return self.status == self.Status.APPLIED


class AnnouncementItem(Orderable):
    """One line of an announcement.

    * ``new``: ``number`` is a newly published standard (``title`` and ``effective_on``,
      its implementation date, required); ``replaces`` lists the standards it replaces.
    * ``supersede`` / ``partial_supersede``: ``number`` is the replacing standard (in
      the catalogue or new in the same announcement); ``replaces`` lists those it
      replaces (wholly / in part); ``effective_on`` is when that takes effect (blank:
      the replacing standard's implementation date).
    * ``withdraw``: ``number`` is withdrawn (废止) on ``effective_on`` (blank: the
      announcement's date).
    """

    class Action(models.TextChoices):
        NEW = "new", _("新发布")
        SUPERSEDE = "supersede", _("代替")
        PARTIAL_SUPERSEDE = "partial_supersede", _("部分代替")
        WITHDRAW = "withdraw", _("废止")

    announcement = ParentalKey(Announcement, on_delete=models.CASCADE, related_name="items")
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    number = models.CharField(
        _("标准编号"),
        max_length=80,
        help_text=_("新发布、代替其他标准或被废止的标准"),
    )
    title = models.CharField(_("标准名称"), max_length=500, blank=True)
    replaces = models.CharField(
        _("代替标准"),
        max_length=1000,
        blank=True,
        help_text=_("本标准代替的标准编号，多个以 ; 分隔"),
    )
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    effective_on = models.DateField(
        _("实施日期"),
        null=True,
        blank=True,
        help_text=_("新发布：实施日期；代替、废止：变更生效日期"),
    )
    ics = models.CharField(
        "ICS",
        max_length=200,
        blank=True,
        help_text=_("新发布标准的 ICS 分类号，多个以 ; 分隔；不填则沿用被代替标准的分类"),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("公告条目")
        verbose_name_plural = _("公告条目")

    def __str__(self):
        return f"{self.get_action_display()} {self.number}"

    @property
    def parsed(self) -> numbers.StandardNumber | None:
        return numbers.try_parse(self.number or "")

    @property
    def normalized(self) -> str:
        parsed = self.parsed
        return parsed.edition if parsed is not None else (self.number or "").strip()

    @property
    def level(self) -> str:
        parsed = self.parsed
        return parsed.level if parsed is not None else ""

    @property
    def replaces_list(self) -> list[str]:
        return split_numbers(self.replaces)

    @property
    def ics_list(self) -> list[str]:
        return split_numbers(self.ics)

    def save(self, *args, **kwargs):
        # Store numbers in their normal form wherever they can be read.
        self.number = self.normalized
        self.replaces = "; ".join(_edition(n) for n in self.replaces_list)
        super().save(*args, **kwargs)


def _edition(number: str) -> str:
    parsed = numbers.try_parse(number)
    return parsed.edition if parsed is not None else number


class CatalogueChangeQuerySet(models.QuerySet):
    def due(self, today: datetime.date | None = None):
        """Changes in effect by ``today`` that have not been announced yet."""
        today = today or timezone.localdate()
        return self.filter(effective_on__lte=today, announced_at__isnull=True)

    def in_ics(self, code: str):
        """Changes to standards classified under ``code`` or one of its sub-classes."""
        return self.filter(
            models.Q(ics_codes__contains=f" {code} ") | models.Q(ics_codes__contains=f" {code}.")
        )


class CatalogueChange(models.Model):
    """The log of catalogue changes: one row per standard and kind of change."""

    KIND_LABELS = {
        changes.PUBLISHED: _("发布"),
        changes.SUPERSEDED: _("被代替"),
        changes.PARTIALLY_SUPERSEDED: _("被部分代替"),
        changes.WITHDRAWN: _("废止"),
    }

    standard = models.ForeignKey(
        Standard,
        on_delete=models.CASCADE,
        related_name="catalogue_changes",
        verbose_name=_("标准"),
    )
    number = models.CharField(_("标准编号"), max_length=80)
    series = models.CharField(_("系列"), max_length=80, db_index=True)
    level = models.CharField(_("层级"), max_length=16, db_index=True)
    title = models.CharField(_("标准名称"), max_length=500, blank=True)
    #: ICS codes of the standard when the change was made, space-separated and
    #: space-padded (" 67.220.20 67.220.10 ") so a class and its sub-classes match.
    ics_codes = models.CharField(_("ICS 分类号"), max_length=500, blank=True)
    kind = models.CharField(
        _("变更类型"), max_length=24, choices=[(k, v) for k, v in KIND_LABELS.items()]
    )
    #: Editions replacing it (superseded / partially superseded), "; "-separated.
    replaced_by = models.CharField(_("代替标准"), max_length=500, blank=True)
    effective_on = models.DateField(_("生效日期"))
    announcement = models.ForeignKey(
        Announcement,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="changes",
        verbose_name=_("公告"),
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    #: When the change took effect and was handed to the alerts engine (None: not yet).
    announced_at = models.DateTimeField(_("预警时间"), null=True, blank=True)

    objects = CatalogueChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("目录变更")
        verbose_name_plural = _("目录变更")
        indexes = [models.Index(fields=["effective_on", "announced_at"])]

    def __str__(self):
        return self.headline()

    @property
    def replaced_by_list(self) -> list[str]:
        return split_numbers(self.replaced_by)

    @property
    def ics_list(self) -> list[str]:
        return self.ics_codes.split()

    def headline(self) -> str:
        """``GB 2760-2014 被 GB 2760-2024 代替（2025年2月8日起）``."""
        effective = None
        if self.kind == changes.PUBLISHED and self.standard_id:
            effective = self.standard.effective
        return change_headline(
            self.number, self.kind, self.replaced_by_list, self.effective_on, effective
        )

    def as_standard_change(self) -> changes.StandardChange:
        source = self.announcement.code if self.announcement_id else ""
        return changes.StandardChange(
            number=self.number,
            series=self.series,
            kind=self.kind,
            effective_on=self.effective_on,
            replaced_by=tuple(self.replaced_by_list),
            title=self.title,
            level=self.level,
            ics=tuple(self.ics_list),
            source=source,
        )


def change_headline(
    number: str,
    kind: str,
    replaced_by: list[str] | tuple[str, ...],
    effective_on: datetime.date | None,
    implemented_on: datetime.date | None = None,
) -> str:
    """One line that says what changed and from when, e.g.
    ``GB 2760-2014 被 GB 2760-2024 代替（2025年2月8日起）``; for a new standard
    ``GB 2760-2024 发布（2025年2月8日实施）`` (``implemented_on``: its effective date)."""
    from django.utils.translation import gettext

    values = {
        "number": number,
        "new": "、".join(replaced_by),
        "date": chinese_date(effective_on),
        "effective": chinese_date(implemented_on),
    }
    if kind == changes.SUPERSEDED and replaced_by:
        text = gettext("%(number)s 被 %(new)s 代替（%(date)s起）")
    elif kind == changes.PARTIALLY_SUPERSEDED and replaced_by:
        text = gettext("%(number)s 被 %(new)s 部分代替（%(date)s起）")
    elif kind == changes.PUBLISHED and implemented_on:
        text = gettext("%(number)s 发布（%(effective)s实施）")
    elif kind == changes.PUBLISHED:
        text = gettext("%(number)s 发布（%(date)s）")
    else:
        text = gettext("%(number)s 废止（%(date)s起）")
    return text % values


def chinese_date(day: datetime.date | None) -> str:
    if day is None:
        return ""
    return f"{day.year}年{day.month}月{day.day}日"
