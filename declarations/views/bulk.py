"""bulk views (see the package docstring): the XLSX template, the upload that publishes
every declaration of a file or none, and the problem report as XLSX."""

from functools import wraps
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from declarations import services, spreadsheet

#: Problems kept for the download (and shown on the page: the first SHOWN).
MAX_PROBLEMS = 5000
SHOWN = 500
_PROBLEMS_KEY = "declarations_bulk_problems"
_RESULT_KEY = "declarations_bulk_result"


def _path(name: str, fallback: str) -> str:
    """A page of another part of the app, by name (its literal path until it is routed)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def firm_required(view):
    """Signed in and a member of an enterprise (``request.enterprise``)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            login = _path("declarations:login", settings.LOGIN_URL)
            return redirect_to_login(request.get_full_path(), login)
        enterprise = services.enterprise_of(request.user)
        if enterprise is None:
            return render(
                request,
                "declarations/bulk/no_enterprise.html",
                {"account_url": _path("declarations:account", "/account/")},
                status=403,
            )
        request.enterprise = enterprise
        return view(request, *args, **kwargs)

    return wrapper


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"),
        error_messages={"required": _("请选择要上传的 Excel 文件"), "empty": _("文件是空的")},
    )
    acknowledge_warnings = forms.BooleanField(
        label=_("确认提示：执行标准已被代替、尚未实施或已发布新版本的，我已知悉，仍按所填标准公开"),
        required=False,
    )
    commitment = forms.BooleanField(
        label=_(
            "自我声明承诺：本企业承诺所声明的产品符合所执行的标准，并满足全部强制性标准的要求，"
            "对声明内容的真实性负责"
        ),
        error_messages={"required": _("请勾选自我声明承诺")},
    )

    def __init__(self, *args, too_large=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > spreadsheet.MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("文件超过 %(n)d MB 上限，请分成几个文件导入")
                % {"n": spreadsheet.MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload

    def clean(self):
        if self.too_large:
            self.errors.pop("file", None)
            self.add_error(
                "file",
                _("文件超过 %(n)d MB 上限，请分成几个文件导入")
                % {"n": spreadsheet.MAX_FILE_BYTES // (1024 * 1024)},
            )
        return super().clean()


def _context(request, **extra):
    return {
        "template_url": reverse("declarations:bulk_template"),
        "errors_url": reverse("declarations:bulk_errors"),
        "mine_url": _path("declarations:mine", "/my/declarations/"),
        "new_url": _path("declarations:new", "/my/declarations/new/"),
        "max_mb": spreadsheet.MAX_FILE_BYTES // (1024 * 1024),
        "max_rows": spreadsheet.MAX_ROWS,
        "max_declarations": spreadsheet.MAX_DECLARATIONS,
        "enterprise": request.enterprise,
        "sheet_products": spreadsheet.SHEET_PRODUCTS,
        "sheet_own": spreadsheet.SHEET_OWN,
        "product_columns": spreadsheet.PRODUCT_COLUMNS,
        "own_columns": spreadsheet.OWN_COLUMNS,
        **extra,
    }


@require_http_methods(["GET", "POST"])
@firm_required
def bulk_import(request):
    if request.method == "GET":
        result = request.session.pop(_RESULT_KEY, None)
        return render(
            request,
            "declarations/bulk/import.html",
            _context(request, form=ImportForm(), result=result),
        )
    files = request.FILES  # reading the files sets upload_too_large
    form = ImportForm(request.POST, files, too_large=getattr(request, "upload_too_large", False))
    if not form.is_valid():
        return render(
            request, "declarations/bulk/import.html", _context(request, form=form), status=400
        )
    content = form.cleaned_data["file"].read()
    try:
        result = spreadsheet.import_workbook(
            request.enterprise,
            request.user,
            content,
            commitment=form.cleaned_data["commitment"],
            acknowledge_warnings=form.cleaned_data["acknowledge_warnings"],
        )
    except spreadsheet.SpreadsheetError as exc:
        form.add_error("file", str(exc))
        return render(
            request, "declarations/bulk/import.html", _context(request, form=form), status=400
        )
    if not result.ok:
        problems = [p.as_list() for p in result.problems[:MAX_PROBLEMS]]
        request.session[_PROBLEMS_KEY] = problems
        return render(
            request,
            "declarations/bulk/import.html",
            _context(
                request,
                form=form,
                problems=result.problems[:SHOWN],
                problems_total=len(result.problems),
            ),
            status=422,
        )
    request.session.pop(_PROBLEMS_KEY, None)
    request.session[_RESULT_KEY] = [
        {
            "key": p.key,
            "id": p.declaration.pk,
            "title": str(p.declaration),
            "url": _path_of(p.declaration),
            "products": p.declaration.products.count(),
            "references": [
                {"input": r.input, "verdict": r.verdict, "warned": r.needs_acknowledgement}
                for r in p.references
            ],
        }
        for p in result.published
    ]
    return redirect("declarations:bulk_import")


def _path_of(declaration) -> str:
    try:
        return declaration.get_absolute_url()
    except NoReverseMatch:
        return f"/declarations/{declaration.pk}/"


def _attachment(response, ascii_name: str, name: str):
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def bulk_template(request):
    """The template is the same for everyone: no account needed to look at it."""
    response = HttpResponse(
        spreadsheet.build_template(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return _attachment(response, "declaration-import-template.xlsx", "自我声明批量导入模板.xlsx")


@require_GET
@firm_required
def bulk_errors(request):
    """The problems of this user's last failed import, as XLSX."""
    problems = request.session.get(_PROBLEMS_KEY)
    if not problems:
        return redirect("declarations:bulk_import")
    response = HttpResponse(
        spreadsheet.problems_xlsx(problems),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return _attachment(response, "import-problems.xlsx", "导入问题清单.xlsx")


urlpatterns = [
    path("my/declarations/import/", bulk_import, name="bulk_import"),
    path("my/declarations/import/template.xlsx", bulk_template, name="bulk_template"),
    path("my/declarations/import/problems.xlsx", bulk_errors, name="bulk_errors"),
]
