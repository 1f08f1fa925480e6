from .catalogue import IcsClass, Kind, Level, Standard, StandardQuerySet, Status, Supersession

__all__ = [
    "IcsClass",
    "Kind",
    "Level",
    "Standard",
    "StandardQuerySet",
    "Status",
    "Supersession",
]
