"""Supervision in the Wagtail admin: the 事中事后监管 menu (review queue, cases,
complaints, 双随机 draws, 监管统计), the reports, a homepage panel and the audit-log
actions every supervision step records."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.log_actions import LogFormatter

from supervision.admin_views import (
    CaseViewSet,
    ComplaintViewSet,
    DrawViewSet,
    PermissionMenuItem,
    QueueViewSet,
    SupervisionGroup,
)
from supervision.reports import DASHBOARD, DASHBOARD_PERMISSION, DashboardViewSet


class Supervision(SupervisionGroup):
    items = (QueueViewSet, CaseViewSet, ComplaintViewSet, DrawViewSet, DashboardViewSet)


@hooks.register("register_admin_viewset")
def register_supervision():
    return Supervision()


#: The supervision reports in Wagtail's Reports menu: (view, label, icon).
REPORTS = (
    ("declarations", gettext_lazy("自我声明（按地区和状态）"), "table"),
    ("overdue", gettext_lazy("逾期未整改的案件"), "warning"),
    ("draws", gettext_lazy("双随机抽查记录"), "crosshairs"),
)


def _report_item(position, view, label, icon):
    @hooks.register("register_reports_menu_item")
    def register():
        return PermissionMenuItem(
            label,
            reverse(f"{DASHBOARD}:{view}"),
            name=f"supervision-{view}",
            icon_name=icon,
            order=1000 + 10 * position,
            permission=DASHBOARD_PERMISSION,
        )


for _position, _report in enumerate(REPORTS):
    _report_item(_position, *_report)


# -- audit log -------------------------------------------------------------------------------


@hooks.register("register_log_actions")
def register_supervision_actions(actions):
    @actions.register_action("supervision.review")
    class Review(LogFormatter):
        label = gettext_lazy("记录审查结论")

        def format_message(self, log_entry):
            return _("审查结论：%(outcome)s（第 %(version)s 版）") % {
                "outcome": log_entry.data.get("outcome_label", ""),
                "version": log_entry.data.get("version", ""),
            }

    actions.register_action(
        "supervision.case.open",
        gettext_lazy("立案（责令整改）"),
        gettext_lazy("立案，下达责令整改通知"),
    )
    actions.register_action(
        "supervision.case.respond", gettext_lazy("企业答复整改"), gettext_lazy("企业答复了整改通知")
    )

    @actions.register_action("supervision.case.close")
    class CloseCase(LogFormatter):
        label = gettext_lazy("结案")

        def format_message(self, log_entry):
            return _("结案：%(outcome)s") % {"outcome": log_entry.data.get("outcome_label", "")}

    actions.register_action(
        "supervision.complaint.receive", gettext_lazy("收到举报"), gettext_lazy("收到公众举报")
    )
    actions.register_action(
        "supervision.complaint.handle", gettext_lazy("处理举报"), gettext_lazy("举报已处理")
    )

    @actions.register_action("supervision.draw")
    class Draw(LogFormatter):
        label = gettext_lazy("双随机抽取")

        def format_message(self, log_entry):
            data = log_entry.data
            return _("种子 %(seed)s，抽中 %(n)s 份声明、%(m)s 名检查人员") % {
                "seed": data.get("seed", ""),
                "n": len(data.get("declarations", [])),
                "m": len(data.get("inspectors", [])),
            }

    @actions.register_action("supervision.draw.reproduce")
    class Reproduce(LogFormatter):
        label = gettext_lazy("复核双随机抽取")

        def format_message(self, log_entry):
            if log_entry.data.get("matches"):
                return _("复核结果与记录一致")
            return _("复核结果与记录不一致")


# -- homepage panel --------------------------------------------------------------------------


class SupervisionPanel(Component):
    name = "supervision"
    template_name = "supervision/admin/home_panel.html"
    order = 50

    class Media:
        css = {"all": ["supervision/admin.css"]}

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context):
        from supervision import services

        context = super().get_context_data(parent_context)
        user = self.request.user
        figures = services.figures()
        items = []
        if user.has_perm("declarations.view_declaration"):
            queue = reverse("supervision_queue:index")
            items += [
                (_("待审查声明"), figures["queue"], queue),
                (_("其中预警"), figures["queue_flagged"], queue + "?reason=flagged"),
            ]
        if user.has_perm("supervision.view_complaint"):
            items.append(
                (
                    _("待处理举报"),
                    figures["complaints_open"],
                    reverse("supervision_complaints:index") + "?status=new",
                )
            )
        if user.has_perm("supervision.view_case"):
            cases = reverse("supervision_cases:index")
            items += [
                (_("未结案件"), figures["cases_open"], cases),
                (_("逾期未整改"), figures["cases_overdue"], cases + "?overdue=true"),
            ]
        context.update(
            {
                "items": items,
                "dashboard_url": reverse(f"{DASHBOARD}:index")
                if user.has_perm(DASHBOARD_PERMISSION)
                else "",
            }
        )
        return context


@hooks.register("construct_homepage_panels")
def add_supervision_panel(request, panels):
    user = request.user
    if any(
        user.has_perm(p)
        for p in (
            "declarations.view_declaration",
            "supervision.view_complaint",
            "supervision.view_case",
        )
    ):
        panels.append(SupervisionPanel(request))


@hooks.register("register_permissions")
def review_permissions():
    """Let Settings → Groups show (and grant) recording reviews."""
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(
        content_type__app_label="supervision",
        codename__in=["add_reviewrecord", "view_reviewrecord"],
    )
