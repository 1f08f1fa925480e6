"""Queue in-site notices, once per recipient and key, with e-mail after commit.

Anything that must tell a user something (catalogue changes here, supervision cases
elsewhere) builds ``Notice`` records and calls :func:`send`. Notices already given
(same recipient and ``dedupe_key``) are skipped, so processing an event twice never
duplicates a notice. E-mails go out through the ``alerts.tasks`` task once the
transaction commits: with the immediate backend at once, with a database backend by
its worker.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, router, transaction

from .models import Notification

#: Rows per query or insert (well below SQLite's bound-parameter limit).
CHUNK = 500
#: Notices per e-mail task.
EMAIL_BATCH = 200


@dataclass(frozen=True)
class Notice:
    recipient_id: int
    title: str
    body: str
    dedupe_key: str
    kind: str = Notification.Kind.OTHER
    url: str = ""
    enterprise_id: int | None = None


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def send(notices: Iterable[Notice], *, email: bool = True) -> list[int]:
    """Create the notices not given before; returns the ids of those created."""
    wanted: dict[tuple[int, str], Notice] = {}
    for notice in notices:
        wanted.setdefault((notice.recipient_id, notice.dedupe_key[:200]), notice)
    if not wanted:
        return []
    db = router.db_for_write(Notification)
    keys = sorted({key for _recipient, key in wanted})
    recipients = sorted({recipient for recipient, _key in wanted})
    seen = set()
    for key_chunk in _chunks(keys, 200):
        for recipient_chunk in _chunks(recipients, 700):
            seen.update(
                Notification.objects.using(db)
                .filter(recipient_id__in=recipient_chunk, dedupe_key__in=key_chunk)
                .values_list("recipient_id", "dedupe_key")
            )
    rows = [
        Notification(
            recipient_id=n.recipient_id,
            enterprise_id=n.enterprise_id,
            kind=n.kind,
            title=n.title[:200],
            body=n.body,
            url=n.url[:500],
            dedupe_key=key[1],
        )
        for key, n in wanted.items()
        if key not in seen
    ]
    created: list[int] = []
    with transaction.atomic(using=db):
        for chunk in _chunks(rows):
            try:
                with transaction.atomic(using=db):
                    Notification.objects.using(db).bulk_create(chunk)
                created += [row.pk for row in chunk]
            except IntegrityError:
                # Given meanwhile by a concurrent run: keep the first, skip the rest.
                Notification.objects.using(db).bulk_create(chunk, ignore_conflicts=True)
        if email and created:
            transaction.on_commit(lambda: queue_emails(created), using=db, robust=True)
    return created


def queue_emails(ids: list[int]) -> None:
    from .tasks import send_notification_emails

    for chunk in _chunks(list(ids), EMAIL_BATCH):
        send_notification_emails.enqueue(chunk)
