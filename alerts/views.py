"""Site pages of 标准信息预警: a user's notices and watch list, and the watch buttons.

Any logged-in user (an enterprise's member or anyone else) has notices and a watch
list; each sees only their own — another user's notice or watch is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from standards.models import IcsClass, Standard

from .forms import WatchForm
from .models import Notification, Watch

PAGE_SIZE = 30


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# -- notices -------------------------------------------------------------------------------


@login_required
def notifications(request):
    mine = Notification.objects.filter(recipient=request.user)
    unread = mine.filter(read_at__isnull=True).count()
    ordered = mine.order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id")
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "alerts/notifications.html",
        {"page": page, "unread": unread, "total": page.paginator.count},
    )


@login_required
@require_POST
def notification_read(request, pk):
    notice = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    if request.POST.get("open") and notice.url:
        if url_has_allowed_host_and_scheme(notice.url, allowed_hosts={request.get_host()}):
            return redirect(notice.url)
    return redirect(_safe_next(request, reverse("alerts:notifications")))


@login_required
@require_POST
def notifications_read_all(request):
    n = Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if n:
        messages.success(request, _("已将 %(n)d 条消息标为已读") % {"n": n})
    return redirect("alerts:notifications")


# -- watch list ----------------------------------------------------------------------------


def _labelled(watches) -> list[dict]:
    """Each watch with the name of what it follows (three queries for the whole list)."""
    by_kind: dict[str, list[str]] = {k: [] for k in Watch.Kind.values}
    for w in watches:
        by_kind[w.kind].append(w.value)
    names = {}
    for number, title in Standard.objects.filter(
        number__in=by_kind[Watch.Kind.STANDARD]
    ).values_list("number", "title"):
        names[(Watch.Kind.STANDARD, number)] = title
    for series, title in (
        Standard.objects.filter(series__in=by_kind[Watch.Kind.SERIES])
        .order_by("series", "year")
        .values_list("series", "title")
    ):
        names[(Watch.Kind.SERIES, series)] = title  # the latest edition's title wins
    for ics in IcsClass.objects.filter(code__in=by_kind[Watch.Kind.ICS]):
        names[(Watch.Kind.ICS, ics.code)] = ics.name
    return [{"watch": w, "name": names.get((w.kind, w.value), "")} for w in watches]


@login_required
def watches(request):
    if request.method == "POST":
        form = WatchForm(request.POST, user=request.user)
        if form.is_valid():
            watch = Watch.objects.create(
                user=request.user, kind=form.cleaned_data["kind"], value=form.cleaned_data["value"]
            )
            messages.success(request, _added(watch))
            return redirect("alerts:watches")
        status = 400
    else:
        form, status = WatchForm(user=request.user), 200
    items = _labelled(list(Watch.objects.filter(user=request.user).order_by("kind", "value")))
    return render(request, "alerts/watches.html", {"form": form, "items": items}, status=status)


def _added(watch: Watch) -> str:
    return _(
        "已关注%(kind)s %(v)s。它发生变化（废止、被代替、发布新版本）时，您会收到站内消息和邮件。"
    ) % {
        "kind": watch.get_kind_display(),
        "v": watch.value,
    }


@require_POST
def watch_add(request):
    """The 关注 buttons on standard, series and ICS pages (back to the page after)."""
    back = _safe_next(request, reverse("alerts:watches"))
    if not request.user.is_authenticated:
        return redirect_to_login(back)
    form = WatchForm(request.POST, user=request.user)
    if form.is_valid():
        watch = Watch.objects.create(
            user=request.user, kind=form.cleaned_data["kind"], value=form.cleaned_data["value"]
        )
        messages.success(request, _added(watch))
    else:
        for error in form.errors.get("__all__", []) + form.errors.get("value", []):
            messages.error(request, error)
    return redirect(back)


@login_required
@require_POST
def watch_delete(request, pk):
    watch = get_object_or_404(Watch, pk=pk, user=request.user)
    watch.delete()
    messages.success(
        request,
        _("已取消关注%(kind)s %(v)s") % {"kind": watch.get_kind_display(), "v": watch.value},
    )
    return redirect(_safe_next(request, reverse("alerts:watches")))
