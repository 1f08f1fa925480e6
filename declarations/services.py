"""Writing declarations: check, save as draft, publish, revise/modify, withdraw.

Every entry point (web form, API, XLSX import) builds a ``DeclarationInput`` and calls
``assess`` / ``publish``; the rules live here once. Cited catalogue standards get their
verdict from ``standards.validity`` (one batch catalogue load per declaration):
``malformed``, ``unknown`` and ``withdrawn`` block publication; ``superseded``,
``upcoming`` and "successor published" are warnings the firm must acknowledge.
"""

import datetime
import hashlib
import io
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from declarations import identifiers
from declarations.models import (
    Category,
    Declaration,
    DeclarationVersion,
    Indicator,
    OwnStandard,
    Product,
    Reference,
)
from standards.services import check_references

BLOCKING = {"malformed", "unknown", "withdrawn"}
WARNING = {"superseded", "upcoming"}
MAX_PRODUCTS = 200
MAX_STANDARDS = 100
MAX_INDICATORS = 200


# -- input -------------------------------------------------------------------------------


@dataclass
class ProductInput:
    name: str = ""
    model: str = ""
    category: str = ""
    specification: str = ""
    barcode: str = ""
    common_name: str = ""


@dataclass
class IndicatorInput:
    name: str = ""
    value: str = ""
    unit: str = ""
    method: str = ""
    reference_value: str = ""
    lower_than_reference: bool = False


@dataclass
class OwnStandardInput:
    number: str = ""
    name: str = ""
    disclosure: str = OwnStandard.Disclosure.INDICATORS
    indicators: list[IndicatorInput] = field(default_factory=list)
    #: A new PDF (bytes and the name it was uploaded under); None keeps the stored one.
    text: bytes | None = None
    text_name: str = ""
    recommended_standard: str = ""
    below_recommended: bool = False
    statement: str = ""


@dataclass
class DeclarationInput:
    products: list[ProductInput] = field(default_factory=list)
    #: Numbers of the catalogue standards executed, as written.
    standards: list[str] = field(default_factory=list)
    own_standards: list[OwnStandardInput] = field(default_factory=list)
    title: str = ""
    commitment: bool = False
    acknowledge_warnings: bool = False


# -- assessment ----------------------------------------------------------------------------


@dataclass
class Problem:
    """Something that stops publication: where (``field``) and what to do."""

    field: str
    message: str
    message_en: str = ""


@dataclass
class CheckedReference:
    input: str
    normalized: str | None
    series: str | None
    level: str | None
    verdict: str
    message: str
    message_en: str
    warnings: list[str]
    warnings_en: list[str]
    title: str = ""
    current: str | None = None
    current_title: str = ""
    own: bool = False

    @property
    def blocking(self) -> bool:
        return self.verdict in BLOCKING

    @property
    def needs_acknowledgement(self) -> bool:
        return self.verdict in WARNING or bool(self.warnings)

    def as_dict(self) -> dict:
        out = asdict(self)
        out["blocking"] = self.blocking
        out["needs_acknowledgement"] = self.needs_acknowledgement
        return out


@dataclass
class Assessment:
    references: list[CheckedReference]
    errors: list[Problem]
    checked_on: datetime.date

    @property
    def warnings(self) -> list[CheckedReference]:
        return [r for r in self.references if r.needs_acknowledgement and not r.blocking]

    @property
    def ok(self) -> bool:
        return not self.errors


def check_standards(numbers: list[str], on: datetime.date | None = None) -> list[CheckedReference]:
    """Verdicts for the catalogue standards a declaration cites (Q/ numbers: own)."""
    on = on or datetime.date.today()
    catalogue_numbers = [n for n in numbers if not identifiers.is_own_number(n)]
    verdicts = iter(check_references(catalogue_numbers, on))
    out = []
    for number in numbers:
        if identifiers.is_own_number(number):
            out.append(_own_reference(number))
            continue
        v = next(verdicts)
        parsed = identifiers.catalogue_number(number)
        out.append(
            CheckedReference(
                input=number,
                normalized=v.normalized,
                series=parsed.series if parsed else None,
                level=v.level,
                verdict=v.verdict,
                message=v.message,
                message_en=v.message_en,
                warnings=list(v.warnings),
                warnings_en=list(v.warnings_en),
                title=v.standard.title if v.standard else "",
                current=v.current.number if v.current else None,
                current_title=v.current.title if v.current else "",
            )
        )
    return out


def _own_reference(number: str) -> CheckedReference:
    try:
        cleaned = identifiers.clean_own_number(number)
    except identifiers.IdentifierError as exc:
        return CheckedReference(
            number,
            None,
            None,
            "enterprise",
            "malformed",
            exc.message,
            exc.message_en,
            [],
            [],
            own=True,
        )
    return CheckedReference(
        number,
        cleaned,
        cleaned.rsplit("-", 1)[0],
        "enterprise",
        "own",
        "本企业标准：请公开全文或功能指标、性能指标",
        "Own enterprise standard: disclose its full text or its indicators",
        [],
        [],
        own=True,
    )


def assess(data: DeclarationInput, enterprise, declaration=None, on=None) -> Assessment:
    """Everything that decides whether ``data`` may be published, without writing."""
    on = on or datetime.date.today()
    errors: list[Problem] = []
    if not data.products:
        errors.append(Problem("products", "请至少填写一个产品或服务", "Add at least one product"))
    if len(data.products) > MAX_PRODUCTS:
        errors.append(
            Problem("products", f"一份声明最多 {MAX_PRODUCTS} 个产品", f"At most {MAX_PRODUCTS}")
        )
    for i, product in enumerate(data.products, 1):
        for attr, label, label_en in (
            ("name", "名称", "name"),
            ("model", "型号", "model"),
            ("category", "类别", "category"),
        ):
            if not str(getattr(product, attr) or "").strip():
                errors.append(
                    Problem(
                        f"products.{i}.{attr}",
                        f"第 {i} 个产品缺少{label}",
                        f"Product {i} has no {label_en}",
                    )
                )
        if product.category and Category.lookup(product.category) is None:
            errors.append(
                Problem(
                    f"products.{i}.category",
                    f"第 {i} 个产品的类别“{product.category}”不在类别表中",
                    f"Product {i}: unknown category",
                )
            )
    own_numbers = [o.number for o in data.own_standards]
    cited = list(dict.fromkeys(s.strip() for s in data.standards if s and s.strip()))
    cited += [n for n in own_numbers if n and n not in cited]
    if not cited:
        errors.append(Problem("standards", "请至少填写一项执行标准", "Add at least one standard"))
    if len(cited) > MAX_STANDARDS:
        errors.append(
            Problem("standards", f"执行标准最多 {MAX_STANDARDS} 项", f"At most {MAX_STANDARDS}")
        )
        cited = cited[:MAX_STANDARDS]
    references = check_standards(cited, on)
    described = {_clean_or_none(n) for n in own_numbers}
    for ref in references:
        if ref.blocking:
            errors.append(Problem("standards", f"{ref.input}：{ref.message}", ref.message_en))
        elif ref.own and ref.normalized not in described:
            errors.append(
                Problem(
                    "own_standards",
                    f"{ref.input}：本企业标准须填写名称并公开全文或指标",
                    f"{ref.input}: give the own standard's name and its text or indicators",
                )
            )
    errors += _own_standard_problems(data.own_standards, enterprise, declaration)
    warnings = [r for r in references if r.needs_acknowledgement and not r.blocking]
    if warnings and not data.acknowledge_warnings:
        errors.append(
            Problem(
                "acknowledge_warnings",
                "有执行标准需要注意（已被代替、尚未实施或已发布新版本），请确认后再公开",
                "Some standards need attention (superseded, not yet in force or replaced "
                "by a published edition): acknowledge the warnings to publish",
            )
        )
    if not data.commitment:
        errors.append(
            Problem(
                "commitment",
                "请勾选自我声明承诺：产品符合所执行标准，且满足全部强制性标准",
                "Tick the commitment that the products meet the declared and every "
                "mandatory standard",
            )
        )
    return Assessment(references, errors, on)


def _clean_or_none(number: str) -> str | None:
    try:
        return identifiers.clean_own_number(number)
    except identifiers.IdentifierError:
        return None


def _own_standard_problems(own_standards, enterprise, declaration) -> list[Problem]:
    problems = []
    seen = set()
    for i, own in enumerate(own_standards, 1):
        where = f"own_standards.{i}"
        try:
            number = identifiers.clean_own_number(own.number)
        except identifiers.IdentifierError as exc:
            problems.append(Problem(f"{where}.number", exc.message, exc.message_en))
            continue
        if number in seen:
            problems.append(
                Problem(f"{where}.number", f"{number} 填写了两次", f"{number} is given twice")
            )
        seen.add(number)
        if enterprise is not None:
            clash = OwnStandard.objects.filter(
                number=number, declaration__enterprise=enterprise
            ).exclude(declaration__status=Declaration.Status.WITHDRAWN)
            if declaration is not None and declaration.pk:
                clash = clash.exclude(declaration=declaration)
            if clash.exists():
                problems.append(
                    Problem(
                        f"{where}.number",
                        f"{number} 已在本企业的另一份声明中使用，企业标准编号须唯一",
                        f"{number} is already used in another declaration of this enterprise",
                    )
                )
        if not own.name.strip():
            problems.append(
                Problem(f"{where}.name", f"请填写 {number} 的标准名称", "Give its name")
            )
        if own.text is not None:
            # Checked whichever way the indicators are disclosed: a file is stored.
            problem = pdf_problem(own.text)
            if problem:
                problems.append(Problem(f"{where}.text", *problem))
        if own.disclosure == OwnStandard.Disclosure.FULL_TEXT:
            has_stored = bool(
                declaration is not None
                and declaration.pk
                and declaration.own_standards.filter(number=number).exclude(text="").exists()
            )
            if own.text is None and not has_stored:
                problems.append(
                    Problem(
                        f"{where}.text",
                        f"请上传 {number} 的标准全文（PDF）",
                        "Upload the full text (PDF)",
                    )
                )
        else:
            filled = [x for x in own.indicators if x.name.strip() or x.value.strip()]
            if not filled:
                problems.append(
                    Problem(
                        f"{where}.indicators",
                        f"请填写 {number} 的功能指标和性能指标（至少一项），或上传全文",
                        "Give at least one indicator, or upload the full text",
                    )
                )
            if len(filled) > MAX_INDICATORS:
                problems.append(
                    Problem(f"{where}.indicators", f"指标最多 {MAX_INDICATORS} 项", "Too many")
                )
            for j, ind in enumerate(filled, 1):
                if not (ind.name.strip() and ind.value.strip()):
                    problems.append(
                        Problem(
                            f"{where}.indicators.{j}",
                            f"{number} 第 {j} 项指标须填写指标名称和指标值",
                            f"Indicator {j} needs a name and a value",
                        )
                    )
        lower = own.below_recommended or any(x.lower_than_reference for x in own.indicators)
        if lower and not own.statement.strip():
            problems.append(
                Problem(
                    f"{where}.statement",
                    f"{number} 的指标少于或低于推荐性标准，须明示说明"
                    "（企业标准化促进办法第十四条）",
                    "Indicators fewer or lower than the recommended standard's must be "
                    "stated explicitly",
                )
            )
    return problems


def pdf_problem(content: bytes) -> tuple[str, str] | None:
    """Why ``content`` is not an acceptable standard text (None when it is)."""
    limit = settings.DECLARATION_PDF_MAX_BYTES
    if len(content) > limit:
        return (
            f"PDF 文件不能超过 {limit // (1024 * 1024)} MB",
            f"The PDF may not exceed {limit // (1024 * 1024)} MB",
        )
    if not content.lstrip()[:5] == b"%PDF-":
        return ("只接受 PDF 文件（按文件内容判断）", "Only PDF files are accepted")
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            return ("PDF 文件已加密，请上传未加密的文件", "The PDF is encrypted")
        if len(reader.pages) < 1:
            return ("PDF 文件没有页面", "The PDF has no pages")
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        return ("PDF 文件已损坏，无法打开", "The PDF is damaged")
    return None


# -- writing -------------------------------------------------------------------------------


@dataclass
class Outcome:
    declaration: Declaration | None
    assessment: Assessment

    @property
    def ok(self) -> bool:
        return self.declaration is not None and self.assessment.ok


def save_draft(enterprise, user, data: DeclarationInput, declaration=None) -> Declaration:
    """Keep unfinished work (never public). Only a draft may be saved as a draft."""
    if declaration is not None and declaration.status != Declaration.Status.DRAFT:
        raise ValueError("only drafts are saved as drafts")
    on = datetime.date.today()
    references = check_standards(
        list(dict.fromkeys(s.strip() for s in data.standards if s and s.strip())), on
    )
    with transaction.atomic():
        declaration = declaration or Declaration(enterprise=enterprise, created_by=user)
        declaration.title = data.title.strip()[:200]
        declaration.commitment = data.commitment
        declaration.save()
        _write_content(declaration, data, references, on, keep_invalid=True)
    return declaration


def publish(
    enterprise,
    user,
    data: DeclarationInput,
    declaration=None,
    change: str = DeclarationVersion.Change.PUBLISH,
    reason: str = "",
    on: datetime.date | None = None,
) -> Outcome:
    """Publish a new declaration (or a draft), or a revision/modification of one.
    ``on``: the day the references are checked as of (today; earlier only to record
    declarations published elsewhere before, as the demo does)."""
    on = on or datetime.date.today()
    if declaration is not None and declaration.enterprise_id != enterprise.pk:
        raise PermissionError("declaration of another enterprise")
    if declaration is not None and declaration.status == Declaration.Status.WITHDRAWN:
        assessment = Assessment(
            [],
            [Problem("status", "已废止的声明不能再修改", "A withdrawn declaration is final")],
            on,
        )
        return Outcome(None, assessment)
    assessment = assess(data, enterprise, declaration, on)
    if not assessment.ok:
        return Outcome(None, assessment)
    now = timezone.now()
    with transaction.atomic():
        if declaration is None:
            declaration = Declaration(enterprise=enterprise, created_by=user)
        else:
            declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
        if declaration.version == 0:
            change = DeclarationVersion.Change.PUBLISH
        elif change == DeclarationVersion.Change.PUBLISH:
            change = DeclarationVersion.Change.REVISE
        declaration.title = data.title.strip()[:200]
        declaration.commitment = data.commitment
        declaration.warnings_acknowledged = bool(assessment.warnings)
        declaration.status = Declaration.Status.PUBLISHED
        declaration.version += 1
        declaration.first_published_at = declaration.first_published_at or now
        declaration.published_at = now
        # A new version answers any earlier warning: its references were just checked.
        declaration.flagged_at = None
        declaration.flag_reason = ""
        declaration.save()
        _write_content(declaration, data, assessment.references, on)
        _record_version(declaration, change, reason, user, now)
        _reindex_on_commit(declaration.pk)
    return Outcome(declaration, assessment)


def withdraw(declaration: Declaration, user, reason: str = "") -> Declaration:
    """废止: the declaration stays public, marked withdrawn, with all its versions."""
    now = timezone.now()
    with transaction.atomic():
        declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
        if declaration.status != Declaration.Status.PUBLISHED:
            raise ValueError("only a published declaration can be withdrawn")
        declaration.status = Declaration.Status.WITHDRAWN
        declaration.version += 1
        declaration.withdrawn_at = now
        declaration.published_at = now
        declaration.save()
        _record_version(declaration, DeclarationVersion.Change.WITHDRAW, reason, user, now)
        _reindex_on_commit(declaration.pk)
    return declaration


def _reindex_on_commit(pk: int) -> None:
    """Search sees the declaration once the transaction commits, content complete."""
    from declarations.search_indexes import reindex

    transaction.on_commit(lambda: reindex(pk), robust=True)


def _write_content(declaration, data, references, on, keep_invalid=False):
    """Replace products, references and own standards with ``data``'s."""
    stored_texts = {
        o.number: (o.text.name, o.text_name, o.text_sha256)
        for o in declaration.own_standards.exclude(text="")
    }
    declaration.products.all().delete()
    declaration.references.all().delete()
    declaration.own_standards.all().delete()
    Product.objects.bulk_create(
        Product(
            declaration=declaration,
            position=i,
            name=p.name.strip()[:200],
            model=p.model.strip()[:200],
            category=Category.lookup(p.category) or (Category.OTHER if keep_invalid else ""),
            specification=p.specification.strip()[:200],
            barcode=p.barcode.strip()[:20],
            common_name=p.common_name.strip()[:200],
        )
        for i, p in enumerate(data.products)
    )
    Reference.objects.bulk_create(
        Reference(
            declaration=declaration,
            position=i,
            input=r.input[:120],
            normalized=(r.normalized or "")[:120],
            series=(r.series or "")[:120],
            title=r.title[:500],
            level=r.level or "",
            own=r.own,
            verdict=r.verdict,
            message=r.message[:500],
            message_en=(r.message_en or "")[:500],
            warnings=r.warnings,
            warnings_en=r.warnings_en,
            current_number=(r.current or "")[:120],
            checked_on=on,
        )
        for i, r in enumerate(references)
    )
    for own in data.own_standards:
        number = _clean_or_none(own.number) or (own.number.strip()[:60] if keep_invalid else None)
        if not number:
            continue
        row = OwnStandard(
            declaration=declaration,
            number=number,
            name=own.name.strip()[:200],
            disclosure=own.disclosure,
            recommended_standard=own.recommended_standard.strip()[:120],
            below_recommended=own.below_recommended,
            statement=own.statement.strip(),
        )
        if own.text is not None and pdf_problem(own.text) is None:
            # Drafts keep what was typed, but never a file that is not a good PDF.
            row.text_sha256 = hashlib.sha256(own.text).hexdigest()
            row.text_name = own.text_name[:200]
            row.text.save(f"{row.text_sha256[:32]}.pdf", ContentFile(own.text), save=False)
        elif number in stored_texts:
            row.text.name, row.text_name, row.text_sha256 = stored_texts[number]
        row.save()
        Indicator.objects.bulk_create(
            Indicator(
                own_standard=row,
                position=j,
                name=x.name.strip()[:200],
                value=x.value.strip()[:200],
                unit=x.unit.strip()[:40],
                method=x.method.strip()[:200],
                reference_value=x.reference_value.strip()[:200],
                lower_than_reference=x.lower_than_reference,
            )
            for j, x in enumerate(own.indicators)
            if x.name.strip() or x.value.strip()
        )


def snapshot(declaration: Declaration) -> dict:
    """What the public saw of this version (kept in ``DeclarationVersion``)."""
    enterprise = declaration.enterprise
    return {
        "title": str(declaration),
        "status": declaration.status,
        "enterprise": {
            "name": enterprise.name,
            "uscc": enterprise.uscc,
            "region": enterprise.region,
            "region_name": enterprise.region_name,
        },
        "commitment": declaration.commitment,
        "products": [
            {
                "name": p.name,
                "model": p.model,
                "category": p.category,
                "category_name": str(Category(p.category).label) if p.category else "",
                "specification": p.specification,
                "barcode": p.barcode,
                "common_name": p.common_name,
            }
            for p in declaration.products.all()
        ],
        "references": [
            {
                "input": r.input,
                "normalized": r.normalized,
                "title": r.title,
                "level": r.level,
                "own": r.own,
                "verdict": r.verdict,
                "message": r.message,
                "message_en": r.message_en,
                "warnings": r.warnings,
                "warnings_en": r.warnings_en,
                "current": r.current_number,
                "checked_on": r.checked_on.isoformat() if r.checked_on else None,
            }
            for r in declaration.references.all()
        ],
        "own_standards": [
            {
                "number": o.number,
                "name": o.name,
                "disclosure": o.disclosure,
                "has_text": bool(o.text),
                "text_sha256": o.text_sha256,
                "recommended_standard": o.recommended_standard,
                "below_recommended": o.below_recommended,
                "statement": o.statement,
                "indicators": [
                    {
                        "name": x.name,
                        "value": x.value,
                        "unit": x.unit,
                        "method": x.method,
                        "reference_value": x.reference_value,
                        "lower_than_reference": x.lower_than_reference,
                    }
                    for x in o.indicators.all()
                ],
            }
            for o in declaration.own_standards.all()
        ],
    }


def _record_version(declaration, change, reason, user, now):
    DeclarationVersion.objects.create(
        declaration=declaration,
        number=declaration.version,
        change=change,
        reason=reason.strip()[:500],
        snapshot=snapshot(declaration),
        published_at=now,
        created_by=user if getattr(user, "pk", None) else None,
    )


def input_from_declaration(declaration: Declaration) -> DeclarationInput:
    """The current content as input (the starting point of a revision)."""
    return DeclarationInput(
        title=declaration.title,
        commitment=declaration.commitment,
        products=[
            ProductInput(p.name, p.model, p.category, p.specification, p.barcode, p.common_name)
            for p in declaration.products.all()
        ],
        standards=[r.input for r in declaration.references.all() if not r.own],
        own_standards=[
            OwnStandardInput(
                number=o.number,
                name=o.name,
                disclosure=o.disclosure,
                indicators=[
                    IndicatorInput(
                        x.name,
                        x.value,
                        x.unit,
                        x.method,
                        x.reference_value,
                        x.lower_than_reference,
                    )
                    for x in o.indicators.all()
                ],
                recommended_standard=o.recommended_standard,
                below_recommended=o.below_recommended,
                statement=o.statement,
            )
            for o in declaration.own_standards.all()
        ],
    )


def enterprise_of(user):
    """The enterprise a user acts for, or None (staff, anonymous, unattached users)."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = getattr(user, "membership", None)
    return membership.enterprise if membership else None
