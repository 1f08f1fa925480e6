"""The firm's own declarations: the list, the form with live checks, publish, revise
(修订), modify (修改) and withdraw (废止).

The form only gathers what was typed into a ``DeclarationInput``; ``services`` decides
(``save_draft``, ``publish``, ``withdraw``) and its problems are shown next to the
fields they concern. Only members of the declaring enterprise reach these pages;
anyone else gets 404 for a declaration that is not theirs.
"""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from declarations import services
from declarations.forms import (
    ChangeForm,
    DeclarationForm,
    IndicatorForm,
    IndicatorFormSet,
    OwnStandardFormSet,
    ProductFormSet,
    StandardFormSet,
    WithdrawForm,
)
from declarations.models import Declaration, DeclarationVersion, OwnStandard, Reference
from declarations.services import (
    BLOCKING,
    DeclarationInput,
    IndicatorInput,
    OwnStandardInput,
    ProductInput,
)
from declarations.views.account import enterprise_required
from standards.templatetags.standards_tags import VERDICT_LABELS

#: What to do about each verdict, next to the number (``{current}``: the edition in force).
HINTS = {
    "malformed": gettext_lazy(
        "请按“代号 顺序号-年代号”填写，如 GB 2760-2024、GB/T 19580-2012；"
        "本企业标准（Q/）请填在下方“本企业标准”中。"
    ),
    "unknown": gettext_lazy(
        "请核对编号：目录未收录的标准不能声明执行。本企业标准（Q/）请填在下方“本企业标准”中。"
    ),
    "withdrawn": gettext_lazy("已废止的标准不能声明执行：请改用现行标准，或删除此项。"),
    "withdrawn_current": gettext_lazy(
        "已废止的标准不能声明执行：请改用现行标准 {current}，或删除此项。"
    ),
    "superseded": gettext_lazy("可以继续声明，但须在下方勾选确认。"),
    "superseded_current": gettext_lazy(
        "可以继续声明，但须在下方勾选确认；建议改用现行版本 {current}。"
    ),
    "upcoming": gettext_lazy("该标准尚未实施：可以声明，但须在下方勾选确认。"),
    "successor": gettext_lazy("已发布新版本：可以继续声明，但须在下方勾选确认。"),
    "own": gettext_lazy("本企业标准：请在下方“本企业标准”中填写名称并公开全文或指标。"),
}
OWN_LABEL = gettext_lazy("本企业标准")
PAGE_SIZE = 25


def hint(verdict: str, current: str | None, has_warnings: bool) -> str:
    if verdict in ("withdrawn", "superseded") and current:
        return str(HINTS[f"{verdict}_current"]).format(current=current)
    if verdict == "current" and has_warnings:
        return str(HINTS["successor"])
    text = HINTS.get(verdict)
    return str(text).format(current=current or "") if text else ""


def _english() -> bool:
    return (get_language() or "").startswith("en")


def detail_url(declaration) -> str:
    """The public page (falls back to the list while the public pages are missing)."""
    try:
        return reverse("declarations:detail", args=[declaration.pk])
    except NoReverseMatch:
        return reverse("declarations:mine")


# -- the list -------------------------------------------------------------------------------


def _attention(declaration) -> list[Reference]:
    return [
        r
        for r in declaration.references.all()
        if r.verdict in BLOCKING or r.verdict in services.WARNING or r.warnings
    ]


@enterprise_required
def mine(request, membership):
    declarations = (
        Declaration.objects.filter(enterprise=membership.enterprise)
        .prefetch_related(
            "products", Prefetch("references", Reference.objects.order_by("position", "id"))
        )
        .order_by("-updated_at", "-id")
    )
    page = Paginator(declarations, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"declaration": d, "attention": _attention(d)} for d in page.object_list]
    return render(
        request,
        "declarations/declare/mine.html",
        {"page": page, "rows": rows, "enterprise": membership.enterprise},
    )


# -- the form -------------------------------------------------------------------------------


class DeclarationPage:
    """Every form of the declaration page, bound to a POST or filled from ``initial``."""

    def __init__(self, data=None, files=None, initial=None, declaration=None):
        initial = initial or DeclarationInput()
        self.declaration = declaration
        self.published = declaration is not None and declaration.version > 0
        self.meta = DeclarationForm(
            data, initial={"title": initial.title, "commitment": initial.commitment}
        )
        self.change = ChangeForm(data) if self.published else None
        self.products = ProductFormSet(
            data,
            prefix="products",
            initial=[vars(p) for p in initial.products] or None,
        )
        self.standards = StandardFormSet(
            data, prefix="standards", initial=[{"number": s} for s in initial.standards] or None
        )
        self.own = OwnStandardFormSet(
            data,
            files,
            prefix="own",
            initial=[
                {
                    "number": o.number,
                    "name": o.name,
                    "disclosure": o.disclosure,
                    "recommended_standard": o.recommended_standard,
                    "below_recommended": o.below_recommended,
                    "statement": o.statement,
                }
                for o in initial.own_standards
            ]
            or None,
        )
        if data is None:
            # Fewer blank rows when editing what is already filled in.
            if initial.products:
                self.products.extra = 1
            if initial.standards:
                self.standards.extra = 2
        stored = {}
        if declaration is not None:
            stored = {
                o.number: o.text_name or _("已上传的 PDF")
                for o in declaration.own_standards.exclude(text="")
            }
        for i, form in enumerate(self.own.forms):
            own_initial = initial.own_standards[i] if i < len(initial.own_standards) else None
            form.indicators = IndicatorFormSet(
                data,
                prefix=f"own-{i}-ind",
                initial=[vars(x) for x in own_initial.indicators] if own_initial else None,
            )
            if data is None and own_initial and own_initial.indicators:
                form.indicators.extra = 1
            number = (form["number"].value() or "").strip() if own_initial or data else ""
            form.stored_text_name = stored.get(number, "")
        # Templates for rows added by the page's script (placeholders differ by level).
        own_template = self.own.empty_form
        own_template.indicators = IndicatorFormSet(prefix="own-__prefix__-ind")
        own_template.indicators.row_template = self._indicator_template("own-__prefix__-ind")
        own_template.stored_text_name = ""
        self.own_template = own_template
        for form in self.own.forms:
            form.indicators.row_template = self._indicator_template(form.indicators.prefix)
        self.top_errors: list[str] = []
        self.section_errors: dict[str, list[str]] = {
            "products": [],
            "standards": [],
            "own_standards": [],
        }
        self.reupload = False
        self.warnings = []
        self._maps = None
        self._typed = {(form["number"].value() or "").strip() for form in self.standards.forms}

    @staticmethod
    def _indicator_template(prefix):
        return IndicatorForm(
            auto_id="id_%s", prefix=f"{prefix}-__row__", use_required_attribute=False
        )

    # -- reading ----------------------------------------------------------------------------

    def formsets(self):
        yield self.products
        yield self.standards
        yield self.own
        for form in self.own.forms:
            yield form.indicators

    def is_valid(self) -> bool:
        valid = self.meta.is_valid()
        if self.change is not None:
            valid = self.change.is_valid() and valid
        for formset in self.formsets():
            valid = formset.is_valid() and valid
        if not valid:
            for formset in self.formsets():
                self.top_errors += [str(e) for e in formset.non_form_errors()]
        return valid

    def to_input(self) -> DeclarationInput:
        """What was typed, without blank rows (after ``is_valid``)."""
        maps = {"products": [], "own": [], "indicators": {}}
        products = []
        for form in self.products.forms:
            if form.is_blank():
                continue
            maps["products"].append(form)
            products.append(
                ProductInput(**{f: form.cleaned_data.get(f) or "" for f in form.fields})
            )
        standards = [
            form.cleaned_data["number"].strip()
            for form in self.standards.forms
            if not form.is_blank()
        ]
        own_standards = []
        for form in self.own.forms:
            if form.is_blank(form.indicators):
                continue
            maps["own"].append(form)
            data = form.cleaned_data
            rows = [x for x in form.indicators.forms if not x.is_blank()]
            maps["indicators"][len(own_standards)] = [
                x
                for x in rows
                if (x.cleaned_data.get("name") or "").strip()
                or (x.cleaned_data.get("value") or "").strip()
            ]
            upload = data.get("text")
            own_standards.append(
                OwnStandardInput(
                    number=data.get("number") or "",
                    name=data.get("name") or "",
                    disclosure=data.get("disclosure") or OwnStandard.Disclosure.INDICATORS,
                    indicators=[_indicator(x.cleaned_data) for x in rows],
                    text=upload.read() if upload else None,
                    text_name=getattr(upload, "name", "") or "",
                    recommended_standard=data.get("recommended_standard") or "",
                    below_recommended=bool(data.get("below_recommended")),
                    statement=data.get("statement") or "",
                )
            )
            if upload:
                self.reupload = True
        self._maps = maps
        meta = self.meta.cleaned_data
        return DeclarationInput(
            products=products,
            standards=standards,
            own_standards=own_standards,
            title=meta.get("title") or "",
            commitment=bool(meta.get("commitment")),
            acknowledge_warnings=bool(meta.get("acknowledge_warnings")),
        )

    # -- showing problems and verdicts --------------------------------------------------------

    def show_problems(self, problems) -> None:
        """Put each problem from ``services`` next to its field; all of them at the top."""
        maps = self._maps or {"products": [], "own": [], "indicators": {}}
        own_numbers = {(f.cleaned_data.get("number") or "").strip() for f in maps["own"]}
        for problem in problems:
            message = problem.message_en if _english() and problem.message_en else problem.message
            cited = problem.message.split("：", 1)[0]
            if problem.field == "standards" and cited in own_numbers:
                continue  # a malformed own number: said on the own standard's block
            self.top_errors.append(message)
            parts = problem.field.split(".")
            head = parts[0]
            if head == "products" and len(parts) == 3:
                form = _nth(maps["products"], parts[1])
                if form is not None and parts[2] in form.fields:
                    form.add_error(parts[2], message)
            elif head == "own_standards" and len(parts) >= 3:
                form = _nth(maps["own"], parts[1])
                if form is None:
                    continue
                if parts[2] in form.fields:
                    form.add_error(parts[2], message)
                    continue
                rows = maps["indicators"].get(_index(parts[1]) - 1, [])
                row = _nth(rows, parts[3]) if len(parts) == 4 else None
                if row is not None:
                    row.add_error(None, message)
                else:
                    form.section_errors.append(message)
            elif head in ("acknowledge_warnings", "commitment", "title"):
                self.meta.add_error(head, message)
            elif len(parts) == 1 and head in self.section_errors:
                # A blocking reference ("GB …：…") is shown on its own row instead.
                if head == "standards" and cited in self._typed:
                    continue
                self.section_errors[head].append(message)

    def show_verdicts(self, references) -> None:
        """The verdict of each cited number on its own row."""
        by_input = {r.input: r for r in references}
        self.warnings = []
        for form in self.standards.forms:
            number = (form["number"].value() or "").strip()
            ref = by_input.get(number)
            if ref is None:
                form.verdict = None
                continue
            message = ref.message_en if _english() and ref.message_en else ref.message
            warnings = ref.warnings_en if _english() and ref.warnings_en else ref.warnings
            form.verdict = {
                "verdict": ref.verdict,
                "label": OWN_LABEL if ref.verdict == "own" else VERDICT_LABELS.get(ref.verdict),
                "css": "own" if ref.verdict == "own" else ref.verdict,
                "message": message,
                "warnings": warnings,
                "hint": hint(ref.verdict, ref.current, bool(ref.warnings)),
                "blocking": ref.blocking,
                "warning": ref.needs_acknowledgement and not ref.blocking,
                "title": ref.title,
            }
            if form.verdict["warning"]:
                self.warnings.append(ref)

    def context(self) -> dict:
        return {
            "page": self,
            "meta": self.meta,
            "change_form": self.change,
            "products": self.products,
            "standards": self.standards,
            "own": self.own,
            "own_template": self.own_template,
            "section_errors": self.section_errors,
            "top_errors": self.top_errors,
            "reupload": self.reupload,
            "js_strings": js_strings(),
        }


def _indicator(data) -> IndicatorInput:
    return IndicatorInput(
        name=data.get("name") or "",
        value=data.get("value") or "",
        unit=data.get("unit") or "",
        method=data.get("method") or "",
        reference_value=data.get("reference_value") or "",
        lower_than_reference=bool(data.get("lower_than_reference")),
    )


def _index(text) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


def _nth(items, one_based):
    i = _index(one_based)
    return items[i - 1] if 1 <= i <= len(items) else None


def js_strings() -> dict:
    """Texts the page's script shows, in the page's language."""
    return {
        "labels": {k: str(v) for k, v in VERDICT_LABELS.items()} | {"own": str(OWN_LABEL)},
        "hints": {k: str(v) for k, v in HINTS.items()},
        "checking": _("正在查新……"),
        "failed": _("暂时无法查新，提交时会再检查"),
        "own_here": _("本企业标准（Q/）请填在下方“本企业标准”中"),
        "needs_ack": _("有执行标准需要注意，请阅读提示后勾选确认"),
        "current_is": _("现行版本："),
    }


def _render_form(request, membership, page, declaration=None, status=200):
    context = page.context()
    context.update(
        {
            "enterprise": membership.enterprise,
            "declaration": declaration,
            "published": page.published,
            "commitment_text": COMMITMENT,
        }
    )
    return render(request, "declarations/declare/form.html", context, status=status)


COMMITMENT = [
    gettext_lazy("所公开的企业执行标准信息真实、准确、完整；"),
    gettext_lazy("所声明的产品和服务符合所执行的标准，并满足全部强制性标准的要求；"),
    gettext_lazy(
        "所执行的企业标准的技术要求不低于强制性标准；指标少于或低于推荐性标准的，已如实明示；"
    ),
    gettext_lazy("对所公开信息的真实性负责，接受社会监督，依法承担相应责任。"),
]


def _pdf_problems(page, data) -> bool:
    """Refuse non-PDF uploads before a draft keeps them (publish checks them itself)."""
    found = False
    for form, own in zip(page._maps["own"], data.own_standards, strict=True):
        if own.text is not None:
            problem = services.pdf_problem(own.text)
            if problem:
                form.add_error("text", problem[1] if _english() else problem[0])
                page.top_errors.append(problem[1] if _english() else problem[0])
                found = True
    return found


def _handle(request, membership, declaration=None):
    """GET shows the form; POST saves a draft or publishes."""
    enterprise = membership.enterprise
    if request.method != "POST":
        initial = services.input_from_declaration(declaration) if declaration else None
        page = DeclarationPage(initial=initial, declaration=declaration)
        if declaration is not None:
            page.show_verdicts(services.check_standards(initial.standards))
        return _render_form(request, membership, page, declaration)

    files = request.FILES  # parsing the body sets upload_too_large
    if getattr(request, "upload_too_large", False):
        # The upload handler stopped reading the body: what followed the file is lost.
        initial = services.input_from_declaration(declaration) if declaration else None
        page = DeclarationPage(initial=initial, declaration=declaration)
        page.top_errors.append(
            _("上传的文件太大（PDF 不能超过 %(mb)s MB），没有保存。请压缩后重新填写并选择文件。")
            % {"mb": settings.DECLARATION_PDF_MAX_BYTES // (1024 * 1024)}
        )
        return _render_form(request, membership, page, declaration, status=413)
    page = DeclarationPage(request.POST, files, declaration=declaration)
    action = "save_draft" if "save_draft" in request.POST else "publish"
    if not page.is_valid():
        page.show_verdicts(services.check_standards(_typed_numbers(page)))
        return _render_form(request, membership, page, declaration, status=400)
    data = page.to_input()

    if action == "save_draft" and not page.published:
        if _pdf_problems(page, data):
            page.show_verdicts(services.check_standards(data.standards))
            return _render_form(request, membership, page, declaration, status=400)
        draft = services.save_draft(enterprise, request.user, data, declaration=declaration)
        messages.success(request, _("草稿已保存（尚未公开）"))
        return redirect("declarations:edit", pk=draft.pk)

    change = DeclarationVersion.Change.PUBLISH
    reason = ""
    if page.change is not None:
        change = page.change.cleaned_data["change"]
        reason = page.change.cleaned_data["reason"]
    outcome = services.publish(
        enterprise, request.user, data, declaration=declaration, change=change, reason=reason
    )
    if outcome.ok:
        declaration = outcome.declaration
        if declaration.version == 1:
            messages.success(request, _("声明已公开"))
        else:
            messages.success(request, _("已公开第 %(n)s 版") % {"n": declaration.version})
        return redirect(detail_url(declaration))
    page.show_problems(outcome.assessment.errors)
    page.show_verdicts(outcome.assessment.references)
    return _render_form(request, membership, page, declaration, status=400)


def _typed_numbers(page) -> list[str]:
    numbers = []
    for form in page.standards.forms:
        value = (form["number"].value() or "").strip()
        if value and len(value) <= 120:
            numbers.append(value)
    return list(dict.fromkeys(numbers))[: services.MAX_STANDARDS]


@enterprise_required
def new(request, membership):
    return _handle(request, membership)


def _own_declaration(membership, pk):
    return get_object_or_404(Declaration, pk=pk, enterprise=membership.enterprise)


@enterprise_required
def edit(request, membership, pk):
    declaration = _own_declaration(membership, pk)
    if declaration.status == Declaration.Status.WITHDRAWN:
        messages.error(request, _("这份声明已废止，不能再修改；已公开的各版本仍可查阅。"))
        return redirect("declarations:mine")
    return _handle(request, membership, declaration)


@enterprise_required
def withdraw(request, membership, pk):
    declaration = _own_declaration(membership, pk)
    if declaration.status != Declaration.Status.PUBLISHED:
        messages.error(request, _("只有已公开的声明可以废止"))
        return redirect("declarations:mine")
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.withdraw(declaration, request.user, form.cleaned_data["reason"])
        messages.success(request, _("声明已废止"))
        return redirect(detail_url(declaration))
    return render(
        request,
        "declarations/declare/withdraw.html",
        {"declaration": declaration, "form": form, "enterprise": membership.enterprise},
        status=400 if request.method == "POST" else 200,
    )


urlpatterns = [
    path("my/declarations/", mine, name="mine"),
    path("my/declarations/new/", new, name="new"),
    path("my/declarations/<int:pk>/edit/", edit, name="edit"),
    path("my/declarations/<int:pk>/withdraw/", withdraw, name="withdraw"),
]
