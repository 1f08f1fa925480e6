"""Labels and badges for verdicts, statuses and levels in templates."""

from django import template
from django.utils.translation import gettext_lazy as _

from standards.models import Kind, Level, Status

register = template.Library()

VERDICT_LABELS = {
    "current": _("现行有效"),
    "superseded": _("已被代替"),
    "withdrawn": _("已废止"),
    "upcoming": _("即将实施"),
    "unknown": _("目录未收录"),
    "malformed": _("编号有误"),
}
STATUS_LABELS = {
    **dict(Status.choices),
    "unpublished": _("尚未发布"),
    "": _("未知"),
}


@register.filter
def verdict_label(value):
    return VERDICT_LABELS.get(value, value)


@register.filter
def status_label(value):
    return STATUS_LABELS.get(value, value)


@register.filter
def level_label(value):
    return dict(Level.choices).get(value, value or "")


@register.filter
def kind_label(value):
    return dict(Kind.choices).get(value, value or "")


@register.inclusion_tag("standards/includes/badge.html")
def status_badge(status):
    return {"css": status or "unknown", "label": STATUS_LABELS.get(status, status)}


@register.inclusion_tag("standards/includes/badge.html")
def verdict_badge(verdict):
    return {"css": verdict, "label": VERDICT_LABELS.get(verdict, verdict)}


@register.filter
def verdict_message(verdict):
    """The verdict's one-line explanation in the page's language."""
    from django.utils.translation import get_language

    from standards.validity import message_en

    if (get_language() or "").startswith("en"):
        return message_en(verdict)
    return verdict.message


@register.filter
def verdict_warnings(verdict):
    """The verdict's warnings in the page's language."""
    from django.utils.translation import get_language

    if (get_language() or "").startswith("en") and verdict.warnings_en:
        return verdict.warnings_en
    return verdict.warnings


@register.filter
def row_message(row):
    """A saved report row's explanation in the page's language."""
    from django.utils.translation import get_language

    if (get_language() or "").startswith("en") and getattr(row, "message_en", ""):
        return row.message_en
    return row.message


@register.filter
def row_warnings(row):
    from django.utils.translation import get_language

    english = (get_language() or "").startswith("en") and getattr(row, "warnings_en", None)
    warnings, message = (
        (row.warnings_en, row.message_en) if english else (row.warnings, row.message)
    )
    # A warning the explanation already says is not repeated under it.
    return [w for w in warnings if w not in (message or "")]
