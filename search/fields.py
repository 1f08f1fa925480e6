"""Index field types the project's backends treat specially."""

from haystack import indexes


class StandardNumberField(indexes.CharField):
    """A standard number: indexed as number tokens (edition, series, serial, code) so
    that any written form finds it, and ranked above every text match."""

    field_type = "standard_number"


class SortKeyField(indexes.CharField):
    """A value results are sorted by: a filter/sort term in every backend, never text
    (``CharField`` would be tokenized as words)."""

    field_type = "sort_key"
