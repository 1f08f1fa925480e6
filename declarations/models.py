"""Enterprises and their self-declarations (企业标准自我声明公开).

A ``Declaration`` holds the current content (products, cited standards, own Q/
standards); every publication, revision (修订), modification (修改) and withdrawal
(废止) also writes a ``DeclarationVersion`` with a snapshot of what was public, so
every published version stays visible with its dates. Writes go through
``declarations.services``.
"""

import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from declarations import regions


def private_storage():
    """Uploaded standard texts live outside the web root; views serve them."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


class Enterprise(models.Model):
    name = models.CharField(_("企业名称"), max_length=200)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    region = models.CharField(_("所在地区（行政区划代码）"), max_length=6, db_index=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=60, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    industry = models.CharField(_("行业"), max_length=60, blank=True, db_index=True)
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("declarations:enterprise", args=[self.uscc])

    @property
    def region_name(self) -> str:
        return regions.full_name(self.region)


class Membership(models.Model):
    """A user acting for an enterprise. A user belongs to at most one enterprise."""

    class Role(models.TextChoices):
        OWNER = "owner", _("管理员")
        MEMBER = "member", _("成员")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="members")
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("企业用户")
        verbose_name_plural = _("企业用户")

    def __str__(self):
        return f"{self.user} @ {self.enterprise}"

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER


class Category(models.TextChoices):
    """Product and service categories a declaration is filed under."""

    FOOD = "food", _("食品")
    FOOD_RELATED = "food_related", _("食品相关产品")
    MEDICAL_DEVICE = "medical_device", _("医疗器械")
    COSMETICS = "cosmetics", _("化妆品")
    ELECTRICAL = "electrical", _("电子电器")
    MACHINERY = "machinery", _("机械设备")
    BUILDING = "building", _("建筑材料")
    TEXTILE = "textile", _("纺织服装")
    CHEMICAL = "chemical", _("化工产品")
    LIGHT = "light", _("轻工产品")
    SPORTS = "sports", _("体育用品")
    AGRICULTURE = "agriculture", _("农业产品")
    VEHICLE = "vehicle", _("交通运输设备")
    SERVICE = "service", _("服务")
    OTHER = "other", _("其他")

    @classmethod
    def lookup(cls, value: str) -> str | None:
        """A category by its code or its Chinese name (the API and XLSX take either)."""
        value = (value or "").strip()
        for code, label in cls.choices:
            if value in (code, str(label)):
                return code
        return None


class Declaration(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已公开")
        WITHDRAWN = "withdrawn", _("已废止")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="declarations"
    )
    title = models.CharField(_("声明名称"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField(_("版本"), default=0)
    commitment = models.BooleanField(_("已作自我声明承诺"), default=False)
    warnings_acknowledged = models.BooleanField(_("已确认提示"), default=False)
    first_published_at = models.DateTimeField(_("首次公开"), null=True, blank=True)
    published_at = models.DateTimeField(_("本版公开"), null=True, blank=True, db_index=True)
    withdrawn_at = models.DateTimeField(_("废止时间"), null=True, blank=True)
    #: Set when a catalogue change (or a check) finds a cited standard needs attention;
    #: ``flag_reason`` says which and why. Cleared when the firm publishes a new version.
    flagged_at = models.DateTimeField(_("预警时间"), null=True, blank=True, db_index=True)
    flag_reason = models.CharField(_("预警原因"), max_length=500, blank=True)
    #: Last review by bureau staff; a declaration is in the review queue while it is
    #: new (never reviewed) or flagged after its last review.
    reviewed_at = models.DateTimeField(_("最近审查"), null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("自我声明")
        verbose_name_plural = _("自我声明")
        ordering = ["-published_at", "-id"]

    def __str__(self):
        return self.title or self.default_title()

    def get_absolute_url(self):
        return reverse("declarations:detail", args=[self.pk])

    def default_title(self) -> str:
        names = [p.name for p in self.products.all()[:3]]
        return "、".join(names) or str(_("自我声明"))

    @property
    def is_public(self) -> bool:
        return self.status in (self.Status.PUBLISHED, self.Status.WITHDRAWN) and self.version > 0


class Product(models.Model):
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="products")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(_("产品（服务）名称"), max_length=200)
    model = models.CharField(_("产品型号"), max_length=200)
    category = models.CharField(_("产品类别"), max_length=20, choices=Category.choices)
    specification = models.CharField(_("规格"), max_length=200, blank=True)
    barcode = models.CharField(_("商品条码"), max_length=20, blank=True)
    common_name = models.CharField(_("通用名称"), max_length=200, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("产品")
        verbose_name_plural = _("产品")

    def __str__(self):
        return f"{self.name} {self.model}"


class Reference(models.Model):
    """A standard the declaration says the products execute, with its verdict.

    ``normalized`` (the edition) and ``series`` are indexed so that a catalogue change
    finds the declarations citing it without reading the others."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="references"
    )
    position = models.PositiveIntegerField(default=0)
    input = models.CharField(_("填写的编号"), max_length=120)
    normalized = models.CharField(_("规范编号"), max_length=120, blank=True, db_index=True)
    series = models.CharField(_("标准系列"), max_length=120, blank=True, db_index=True)
    title = models.CharField(_("标准名称"), max_length=500, blank=True)
    level = models.CharField(_("层级"), max_length=20, blank=True)
    own = models.BooleanField(_("本企业标准"), default=False)
    verdict = models.CharField(_("查新结论"), max_length=20, blank=True, db_index=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    message_en = models.CharField(_("说明（英文）"), max_length=500, blank=True)
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    warnings_en = models.JSONField(_("提示（英文）"), default=list, blank=True)
    current_number = models.CharField(_("现行版本"), max_length=120, blank=True)
    checked_on = models.DateField(_("查新日期"), null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("执行标准")
        verbose_name_plural = _("执行标准")

    def __str__(self):
        return self.normalized or self.input


class OwnStandard(models.Model):
    """The firm's own enterprise standard (Q/…) with what it must disclose."""

    class Disclosure(models.TextChoices):
        FULL_TEXT = "full_text", _("公开标准全文")
        INDICATORS = "indicators", _("公开功能指标和性能指标")

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="own_standards"
    )
    number = models.CharField(_("企业标准编号"), max_length=60)
    name = models.CharField(_("企业标准名称"), max_length=200)
    disclosure = models.CharField(
        _("公开方式"), max_length=12, choices=Disclosure.choices, default=Disclosure.INDICATORS
    )
    text = models.FileField(
        _("标准文本（PDF）"), storage=private_storage, upload_to="own-standards/%Y/", blank=True
    )
    text_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    text_sha256 = models.CharField(max_length=64, blank=True)
    recommended_standard = models.CharField(
        _("对应的推荐性标准"),
        max_length=120,
        blank=True,
        help_text=_("指标与之比较的国家标准或行业标准编号"),
    )
    below_recommended = models.BooleanField(_("指标少于或低于推荐性标准"), default=False)
    statement = models.TextField(
        _("明示说明"),
        blank=True,
        help_text=_("指标少于或低于推荐性标准时，必须明示"),
    )

    class Meta:
        verbose_name = _("企业标准")
        verbose_name_plural = _("企业标准")

    def __str__(self):
        return f"{self.number} {self.name}"


class Indicator(models.Model):
    own_standard = models.ForeignKey(
        OwnStandard, on_delete=models.CASCADE, related_name="indicators"
    )
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(_("指标"), max_length=200)
    value = models.CharField(_("指标值"), max_length=200)
    unit = models.CharField(_("单位"), max_length=40, blank=True)
    method = models.CharField(_("检验方法"), max_length=200, blank=True)
    reference_value = models.CharField(_("对应推荐性标准的指标值"), max_length=200, blank=True)
    lower_than_reference = models.BooleanField(_("低于推荐性标准"), default=False)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("指标")
        verbose_name_plural = _("指标")

    def __str__(self):
        return f"{self.name} {self.value}{self.unit}"


class DeclarationVersion(models.Model):
    """One published state of a declaration, kept for ever."""

    class Change(models.TextChoices):
        PUBLISH = "publish", _("首次公开")
        REVISE = "revise", _("修订")
        MODIFY = "modify", _("修改")
        WITHDRAW = "withdraw", _("废止")

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    change = models.CharField(_("变更类型"), max_length=10, choices=Change.choices)
    reason = models.CharField(_("变更说明"), max_length=500, blank=True)
    snapshot = models.JSONField(_("公开内容"))
    published_at = models.DateTimeField(_("公开时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["declaration", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["declaration", "number"], name="one_version_number")
        ]
        verbose_name = _("声明版本")
        verbose_name_plural = _("声明版本")

    def __str__(self):
        return f"{self.declaration_id} v{self.number}"
