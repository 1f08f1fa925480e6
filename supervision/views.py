"""Public and firm-facing pages of supervision.

* ``/declarations/<pk>/complaint/`` — anyone may complain (举报) about a public
  declaration, without an account. Rate limited per client address with the cache,
  the same way as sign-up (``declarations.views.account``); a honeypot field catches
  simple bots (they are told "received" and nothing is stored).
* ``/my/cases/`` — the rectification orders (责令整改) of the user's enterprise; each
  case page shows the order and takes the firm's answer (text and an optional PDF,
  checked by its content). Another firm's case is a 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from declarations.models import Declaration
from declarations.views.account import allow, client_ip, enterprise_required
from declarations.views.public import _pdf_response
from supervision import services
from supervision.forms import ComplaintForm, ResponseForm
from supervision.models import Case


def _public_or_404(pk) -> Declaration:
    return get_object_or_404(
        Declaration.objects.select_related("enterprise").filter(
            status__in=(Declaration.Status.PUBLISHED, Declaration.Status.WITHDRAWN), version__gt=0
        ),
        pk=pk,
    )


def complaint(request, pk):
    declaration = _public_or_404(pk)
    status = 200
    if request.method == "POST":
        form = ComplaintForm(request.POST)
        if request.POST.get("website"):
            # A bot filled the hidden field: say "received", keep nothing.
            return render(request, "supervision/complaint_done.html", {"declaration": declaration})
        if not allow("complaint", client_ip(request)):
            form.is_valid()
            form.add_error(None, _("提交过于频繁，请稍后再试。"))
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                services.submit_complaint(
                    declaration,
                    data["text"],
                    name=data["name"],
                    contact=data["contact"],
                    sender=client_ip(request),
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
                status = 400
            else:
                return render(
                    request, "supervision/complaint_done.html", {"declaration": declaration}
                )
        else:
            status = 400
    else:
        form = ComplaintForm()
    return render(
        request,
        "supervision/complaint.html",
        {"declaration": declaration, "form": form},
        status=status,
    )


# -- the firm's cases ------------------------------------------------------------------------


@enterprise_required
def my_cases(request, membership):
    cases = (
        Case.objects.filter(enterprise=membership.enterprise)
        .select_related("declaration")
        .order_by("status", "deadline", "-pk")
    )
    page = Paginator(cases, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/my_cases.html",
        {"enterprise": membership.enterprise, "page": page},
    )


def _own_case(membership, pk) -> Case:
    return get_object_or_404(
        Case.objects.select_related("declaration", "enterprise"),
        pk=pk,
        enterprise=membership.enterprise,
    )


@enterprise_required
def my_case(request, membership, pk):
    case = _own_case(membership, pk)
    status = 200
    form = None
    if case.status != Case.Status.CLOSED:
        if request.method == "POST":
            form = ResponseForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data.get("attachment")
                content = upload.read() if upload else None
                try:
                    services.respond_case(
                        case,
                        request.user,
                        form.cleaned_data["text"],
                        content,
                        upload.name if upload else "",
                    )
                except ValidationError as exc:
                    errors = (
                        exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
                    )
                    for field, messages_ in errors.items():
                        for error in messages_:
                            form.add_error(field if field in form.fields else None, error)
                    status = 400
                else:
                    messages.success(request, _("整改情况已提交，监管部门会在审核后结案。"))
                    return redirect("supervision:my_case", case.pk)
            else:
                status = 400
        else:
            form = ResponseForm(initial={"text": case.firm_response})
    return render(
        request,
        "supervision/my_case.html",
        {"case": case, "form": form, "enterprise": membership.enterprise},
        status=status,
    )


@enterprise_required
def my_case_attachment(request, membership, pk):
    case = _own_case(membership, pk)
    if not case.response_file:
        raise Http404
    return _pdf_response(
        case.response_file.storage,
        case.response_file.name,
        f"case-{case.pk}",
        case.response_file_name or _("整改答复"),
        private=True,
    )
