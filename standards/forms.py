from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class CheckForm(forms.Form):
    text = forms.CharField(
        label=_("标准编号或文本"),
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
        max_length=200_000,
        help_text=_("每行一个标准编号，或直接粘贴整段文字，系统会自动找出其中的标准编号。"),
    )
    as_of = forms.DateField(
        label=_("查新日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("默认今天。可选过去或将来的日期，查看当时的状态。"),
    )

    def clean_text(self):
        text = self.cleaned_data["text"]
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > settings.CHECK_MAX_REFERENCES:
            raise forms.ValidationError(
                _("一次最多查新 %(max)d 条，当前 %(n)d 条。请分批提交。"),
                params={"max": settings.CHECK_MAX_REFERENCES, "n": len(lines)},
            )
        return text
