from .catalogue import IcsClass, Kind, Level, Standard, StandardQuerySet, Status, Supersession
from .reports import CheckReport

__all__ = [
    "CheckReport",
    "IcsClass",
    "Kind",
    "Level",
    "Standard",
    "StandardQuerySet",
    "Status",
    "Supersession",
]
