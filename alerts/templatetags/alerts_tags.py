"""``{% watch_button "standard" number %}``: follow (or stop following) a standard, a
series or an ICS class from its page."""

from django import template
from django.utils.translation import gettext_lazy as _

from alerts.models import Watch

register = template.Library()

LABELS = {
    Watch.Kind.STANDARD: (_("关注此标准"), _("已关注此标准")),
    Watch.Kind.SERIES: (_("关注此系列"), _("已关注此系列")),
    Watch.Kind.ICS: (_("关注此分类"), _("已关注此分类")),
}


@register.inclusion_tag("alerts/includes/watch_button.html", takes_context=True)
def watch_button(context, kind, value, hint=True):
    request = context.get("request")
    user = getattr(request, "user", None)
    watch = None
    if user is not None and user.is_authenticated:
        watch = Watch.objects.filter(user=user, kind=kind, value=value).first()
    follow, following = LABELS[kind]
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "kind": kind,
        "value": value,
        "watch": watch,
        "authenticated": bool(user and user.is_authenticated),
        "follow_label": follow,
        "following_label": following,
        "next": request.get_full_path() if request else "",
        "hint": hint,
    }
