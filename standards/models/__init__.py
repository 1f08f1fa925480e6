from .announcements import Announcement, AnnouncementItem, CatalogueChange
from .catalogue import IcsClass, Kind, Level, Standard, StandardQuerySet, Status, Supersession
from .reports import CheckReport

__all__ = [
    "Announcement",
    "AnnouncementItem",
    "CatalogueChange",
    "CheckReport",
    "IcsClass",
    "Kind",
    "Level",
    "Standard",
    "StandardQuerySet",
    "Status",
    "Supersession",
]
