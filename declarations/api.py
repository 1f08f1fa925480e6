"""JSON API of self-declarations. Contract: architecture.md ("Declarations").

Writes need ``Authorization: Bearer <token>`` (a Wagtail ``APIToken``; firms issue
them on their account page, bureau staff with ``manage.py issue_api_token``) whose
user is a member of an enterprise. Every rule of publishing lives in
``declarations.services``; this module only turns JSON into a ``DeclarationInput`` and
an ``Outcome`` into JSON.

Access: a published or withdrawn declaration is public. A draft exists only for its
own firm: anyone else gets ``404``, never a hint that it exists. Another firm's public
declaration cannot be changed (``403``).
"""

import base64
import binascii
import datetime
import re

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse

from wagtail.api.v3.auth import AllowAnonymous, BearerTokenAuth

from ninja import Router
from ninja.errors import HttpError
from ninja.responses import Status
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator
from pydantic import ValidationError as PydanticValidationError

from declarations import identifiers, services
from declarations.models import (
    Declaration,
    DeclarationVersion,
    Indicator,
    OwnStandard,
)

router = Router(tags=["企业标准自我声明"])

#: Largest request body: one full-size PDF text in base64 (4/3 of the bytes) and the
#: rest of the declaration. Larger texts: upload them on the web form.
MAX_BODY_BYTES = settings.DECLARATION_PDF_MAX_BYTES * 4 // 3 + 2 * 1024 * 1024
#: Problems listed in one response (a body with 10,000 bad products lists the first).
MAX_ERRORS = 100

_MB = 1024 * 1024


# -- authentication -------------------------------------------------------------------------


class TokenAuth(BearerTokenAuth):
    """Wagtail's bearer tokens, with Chinese answers when the token is missing or bad."""

    def __call__(self, request):
        if not request.headers.get("Authorization"):
            raise HttpError(401, "需要 API 令牌：请在请求头中提供 Authorization: Bearer <令牌>")
        api_token = super().__call__(request)
        if not api_token:
            raise HttpError(401, "API 令牌无效、已撤销或其用户已停用")
        return api_token


class OptionalTokenAuth(TokenAuth):
    """No Authorization header: anonymous (the next callback); a bad token: 401."""

    def __call__(self, request):
        if not request.headers.get("Authorization"):
            return None
        return super().__call__(request)


WRITE_AUTH = [TokenAuth()]
READ_AUTH = [OptionalTokenAuth(), AllowAnonymous()]


def _member_enterprise(request):
    enterprise = services.enterprise_of(request.auth.user)
    if enterprise is None:
        raise HttpError(
            403, "该令牌的用户不属于任何企业，不能提交声明。请由企业管理员在“我的账户”中添加该用户"
        )
    return enterprise


# -- input ----------------------------------------------------------------------------------


class _In(BaseModel):
    # An unknown field is most likely a typo of a known one: say so rather than drop it.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IndicatorIn(_In):
    name: str = Field(max_length=200, description="指标名称，如“水分”")
    value: str = Field(max_length=200, description="指标值，如“≤ 8.0”")
    unit: str = Field("", max_length=40)
    method: str = Field("", max_length=200, description="检验方法，如“GB 5009.3”")
    reference_value: str = Field("", max_length=200, description="对应推荐性标准的指标值")
    lower_than_reference: StrictBool = Field(False, description="低于推荐性标准的指标值")


class StandardIn(_In):
    number: str = Field(max_length=120, description="标准编号，如 GB 2760-2024 或 Q/ABC 0001-2024")
    name: str = Field("", max_length=200, description="企业标准（Q/）的名称")
    disclosure: str | None = Field(
        None,
        description="企业标准的公开方式：full_text（公开全文）或 indicators（公开指标）；"
        "省略时有全文即为 full_text，否则为 indicators",
    )
    indicators: list[IndicatorIn] = Field([], description="企业标准的功能指标和性能指标")
    text_pdf_base64: str | None = Field(
        None,
        description="企业标准全文：PDF 文件的 base64 编码"
        "（可带 data:application/pdf;base64, 前缀）",
    )
    text_name: str = Field("", max_length=200, description="全文的文件名")
    statement: str = Field("", max_length=5000, description="指标少于或低于推荐性标准时的明示说明")
    below_recommended: StrictBool = Field(False, description="指标少于或低于推荐性标准")
    recommended_standard: str = Field("", max_length=120, description="对应的推荐性标准编号")


class ProductIn(_In):
    name: str = Field(max_length=200, description="产品（服务）名称")
    model: str = Field(max_length=200, description="产品型号")
    category: str = Field(
        max_length=40, description="产品类别：代码（如 food）或中文名称（如 食品）"
    )
    specification: str = Field("", max_length=200)
    barcode: str = Field("", max_length=20)
    common_name: str = Field("", max_length=200)


class DeclarationIn(_In):
    products: list[ProductIn] = Field(description=f"产品或服务，最多 {services.MAX_PRODUCTS} 个")
    standards: list[StandardIn] = Field(
        description='执行标准：{"number": …}；企业标准（Q/）另加 name 和 indicators 或 '
        "text_pdf_base64。也可以直接写编号字符串"
    )
    acknowledge_warnings: StrictBool = Field(
        False, description="确认提示（标准已被代替、尚未实施或已发布新版本）后仍然公开"
    )
    commitment: StrictBool = Field(
        True,
        description="自我声明承诺：产品符合所执行的标准，并满足全部强制性标准。"
        "通过接口提交即视为作出承诺，省略时为 true；传 false 则不会公开",
    )
    title: str = Field("", max_length=200, description="声明名称，省略时用产品名称")

    @field_validator("standards", mode="before")
    @classmethod
    def _numbers_as_objects(cls, value):
        if isinstance(value, list):
            return [{"number": v} if isinstance(v, str) else v for v in value]
        return value


class RevisionIn(DeclarationIn):
    change: str = Field(
        "revise",
        description="revise（修订：标准或指标有变化）或 modify（修改：更正文字等）；"
        "草稿首次公开时忽略",
    )
    reason: str = Field("", max_length=500, description="变更说明")


class WithdrawIn(_In):
    reason: str = Field("", max_length=500, description="废止原因")


# -- output ---------------------------------------------------------------------------------


class ReferenceOut(BaseModel):
    input: str
    normalized: str | None
    verdict: str = Field(description="current|superseded|withdrawn|upcoming|unknown|malformed|own")
    message: str
    message_en: str = ""
    warnings: list[str] = []
    warnings_en: list[str] = []
    level: str | None = None
    title: str = ""
    current: str | None = Field(None, description="应采用的现行版本")
    current_title: str = ""
    own: bool = False
    blocking: bool = False
    needs_acknowledgement: bool = False


class ProblemOut(BaseModel):
    field: str
    message: str
    message_en: str = ""


class PublishedOut(BaseModel):
    id: int
    public_id: str
    status: str
    version: int
    url: str
    warnings_acknowledged: bool
    references: list[ReferenceOut]


class RejectedOut(BaseModel):
    detail: str
    errors: list[ProblemOut]
    errors_total: int
    references: list[ReferenceOut] = []


class DetailOut(BaseModel):
    detail: str


class EnterpriseOut(BaseModel):
    name: str
    uscc: str
    region: str
    region_name: str
    url: str


class ProductOut(BaseModel):
    name: str
    model: str
    category: str
    category_name: str
    specification: str
    barcode: str
    common_name: str


class StoredReferenceOut(BaseModel):
    input: str
    normalized: str
    title: str
    level: str
    own: bool
    verdict: str
    message: str
    warnings: list[str]
    current: str
    checked_on: datetime.date | None


class IndicatorOut(BaseModel):
    name: str
    value: str
    unit: str
    method: str
    reference_value: str
    lower_than_reference: bool


class OwnStandardOut(BaseModel):
    number: str
    name: str
    disclosure: str
    text_url: str | None
    recommended_standard: str
    below_recommended: bool
    statement: str
    indicators: list[IndicatorOut]


class VersionOut(BaseModel):
    number: int
    change: str
    change_name: str
    reason: str
    published_at: datetime.datetime
    url: str


class DeclarationOut(BaseModel):
    id: int
    public_id: str
    title: str
    status: str
    status_name: str
    version: int
    url: str
    commitment: bool
    warnings_acknowledged: bool
    first_published_at: datetime.datetime | None
    published_at: datetime.datetime | None
    withdrawn_at: datetime.datetime | None
    created_at: datetime.datetime
    enterprise: EnterpriseOut
    products: list[ProductOut]
    references: list[StoredReferenceOut]
    own_standards: list[OwnStandardOut]
    versions: list[VersionOut]


def declaration_url(declaration) -> str:
    return reverse("declarations:detail", args=[declaration.pk])


def _detail(declaration: Declaration) -> dict:
    """The public content (the same snapshot a version keeps) plus links and dates."""
    pk = declaration.pk
    content = services.snapshot(declaration)
    content["enterprise"]["url"] = reverse(
        "declarations:enterprise", args=[declaration.enterprise.uscc]
    )
    for own, row in zip(content["own_standards"], declaration.own_standards.all(), strict=True):
        own["text_url"] = reverse("declarations:own_text", args=[pk, row.pk]) if row.text else None
    return {
        **content,
        "id": pk,
        "public_id": str(declaration.public_id),
        "status_name": str(declaration.get_status_display()),
        "version": declaration.version,
        "url": declaration_url(declaration),
        "warnings_acknowledged": declaration.warnings_acknowledged,
        "first_published_at": declaration.first_published_at,
        "published_at": declaration.published_at,
        "withdrawn_at": declaration.withdrawn_at,
        "created_at": declaration.created_at,
        "versions": [
            {
                "number": v.number,
                "change": v.change,
                "change_name": str(v.get_change_display()),
                "reason": v.reason,
                "published_at": v.published_at,
                "url": reverse("declarations:version", args=[pk, v.number]),
            }
            for v in declaration.versions.all()
        ],
    }


def _load(pk: int) -> Declaration | None:
    return (
        Declaration.objects.select_related("enterprise")
        .prefetch_related(
            "products",
            "references",
            Prefetch(
                "own_standards",
                OwnStandard.objects.prefetch_related(
                    Prefetch("indicators", Indicator.objects.order_by("position", "id"))
                ),
            ),
            Prefetch("versions", DeclarationVersion.objects.order_by("-number")),
        )
        .filter(pk=pk)
        .first()
    )


# -- request bodies -------------------------------------------------------------------------

_TYPE_MESSAGES = {
    "missing": ("缺少必填项", "Field required"),
    "extra_forbidden": ("不认识的字段，请检查拼写", "Unknown field"),
    "string_type": ("应为文本（字符串）", "Must be a string"),
    "bool_type": ("应为 true 或 false", "Must be true or false"),
    "list_type": ("应为数组", "Must be an array"),
    "model_type": ("应为 JSON 对象", "Must be an object"),
    "model_attributes_type": ("应为 JSON 对象", "Must be an object"),
    "dict_type": ("应为 JSON 对象", "Must be an object"),
    "int_type": ("应为整数", "Must be an integer"),
    "int_parsing": ("应为整数", "Must be an integer"),
}


def _field(loc) -> str:
    """``("products", 0, "name")`` → ``products.1.name`` (1-based, like services)."""
    return ".".join(str(p + 1) if isinstance(p, int) else str(p) for p in loc) or "body"


def _schema_problems(exc: PydanticValidationError) -> list[services.Problem]:
    problems = []
    for error in exc.errors():
        kind, ctx = error["type"], error.get("ctx") or {}
        if kind == "string_too_long":
            zh, en = f"过长：最多 {ctx.get('max_length')} 个字符", "Too long"
        elif kind == "too_long":
            zh, en = f"条目过多：最多 {ctx.get('max_length')} 项", "Too many items"
        else:
            zh, en = _TYPE_MESSAGES.get(kind, ("格式不正确", error.get("msg", "Invalid")))
        where = _field(error["loc"])
        label = "请求体" if where == "body" else where
        problems.append(services.Problem(where, f"{label}：{zh}", f"{where}: {en}"))
    return problems


def _body(request) -> bytes:
    """The raw body, read up to our own limit (a PDF text in base64 may exceed Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE, which guards form parsing)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    too_large = HttpError(
        413, f"请求体超过 {MAX_BODY_BYTES // _MB} MB 上限；较大的标准全文请在网页上传"
    )
    if length > MAX_BODY_BYTES:
        raise too_large
    data = request._body if hasattr(request, "_body") else request.read(MAX_BODY_BYTES + 1)
    if len(data) > MAX_BODY_BYTES:
        raise too_large
    if not data.strip():
        raise HttpError(400, "请求体为空：请以 JSON 提交声明内容")
    return data


def _parse(request, schema):
    data = _body(request)
    try:
        return schema.model_validate_json(data)
    except PydanticValidationError as exc:
        if any(e["type"] in ("json_invalid", "json_type") for e in exc.errors()):
            raise HttpError(400, "请求体不是有效的 JSON（请使用 UTF-8 编码）") from None
        raise _Rejected(_schema_problems(exc), "请求内容不符合要求") from None


class _Rejected(Exception):
    def __init__(self, errors, detail, references=()):
        self.errors = list(errors)
        self.detail = detail
        self.references = list(references)


def _rejected(exc: _Rejected) -> Status:
    return Status(
        422,
        {
            "detail": exc.detail,
            "errors": [
                {"field": p.field, "message": p.message, "message_en": p.message_en}
                for p in exc.errors[:MAX_ERRORS]
            ],
            "errors_total": len(exc.errors),
            "references": [r.as_dict() for r in exc.references],
        },
    )


_DATA_URL = re.compile(r"^data:[\w/+.-]*;base64,", re.IGNORECASE)


def _decode_pdf(text: str, where: str) -> bytes:
    limit = settings.DECLARATION_PDF_MAX_BYTES
    text = _DATA_URL.sub("", text.strip(), count=1)
    text = re.sub(r"\s+", "", text)
    if len(text) > (limit // 3 + 1) * 4:
        raise _Rejected(
            [
                services.Problem(
                    where,
                    f"PDF 文件不能超过 {limit // _MB} MB",
                    f"The PDF may not exceed {limit // _MB} MB",
                )
            ],
            "请求内容不符合要求",
        )
    try:
        content = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _Rejected(
            [
                services.Problem(
                    where,
                    "text_pdf_base64 不是有效的 base64 编码",
                    "text_pdf_base64 is not valid base64",
                )
            ],
            "请求内容不符合要求",
        ) from None
    return content


def _to_input(payload: DeclarationIn, declaration=None) -> services.DeclarationInput:
    """The services' input; problems only this API can have raise ``_Rejected``."""
    problems = []
    stored_texts = set()
    if declaration is not None:
        stored_texts = set(
            declaration.own_standards.exclude(text="").values_list("number", flat=True)
        )
    standards, own_standards = [], []
    for i, item in enumerate(payload.standards, 1):
        where = f"standards.{i}"
        standards.append(item.number)
        if not identifiers.is_own_number(item.number):
            if item.indicators or item.text_pdf_base64 or item.statement:
                problems.append(
                    services.Problem(
                        where,
                        f"{item.number}：只有企业标准（Q/ 开头）才填写指标、全文或明示说明",
                        "Only own (Q/) standards carry indicators, a text or a statement",
                    )
                )
            continue
        text = None
        if item.text_pdf_base64:
            try:
                text = _decode_pdf(item.text_pdf_base64, f"{where}.text_pdf_base64")
            except _Rejected as exc:
                problems += exc.errors
                continue
        disclosure = item.disclosure
        if disclosure is None:
            if text is not None:
                disclosure = OwnStandard.Disclosure.FULL_TEXT
            elif item.indicators:
                disclosure = OwnStandard.Disclosure.INDICATORS
            elif _clean(item.number) in stored_texts:
                disclosure = OwnStandard.Disclosure.FULL_TEXT
            else:
                disclosure = OwnStandard.Disclosure.INDICATORS
        if disclosure not in OwnStandard.Disclosure.values:
            problems.append(
                services.Problem(
                    f"{where}.disclosure",
                    f"{where}.disclosure：应为 full_text 或 indicators",
                    "disclosure is full_text or indicators",
                )
            )
            continue
        if text is not None and disclosure != OwnStandard.Disclosure.FULL_TEXT:
            # The services check a text only when it is the disclosure; a text sent
            # along with indicators is stored too, so it is checked here as well.
            problem = services.pdf_problem(text)
            if problem:
                problems.append(services.Problem(f"{where}.text_pdf_base64", *problem))
                continue
        own_standards.append(
            services.OwnStandardInput(
                number=item.number,
                name=item.name,
                disclosure=disclosure,
                indicators=[
                    services.IndicatorInput(
                        x.name,
                        x.value,
                        x.unit,
                        x.method,
                        x.reference_value,
                        x.lower_than_reference,
                    )
                    for x in item.indicators
                ],
                text=text,
                text_name=(item.text_name or (f"{item.number}.pdf" if text else ""))[:200],
                recommended_standard=item.recommended_standard,
                below_recommended=item.below_recommended,
                statement=item.statement,
            )
        )
    if problems:
        raise _Rejected(problems, "请求内容不符合要求")
    return services.DeclarationInput(
        products=[
            services.ProductInput(
                p.name, p.model, p.category, p.specification, p.barcode, p.common_name
            )
            for p in payload.products
        ],
        standards=standards,
        own_standards=own_standards,
        title=payload.title,
        commitment=payload.commitment,
        acknowledge_warnings=payload.acknowledge_warnings,
    )


def _clean(number: str) -> str | None:
    try:
        return identifiers.clean_own_number(number)
    except identifiers.IdentifierError:
        return None


def _published(outcome: services.Outcome, status: int) -> Status:
    declaration = outcome.declaration
    return Status(
        status,
        {
            "id": declaration.pk,
            "public_id": str(declaration.public_id),
            "status": declaration.status,
            "version": declaration.version,
            "url": declaration_url(declaration),
            "warnings_acknowledged": declaration.warnings_acknowledged,
            "references": [r.as_dict() for r in outcome.assessment.references],
        },
    )


def _not_published(outcome: services.Outcome) -> Status:
    errors = outcome.assessment.errors
    if any(p.field == "status" for p in errors):
        raise HttpError(409, errors[0].message)
    return _rejected(
        _Rejected(
            errors,
            "声明未公开：" + "；".join(p.message for p in errors[:3]),
            outcome.assessment.references,
        )
    )


def _own_declaration(request, pk: int, enterprise) -> Declaration:
    """The firm's own declaration; another firm's: 403 if public, 404 if not."""
    declaration = Declaration.objects.filter(pk=pk).first()
    if declaration is None:
        raise HttpError(404, "声明不存在")
    if declaration.enterprise_id != enterprise.pk:
        if declaration.is_public:
            raise HttpError(403, "这是其他企业的声明，不能修改")
        raise HttpError(404, "声明不存在")
    return declaration


# -- endpoints ------------------------------------------------------------------------------

_WRITE_RESPONSES = {
    400: DetailOut,
    401: DetailOut,
    403: DetailOut,
    404: DetailOut,
    409: DetailOut,
    413: DetailOut,
    422: RejectedOut,
}


def _inline(schema: dict, defs: dict | None = None):
    """The JSON schema with its ``$defs`` written in place (OpenAPI documents resolve
    ``$ref`` from their own root, where pydantic's ``#/$defs/…`` does not exist)."""
    if defs is None:
        defs = schema.pop("$defs", {})
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline(dict(defs[schema["$ref"].rsplit("/", 1)[1]]), defs)
        return {k: _inline(v, defs) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_inline(v, defs) for v in schema]
    return schema


def _request_body(schema, required: bool = True) -> dict:
    return {
        "requestBody": {
            "content": {"application/json": {"schema": _inline(schema.model_json_schema())}},
            "required": required,
        }
    }


@router.post(
    "/declarations",
    auth=WRITE_AUTH,
    response={201: PublishedOut, **_WRITE_RESPONSES},
    summary="公开一份自我声明",
    openapi_extra=_request_body(DeclarationIn),
)
def create_declaration(request):
    """Publish a declaration for the token's enterprise.

    `201` with every reference's verdict when it is published; `422` with the same
    `references` and `errors` (`field`, `message`, `message_en`) when a reference blocks
    it (withdrawn, unknown, malformed), warnings (superseded, upcoming, successor
    published) are not acknowledged (`acknowledge_warnings`), or the content is
    incomplete. Nothing is written unless it is published. `commitment` defaults to
    true: submitting through the API is the 自我声明承诺.
    """
    enterprise = _member_enterprise(request)
    try:
        payload = _parse(request, DeclarationIn)
        data = _to_input(payload)
    except _Rejected as exc:
        return _rejected(exc)
    outcome = services.publish(enterprise, request.auth.user, data)
    if outcome.ok:
        return _published(outcome, 201)
    return _not_published(outcome)


@router.get(
    "/declarations/{int:declaration_id}",
    auth=READ_AUTH,
    response={200: DeclarationOut, 401: DetailOut, 404: DetailOut},
    summary="一份自我声明",
)
def get_declaration(request, declaration_id: int):
    """Public for published and withdrawn declarations; a draft only with a token of
    its own enterprise."""
    declaration = _load(declaration_id)
    if declaration is None:
        raise HttpError(404, "声明不存在")
    if not declaration.is_public:
        enterprise = services.enterprise_of(getattr(request, "user", None))
        if enterprise is None or enterprise.pk != declaration.enterprise_id:
            raise HttpError(404, "声明不存在")
    return _detail(declaration)


@router.put(
    "/declarations/{int:declaration_id}",
    auth=WRITE_AUTH,
    response={200: PublishedOut, **_WRITE_RESPONSES},
    summary="修订或修改一份自我声明（草稿则首次公开）",
    openapi_extra=_request_body(RevisionIn),
)
def update_declaration(request, declaration_id: int):
    """Replace the content with the body and publish it as a new version:
    `change` is `revise` (修订) or `modify` (修改), with a `reason`. A draft of the firm
    is published for the first time. A withdrawn declaration cannot change (`409`)."""
    enterprise = _member_enterprise(request)
    declaration = _own_declaration(request, declaration_id, enterprise)
    try:
        payload = _parse(request, RevisionIn)
        if payload.change not in (
            DeclarationVersion.Change.REVISE,
            DeclarationVersion.Change.MODIFY,
        ):
            raise _Rejected(
                [
                    services.Problem(
                        "change", "change 应为 revise（修订）或 modify（修改）", "revise or modify"
                    )
                ],
                "请求内容不符合要求",
            )
        data = _to_input(payload, declaration)
    except _Rejected as exc:
        return _rejected(exc)
    outcome = services.publish(
        enterprise,
        request.auth.user,
        data,
        declaration=declaration,
        change=payload.change,
        reason=payload.reason,
    )
    if outcome.ok:
        return _published(outcome, 200)
    return _not_published(outcome)


@router.post(
    "/declarations/{int:declaration_id}/withdraw",
    auth=WRITE_AUTH,
    response={200: DeclarationOut, **_WRITE_RESPONSES},
    summary="废止一份自我声明",
    openapi_extra=_request_body(WithdrawIn, required=False),
)
def withdraw_declaration(request, declaration_id: int):
    """废止: the declaration stays public, marked withdrawn, with all its versions.
    The body (`{"reason": …}`) is optional."""
    enterprise = _member_enterprise(request)
    declaration = _own_declaration(request, declaration_id, enterprise)
    reason = ""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length not in ("", "0"):
        try:
            reason = _parse(request, WithdrawIn).reason
        except _Rejected as exc:
            return _rejected(exc)
    if declaration.status == Declaration.Status.DRAFT:
        raise HttpError(409, "草稿尚未公开，无需废止")
    if declaration.status == Declaration.Status.WITHDRAWN:
        raise HttpError(409, "该声明已经废止")
    services.withdraw(declaration, request.auth.user, reason)
    return _detail(_load(declaration.pk))
