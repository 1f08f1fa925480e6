from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from standards.documents import MAX_UPLOAD_BYTES

#: ``%`` and ``str()`` on a lazy translation translate at once, at import and in Chinese;
#: labels built at import use these to be translated when shown instead.
_interpolate_lazy = lazy(lambda message, values: str(message) % values, str)


class CheckForm(forms.Form):
    """First step of 查新: pasted text or an uploaded document, and the date."""

    text = forms.CharField(
        label=_("标准编号或文本"),
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 10,
                "placeholder": format_lazy(
                    "{}{}",
                    "GB 2760-2014\nGB/T 19580-2012\nYY 0505-2012\n",
                    _("或粘贴一段含有标准编号的文本，例如规范性引用文件一章"),
                ),
            }
        ),
        max_length=settings.CHECK_MAX_TEXT,
        help_text=_("每行一个标准编号，或直接粘贴整段文字，系统会自动找出其中的标准编号。"),
    )
    file = forms.FileField(
        label=_("或上传文件"),
        required=False,
        help_text=_interpolate_lazy(
            _("支持 TXT、CSV、XLSX、DOCX、PDF，不超过 %(mb)d MB。"),
            {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
        ),
    )
    as_of = forms.DateField(
        label=_("查新日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("默认今天。可选过去或将来的日期，查看当时的状态。"),
    )

    def __init__(self, *args, too_large=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large

    def clean(self):
        data = super().clean()
        if self.too_large:
            raise forms.ValidationError(
                {"file": _("文件超过 %(mb)d MB 上限。") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}}
            )
        if not (data.get("text") or "").strip() and not data.get("file"):
            raise forms.ValidationError(_("请粘贴标准编号或文本，或上传一个文件。"))
        return data


class ReferencesForm(forms.Form):
    """Second step: the references found, one per line, as the user corrected them."""

    references = forms.CharField(
        label=_("待查新的标准编号"), widget=forms.Textarea(attrs={"rows": 14})
    )
    as_of = forms.DateField(required=False, widget=forms.HiddenInput)
    source = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    source_kind = forms.CharField(required=False, max_length=10, widget=forms.HiddenInput)
    notes = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def clean_references(self):
        lines = [line.strip() for line in self.cleaned_data["references"].splitlines()]
        lines = [line[:200] for line in lines if line]
        if not lines:
            raise forms.ValidationError(_("没有待查新的标准编号。"))
        if len(lines) > settings.CHECK_MAX_REFERENCES:
            raise forms.ValidationError(
                _("一次最多查新 %(max)d 条，当前 %(n)d 条。请分批提交。"),
                params={"max": settings.CHECK_MAX_REFERENCES, "n": len(lines)},
            )
        return lines
