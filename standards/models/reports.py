"""Saved 查新 reports: what was checked, as of which date, and the verdicts then."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class CheckReport(models.Model):
    """One 查新 run, kept so that its link can be shared and its files downloaded.

    The verdicts are a snapshot: the report says what the catalogue said on the day it
    was made; "check again" makes a new report.
    """

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    as_of = models.DateField(_("查新日期"))
    catalogue_date = models.DateField(_("目录更新日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=200)
    source_kind = models.CharField(_("来源类型"), max_length=10, default="text")
    references = models.JSONField(_("引用的标准"), default=list)
    #: What reading the document could not do (pages without text, limits reached).
    notes = models.TextField(_("读取说明"), blank=True)
    rows = models.JSONField(_("查新结果"), default=list)
    counts = models.JSONField(_("结论统计"), default=dict)
    #: Normalized numbers the user chose to follow (until watch lists have accounts).
    watched = models.JSONField(_("关注的标准"), default=list, blank=True)
    watched_at = models.DateTimeField(_("关注时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("查新报告")
        verbose_name_plural = _("查新报告")

    def __str__(self):
        return f"{self.source} · {self.as_of:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("standards:report", args=[self.token])

    @property
    def problems(self) -> int:
        return sum(n for verdict, n in self.counts.items() if verdict != "current")
