"""In-site notices and watch lists (标准信息预警).

A ``Notification`` is one message to one user; ``dedupe_key`` names what it is about
(e.g. one catalogue change), so the same event never reaches the same person twice
however often it is processed. A ``Watch`` is a standard, a series or an ICS class a
user follows; catalogue changes touching it produce a notice.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        DECLARATION = "declaration", _("声明预警")
        WATCH = "watch", _("关注提醒")
        SUPERVISION = "supervision", _("监管通知")
        OTHER = "other", _("其他")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    enterprise = models.ForeignKey(
        "declarations.Enterprise",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("企业"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    #: Where the notice leads (a path on this site).
    url = models.CharField(_("链接"), max_length=500, blank=True)
    #: What the notice is about; one notice per recipient and key.
    dedupe_key = models.CharField(_("去重键"), max_length=200)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], name="alerts_one_notice_per_key"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="alerts_unread")]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Watch(models.Model):
    class Kind(models.TextChoices):
        STANDARD = "standard", _("标准")
        SERIES = "series", _("标准系列")
        ICS = "ics", _("ICS 分类")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="watches",
        verbose_name=_("用户"),
    )
    kind = models.CharField(_("关注类型"), max_length=10, choices=Kind.choices)
    #: Normalized: an edition ``GB 2760-2014``, a series ``GB 2760`` or an ICS code.
    value = models.CharField(_("关注对象"), max_length=120)
    created_at = models.DateTimeField(_("关注时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("关注")
        verbose_name_plural = _("关注")
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "value"], name="alerts_one_watch")
        ]
        # Catalogue changes look watchers up by what is watched.
        indexes = [models.Index(fields=["kind", "value"], name="alerts_watch_target")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.value}"

    def get_absolute_url(self):
        if self.kind == self.Kind.ICS:
            return reverse("standards:browse_ics", args=[self.value])
        return reverse("standards:detail", args=[self.value])
