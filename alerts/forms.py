import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from standards import numbers
from standards.models import IcsClass, Standard

from .models import Watch

#: ICS codes: 67, 67.220, 67.220.20.
ICS_CODE = re.compile(r"\d{2}(\.\d{3}(\.\d{2})?)?")
#: Most items one user may follow.
MAX_WATCHES = 500


class WatchForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("关注类型"),
        required=False,
        choices=[("", gettext_lazy("自动识别")), *Watch.Kind.choices],
    )
    value = forms.CharField(
        label=gettext_lazy("标准编号、系列或 ICS 代码"),
        max_length=120,
        help_text=gettext_lazy(
            "如 GB 2760-2024（一个版本）、GB 2760（整个系列，含今后的新版本）"
            "或 67.220.20（ICS 分类）"
        ),
        error_messages={"required": gettext_lazy("请填写要关注的标准编号、系列或 ICS 代码")},
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        value = (data.get("value") or "").strip()
        if not value:
            return data
        kind, value = self._resolve(data.get("kind") or "", value)
        data["kind"], data["value"] = kind, value
        if self.user is not None:
            if Watch.objects.filter(user=self.user, kind=kind, value=value).exists():
                raise forms.ValidationError(_("您已关注 %(v)s") % {"v": value}, code="exists")
            if Watch.objects.filter(user=self.user).count() >= MAX_WATCHES:
                raise forms.ValidationError(
                    _("最多关注 %(n)d 项，请先取消一些不再需要的关注") % {"n": MAX_WATCHES},
                    code="limit",
                )
        return data

    def _resolve(self, kind: str, value: str) -> tuple[str, str]:
        compact = re.sub(r"\s+", "", value)
        if kind == Watch.Kind.ICS or (not kind and ICS_CODE.fullmatch(compact)):
            if not ICS_CODE.fullmatch(compact):
                raise forms.ValidationError(
                    _("“%(v)s”不是 ICS 代码，请按 67、67.220 或 67.220.20 的形式填写")
                    % {"v": value},
                    code="ics",
                )
            if not IcsClass.objects.filter(code=compact).exists():
                raise forms.ValidationError(
                    _("没有 ICS 分类 %(v)s，请核对代码") % {"v": compact}, code="ics"
                )
            return Watch.Kind.ICS, compact
        try:
            parsed = numbers.parse(value)
        except numbers.NumberError as exc:
            raise forms.ValidationError(
                _("“%(v)s”不是有效的标准编号：%(why)s") % {"v": value, "why": exc},
                code="number",
            ) from None
        if kind == Watch.Kind.SERIES or (not kind and not parsed.dated):
            if not Standard.objects.filter(series=parsed.series).exists():
                raise forms.ValidationError(
                    _("标准目录中没有 %(v)s 系列的标准，请核对编号") % {"v": parsed.series},
                    code="unknown",
                )
            return Watch.Kind.SERIES, parsed.series
        if not parsed.dated:
            raise forms.ValidationError(
                _(
                    "关注一个版本请填写带年代号的编号（如 GB 2760-2024）；"
                    "关注整个系列请选择“标准系列”"
                ),
                code="undated",
            )
        if not Standard.objects.filter(number=parsed.edition).exists():
            raise forms.ValidationError(
                _("标准目录中没有 %(v)s，请核对编号") % {"v": parsed.edition}, code="unknown"
            )
        return Watch.Kind.STANDARD, parsed.edition
