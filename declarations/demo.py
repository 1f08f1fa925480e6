"""Demo enterprises and their self-declarations (``load_demo`` calls ``build_declarations``).

Four firms in four provinces, each with published declarations citing standards of the
demo catalogue (fixtures/demo_standards.jsonl): one citing a superseded standard with
the warning acknowledged, one with an own Q/ standard (indicator table with a 明示
statement), one with an own standard disclosed as full text (PDF), one revised (two
versions) and one withdrawn. Everything goes through ``services.publish`` /
``services.withdraw``, so the rules apply, each version checked as of its own date; the
dates are then set back so that the history reads like a real one, and the catalogue
changes that came after (GB 2760-2014 superseded on 2025-02-08 …) are announced to the
declarations concerned as they would have been on their day: flagged for the bureau,
notices for the firms. Safe to run again: a firm is found by its 统一社会信用代码 and a
declaration by its title, nothing is duplicated.
"""

import datetime
import io
import os
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from stdnum.cn import uscc as uscc_check

from declarations import services
from declarations.models import Declaration, DeclarationVersion, Enterprise, Membership
from declarations.search_indexes import reindex
from declarations.services import (
    DeclarationInput,
    IndicatorInput,
    OwnStandardInput,
    ProductInput,
)

DEMO_FIRM_USER = "demo_firm"


def uscc(body: str) -> str:
    """A valid 统一社会信用代码 from its first 17 characters (GB 32100-2015 check)."""
    return body + uscc_check.calc_check_digit(body)


@dataclass
class Spec:
    title: str
    data: DeclarationInput
    #: Dates (Asia/Shanghai) of the versions: first publication, then each change.
    dates: list[str]
    revision: tuple[str, str, DeclarationInput] | None = None  # (change, reason, data)
    withdraw_reason: str | None = None


@dataclass
class FirmSpec:
    name: str
    uscc: str
    region: str
    address: str
    industry: str
    contact_name: str
    declarations: list[Spec] = field(default_factory=list)


def _text_pdf(number: str, name: str, lines: list[str]) -> bytes:
    """A small one-page standard text (Chinese when the report font is installed)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = "Helvetica"
    try:
        from standards.reports import FONT_REGULAR, _register_fonts

        _register_fonts()
        font = FONT_REGULAR
    except Exception:  # noqa: BLE001 - the demo text falls back to a Latin font
        lines = [number, "Enterprise standard (demo text)"]
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    pdf.setTitle(f"{number} {name}")
    width, height = A4
    y = height - 90
    if font != "Helvetica":
        pdf.setFont(font, 11)
        pdf.drawRightString(width - 60, y + 30, number)
        pdf.setFont(font, 20)
        pdf.drawCentredString(width / 2, y - 20, name)
        y -= 70
    pdf.setFont(font, 11)
    for line in lines:
        pdf.drawString(70, y, line)
        y -= 22
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _firms() -> list[FirmSpec]:
    food = [ProductInput("复合调味料", "FH-01", "食品", "500 g/袋", "", "复合调味料")]
    return [
        FirmSpec(
            "北京禾丰食品有限公司",
            uscc("91110105MA01HF8K3"),
            "110105",
            "北京市朝阳区望京东路 8 号",
            "食品制造业",
            "王晓燕",
            [
                Spec(
                    "复合调味料、鸡精调味料",
                    DeclarationInput(
                        title="复合调味料、鸡精调味料",
                        products=[
                            *food,
                            ProductInput("鸡精调味料", "JJ-200", "食品", "200 g/袋"),
                        ],
                        standards=["GB 2760-2024", "GB 2762-2025", "GB 29921-2021"],
                        commitment=True,
                    ),
                    ["2026-09-15"],
                ),
                Spec(
                    "橙味果汁饮料",
                    DeclarationInput(
                        title="橙味果汁饮料",
                        products=[
                            ProductInput("橙味果汁饮料", "CZ-330", "食品", "330 mL/罐"),
                        ],
                        # GB 2760-2014 is superseded by GB 2760-2024 and GB 7718-2011
                        # has a published successor: published with warnings acknowledged.
                        standards=["GB 2760-2014", "GB 7718-2011"],
                        commitment=True,
                        acknowledge_warnings=True,
                    ),
                    ["2024-11-05"],
                ),
            ],
        ),
        FirmSpec(
            "深圳安康电子科技有限公司",
            uscc("91440300MA5DAK7R2"),
            "440305",
            "广东省深圳市南山区科技园南区 12 栋",
            "计算机、通信和其他电子设备制造业",
            "陈立",
            [
                Spec(
                    "便携式蓝牙音箱",
                    DeclarationInput(
                        title="便携式蓝牙音箱",
                        products=[
                            ProductInput("便携式蓝牙音箱", "AK-S3", "电子电器", "10 W"),
                            ProductInput("便携式蓝牙音箱", "AK-S5", "电子电器", "20 W"),
                        ],
                        standards=["GB 4943.1-2022", "GB 17625.1-2022"],
                        own_standards=[
                            OwnStandardInput(
                                number="Q/SZAK 0001-2025",
                                name="便携式蓝牙音箱",
                                indicators=[
                                    IndicatorInput("额定输出功率", "≥ 10", "W", "GB/T 12060.3"),
                                    IndicatorInput("连续播放时间", "≥ 12", "h", "附录 A"),
                                    IndicatorInput(
                                        "频率响应范围",
                                        "80～18 000",
                                        "Hz",
                                        "GB/T 12060.5",
                                        "63～20 000",
                                        True,
                                    ),
                                    IndicatorInput("防水等级", "IPX5", "", "GB/T 4208", "", False),
                                ],
                                recommended_standard="GB/T 12060.5-2011",
                                below_recommended=True,
                                statement=(
                                    "本企业标准的“频率响应范围”指标（80～18 000 Hz）低于 "
                                    "GB/T 12060.5-2011 推荐的 63～20 000 Hz。产品为便携式小尺寸"
                                    "音箱，受扬声器口径限制，特此明示。"
                                ),
                            )
                        ],
                        commitment=True,
                    ),
                    ["2025-09-22"],
                ),
                Spec(
                    "无线充电器",
                    DeclarationInput(
                        title="无线充电器",
                        products=[ProductInput("无线充电器", "AK-W15", "电子电器", "15 W")],
                        standards=["GB 4943.1-2022"],
                        own_standards=[
                            OwnStandardInput(
                                number="Q/SZAK 0002-2026",
                                name="无线充电器",
                                disclosure="full_text",
                                text=_text_pdf(
                                    "Q/SZAK 0002-2026",
                                    "无线充电器",
                                    [
                                        "1 范围",
                                        "本标准规定了无线充电器的要求、试验方法和检验规则。",
                                        "2 规范性引用文件",
                                        "GB 4943.1-2022 音视频、信息技术和通信技术设备 "
                                        "第1部分：安全要求",
                                        "3 技术要求",
                                        "3.1 额定输出功率：15 W；3.2 转换效率：≥ 70 %。",
                                        "（演示用文本）",
                                    ],
                                ),
                                text_name="Q-SZAK-0002-2026 无线充电器.pdf",
                            )
                        ],
                        commitment=True,
                    ),
                    ["2026-02-10"],
                ),
            ],
        ),
        FirmSpec(
            "杭州织锦纺织有限公司",
            uscc("91330106MA2B3JX41"),
            "330106",
            "浙江省杭州市西湖区文三路 90 号",
            "纺织服装、服饰业",
            "李静",
            [
                Spec(
                    "婴幼儿服装",
                    DeclarationInput(
                        title="婴幼儿服装",
                        products=[
                            ProductInput("婴儿连体衣", "ZJ-B01", "纺织服装", "66～80 cm"),
                        ],
                        standards=["GB 18401-2010", "GB 31701-2015"],
                        commitment=True,
                    ),
                    ["2025-06-12", "2025-11-03"],
                    revision=(
                        DeclarationVersion.Change.REVISE,
                        "新增儿童 T 恤产品",
                        DeclarationInput(
                            title="婴幼儿服装",
                            products=[
                                ProductInput("婴儿连体衣", "ZJ-B01", "纺织服装", "66～80 cm"),
                                ProductInput("儿童 T 恤", "ZJ-T02", "纺织服装", "90～130 cm"),
                            ],
                            standards=["GB 18401-2010", "GB 31701-2015"],
                            commitment=True,
                        ),
                    ),
                ),
            ],
        ),
        FirmSpec(
            "苏州恒固建材有限公司",
            uscc("91320505MA1N8HG6X"),
            "320505",
            "江苏省苏州市虎丘区金山路 160 号",
            "非金属矿物制品业",
            "周明",
            [
                Spec(
                    "通用硅酸盐水泥",
                    DeclarationInput(
                        title="通用硅酸盐水泥",
                        products=[
                            ProductInput("普通硅酸盐水泥", "P·O 42.5", "建筑材料", "50 kg/袋"),
                            ProductInput("复合硅酸盐水泥", "P·C 42.5", "建筑材料", "50 kg/袋"),
                        ],
                        standards=["GB 175-2023", "GB 6566-2010"],
                        commitment=True,
                    ),
                    ["2025-01-08"],
                ),
                Spec(
                    "装饰用人造板",
                    DeclarationInput(
                        title="装饰用人造板",
                        products=[
                            ProductInput("浸渍胶膜纸饰面刨花板", "HG-P18", "建筑材料", "18 mm"),
                        ],
                        standards=["GB 18580-2025", "GB 8624-2012"],
                        commitment=True,
                    ),
                    ["2025-04-20", "2026-07-01"],
                    withdraw_reason="该产品已停产",
                ),
            ],
        ),
    ]


def _at(day: str) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(9, 30))
    )


def _backdate(declaration: Declaration, dates: list[str]) -> None:
    """Set the versions' dates (the content was published through the services)."""
    versions = list(declaration.versions.order_by("number"))
    for version, day in zip(versions, dates, strict=False):
        DeclarationVersion.objects.filter(pk=version.pk).update(published_at=_at(day))
    first, last = _at(dates[0]), _at(dates[min(len(dates), len(versions)) - 1])
    changes = {"first_published_at": first, "published_at": last}
    if declaration.status == Declaration.Status.WITHDRAWN:
        changes["withdrawn_at"] = last
    Declaration.objects.filter(pk=declaration.pk).update(**changes)


def _day(spec: Spec, version: int) -> datetime.date:
    return datetime.date.fromisoformat(spec.dates[min(version, len(spec.dates) - 1)])


def _build(firm: Enterprise, user, spec: Spec) -> tuple[Declaration | None, list[str]]:
    outcome = services.publish(firm, user, spec.data, on=_day(spec, 0))
    if not outcome.ok:
        return None, [p.message for p in outcome.assessment.errors]
    declaration = outcome.declaration
    if spec.revision:
        change, reason, data = spec.revision
        outcome = services.publish(
            firm, user, data, declaration, change=change, reason=reason, on=_day(spec, 1)
        )
        if not outcome.ok:
            return declaration, [p.message for p in outcome.assessment.errors]
        declaration = outcome.declaration
    if spec.withdraw_reason:
        declaration = services.withdraw(declaration, user, spec.withdraw_reason)
    _backdate(declaration, spec.dates)
    return declaration, []


def _demo_user(firm: Enterprise, write) -> None:
    user_model = get_user_model()
    user = user_model.objects.filter(username=DEMO_FIRM_USER).first()
    if user is None:
        password = os.environ.get("DEMO_FIRM_PASSWORD", "qiye-demo-2026")
        user = user_model.objects.create_user(
            DEMO_FIRM_USER, "demo-firm@example.com", password, first_name="王晓燕"
        )
        write(f"演示企业账号：{DEMO_FIRM_USER} / {password}（{firm.name}，仅用于本机演示）")
    if not Membership.objects.filter(user=user).exists():
        Membership.objects.create(user=user, enterprise=firm, role=Membership.Role.OWNER)


def build_declarations(write=print) -> dict:
    """Create what is missing; returns counts of what was created and what failed."""
    created = failed = 0
    built: list[int] = []
    firms = _firms()
    for i, spec in enumerate(firms):
        with transaction.atomic():
            firm, _new = Enterprise.objects.get_or_create(
                uscc=spec.uscc,
                defaults={
                    "name": spec.name,
                    "region": spec.region,
                    "address": spec.address,
                    "industry": spec.industry,
                    "contact_name": spec.contact_name,
                },
            )
        if i == 0:
            _demo_user(firm, write)
        user = firm.members.filter(role=Membership.Role.OWNER).first()
        user = user.user if user else None
        for item in spec.declarations:
            if firm.declarations.filter(title=item.title).exists():
                continue
            declaration, errors = _build(firm, user, item)
            if errors:
                failed += 1
                write(f"演示声明“{item.title}”未能公开：{'；'.join(errors)}")
            if declaration is not None:
                created += 1
                built.append(declaration.pk)
                reindex(declaration.pk)
    total = Declaration.objects.filter(enterprise__uscc__in=[f.uscc for f in firms]).count()
    write(f"演示企业自我声明：新建 {created} 份，共 {total} 份")
    if built:
        with transaction.atomic():
            outcome = announce_changes_since(built)
        if outcome.get("flagged"):
            write(
                f"公开之后的标准目录变化：预警 {outcome['flagged']} 份声明，"
                f"通知 {outcome['enterprises']} 家企业"
            )
    return {"created": created, "failed": failed, "total": total}


def announce_changes_since(declaration_ids) -> dict:
    """Announce, as ``process_due_changes`` would have on their days, every change of
    a standard cited by ``declaration_ids`` between the day it was checked and today:
    editions since superseded or withdrawn. Returns what the alerts engine did."""
    from alerts.reflag import catalogue_changed
    from declarations.models import Reference
    from standards import changes as kinds
    from standards import numbers
    from standards.catalogue import DbCatalogue
    from standards.validity import status_on

    since: dict[str, datetime.date] = {}
    cited = Reference.objects.filter(declaration__in=declaration_ids, own=False)
    for number, checked_on in cited.exclude(normalized="").values_list("normalized", "checked_on"):
        if checked_on is not None:
            since[number] = min(since.get(number, checked_on), checked_on)
    catalogue, today = DbCatalogue(), timezone.localdate()
    catalogue.preload(numbers=list(since))
    found = []
    for number, day in sorted(since.items()):
        edition = catalogue.get(number)
        if edition is None:
            continue
        now = status_on(edition, today, catalogue)
        if now == status_on(edition, day, catalogue):
            continue
        replaced_by = tuple(link.number for link in edition.replaced_by)
        if now == "superseded":
            starts = [
                e.effective
                for e in (catalogue.get(n) for n in replaced_by)
                if e is not None and e.effective is not None
            ]
            partial = bool(edition.replaced_by) and all(
                link.partial for link in edition.replaced_by
            )
            kind = kinds.PARTIALLY_SUPERSEDED if partial else kinds.SUPERSEDED
            effective_on = min(starts, default=edition.withdrawn)
        elif now == "withdrawn":
            kind, effective_on, replaced_by = kinds.WITHDRAWN, edition.withdrawn, ()
        else:
            continue
        parsed = numbers.parse(number)
        found.append(
            kinds.StandardChange(
                number=number,
                series=parsed.series,
                kind=kind,
                effective_on=effective_on,
                replaced_by=replaced_by,
                title=edition.title,
                level=parsed.level,
            )
        )
    return catalogue_changed(found) if found else {}
