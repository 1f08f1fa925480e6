"""Supervision after publication (事中事后监管): reviews, rectification cases (责令整改),
public complaints (举报) and 双随机 spot-check draws.

The bureau does not approve declarations; staff review them after publication. Writes
go through ``supervision.services`` (each one also writes an audit-log entry).
"""

import datetime
import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from declarations.models import Category, Declaration, Enterprise


class PrivateStorage(FileSystemStorage):
    """Outside the web root (``PRIVATE_MEDIA_ROOT``), read when used, so tests can point
    it elsewhere; files are served by views that check who asks."""

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def chinese_date(value) -> str:
    """``2026年11月30日`` (the local date of a datetime); empty for None."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return _("%(y)s年%(m)s月%(d)s日") % {"y": value.year, "m": value.month, "d": value.day}


def private_storage():
    return PrivateStorage()


class Complaint(models.Model):
    """A public complaint (举报) about a published declaration; it puts the declaration
    in the review queue until staff handle it."""

    class Status(models.TextChoices):
        NEW = "new", _("待处理")
        HANDLED = "handled", _("已处理")

    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.CASCADE,
        related_name="complaints",
        verbose_name=_("被举报的声明"),
    )
    name = models.CharField(_("举报人"), max_length=60, blank=True)
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    text = models.TextField(_("举报内容"), max_length=2000)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.NEW, db_index=True
    )
    created_at = models.DateTimeField(_("举报时间"), auto_now_add=True, db_index=True)
    #: A salted hash of the sender's address (never the address itself).
    sender_hash = models.CharField(max_length=64, blank=True, editable=False)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("处理人"),
    )
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    notes = models.TextField(_("处理情况"), blank=True)

    class Meta:
        verbose_name = _("举报")
        verbose_name_plural = _("举报")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["declaration", "status"], name="complaint_decl_status")]

    def __str__(self):
        return _("对“%(declaration)s”的举报（%(date)s）") % {
            "declaration": self.declaration,
            "date": chinese_date(self.created_at),
        }

    @property
    def enterprise(self):
        return self.declaration.enterprise


class ReviewRecord(models.Model):
    """One review of a declaration by bureau staff, with its outcome."""

    class Outcome(models.TextChoices):
        OK = "ok", _("无问题")
        PROBLEMS = "problems", _("发现问题")
        CASE = "case", _("立案")

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("声明")
    )
    #: The version of the declaration that was reviewed.
    version = models.PositiveIntegerField(_("审查的版本"))
    outcome = models.CharField(_("审查结论"), max_length=10, choices=Outcome.choices)
    notes = models.TextField(_("审查意见"), blank=True)
    #: Why the declaration was in the queue: "new", "flagged", "complaint".
    reasons = models.JSONField(_("进入队列的原因"), default=list, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审查人"),
    )
    created_at = models.DateTimeField(_("审查时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审查记录")
        verbose_name_plural = _("审查记录")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.declaration} · {self.get_outcome_display()}"


class CaseQuerySet(models.QuerySet):
    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.exclude(status=Case.Status.CLOSED).filter(deadline__lt=today)

    def still_open(self):
        return self.exclude(status=Case.Status.CLOSED)


class Case(models.Model):
    """A rectification order (责令整改): findings, what to do by when, the firm's answer
    and how the case was closed."""

    class Status(models.TextChoices):
        OPEN = "open", _("待整改")
        ANSWERED = "answered", _("企业已答复")
        CLOSED = "closed", _("已结案")

    class Outcome(models.TextChoices):
        RECTIFIED = "rectified", _("已按期整改")
        NOT_RECTIFIED = "not_rectified", _("未按要求整改")
        WITHDRAWN = "withdrawn", _("企业已废止声明")
        NO_PROBLEM = "no_problem", _("经核查无问题")

    #: Outcomes that mean a problem was found: such closed cases are shown publicly.
    PROBLEM_OUTCOMES = (Outcome.RECTIFIED, Outcome.NOT_RECTIFIED, Outcome.WITHDRAWN)

    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="cases", verbose_name=_("声明")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="cases", verbose_name=_("企业")
    )
    review = models.ForeignKey(
        ReviewRecord,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        verbose_name=_("审查记录"),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("立案人"),
    )
    opened_at = models.DateTimeField(_("立案时间"), auto_now_add=True, db_index=True)
    findings = models.TextField(_("发现的问题"))
    order = models.TextField(_("整改要求"))
    deadline = models.DateField(_("整改期限"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    firm_response = models.TextField(_("企业答复"), blank=True)
    response_file = models.FileField(
        _("答复附件（PDF）"),
        storage=private_storage,
        upload_to="case-responses/%Y/",
        blank=True,
    )
    response_file_name = models.CharField(_("附件原文件名"), max_length=200, blank=True)
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("答复人"),
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("结案人"),
    )
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    outcome = models.CharField(_("结案结论"), max_length=20, choices=Outcome.choices, blank=True)
    closing_notes = models.TextField(_("结案说明"), blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("责令整改")
        verbose_name_plural = _("责令整改")
        ordering = ["-opened_at", "-id"]
        permissions = [
            ("close_case", _("可以结案")),
            ("view_dashboard", _("可以查看监管统计和报表")),
        ]

    def __str__(self):
        return _("整改 %(number)s · %(enterprise)s") % {
            "number": self.number,
            "enterprise": self.enterprise.name if self.enterprise_id else "",
        }

    @property
    def number(self) -> str:
        year = timezone.localtime(self.opened_at).year if self.opened_at else ""
        return f"{year}-{self.pk or 0:04d}"

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status != self.Status.CLOSED and self.deadline < today

    is_overdue.short_description = _("逾期")  # type: ignore[attr-defined]
    is_overdue.boolean = True  # type: ignore[attr-defined]

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    @property
    def open(self) -> bool:
        return self.status != self.Status.CLOSED

    @property
    def problem_found(self) -> bool:
        return self.status == self.Status.CLOSED and self.outcome in self.PROBLEM_OUTCOMES


class SpotCheckDraw(models.Model):
    """A recorded 双随机 draw: the seed and the exact pools it was drawn from, so anyone
    can re-run it (``supervision.draw.draw``) and get the same result."""

    seed = models.PositiveBigIntegerField(_("随机种子"))
    n = models.PositiveIntegerField(_("抽取声明数"))
    m = models.PositiveIntegerField(_("抽取检查人员数"))
    region = models.CharField(
        _("地区范围"), max_length=6, blank=True, help_text=_("省或市的行政区划代码，空为全部")
    )
    category = models.CharField(_("产品类别"), max_length=20, choices=Category.choices, blank=True)
    industry = models.CharField(_("行业"), max_length=60, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("抽取人"),
    )
    created_at = models.DateTimeField(_("抽取时间"), auto_now_add=True, db_index=True)
    declaration_pool = models.PositiveIntegerField(_("声明池"), default=0)
    inspector_pool = models.PositiveIntegerField(_("检查人员池"), default=0)
    excluded_count = models.PositiveIntegerField(_("排除的企业数"), default=0)
    #: The inputs, as given to ``draw``: ``{"declarations": [[id, enterprise_id], …],
    #: "inspectors": [user ids], "excluded": [enterprise ids]}``.
    pool = models.JSONField(_("抽取范围"), default=dict)
    pool_sha256 = models.CharField(_("抽取范围摘要"), max_length=64, blank=True)
    chosen_declarations = models.JSONField(_("抽中的声明"), default=list)
    chosen_enterprises = models.JSONField(_("抽中的企业"), default=list)
    chosen_inspectors = models.JSONField(_("抽中的检查人员"), default=list)

    class Meta:
        verbose_name = _("双随机抽查")
        verbose_name_plural = _("双随机抽查")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return _("抽查 %(number)s（%(date)s）") % {
            "number": self.pk or "",
            "date": chinese_date(self.created_at),
        }

    @property
    def scope_label(self) -> str:
        from declarations import regions

        parts = []
        if self.region:
            parts.append(regions.full_name(self.region) or self.region)
        if self.category:
            parts.append(str(dict(Category.choices).get(self.category, self.category)))
        if self.industry:
            parts.append(self.industry)
        return " · ".join(parts) or str(_("全部"))


def three_years_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 3)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 3, day=28)
