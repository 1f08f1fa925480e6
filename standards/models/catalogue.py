"""The catalogue: one row per edition of a standard, and the links between editions.

Status on a date is derived, not trusted: the stored ``status`` is what the source said
when it was recorded; dates and supersession links decide wherever they are known
(see ``standards.validity.status_on`` and ``StandardQuerySet.in_force``).
"""

import datetime
import functools
import re
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from standards import numbers


def search_key(number: str) -> str:
    """``GB/T 19580-2012`` -> ``GBT195802012``: what loose number matching compares."""
    return re.sub(r"[^0-9A-Z.]", "", number.upper())


def number_fields(number: str) -> dict:
    """Model fields derived from a standard number; raises ``numbers.NumberError``."""
    parsed = numbers.parse(number)
    return {
        "number": parsed.edition,
        "series": parsed.series,
        "search_key": search_key(parsed.edition),
        "code": parsed.code,
        "serial": parsed.serial,
        "year": parsed.year,
        "level": parsed.level,
        "kind": parsed.kind,
    }


@functools.cache
def _detail_prefix() -> str:
    return reverse("standards:detail", args=["X"])[:-2]


def standard_path(number: str) -> str:
    """URL path of a standard's page; the same as ``reverse`` gives, without its cost."""
    return _detail_prefix() + quote(number, safe="/~:@!$&'()*+,;=") + "/"


class Level(models.TextChoices):
    NATIONAL = "national", _("国家标准")
    INDUSTRY = "industry", _("行业标准")
    LOCAL = "local", _("地方标准")
    GROUP = "group", _("团体标准")
    ENTERPRISE = "enterprise", _("企业标准")
    INTERNATIONAL = "international", _("国际标准")


class Kind(models.TextChoices):
    MANDATORY = "mandatory", _("强制性")
    RECOMMENDED = "recommended", _("推荐性")
    GUIDANCE = "guidance", _("指导性")


class Status(models.TextChoices):
    CURRENT = "current", _("现行")
    UPCOMING = "upcoming", _("即将实施")
    SUPERSEDED = "superseded", _("被代替")
    WITHDRAWN = "withdrawn", _("废止")


class IcsClass(models.Model):
    """A class of the International Classification for Standards (7th edition)."""

    code = models.CharField(_("ICS 代码"), max_length=16, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name_zh = models.CharField(_("中文名称"), max_length=200, blank=True)
    name_en = models.CharField(_("英文名称"), max_length=300, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("ICS 分类")
        verbose_name_plural = _("ICS 分类")

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("standards:browse_ics", args=[self.code])

    @property
    def name(self):
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh or self.name_en

    @property
    def depth(self):
        return self.code.count(".") + 1


class StandardQuerySet(models.QuerySet):
    def in_force(self, on=None):
        """Editions in force on ``on`` (default today), by dates where known.

        The same rules as ``standards.validity.status_on``, as one query: published by
        then; not ended by a withdrawal date or by a full successor in force; effective
        (or, with no date, not recorded as upcoming); and not recorded as ended where no
        date says when, unless everything that replaced it was published later.
        """
        on = on or datetime.date.today()
        links = Supersession.objects.filter(old=OuterRef("pk"))
        full = links.filter(partial=False)

        def existed(successors):
            return successors.filter(Q(new__published__lte=on) | Q(new__published__isnull=True))

        replaced_later = (Exists(full) & ~Exists(existed(full))) | (
            ~Exists(full) & Q(status=Status.SUPERSEDED) & Exists(links) & ~Exists(existed(links))
        )
        ended_by_record = (
            Q(withdrawn__isnull=True)
            & ~Exists(full.filter(new__effective__isnull=False))
            & Q(status__in=[Status.SUPERSEDED, Status.WITHDRAWN])
            & ~replaced_later
        )
        return (
            self.exclude(published__gt=on)
            .exclude(withdrawn__lte=on)
            .exclude(Q(withdrawn__isnull=True) & Exists(full.filter(new__effective__lte=on)))
            .exclude(effective__gt=on)
            .exclude(Q(effective__isnull=True) & Q(status=Status.UPCOMING))
            .exclude(ended_by_record)
            .exclude(placeholder=True)
        )

    def upcoming(self, on=None):
        """Editions published by ``on`` (default today) that take effect after it, by
        their dates (a record still saying 即将实施 after its effective date is in
        force, see ``in_force``); with no effective date, as recorded."""
        on = on or datetime.date.today()
        return (
            self.exclude(published__gt=on)
            .exclude(withdrawn__lte=on)
            .filter(Q(effective__gt=on) | Q(effective__isnull=True, status=Status.UPCOMING))
            .exclude(status__in=[Status.SUPERSEDED, Status.WITHDRAWN])
            .exclude(placeholder=True)
        )

    def listed(self):
        """Editions with their own record (not only known by a link from another)."""
        return self.filter(placeholder=False)


class Standard(models.Model):
    """One edition of a standard, e.g. GB 2760-2014."""

    number = models.CharField(_("标准编号"), max_length=80, unique=True)
    #: Code + serial without the year ("GB 2760"): all editions of a series share it.
    series = models.CharField(_("系列"), max_length=80, db_index=True)
    #: Upper-case number without spaces or punctuation ("GB27602014"), for loose matching.
    search_key = models.CharField(max_length=80, db_index=True, editable=False)
    code = models.CharField(_("标准代号"), max_length=40)
    serial = models.CharField(_("顺序号"), max_length=40)
    year = models.PositiveSmallIntegerField(_("年代号"), null=True, blank=True)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices, db_index=True)
    kind = models.CharField(_("性质"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("标准名称"), max_length=500, blank=True)
    title_en = models.CharField(_("英文名称"), max_length=500, blank=True)
    status = models.CharField(
        _("记录状态"),
        max_length=16,
        choices=Status.choices,
        blank=True,
        help_text=_("来源记录的状态；某一日期的实际状态由日期与代替关系决定。"),
    )
    published = models.DateField(_("发布日期"), null=True, blank=True)
    effective = models.DateField(_("实施日期"), null=True, blank=True, db_index=True)
    withdrawn = models.DateField(_("废止日期"), null=True, blank=True)
    effective_note = models.CharField(_("实施说明"), max_length=200, blank=True)
    ics = models.ManyToManyField(IcsClass, blank=True, related_name="standards", verbose_name="ICS")
    ccs = models.CharField("CCS", max_length=16, blank=True)
    department = models.CharField(_("发布/归口部门"), max_length=300, blank=True)
    scope = models.TextField(_("适用范围"), blank=True)
    category = models.CharField(_("领域分类"), max_length=300, blank=True)
    placeholder = models.BooleanField(
        _("仅知编号"),
        default=False,
        help_text=_("目录中没有本版本的记录，只从其他标准的代替关系得知其编号。"),
    )
    source = models.CharField(_("数据来源"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = StandardQuerySet.as_manager()

    class Meta:
        ordering = ["series", "-year"]
        verbose_name = _("标准")
        verbose_name_plural = _("标准")
        indexes = [models.Index(fields=["level", "status"])]

    def __str__(self):
        return f"{self.number} {self.title}".strip()

    def save(self, *args, **kwargs):
        # The number is the one source of its derived fields, however the record is saved.
        for name, value in number_fields(self.number).items():
            setattr(self, name, value)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return standard_path(self.number)

    def clean(self):
        try:
            derived = number_fields(self.number)
        except numbers.NumberError as exc:
            raise ValidationError({"number": str(exc)}) from None
        if not numbers.parse(self.number).dated:
            raise ValidationError({"number": _("请填写带年代号的完整编号，如 GB 2760-2014")})
        clash = Standard.objects.filter(number=derived["number"]).exclude(pk=self.pk)
        if clash.exists():
            raise ValidationError({"number": _("目录中已有该编号的标准")})
        if self.effective and self.withdrawn and self.withdrawn < self.effective:
            raise ValidationError({"withdrawn": _("废止日期不能早于实施日期")})
        if self.published and self.effective and self.effective < self.published:
            raise ValidationError({"effective": _("实施日期不能早于发布日期")})

    @property
    def mandatory(self):
        return self.kind == Kind.MANDATORY

    @cached_property
    def edition(self):
        """This record as the pure ``validity.Edition`` the verdict rules work on."""
        from standards.catalogue import edition_from_model

        return edition_from_model(self)

    def status_on(self, on=None):
        from standards.catalogue import DbCatalogue
        from standards.validity import status_on

        return status_on(self.edition, on or datetime.date.today(), DbCatalogue())


class Supersession(models.Model):
    """``new`` replaces ``old`` (代替), fully or in part (部分代替).

    Sources state it from either side; stored once, read in both directions.
    """

    old = models.ForeignKey(
        Standard,
        on_delete=models.CASCADE,
        related_name="replaced_by_links",
        verbose_name=_("被代替标准"),
    )
    new = models.ForeignKey(
        Standard,
        on_delete=models.CASCADE,
        related_name="replaces_links",
        verbose_name=_("代替标准"),
    )
    partial = models.BooleanField(_("部分代替"), default=False)
    source = models.CharField(_("数据来源"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("代替关系")
        verbose_name_plural = _("代替关系")
        constraints = [
            models.UniqueConstraint(fields=["old", "new"], name="unique_supersession"),
            models.CheckConstraint(condition=~Q(old=models.F("new")), name="no_self_supersession"),
        ]

    def __str__(self):
        verb = "部分代替" if self.partial else "代替"
        return f"{self.new.number} {verb} {self.old.number}"

    def clean(self):
        if not (self.old_id and self.new_id):
            return
        if self.old_id == self.new_id:
            raise ValidationError(_("标准不能代替其自身"))
        if Supersession.objects.filter(old_id=self.new_id, new_id=self.old_id).exists():
            raise ValidationError(_("已存在方向相反的代替关系，二者不能互相代替"))
        # Walking forward from the new edition must never come back to the old one.
        seen, frontier = {self.new_id}, [self.new_id]
        while frontier:
            nxt = set(
                Supersession.objects.filter(old_id__in=frontier)
                .exclude(pk=self.pk)
                .values_list("new_id", flat=True)
            )
            if self.old_id in nxt:
                raise ValidationError(_("该代替关系会形成循环（新版本最终又被旧版本代替）"))
            frontier = list(nxt - seen)
            seen |= nxt
