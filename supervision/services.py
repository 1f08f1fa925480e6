"""Supervision writes and queries: the review queue, reviews, cases, complaints, 双随机
draws and the figures of the dashboard.

Every write checks the acting user's permission (views check too), runs in one
transaction and leaves an entry in Wagtail's audit log (``wagtail.log_actions.log``,
actions registered in ``supervision.wagtail_hooks``), with who and when.
"""

import datetime
import hashlib
import logging
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wagtail.log_actions import log

from declarations import regions
from declarations.models import Declaration, OwnStandard, Product
from declarations.services import BLOCKING, WARNING, check_standards, pdf_problem
from supervision import draw as drawing
from supervision.groups import INSPECTOR_GROUPS
from supervision.models import (
    Case,
    Complaint,
    ReviewRecord,
    SpotCheckDraw,
    three_years_before,
)

logger = logging.getLogger(__name__)

NEW = "new"
FLAGGED = "flagged"
COMPLAINT = "complaint"
REASONS = {NEW: "新公开", FLAGGED: "预警", COMPLAINT: "举报"}

#: The largest seed accepted (a number people can read out and type).
MAX_SEED = 10**12
CASE_RESPONSE_MAX_CHARS = 5000


def _require(user, perm: str) -> None:
    if user is None or not user.is_active or not user.has_perm(perm):
        raise PermissionDenied(perm)


# -- the queue -------------------------------------------------------------------------------


def _open_complaint():
    return Exists(Complaint.objects.filter(declaration=OuterRef("pk"), status=Complaint.Status.NEW))


def reason_q(reason: str) -> Q:
    """The condition for one reason a declaration is in the queue."""
    published = Q(status=Declaration.Status.PUBLISHED)
    if reason == NEW:
        # Never reviewed, or a new version (修订/修改) published since the last review.
        return published & (Q(reviewed_at__isnull=True) | Q(reviewed_at__lt=F("published_at")))
    if reason == FLAGGED:
        return (
            published
            & Q(flagged_at__isnull=False)
            & (Q(reviewed_at__isnull=True) | Q(reviewed_at__lt=F("flagged_at")))
        )
    if reason == COMPLAINT:
        return Q(has_open_complaint=True)
    raise ValueError(reason)


def queue(queryset=None):
    """Declarations awaiting review: published and not reviewed since their current
    version ("new"), flagged since their last review ("flagged"), or with a complaint
    not yet handled ("complaint")."""
    queryset = Declaration.objects.all() if queryset is None else queryset
    open_count = (
        Complaint.objects.filter(declaration=OuterRef("pk"), status=Complaint.Status.NEW)
        .order_by()
        .values("declaration")
        .annotate(n=Count("id"))
        .values("n")
    )
    return queryset.annotate(
        has_open_complaint=_open_complaint(),
        open_complaints=Coalesce(Subquery(open_count), 0),
    ).filter(reason_q(NEW) | reason_q(FLAGGED) | reason_q(COMPLAINT))


def _since_review(declaration, moment) -> bool:
    return moment is not None and (
        declaration.reviewed_at is None or declaration.reviewed_at < moment
    )


def is_new(declaration) -> bool:
    """Published and not reviewed since its current version (``reason_q(NEW)``)."""
    return declaration.status == Declaration.Status.PUBLISHED and (
        declaration.reviewed_at is None or _since_review(declaration, declaration.published_at)
    )


def is_flagged(declaration) -> bool:
    """Published and flagged since its last review (``reason_q(FLAGGED)``)."""
    return declaration.status == Declaration.Status.PUBLISHED and _since_review(
        declaration, declaration.flagged_at
    )


def reasons(declaration) -> list[str]:
    """Why ``declaration`` is in the queue (empty: it is not)."""
    out = [reason for reason, test in ((NEW, is_new), (FLAGGED, is_flagged)) if test(declaration)]
    if declaration.complaints.filter(status=Complaint.Status.NEW).exists():
        out.append(COMPLAINT)
    return out


# -- automatic findings ------------------------------------------------------------------------


@dataclass
class ReferenceFinding:
    number: str
    title: str
    own: bool
    verdict: str
    message: str
    warnings: list[str]
    checked_on: datetime.date | None
    current_number: str
    blocking: bool
    warning: bool
    #: The verdict as of today (catalogue references), when it differs from the stored one.
    today_verdict: str = ""
    today_message: str = ""

    @property
    def problem(self) -> bool:
        return self.blocking or self.warning or bool(self.today_verdict)


@dataclass
class Findings:
    references: list[ReferenceFinding] = field(default_factory=list)
    not_current: list[ReferenceFinding] = field(default_factory=list)
    #: Own (Q/) standards with what is missing: (standard, [problems]).
    own_problems: list[tuple] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.not_current) + len(self.own_problems)


def findings(declaration, on: datetime.date | None = None) -> Findings:
    """What the automatic checks say about a declaration: each reference's stored verdict
    (and today's, where it changed), references not current, own standards published
    without indicators or text, and 明示 statements missing."""
    on = on or timezone.localdate()
    refs = list(declaration.references.order_by("position", "id"))
    catalogue = [r for r in refs if not r.own]
    today = {}
    if catalogue:
        for ref, checked in zip(
            catalogue,
            check_standards([r.normalized or r.input for r in catalogue], on),
            strict=True,
        ):
            today[ref.pk] = checked
    out = Findings()
    for ref in refs:
        warnings = list(ref.warnings or [])
        item = ReferenceFinding(
            number=ref.normalized or ref.input,
            title=ref.title,
            own=ref.own,
            verdict=ref.verdict,
            message=ref.message,
            warnings=warnings,
            checked_on=ref.checked_on,
            current_number=ref.current_number,
            blocking=ref.verdict in BLOCKING,
            warning=ref.verdict in WARNING or bool(warnings),
        )
        now = today.get(ref.pk)
        if now is not None and now.verdict != ref.verdict:
            item.today_verdict = now.verdict
            item.today_message = now.message
        out.references.append(item)
        effective = item.today_verdict or item.verdict
        if not ref.own and effective != "current":
            out.not_current.append(item)
    for own in declaration.own_standards.prefetch_related("indicators"):
        problems = []
        indicators = [i for i in own.indicators.all() if i.name.strip() or i.value.strip()]
        if own.disclosure == OwnStandard.Disclosure.FULL_TEXT:
            if not own.text:
                problems.append(_("选择公开全文，但没有标准文本"))
        elif not indicators:
            problems.append(_("没有公开功能指标和性能指标"))
        lower = own.below_recommended or any(i.lower_than_reference for i in indicators)
        if lower and not own.statement.strip():
            problems.append(_("指标少于或低于推荐性标准，但没有明示说明"))
        if problems:
            out.own_problems.append((own, problems))
    return out


# -- reviews -----------------------------------------------------------------------------------


def record_review(
    declaration, user, outcome: str, notes: str = "", *, handle_complaints: bool = False
) -> ReviewRecord:
    """Record a review: a ``ReviewRecord``, ``reviewed_at`` = now, an audit-log entry.
    With ``handle_complaints`` the open complaints are marked handled by the review."""
    _require(user, "supervision.add_reviewrecord")
    if outcome not in ReviewRecord.Outcome.values:
        raise ValidationError(_("请选择审查结论"))
    if outcome == ReviewRecord.Outcome.CASE:
        _require(user, "supervision.add_case")
    if handle_complaints:
        _require(user, "supervision.change_complaint")
    now = timezone.now()
    with transaction.atomic():
        declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
        if not declaration.is_public:
            raise ValidationError(_("只能审查已公开的声明"))
        why = reasons(declaration)
        record = ReviewRecord.objects.create(
            declaration=declaration,
            version=declaration.version,
            outcome=outcome,
            notes=notes.strip(),
            reasons=why,
            reviewer=user,
        )
        Declaration.objects.filter(pk=declaration.pk).update(reviewed_at=now)
        declaration.reviewed_at = now
        log(
            declaration,
            "supervision.review",
            user=user,
            data={
                "review": record.pk,
                "outcome": outcome,
                "outcome_label": str(record.get_outcome_display()),
                "version": declaration.version,
                "reasons": why,
            },
        )
        if handle_complaints:
            for complaint in declaration.complaints.filter(status=Complaint.Status.NEW):
                _handle(complaint, user, _("随声明审查一并处理：%(notes)s") % {"notes": notes})
    return record


# -- cases -------------------------------------------------------------------------------------


def open_case(declaration, user, findings_text: str, order: str, deadline, review=None) -> Case:
    """Open a rectification case (责令整改) and tell the firm."""
    _require(user, "supervision.add_case")
    problems = {}
    if not (findings_text or "").strip():
        problems["findings"] = _("请填写发现的问题")
    if not (order or "").strip():
        problems["order"] = _("请填写整改要求")
    if deadline is None:
        problems["deadline"] = _("请填写整改期限")
    elif deadline < timezone.localdate():
        problems["deadline"] = _("整改期限不能早于今天")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        declaration = Declaration.objects.select_related("enterprise").get(pk=declaration.pk)
        if not declaration.is_public:
            raise ValidationError(_("只能对已公开的声明立案"))
        case = Case.objects.create(
            declaration=declaration,
            enterprise=declaration.enterprise,
            review=review,
            opened_by=user,
            findings=findings_text.strip(),
            order=order.strip(),
            deadline=deadline,
        )
        log(
            case,
            "supervision.case.open",
            user=user,
            data={
                "declaration": declaration.pk,
                "enterprise": declaration.enterprise_id,
                "deadline": deadline.isoformat(),
            },
        )
        transaction.on_commit(lambda: notify_case_opened(case.pk), robust=True)
    return case


def case_url(case) -> str:
    return reverse("supervision:my_case", args=[case.pk])


def notify_case_opened(case_pk: int) -> str:
    """Tell the firm's members of a new case: an in-site notice (``alerts``) with e-mail,
    or, where that app is not there, an e-mail. Returns which way was used."""
    case = Case.objects.select_related("enterprise").get(pk=case_pk)
    members = list(
        get_user_model().objects.filter(membership__enterprise=case.enterprise, is_active=True)
    )
    title = _("市场监管部门对您的自我声明下达了责令整改通知（整改期限 %(date)s）") % {
        "date": _chinese_date(case.deadline)
    }
    body = _(
        "发现的问题：%(findings)s\n\n整改要求：%(order)s\n\n"
        "请在整改期限前完成整改，并在本平台的“整改通知”页面答复。"
    ) % {"findings": case.findings, "order": case.order}
    url = case_url(case)
    try:
        from alerts.models import Notification
        from alerts.notify import Notice, send

        kind = getattr(Notification.Kind, "SUPERVISION", "supervision")
        with transaction.atomic():
            send(
                [
                    Notice(
                        recipient_id=member.pk,
                        title=title,
                        body=body,
                        dedupe_key=f"case:{case.pk}",
                        kind=kind,
                        url=url,
                        enterprise_id=case.enterprise_id,
                    )
                    for member in members
                ]
            )
        return "notice"
    except (ImportError, DatabaseError):  # alerts not installed or not migrated: e-mail
        logger.info("alerts notices unavailable; e-mailing case %s", case.pk, exc_info=True)
    from django.core.mail import send_mail

    recipients = sorted(
        {m.email for m in members if m.email}
        | ({case.enterprise.contact_email} if case.enterprise.contact_email else set())
    )
    if recipients:
        base = getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")
        send_mail(
            title,
            f"{body}\n\n{base}{url}",
            None,
            recipients,
            fail_silently=True,
        )
    return "email"


def respond_case(case, user, text: str, attachment: bytes | None = None, name: str = "") -> Case:
    """The firm's answer: text and an optional PDF (checked by content) → 'answered'."""
    from declarations.services import enterprise_of

    firm = enterprise_of(user)
    if firm is None or firm.pk != case.enterprise_id:
        raise PermissionDenied("not this enterprise's case")
    text = (text or "").strip()
    problems = {}
    if not text:
        problems["text"] = _("请填写整改情况")
    elif len(text) > CASE_RESPONSE_MAX_CHARS:
        problems["text"] = _("整改情况不能超过 %(n)s 字") % {"n": CASE_RESPONSE_MAX_CHARS}
    if attachment is not None:
        problem = pdf_problem(attachment)
        if problem:
            problems["attachment"] = problem[0]
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.status == Case.Status.CLOSED:
            raise ValidationError(_("该整改通知已结案，不能再答复"))
        previous = case.response_file.name if case.response_file else ""
        case.firm_response = text
        case.responded_at = now
        case.responded_by = user
        case.status = Case.Status.ANSWERED
        if attachment is not None:
            sha = hashlib.sha256(attachment).hexdigest()
            case.response_file.save(f"{sha[:32]}.pdf", ContentFile(attachment), save=False)
            case.response_file_name = (name or "")[-200:]
        case.save()
        log(
            case,
            "supervision.case.respond",
            user=user,
            data={
                "response": text,
                "file": case.response_file.name if case.response_file else "",
                "previous_file": previous,
            },
        )
    return case


def close_case(case, user, outcome: str, notes: str = "") -> Case:
    _require(user, "supervision.close_case")
    if outcome not in Case.Outcome.values:
        raise ValidationError({"outcome": _("请选择结案结论")})
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.status == Case.Status.CLOSED:
            raise ValidationError(_("该案件已结案"))
        case.status = Case.Status.CLOSED
        case.outcome = outcome
        case.closing_notes = (notes or "").strip()
        case.closed_by = user
        case.closed_at = timezone.now()
        case.save()
        log(
            case,
            "supervision.case.close",
            user=user,
            data={"outcome": outcome, "outcome_label": str(case.get_outcome_display())},
        )
    return case


def public_notices(declaration):
    """Closed cases in which a problem was found: the public notice (监管信息)."""
    return declaration.cases.filter(
        status=Case.Status.CLOSED, outcome__in=Case.PROBLEM_OUTCOMES
    ).order_by("-closed_at")


# -- complaints --------------------------------------------------------------------------------


def submit_complaint(declaration, text: str, name: str = "", contact: str = "", sender=""):
    """A public complaint (no login); it puts the declaration in the review queue."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写举报内容")})
    if len(text) > 2000:
        raise ValidationError({"text": _("举报内容不能超过 2000 字")})
    if not declaration.is_public:
        raise ValidationError(_("只能举报已公开的声明"))
    salt = settings.SECRET_KEY.encode()
    with transaction.atomic():
        complaint = Complaint.objects.create(
            declaration=declaration,
            text=text,
            name=(name or "").strip()[:60],
            contact=(contact or "").strip()[:100],
            sender_hash=hashlib.sha256(salt + str(sender).encode()).hexdigest() if sender else "",
        )
        log(complaint, "supervision.complaint.receive", user=None, data={})
    return complaint


def _handle(complaint, user, notes: str):
    complaint.status = Complaint.Status.HANDLED
    complaint.notes = (notes or "").strip()
    complaint.handled_by = user
    complaint.handled_at = timezone.now()
    complaint.save(update_fields=["status", "notes", "handled_by", "handled_at"])
    log(complaint, "supervision.complaint.handle", user=user, data={"notes": complaint.notes})


def handle_complaint(complaint, user, notes: str) -> Complaint:
    _require(user, "supervision.change_complaint")
    if not (notes or "").strip():
        raise ValidationError({"notes": _("请填写处理情况")})
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        _handle(complaint, user, notes)
    return complaint


# -- 双随机 ------------------------------------------------------------------------------------


def region_prefix(code: str) -> str:
    """``130000`` → ``13``, ``130700`` → ``1307``, ``130702`` → ``130702``."""
    code = (code or "").strip()
    if not code:
        return ""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def new_seed() -> int:
    return secrets.randbelow(MAX_SEED)


def declaration_pool(region: str = "", category: str = "", industry: str = ""):
    queryset = Declaration.objects.filter(status=Declaration.Status.PUBLISHED)
    if region:
        queryset = queryset.filter(enterprise__region__startswith=region_prefix(region))
    if category:
        queryset = queryset.filter(
            pk__in=Product.objects.filter(category=category).values("declaration_id")
        )
    if industry:
        queryset = queryset.filter(enterprise__industry=industry)
    return queryset


def inspector_pool() -> list[int]:
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=INSPECTOR_GROUPS)
        .values_list("pk", flat=True)
        .distinct()
    )


def recently_drawn(today: datetime.date | None = None) -> set[int]:
    """Enterprises drawn in the last three years."""
    today = today or timezone.localdate()
    since = timezone.make_aware(
        datetime.datetime.combine(three_years_before(today), datetime.time())
    )
    drawn = set()
    for chosen in SpotCheckDraw.objects.filter(created_at__gte=since).values_list(
        "chosen_enterprises", flat=True
    ):
        drawn.update(int(e) for e in chosen or [])
    return drawn


def make_draw(
    user,
    n: int,
    m: int,
    seed: int | None = None,
    region: str = "",
    category: str = "",
    industry: str = "",
    note: str = "",
) -> SpotCheckDraw:
    """Draw ``n`` declarations (one per enterprise, none of an enterprise drawn in the
    last three years) and ``m`` inspectors, and record the seed and the pools."""
    _require(user, "supervision.add_spotcheckdraw")
    seed = new_seed() if seed is None else int(seed)
    if not 0 <= seed < MAX_SEED:
        raise ValidationError({"seed": _("随机种子须为 0 至 999999999999 之间的整数")})
    if region and not regions.is_valid(region):
        raise ValidationError({"region": _("地区代码无效")})
    with transaction.atomic():
        pairs = sorted(
            declaration_pool(region, category, industry).values_list("pk", "enterprise_id")
        )
        people = sorted(inspector_pool())
        excluded = sorted(recently_drawn() & {e for _d, e in pairs})
        # A draw is recorded for good: one that asks for inspectors where there are
        # none could never be carried out, and is refused instead.
        if m > 0 and not people:
            raise ValidationError(
                {"m": _("检查人员库为空：请先在“用户”中把检查人员加入“监督检查员”组")}
            )
        chosen, inspectors = drawing.draw(seed, pairs, people, n, m, excluded)
        by_id = dict(pairs)
        record = SpotCheckDraw.objects.create(
            seed=seed,
            n=n,
            m=m,
            region=region,
            category=category,
            industry=industry,
            note=(note or "").strip()[:200],
            created_by=user,
            declaration_pool=len(pairs),
            inspector_pool=len(people),
            excluded_count=len(excluded),
            pool={
                "declarations": [list(p) for p in pairs],
                "inspectors": people,
                "excluded": excluded,
            },
            pool_sha256=drawing.pool_digest(pairs, people, excluded),
            chosen_declarations=chosen,
            chosen_enterprises=[by_id[d] for d in chosen],
            chosen_inspectors=inspectors,
        )
        log(
            record,
            "supervision.draw",
            user=user,
            data={
                "seed": seed,
                "n": n,
                "m": m,
                "scope": record.scope_label,
                "declarations": chosen,
                "inspectors": inspectors,
                "pool_sha256": record.pool_sha256,
            },
        )
    return record


@dataclass
class Reproduction:
    declarations: list[int]
    inspectors: list[int]
    pool_sha256: str

    def matches(self, record: SpotCheckDraw) -> bool:
        return (
            self.declarations == list(record.chosen_declarations)
            and self.inspectors == list(record.chosen_inspectors)
            and self.pool_sha256 == record.pool_sha256
        )


def reproduce(record: SpotCheckDraw, user=None) -> Reproduction:
    """Re-run a recorded draw from its seed and recorded pools."""
    pool = record.pool or {}
    pairs = [tuple(p) for p in pool.get("declarations", [])]
    people = pool.get("inspectors", [])
    excluded = pool.get("excluded", [])
    chosen, inspectors = drawing.draw(record.seed, pairs, people, record.n, record.m, excluded)
    result = Reproduction(chosen, inspectors, drawing.pool_digest(pairs, people, excluded))
    if user is not None:
        log(
            record,
            "supervision.draw.reproduce",
            user=user,
            data={"matches": result.matches(record)},
        )
    return result


# -- figures -----------------------------------------------------------------------------------


def _chinese_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def month_range(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = today.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following


def catalogue_changes_in_month(today: datetime.date) -> dict | None:
    """Catalogue changes taking effect this month, by kind (None: no change log)."""
    try:
        from standards.models import CatalogueChange
    except ImportError:
        return None
    first, following = month_range(today)
    rows = (
        CatalogueChange.objects.filter(effective_on__gte=first, effective_on__lt=following)
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    labels = getattr(CatalogueChange, "KIND_LABELS", {})
    by_kind = [(str(labels.get(kind, kind)), n) for kind, n in sorted(rows)]
    return {"total": sum(n for _k, n in by_kind), "by_kind": by_kind}


def figures(today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    status_labels = dict(Declaration.Status.choices)
    by_status = dict(Declaration.objects.values_list("status").annotate(n=Count("id")))
    published = Declaration.objects.filter(status=Declaration.Status.PUBLISHED)
    by_province = sorted(
        (
            (regions.name(f"{p}0000") or p or _("未知"), n)
            for p, n in published.annotate(p=Substr("enterprise__region", 1, 2))
            .values_list("p")
            .annotate(n=Count("id"))
        ),
        key=lambda item: (-item[1], item[0]),
    )
    queued = queue()
    return {
        "today": today,
        "by_status": [
            (str(status_labels[s]), by_status.get(s, 0)) for s in Declaration.Status.values
        ],
        "published": by_status.get(Declaration.Status.PUBLISHED, 0),
        "by_province": by_province,
        "flagged": published.filter(flagged_at__isnull=False).count(),
        "queue": queued.count(),
        "queue_new": queued.filter(reason_q(NEW)).count(),
        "queue_flagged": queued.filter(reason_q(FLAGGED)).count(),
        "queue_complaint": queued.filter(reason_q(COMPLAINT)).count(),
        "cases_open": Case.objects.still_open().count(),
        "cases_answered": Case.objects.filter(status=Case.Status.ANSWERED).count(),
        "cases_overdue": Case.objects.overdue(today).count(),
        "complaints_open": Complaint.objects.filter(status=Complaint.Status.NEW).count(),
        "catalogue_changes": catalogue_changes_in_month(today),
        "draws_this_year": SpotCheckDraw.objects.filter(created_at__year=today.year).count(),
    }
