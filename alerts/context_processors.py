"""The unread-notice count in the site header, read only when a page shows it."""

from django.utils.functional import cached_property


class UnreadNotices:
    def __init__(self, user):
        self.user = user

    @cached_property
    def count(self) -> int:
        if not getattr(self.user, "is_authenticated", False):
            return 0
        from .models import Notification

        return Notification.objects.filter(recipient=self.user, read_at__isnull=True).count()

    def __bool__(self):
        return self.count > 0

    def __str__(self):
        return str(self.count)


def alerts(request):
    return {"unread_notices": UnreadNotices(getattr(request, "user", None))}
