"""JSON API of the catalogue: 查新 and one standard. Contract: architecture.md."""

import datetime

from django.conf import settings
from django.shortcuts import get_object_or_404

from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from standards import documents, numbers
from standards.models import Standard
from standards.models.catalogue import standard_path
from standards.services import check_references, check_text
from standards.validity import Verdict, status_on

from .catalogue import DbCatalogue

router = Router(tags=["标准"])


class CheckIn(Schema):
    references: list[str] | None = Field(
        None, description="标准编号列表，按顺序逐条查新", examples=[["GB 2760-2014", "GB 5749"]]
    )
    text: str | None = Field(None, description="任意文本，查出其中的全部标准编号")
    as_of: datetime.date | None = Field(None, description="查新日期，默认今天")


class EditionOut(BaseModel):
    number: str
    title: str
    status: str | None = None
    url: str | None = None


class CheckResult(BaseModel):
    input: str
    normalized: str | None
    level: str | None
    mandatory: bool | None
    dated: bool | None
    verdict: str = Field(description="current|superseded|withdrawn|upcoming|unknown|malformed")
    standard: EditionOut | None
    current: EditionOut | None
    others: list[EditionOut] = []
    successor: EditionOut | None = None
    changed_on: datetime.date | None = None
    message: str
    warnings: list[str] = []
    problems: list[str] = []


class CheckOut(BaseModel):
    as_of: datetime.date
    count: int
    results: list[CheckResult]


class StandardOut(BaseModel):
    number: str
    title: str
    title_en: str
    level: str
    kind: str
    mandatory: bool
    status: str = Field(description="今天的实际状态")
    recorded_status: str
    published: datetime.date | None
    effective: datetime.date | None
    withdrawn: datetime.date | None
    ics: list[str]
    ccs: str
    department: str
    scope: str
    replaces: list[dict]
    replaced_by: list[dict]
    url: str


def _edition_out(edition, status=None) -> dict | None:
    if edition is None:
        return None
    return {
        "number": edition.number,
        "title": edition.title,
        "status": status,
        "url": standard_path(edition.number),
    }


def verdict_out(v: Verdict, on: datetime.date, catalogue=None) -> dict:
    """A verdict in the contract's shape (architecture.md, POST /api/v1/check)."""
    standard_status = None
    if v.standard is not None and catalogue is not None:
        standard_status = status_on(v.standard, on, catalogue)
    return {
        "input": v.input,
        "normalized": v.normalized,
        "level": v.level,
        "mandatory": v.mandatory,
        "dated": v.dated,
        "verdict": v.verdict,
        "standard": _edition_out(v.standard, standard_status or v.verdict),
        "current": _edition_out(v.current, "current" if v.current else None),
        "others": [_edition_out(e, "current") for e in v.others],
        "successor": _edition_out(v.successor, "upcoming" if v.successor else None),
        "changed_on": v.changed_on,
        "message": v.message,
        "warnings": list(v.warnings),
        "problems": list(v.problems),
    }


CHECK_REQUEST_BODY = {
    "content": {
        "application/json": {"schema": CheckIn.model_json_schema()},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "TXT、CSV、XLSX、DOCX 或 PDF，不超过 10 MB",
                    },
                    "as_of": {"type": "string", "format": "date"},
                },
                "required": ["file"],
            }
        },
    },
    "required": True,
}


def _json_payload(request) -> CheckIn:
    try:
        return CheckIn.model_validate_json(request.body or b"")
    except PydanticValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise HttpError(400, "请求体不是有效的 JSON") from None
        raise HttpError(
            422,
            "请求内容不符合要求："
            + "；".join(
                f"{'.'.join(map(str, e['loc'])) or '请求体'}: {e['msg']}" for e in exc.errors()[:5]
            ),
        ) from None


def _file_references(request) -> tuple[list[str], datetime.date | None]:
    upload = request.FILES.get("file")  # parsing the body sets upload_too_large
    if getattr(request, "upload_too_large", False):
        raise HttpError(413, f"文件超过 {documents.MAX_UPLOAD_BYTES // (1024 * 1024)} MB 上限")
    if upload is None:
        raise HttpError(422, "请在 file 字段上传文件")
    as_of = None
    if request.POST.get("as_of"):
        try:
            as_of = datetime.date.fromisoformat(request.POST["as_of"])
        except ValueError:
            raise HttpError(422, "as_of 应为 YYYY-MM-DD 格式的日期") from None
    try:
        document = documents.extract(upload.read(), upload.name)
    except documents.DocumentError as exc:
        status = 413 if exc.code == "too_large" else 422
        raise HttpError(status, str(exc)) from None
    return [r.text for r in document.references], as_of


@router.post(
    "/check",
    response=CheckOut,
    summary="标准查新",
    openapi_extra={"requestBody": CHECK_REQUEST_BODY},
)
def check(request):
    """Verdicts for a list of references, for every reference found in `text`, or for
    every reference found in an uploaded file (multipart, field `file`)."""
    limit = settings.CHECK_MAX_REFERENCES
    if request.content_type == "multipart/form-data":
        references, as_of = _file_references(request)
        on = as_of or datetime.date.today()
        if len(references) > limit:
            raise HttpError(413, f"文件中的标准编号超过 {limit} 条，请分批提交")
        verdicts = check_references(references, on)
    else:
        payload = _json_payload(request)
        on = payload.as_of or datetime.date.today()
        if (payload.references is None) == (payload.text is None):
            raise HttpError(422, "请提供 references（编号列表）或 text（文本）二者之一")
        if payload.references is not None:
            if len(payload.references) > limit:
                raise HttpError(
                    413, f"一次最多查新 {limit} 条，本次 {len(payload.references)} 条，请分批提交"
                )
            if any(len(r) > 200 for r in payload.references):
                raise HttpError(422, "单条标准编号不能超过 200 个字符")
            verdicts = check_references(payload.references, on)
        else:
            if len(payload.text) > settings.CHECK_MAX_TEXT:
                raise HttpError(413, f"文本过长：最多 {settings.CHECK_MAX_TEXT} 个字符")
            if len(numbers.find_references(payload.text)) > limit:
                raise HttpError(413, f"文本中的标准编号超过 {limit} 条，请分批提交")
            verdicts = check_text(payload.text, on)
    return {"as_of": on, "count": len(verdicts), "results": [verdict_out(v, on) for v in verdicts]}


@router.get("/standards/{path:number}", response=StandardOut, summary="单个标准")
def standard(request, number: str):
    try:
        parsed = numbers.parse(number)
    except numbers.NumberError as exc:
        raise HttpError(404, f"不是有效的标准编号：{exc}") from None
    std = get_object_or_404(Standard.objects.prefetch_related("ics"), number=parsed.edition)
    catalogue = DbCatalogue()
    edition = catalogue.get(std.number)
    return {
        "number": std.number,
        "title": std.title,
        "title_en": std.title_en,
        "level": std.level,
        "kind": std.kind,
        "mandatory": std.mandatory,
        "status": status_on(edition, datetime.date.today(), catalogue),
        "recorded_status": std.status,
        "published": std.published,
        "effective": std.effective,
        "withdrawn": std.withdrawn,
        "ics": [c.code for c in std.ics.all()],
        "ccs": std.ccs,
        "department": std.department,
        "scope": std.scope,
        "replaces": [{"number": link.number, "partial": link.partial} for link in edition.replaces],
        "replaced_by": [
            {"number": link.number, "partial": link.partial} for link in edition.replaced_by
        ],
        "url": std.get_absolute_url(),
    }
