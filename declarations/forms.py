"""Forms of the firm's journey: sign-up, account, members, API tokens, declarations.

The declaration forms only shape what the firm typed; every rule about what may be
published lives in ``declarations.services`` (the views map its problems back onto
these fields).
"""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from declarations import identifiers, regions
from declarations.models import (
    Category,
    DeclarationVersion,
    Enterprise,
    Membership,
    OwnStandard,
)
from declarations.services import MAX_INDICATORS, MAX_PRODUCTS, MAX_STANDARDS

User = get_user_model()


# -- accounts ------------------------------------------------------------------------------


class RegionSelect:
    """Three selects (province → city → county) whose options follow what was chosen.

    The options of each level are the children of the level above, so the page works
    without JavaScript (choose, press “下一步”, choose again) and with it (the selects
    fill themselves from ``declarations:regions``). The region is the deepest division
    chosen, and it must be one without divisions below it.
    """

    FIELDS = ("region_1", "region_2", "region_3")

    @staticmethod
    def options(form) -> list[list[tuple[str, str]]]:
        chosen = [form[f].value() or "" for f in RegionSelect.FIELDS]
        levels = [regions.provinces()]
        for code in chosen[:2]:
            codes = {c for c, _ in levels[-1]}
            levels.append(regions.children(code) if code in codes else [])
        return levels

    @staticmethod
    def region(cleaned: dict) -> str | None:
        """The chosen division, or None when the choice is incomplete or inconsistent."""
        chosen = [cleaned.get(f) or "" for f in RegionSelect.FIELDS]
        parent = None
        last = None
        for code in chosen:
            if not code:
                break
            if code not in {c for c, _ in regions.children(parent)}:
                return None
            parent = last = code
        if last is None or not regions.is_valid(last) or regions.children(last):
            return None
        return last


def _region_fields():
    return {
        "region_1": forms.CharField(
            label=_("省（自治区、直辖市）"), required=False, widget=forms.Select
        ),
        "region_2": forms.CharField(
            label=_("市（地区、州）或区县"), required=False, widget=forms.Select
        ),
        "region_3": forms.CharField(label=_("区（县）"), required=False, widget=forms.Select),
    }


def _check_passwords(form, user) -> None:
    p1 = form.cleaned_data.get("password1")
    p2 = form.cleaned_data.get("password2")
    if p1 and p2 and p1 != p2:
        form.add_error("password2", _("两次输入的密码不一致"))
        return
    if p1:
        try:
            password_validation.validate_password(p1, user)
        except forms.ValidationError as exc:
            form.add_error("password1", exc)


def _clean_new_username(value: str) -> str:
    username = (value or "").strip()
    User.username_validator(username)
    if User.objects.filter(username__iexact=username).exists():
        raise forms.ValidationError(_("该用户名已被使用，请换一个"))
    return username


class _UsernamePasswordMixin(forms.Form):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        help_text=_("登录用，150 个字符以内，可用字母、数字和 @ . + - _"),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 8 个字符，不能全是数字，不能与用户名相近，不能是常见密码"),
    )
    password2 = forms.CharField(
        label=_("再次输入密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self):
        return _clean_new_username(self.cleaned_data["username"])


class SignupForm(_UsernamePasswordMixin):
    """An enterprise with its owner account, created in one transaction by ``save``."""

    name = forms.CharField(
        label=_("企业名称"),
        max_length=200,
        error_messages={"required": _("请填写企业名称（与营业执照一致）")},
    )
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=40,
        error_messages={"required": _("请填写统一社会信用代码")},
        help_text=_("18 位，见营业执照"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    address = forms.CharField(label=_("地址"), max_length=300, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=60)
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    contact_email = forms.EmailField(
        label=_("联系邮箱"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    field_order = [
        "name",
        "uscc",
        "region_1",
        "region_2",
        "region_3",
        "address",
        "contact_name",
        "contact_phone",
        "contact_email",
        "username",
        "password1",
        "password2",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_region_fields())
        self.order_fields(self.field_order)
        placeholder = [("", _("请选择"))]
        for name, options in zip(RegionSelect.FIELDS, RegionSelect.options(self), strict=True):
            self.fields[name].widget.choices = placeholder + options
        self.region = None

    def clean_uscc(self):
        try:
            code = identifiers.clean_uscc(self.cleaned_data["uscc"])
        except identifiers.IdentifierError as exc:
            raise forms.ValidationError(exc.message) from None
        if Enterprise.objects.filter(uscc=code).exists():
            raise forms.ValidationError(
                _("该统一社会信用代码已注册。如需为该企业办理，请联系企业的管理员为您添加账号。")
            )
        return code

    def clean_contact_phone(self):
        phone = self.cleaned_data["contact_phone"].strip()
        digits = [c for c in phone if c.isdigit()]
        if len(digits) < 7 or any(not (c.isdigit() or c in " +-()（）转") for c in phone):
            raise forms.ValidationError(_("请填写有效的电话号码，如 010-12345678 或 13800000000"))
        return phone

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("region_1"):
            self.add_error("region_1", _("请选择所在地区"))
        else:
            self.region = RegionSelect.region(cleaned)
            if self.region is None:
                field = "region_3" if cleaned.get("region_2") else "region_2"
                self.add_error(field, _("请把所在地区选择到区（县）一级"))
        user = User(username=cleaned.get("username", ""), email=cleaned.get("contact_email", ""))
        _check_passwords(self, user)
        return cleaned

    def save(self):
        data = self.cleaned_data
        try:
            with transaction.atomic():
                enterprise = Enterprise.objects.create(
                    name=data["name"].strip(),
                    uscc=data["uscc"],
                    region=self.region,
                    address=data.get("address", "").strip(),
                    contact_name=data["contact_name"].strip(),
                    contact_phone=data["contact_phone"],
                    contact_email=data["contact_email"],
                )
                user = User.objects.create_user(
                    data["username"], email=data["contact_email"], password=data["password1"]
                )
                Membership.objects.create(
                    user=user, enterprise=enterprise, role=Membership.Role.OWNER
                )
        except IntegrityError:
            # Someone registered the same code or username a moment ago.
            self.add_error(None, _("该统一社会信用代码或用户名刚刚已被注册，请核对后重试"))
            return None
        return user


class MemberForm(_UsernamePasswordMixin):
    """An additional account for the enterprise, created by its owner."""

    def clean(self):
        cleaned = super().clean()
        _check_passwords(self, User(username=cleaned.get("username", "")))
        return cleaned

    def save(self, enterprise):
        with transaction.atomic():
            user = User.objects.create_user(
                self.cleaned_data["username"], password=self.cleaned_data["password1"]
            )
            Membership.objects.create(user=user, enterprise=enterprise, role=Membership.Role.MEMBER)
        return user


class ContactForm(forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = ["contact_name", "contact_phone", "contact_email", "address"]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("令牌名称"),
        max_length=100,
        help_text=_("便于识别用途，如“ERP 系统”"),
    )


# -- declarations --------------------------------------------------------------------------


def _text(label, max_length, **kw):
    return forms.CharField(label=label, max_length=max_length, required=False, **kw)


class ProductForm(forms.Form):
    name = _text(_("产品（服务）名称"), 200)
    model = _text(_("产品型号"), 200)
    category = forms.ChoiceField(
        label=_("产品类别"),
        required=False,
        choices=[("", _("请选择"))] + list(Category.choices),
    )
    specification = _text(_("规格"), 200)
    barcode = _text(_("商品条码"), 20, widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    common_name = _text(_("通用名称"), 200)

    def is_blank(self) -> bool:
        return not any((self.cleaned_data.get(f) or "").strip() for f in self.fields)


class StandardForm(forms.Form):
    number = _text(
        _("标准编号"),
        120,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": _("如 GB 2760-2024"),
            }
        ),
    )

    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("number") or "").strip()


class OwnStandardForm(forms.Form):
    number = _text(
        _("企业标准编号"),
        60,
        widget=forms.TextInput(
            attrs={"placeholder": _("如 Q/ABC 0001-2025"), "spellcheck": "false"}
        ),
    )
    name = _text(_("企业标准名称"), 200)
    disclosure = forms.ChoiceField(
        label=_("公开方式"),
        choices=OwnStandard.Disclosure.choices,
        initial=OwnStandard.Disclosure.INDICATORS,
        widget=forms.RadioSelect,
    )
    text = forms.FileField(
        label=_("标准全文（PDF）"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".pdf,application/pdf"}),
    )
    recommended_standard = _text(
        _("对应的推荐性标准"),
        120,
        help_text=_("指标与之比较的国家标准或行业标准编号，如 GB/T 19580-2012"),
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    below_recommended = forms.BooleanField(
        label=_("指标少于或低于对应的推荐性标准"), required=False
    )
    statement = forms.CharField(
        label=_("明示说明"),
        required=False,
        max_length=2000,
        help_text=_("指标少于或低于推荐性标准时必须填写（企业标准化促进办法第十四条）"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, stored_text_name="", **kwargs):
        super().__init__(*args, **kwargs)
        self.stored_text_name = stored_text_name
        self.section_errors: list[str] = []
        self.uploaded_name = ""
        if self.is_bound:
            upload = self.files.get(self.add_prefix("text"))
            self.uploaded_name = getattr(upload, "name", "") or ""

    def is_blank(self, indicators) -> bool:
        data = self.cleaned_data
        texts = ("number", "name", "recommended_standard", "statement")
        return (
            not any((data.get(f) or "").strip() for f in texts)
            and not data.get("text")
            and not data.get("below_recommended")
            and all(form.is_blank() for form in indicators.forms)
        )


class IndicatorForm(forms.Form):
    name = _text(_("指标"), 200)
    value = _text(_("指标值"), 200)
    unit = _text(_("单位"), 40)
    method = _text(_("检验方法"), 200)
    reference_value = _text(_("推荐性标准的指标值"), 200)
    lower_than_reference = forms.BooleanField(label=_("低于推荐性标准"), required=False)

    def is_blank(self) -> bool:
        return not any(
            (self.cleaned_data.get(f) or "").strip()
            for f in ("name", "value", "unit", "method", "reference_value")
        ) and not self.cleaned_data.get("lower_than_reference")


class DeclarationForm(forms.Form):
    """What is said about the declaration as a whole."""

    title = _text(
        _("声明名称"),
        200,
        help_text=_("可不填，默认用产品名称"),
    )
    commitment = forms.BooleanField(label=_("我已阅读并作出以上承诺"), required=False)
    acknowledge_warnings = forms.BooleanField(
        label=_("我已知悉上述执行标准的提示（已被代替、尚未实施或已发布新版本），仍按所填标准声明"),
        required=False,
    )


class ChangeForm(forms.Form):
    """How a published declaration changes: 修订 or 修改, and why."""

    change = forms.ChoiceField(
        label=_("变更类型"),
        choices=[
            (DeclarationVersion.Change.REVISE, _("修订（标准或产品有实质变化）")),
            (DeclarationVersion.Change.MODIFY, _("修改（更正个别内容）")),
        ],
        initial=DeclarationVersion.Change.REVISE,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("变更说明"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写变更说明")},
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("废止原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写废止原因")},
    )
    confirm = forms.BooleanField(
        label=_("我确认废止这份声明。废止后不能再修改，已公开的各版本仍可查阅。"),
        error_messages={"required": _("请勾选确认")},
    )


ProductFormSet = forms.formset_factory(
    ProductForm, extra=2, max_num=MAX_PRODUCTS, validate_max=True, absolute_max=MAX_PRODUCTS
)
StandardFormSet = forms.formset_factory(
    StandardForm, extra=3, max_num=MAX_STANDARDS, validate_max=True, absolute_max=MAX_STANDARDS
)
OwnStandardFormSet = forms.formset_factory(
    OwnStandardForm, extra=1, max_num=MAX_STANDARDS, validate_max=True, absolute_max=MAX_STANDARDS
)
IndicatorFormSet = forms.formset_factory(
    IndicatorForm,
    extra=2,
    max_num=MAX_INDICATORS,
    validate_max=True,
    absolute_max=MAX_INDICATORS,
)
