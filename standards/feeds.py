"""Atom feeds of catalogue changes: all, per level, per ICS class (with its sub-classes).

Every change recorded by an applied announcement is in the feeds from the day the
announcement is applied, including changes dated in the future: the entry title carries
the date (``GB 2760-2014 被 GB 2760-2024 代替（2025年2月8日起）``), so a firm can
prepare. An entry's ``updated`` time is when the change was recorded, and moves to the
day it takes effect (when ``process_due_changes`` announces it), so feed readers show
it again then. Newest first.
"""

from django.contrib.syndication.views import Feed
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from standards.models import CatalogueChange, IcsClass, Level
from standards.models.announcements import chinese_date
from standards.models.catalogue import standard_path

#: Entries per feed.
LIMIT = 50


class ChangesFeed(Feed):
    feed_type = Atom1Feed

    def title(self, obj=None):
        return _("标准馆 · 标准目录变更")

    def subtitle(self, obj=None):
        return _("新发布、被代替、部分代替和废止的标准，按公告记录；未来生效的变更标明生效日期。")

    def link(self, obj=None):
        return reverse("standards:browse")

    def feed_url(self, obj=None):
        return reverse("standards:feed_changes")

    def changes(self, obj):
        return CatalogueChange.objects.all()

    def items(self, obj=None):
        return (
            self.changes(obj)
            .filter(announcement__isnull=False)
            .select_related("announcement", "standard")
            .annotate(when=Coalesce("announced_at", "created_at"))
            .order_by("-when", "-id")[:LIMIT]
        )

    def item_title(self, item):
        return item.headline()

    def item_link(self, item):
        return standard_path(item.number)

    def item_guid(self, item):
        return f"urn:biaozhunguan:catalogue-change:{item.pk}"

    item_guid_is_permalink = False

    def item_updateddate(self, item):
        return item.announced_at or item.created_at

    def item_pubdate(self, item):
        return item.created_at

    def item_author_name(self, item):
        return (item.announcement.issuer or None) if item.announcement_id else None

    def item_categories(self, item):
        categories = [item.get_kind_display(), dict(Level.choices).get(item.level, item.level)]
        return [str(c) for c in categories if c] + item.ics_list

    def item_description(self, item):
        parts = [item.title] if item.title else []
        if item.effective_on > timezone.localdate():
            parts.append(_("将于 %(date)s 生效") % {"date": chinese_date(item.effective_on)})
        else:
            parts.append(_("%(date)s 起生效") % {"date": chinese_date(item.effective_on)})
        if item.announcement_id:
            announcement = item.announcement
            parts.append(
                _("依据：%(code)s %(title)s")
                % {"code": announcement.code, "title": announcement.title}
            )
        return "；".join(parts)


class LevelChangesFeed(ChangesFeed):
    """``/feeds/changes/<level>.atom``: national, industry, local, group …"""

    def get_object(self, request, level):
        if level not in Level.values:
            raise Http404(_("没有这个标准层级"))
        return level

    def title(self, obj=None):
        return _("标准馆 · %(level)s目录变更") % {"level": Level(obj).label}

    def link(self, obj=None):
        return reverse("standards:browse") + f"?level={obj}"

    def feed_url(self, obj=None):
        return reverse("standards:feed_changes_level", args=[obj])

    def changes(self, obj):
        return CatalogueChange.objects.filter(level=obj)


class IcsChangesFeed(ChangesFeed):
    """``/feeds/ics/<code>.atom``: changes to standards in the class or its sub-classes."""

    def get_object(self, request, code):
        return get_object_or_404(IcsClass, code=code)

    def title(self, obj=None):
        return _("标准馆 · ICS %(code)s %(name)s 目录变更") % {"code": obj.code, "name": obj.name}

    def link(self, obj=None):
        return obj.get_absolute_url()

    def feed_url(self, obj=None):
        return reverse("standards:feed_changes_ics", args=[obj.code])

    def changes(self, obj):
        return CatalogueChange.objects.in_ics(obj.code)
