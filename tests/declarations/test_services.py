"""Rules of publishing a declaration, through the real catalogue and database."""

import pytest

from declarations import services
from declarations.models import Declaration, DeclarationVersion, Enterprise
from declarations.services import DeclarationInput, IndicatorInput, OwnStandardInput, ProductInput

from .conftest import USCC_B

pytestmark = pytest.mark.django_db


def _input(*standards, own=(), acknowledge=False, commitment=True):
    return DeclarationInput(
        products=[ProductInput("复合调味料", "FH-01", "食品")],
        standards=list(standards),
        own_standards=list(own),
        commitment=commitment,
        acknowledge_warnings=acknowledge,
    )


def _own(number="Q/JSP 0001S-2025", **kw):
    indicators = kw.pop("indicators", [IndicatorInput("水分", "≤ 8.0", "g/100g", "GB 5009.3")])
    return OwnStandardInput(number=number, name="复合调味料", indicators=indicators, **kw)


def test_current_standard_publishes_at_once(chain_catalogue, enterprise, firm_user):
    outcome = services.publish(enterprise, firm_user, _input("GB 2760-2024"))
    assert outcome.ok
    declaration = outcome.declaration
    assert declaration.status == Declaration.Status.PUBLISHED
    assert declaration.version == 1
    ref = declaration.references.get()
    assert (ref.normalized, ref.series, ref.verdict) == ("GB 2760-2024", "GB 2760", "current")
    version = declaration.versions.get()
    assert version.change == DeclarationVersion.Change.PUBLISH
    assert version.snapshot["products"][0]["category"] == "food"


@pytest.mark.parametrize("number", ["GB/T 14833-1993", "GB 99999-2020", "GB 27-60"])
def test_blocking_verdicts_stop_publication(chain_catalogue, enterprise, firm_user, number):
    outcome = services.publish(enterprise, firm_user, _input(number, acknowledge=True))
    assert not outcome.ok
    assert Declaration.objects.count() == 0
    assert any(p.field == "standards" for p in outcome.assessment.errors)


def test_superseded_needs_acknowledgement(chain_catalogue, enterprise, firm_user):
    outcome = services.publish(enterprise, firm_user, _input("GB 2760-2014"))
    assert not outcome.ok
    assert [p.field for p in outcome.assessment.errors] == ["acknowledge_warnings"]
    outcome = services.publish(enterprise, firm_user, _input("GB 2760-2014", acknowledge=True))
    assert outcome.ok
    assert outcome.declaration.warnings_acknowledged
    assert outcome.declaration.references.get().current_number == "GB 2760-2024"


def test_own_standard_rules(chain_catalogue, enterprise, firm_user):
    data = _input("GB 2760-2024", own=[_own(indicators=[])])
    fields = [p.field for p in services.assess(data, enterprise).errors]
    assert "own_standards.1.indicators" in fields
    lower = _own(indicators=[IndicatorInput("水分", "≤ 9", "g/100g", "", "≤ 8", True)])
    fields = [p.field for p in services.assess(_input(own=[lower]), enterprise).errors]
    assert fields == ["own_standards.1.statement"]
    lower.statement = "水分指标低于 GB/T 00000 的推荐值，因产品工艺所需。"
    outcome = services.publish(enterprise, firm_user, _input("GB 2760-2024", own=[lower]))
    assert outcome.ok, outcome.assessment.errors
    own_ref = outcome.declaration.references.get(own=True)
    assert (own_ref.normalized, own_ref.verdict) == ("Q/JSP 0001S-2025", "own")
    # The same Q/ number cannot be used again by this firm …
    again = services.assess(_input(own=[_own()]), enterprise)
    assert any("已在本企业" in p.message for p in again.errors)
    # … but another firm may have its own Q/JSP 0001S-2025.
    other = Enterprise.objects.create(name="乙", uscc=USCC_B, region="440305")
    assert services.assess(_input(own=[_own()]), other).ok


def test_bad_own_number_and_missing_commitment(chain_catalogue, enterprise):
    errors = services.assess(_input(own=[_own("Q/ABC 1-24")], commitment=False), enterprise).errors
    assert {p.field for p in errors} >= {"own_standards.1.number", "commitment"}


def test_revise_keeps_every_version_then_withdraw(chain_catalogue, enterprise, firm_user):
    first = services.publish(enterprise, firm_user, _input("GB 2760-2024")).declaration
    data = _input("GB 2760-2024", "GB/T 19580-2012")
    revised = services.publish(
        enterprise, firm_user, data, declaration=first, change="revise", reason="增加标准"
    )
    assert revised.ok
    assert revised.declaration.version == 2
    assert revised.declaration.references.count() == 2
    withdrawn = services.withdraw(revised.declaration, firm_user, "停产")
    assert withdrawn.status == Declaration.Status.WITHDRAWN
    changes = list(withdrawn.versions.order_by("number").values_list("change", flat=True))
    assert changes == ["publish", "revise", "withdraw"]
    assert len(withdrawn.versions.get(number=1).snapshot["references"]) == 1
    again = services.publish(enterprise, firm_user, data, declaration=withdrawn)
    assert not again.ok


def test_pdf_is_checked_by_content():
    assert services.pdf_problem(b"MZ\x90\x00 not a pdf") is not None
    assert services.pdf_problem(b"%PDF-1.7 truncated") is not None


def test_a_draft_never_stores_a_file_that_is_not_a_pdf(chain_catalogue, enterprise, firm_user):
    own = _own(text=b"<script>alert(1)</script>", text_name="x.pdf")
    draft = services.save_draft(enterprise, firm_user, _input("GB 2760-2024", own=[own]))
    assert not draft.own_standards.get().text
