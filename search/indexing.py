"""Re-index given objects right away (bulk writes that bypass model signals)."""

from haystack import connections
from haystack.exceptions import NotHandled


def update_objects(model, queryset, batch_size: int = 2000) -> int:
    """Index (or re-index) every object of ``queryset``; returns how many."""
    backend = connections["default"].get_backend()
    try:
        index = connections["default"].get_unified_index().get_index(model)
    except NotHandled:
        return 0
    ids = list(queryset.values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), batch_size):
        chunk = index.index_queryset().filter(pk__in=ids[start : start + batch_size])
        objects = list(chunk)
        backend.update(index, objects)
        done += len(objects)
    return done


def remove_objects(model, pks) -> None:
    backend = connections["default"].get_backend()
    for pk in pks:
        backend.remove(f"{model._meta.app_label}.{model._meta.model_name}.{pk}")
