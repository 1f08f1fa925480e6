"""Forms of the supervision screens (admin) and of the public/firm pages."""

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail.admin.widgets import AdminDateInput

from declarations import regions
from declarations.models import Category, Enterprise
from supervision.models import Case, ReviewRecord
from supervision.services import CASE_RESPONSE_MAX_CHARS, MAX_SEED

#: Largest attachment a firm may add to its answer.
CASE_ATTACHMENT_MAX_BYTES = getattr(settings, "DECLARATION_PDF_MAX_BYTES", 10 * 1024 * 1024)


def default_deadline() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=30)


class CaseFieldsMixin:
    """Findings, order and deadline of a new case."""

    def add_case_fields(self, required=True):
        self.fields["findings"] = forms.CharField(
            label=_("发现的问题"),
            required=required,
            max_length=5000,
            widget=forms.Textarea(attrs={"rows": 4}),
        )
        self.fields["order"] = forms.CharField(
            label=_("整改要求"),
            required=required,
            max_length=5000,
            widget=forms.Textarea(attrs={"rows": 4}),
            initial=_(
                "请于整改期限前修订或废止该自我声明，并在本平台的“整改通知”页面答复整改情况。"
            ),
        )
        self.fields["deadline"] = forms.DateField(
            label=_("整改期限"),
            required=required,
            widget=AdminDateInput,
            initial=default_deadline,
            help_text=_("默认 30 天后"),
        )

    def clean_deadline(self):
        deadline = self.cleaned_data.get("deadline")
        if deadline and deadline < timezone.localdate():
            raise forms.ValidationError(_("整改期限不能早于今天"))
        return deadline


class ReviewForm(CaseFieldsMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("审查结论"), choices=ReviewRecord.Outcome.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label=_("审查意见"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, user, open_complaints=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.can_open_case = user.has_perm("supervision.add_case")
        if not self.can_open_case:
            self.fields["outcome"].choices = [
                c for c in ReviewRecord.Outcome.choices if c[0] != ReviewRecord.Outcome.CASE
            ]
            self.fields["outcome"].help_text = _("立案须由监督管理员办理")
        else:
            self.add_case_fields(required=False)
            self.fields["findings"].help_text = _("结论为“立案”时必填")
        if open_complaints and user.has_perm("supervision.change_complaint"):
            self.fields["handle_complaints"] = forms.BooleanField(
                label=_("同时将 %(n)s 条待处理举报标记为已处理") % {"n": open_complaints},
                required=False,
            )

    def clean(self):
        data = super().clean()
        if data.get("outcome") == ReviewRecord.Outcome.CASE:
            for name, message in (
                ("findings", _("立案须填写发现的问题")),
                ("order", _("立案须填写整改要求")),
                ("deadline", _("立案须填写整改期限")),
            ):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
        elif data.get("outcome") == ReviewRecord.Outcome.PROBLEMS and not data.get("notes"):
            self.add_error("notes", _("发现问题时请写明问题"))
        return data


class OpenCaseForm(CaseFieldsMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_case_fields()


class CloseCaseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("结案结论"), choices=Case.Outcome.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label=_("结案说明"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class HandleComplaintForm(forms.Form):
    notes = forms.CharField(
        label=_("处理情况"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ResponseForm(forms.Form):
    text = forms.CharField(
        label=_("整改情况"),
        max_length=CASE_RESPONSE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("说明已采取的整改措施，例如已修订声明或已废止声明。"),
    )
    attachment = forms.FileField(
        label=_("附件（PDF，可选）"),
        required=False,
        help_text=_("例如整改报告；只接受 PDF，不超过 %(mb)s MB。")
        % {"mb": CASE_ATTACHMENT_MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload and upload.size > CASE_ATTACHMENT_MAX_BYTES:
            raise forms.ValidationError(
                _("附件不能超过 %(mb)s MB") % {"mb": CASE_ATTACHMENT_MAX_BYTES // (1024 * 1024)}
            )
        return upload


class ComplaintForm(forms.Form):
    text = forms.CharField(
        label=_("举报内容"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": 2000}),
        help_text=_("请说明问题所在，例如产品实际执行的标准与声明不符。最多 2000 字。"),
        error_messages={
            "required": _("请填写举报内容：说明哪里与实际不符"),
            "max_length": _("举报内容最多 2000 字，请精简后再提交"),
        },
    )
    name = forms.CharField(label=_("姓名（可不填）"), max_length=60, required=False)
    contact = forms.CharField(
        label=_("联系方式（可不填）"),
        max_length=100,
        required=False,
        help_text=_("留下电话或邮箱，以便核实情况时联系您；不会公开。"),
    )
    #: Honeypot: hidden from people, filled in by bots.
    website = forms.CharField(label=_("网址"), required=False, max_length=200)


def region_choices():
    """Provinces and their prefecture-level cities, for a draw's scope."""
    out = [("", _("全部地区"))]
    for code, name in regions.provinces():
        out.append((code, name))
        for child, child_name in regions.children(code):
            if child.endswith("00"):
                out.append((child, f"{name} · {child_name}"))
    return out


class DrawForm(forms.Form):
    seed = forms.IntegerField(
        label=_("随机种子"),
        min_value=0,
        max_value=MAX_SEED - 1,
        help_text=_("已随机生成；记录在案，任何人可用它复核抽取结果。也可填写公开产生的数字。"),
    )
    n = forms.IntegerField(label=_("抽取声明数"), min_value=1, max_value=1000, initial=10)
    m = forms.IntegerField(label=_("抽取检查人员数"), min_value=1, max_value=100, initial=2)
    region = forms.ChoiceField(label=_("地区范围"), required=False, choices=region_choices)
    category = forms.ChoiceField(
        label=_("产品类别"),
        required=False,
        choices=[("", _("全部类别"))] + list(Category.choices),
    )
    industry = forms.ChoiceField(label=_("行业"), required=False)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        industries = (
            Enterprise.objects.exclude(industry="")
            .order_by("industry")
            .values_list("industry", flat=True)
            .distinct()
        )
        self.fields["industry"].choices = [("", _("全部行业"))] + [(i, i) for i in industries]
