"""Background work of the alerts app (django-tasks): e-mailing notices.

Immediate backend by default (sent when the transaction commits); at scale a database
backend's worker sends them, retried there, without holding up the announcement.
"""

from django.conf import settings
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from django_tasks import task

from .models import Notification


def absolute(url: str) -> str:
    if not url or "://" in url:
        return url
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")
    return f"{base}{url}"


def _messages(notices, connection) -> list[mail.EmailMessage]:
    from django.urls import reverse

    details = _("详情：%(url)s")
    footer = [
        "",
        _("全部站内消息：%(url)s") % {"url": absolute(reverse("alerts:notifications"))},
        _("本邮件由标准馆自动发送，请勿直接回复。"),
    ]
    prefix = f"[{_('标准馆')}] "
    out = []
    for notice in notices:
        lines = [notice.body.strip()]
        if notice.url:
            lines += ["", details % {"url": absolute(notice.url)}]
        out.append(
            mail.EmailMessage(
                subject=prefix + notice.title,
                body="\n".join(lines + footer),
                to=[notice.recipient.email],
                connection=connection,
            )
        )
    return out


@task()
def send_notification_emails(ids: list[int]) -> int:
    """E-mail the notices ``ids`` not e-mailed yet to recipients with an address."""
    notices = list(
        Notification.objects.filter(pk__in=ids, emailed_at__isnull=True)
        .exclude(recipient__email="")
        .select_related("recipient")
    )
    if not notices:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        connection = mail.get_connection()
        messages = _messages(notices, connection)
        sent = connection.send_messages(messages) or 0
    Notification.objects.filter(pk__in=[n.pk for n in notices]).update(emailed_at=timezone.now())
    return sent
