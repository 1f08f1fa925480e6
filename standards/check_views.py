"""标准查新 as a product: paste or upload → review what was found → verdicts → a saved
report with a stable link, downloads (XLSX, CSV, PDF) and a watch list."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_POST

from standards import documents, numbers, reports
from standards.forms import CheckForm, ReferencesForm
from standards.models import CheckReport
from standards.services import create_report


def looks_like_list(lines: list[str]) -> bool:
    """A pasted column of numbers is checked line by line, so that a line that is not a
    number shows up as ``malformed``; anything else is searched as free text."""
    if not lines or any(len(line) > 60 for line in lines):
        return False
    parsed = sum(1 for line in lines if numbers.try_parse(line) is not None)
    return parsed * 2 >= len(lines)


def check(request):
    """Step 1: paste or upload. A plain list is checked at once; prose and documents go
    to a review of the references found."""
    files = request.FILES or None  # parsing the body sets upload_too_large
    form = CheckForm(
        request.POST or None, files, too_large=getattr(request, "upload_too_large", False)
    )
    if request.method == "POST" and form.is_valid():
        as_of = form.cleaned_data["as_of"] or datetime.date.today()
        upload = form.cleaned_data.get("file")
        try:
            if upload is not None:
                if upload.size > documents.MAX_UPLOAD_BYTES:
                    raise documents.DocumentError(
                        _("文件超过 %(mb)d MB 上限。")
                        % {"mb": documents.MAX_UPLOAD_BYTES // (1024 * 1024)},
                        code="too_large",
                    )
                document = documents.extract(upload.read(), upload.name)
            else:
                text = form.cleaned_data["text"]
                lines = [line.strip() for line in text.splitlines() if line.strip()]
                if looks_like_list(lines):
                    if len(lines) > settings.CHECK_MAX_REFERENCES:
                        raise documents.DocumentError(
                            _("一次最多查新 %(max)d 条，当前 %(n)d 条。请分批提交。")
                            % {"max": settings.CHECK_MAX_REFERENCES, "n": len(lines)},
                            code="too_many",
                        )
                    report = create_report(lines, as_of=as_of, user=request.user)
                    return redirect(report)
                document = documents.extract_text_references(text)
        except documents.DocumentError as exc:
            form.add_error("file" if upload is not None else "text", str(exc))
        else:
            if not document.references:
                form.add_error(
                    "file" if upload is not None else "text",
                    _("没有找到标准编号。请每行填写一个编号，如 GB 2760-2014。"),
                )
            else:
                return _review(request, document, as_of)
    return render(
        request,
        "standards/check.html",
        {"form": form, "max_references": settings.CHECK_MAX_REFERENCES},
    )


def _review(request, document, as_of):
    chosen = [r.text for r in document.references]
    if document.normative_section_found:
        # A standard's own references are those of its 规范性引用文件 section.
        chosen = [r.text for r in document.references if r.in_normative_section] or chosen
    form = ReferencesForm(
        initial={
            "references": "\n".join(chosen),
            "as_of": as_of,
            "source": document.name,
            "source_kind": document.kind,
            "notes": "；".join(document.warnings),
        }
    )
    return render(
        request,
        "standards/check_review.html",
        {
            "document": document,
            # The name given to pasted text is a label, shown in the page's language.
            "document_name": _("粘贴的文本")
            if document.kind == "text" and document.name == "粘贴的文本"
            else document.name,
            "form": form,
            "chosen": len(chosen),
            "as_of": as_of,
        },
    )


@require_POST
def run(request):
    """Step 2: check the (corrected) list and keep the report."""
    form = ReferencesForm(request.POST)
    if not form.is_valid():
        return render(
            request, "standards/check_review.html", {"form": form, "document": None}, status=400
        )
    report = create_report(
        form.cleaned_data["references"],
        as_of=form.cleaned_data["as_of"] or datetime.date.today(),
        # Stored untranslated; the report page shows it in the reader's language.
        source=form.cleaned_data["source"] or gettext_noop("粘贴的文本"),
        source_kind=form.cleaned_data["source_kind"] or "text",
        notes=form.cleaned_data["notes"],
        user=request.user,
    )
    return redirect(report)


#: Rows per page of a report: a list of thousands of references stays a light page.
REPORT_PAGE_SIZE = 200


def report(request, token):
    saved = get_object_or_404(CheckReport, token=token)
    rows = [reports.ReportRow.from_json(row) for row in saved.rows]
    in_input_order = request.GET.get("order") == "input"
    if not in_input_order:
        rows = reports.sort_problems_first(rows)
    counts = reports.ReportData(
        title="",
        as_of=saved.as_of,
        created_at=saved.created_at,
        catalogue_date=saved.catalogue_date,
        source=saved.source,
        rows=rows,
    ).counts
    # ``verdict`` narrows the table to one conclusion (the summary's chips link to it);
    # an unknown value shows every row.
    verdict = request.GET.get("verdict", "")
    if not counts.get(verdict):
        verdict = ""
    shown = [row for row in rows if row.verdict == verdict] if verdict else rows
    page = Paginator(shown, REPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "standards/check_report.html",
        {
            "report": saved,
            "rows": page.object_list,
            "page": page,
            "total": len(rows),
            "verdict": verdict,
            "summary": [(v, n) for v, n in counts.items() if n],
            "in_input_order": in_input_order,
            "watchable": _watchable(rows),
        },
    )


def _watchable(rows) -> list[str]:
    found = []
    for row in rows:
        for number in (row.standard_number, row.current_number):
            if number and number not in found:
                found.append(number)
    return found


def _report_data(request, saved) -> reports.ReportData:
    return reports.ReportData(
        title=_("标准查新报告"),
        as_of=saved.as_of,
        created_at=saved.created_at,
        catalogue_date=saved.catalogue_date,
        # A document read only in part says so on every copy of its report.
        source=f"{saved.source}（{saved.notes}）" if saved.notes else saved.source,
        rows=reports.sort_problems_first([reports.ReportRow.from_json(r) for r in saved.rows]),
        url=request.build_absolute_uri(saved.get_absolute_url()),
    )


DOWNLOADS = {
    "xlsx": (reports.to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": (reports.to_csv, "text/csv; charset=utf-8"),
    "pdf": (reports.to_pdf, "application/pdf"),
}


def download(request, token, fmt):
    saved = get_object_or_404(CheckReport, token=token)
    if fmt not in DOWNLOADS:
        raise Http404
    render_file, content_type = DOWNLOADS[fmt]
    body = render_file(_report_data(request, saved))
    response = HttpResponse(body, content_type=content_type)
    name = f"biaozhun-chaxin-{saved.as_of:%Y%m%d}-{str(saved.token)[:8]}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def watch(request, token):
    """Follow the standards of a report: kept with the report until watch lists exist."""
    saved = get_object_or_404(CheckReport, token=token)
    rows = [reports.ReportRow.from_json(r) for r in saved.rows]
    saved.watched = _watchable(rows)
    saved.watched_at = timezone.now()
    saved.save(update_fields=["watched", "watched_at"])
    messages.success(
        request,
        ngettext(
            "已关注本报告中的 %(n)d 个标准。标准状态变化时的提醒将在预警功能上线后发送。",
            "已关注本报告中的 %(n)d 个标准。标准状态变化时的提醒将在预警功能上线后发送。",
            len(saved.watched),
        )
        % {"n": len(saved.watched)},
    )
    return redirect(saved)


@require_POST
def recheck(request, token):
    """Check the same references again, as of today, as a new report."""
    saved = get_object_or_404(CheckReport, token=token)
    fresh = create_report(
        saved.references,
        source=saved.source,
        source_kind=saved.source_kind,
        notes=saved.notes,
        user=request.user,
    )
    return redirect(fresh)
