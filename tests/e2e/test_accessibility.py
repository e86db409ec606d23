"""Every main page, in a real browser, checked by axe-core: no serious or critical violation (contrast,
names, labels, table headers…), with a skip link to the content and a focus ring that shows where the
keyboard is.

Pages: login, home (ward and province), assessment, review, queue, leadership, history and a PDF job.
"""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from reports.models import RenderJob
from tests.e2e.conftest import CHROMIUM, expect_accessible
from tests.factories import AssessmentFactory, fill_assessment, user_with_role
from wards import services
from wards.models import Membership

if not CHROMIUM.exists():
    pytest.skip(f"end-to-end tests need Debian's Chromium at {CHROMIUM}", allow_module_level=True)

pytestmark = pytest.mark.e2e

PASSWORD = "mat-khau-thu"  # tests.factories.UserFactory
Role = Membership.Role


def log_in(page: Page, username: str) -> None:
    page.goto("/dang-nhap/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")


@pytest.fixture
def province_year(ward, other_ward, assessment, criteria_set):
    """Two wards of one province: this year's assessment submitted, last year's approved."""
    head = user_with_role(Role.WARD_HEAD, ward=ward, username="truong")
    user_with_role(Role.WARD_OFFICER, ward=ward, username="canbo")
    reviewer = user_with_role(Role.REVIEWER, province=ward.province, username="thamdinh")
    approver = user_with_role(Role.APPROVER, province=ward.province, username="pheduyet")
    user_with_role(Role.LEADERSHIP, province=ward.province, username="lanhdao")
    # Submitted now, as if on time: its deadline is still open (the suite runs on any date).
    last = AssessmentFactory(
        ward=ward, criteria_set=criteria_set, year=assessment.year - 1, deadline=assessment.deadline
    )
    fill_assessment(last)
    services.assessment_submit(assessment=last, user=head)
    verdicts = {c.pk: ("pass", "") for c in criteria_set.criteria.all()}
    services.verdicts_save(assessment=last, user=reviewer, verdicts=verdicts, base={})
    services.assessment_approve(assessment=last, user=approver, number="12/QĐ-CAT", decided_on=timezone.localdate())
    fill_assessment(assessment, skip=("13.2",))
    other = AssessmentFactory(ward=other_ward, criteria_set=criteria_set, year=assessment.year)
    fill_assessment(other)
    services.assessment_submit(assessment=other, user=user_with_role(Role.WARD_HEAD, ward=other_ward))
    job = RenderJob.objects.create(
        kind=RenderJob.Kind.DOSSIER,
        assessment=last,
        content_hash="0" * 64,
        status=RenderJob.Status.FAILED,
        error="WeasyPrint: hết thời gian",
        requested_by=reviewer,
    )
    return {"assessment": assessment, "last": last, "other": other, "job": job}


def test_every_main_page_passes_axe_without_serious_violations(new_page, province_year):
    assessment, last, other, job = (province_year[k] for k in ("assessment", "last", "other", "job"))

    anonymous = new_page()
    anonymous.goto("/dang-nhap/")
    expect_accessible(anonymous, "login")

    ward = new_page()
    log_in(ward, "canbo")
    expect_accessible(ward, "home (ward)")
    ward.goto(f"/ho-so/{assessment.pk}/")
    expect_accessible(ward, "assessment")
    ward.goto(f"/ho-so/{last.pk}/lich-su/")
    expect_accessible(ward, "history")

    province = new_page()
    log_in(province, "thamdinh")
    expect_accessible(province, "home (province)")
    province.goto(f"/tham-dinh/?year={assessment.year}")
    expect_accessible(province, "queue")
    province.goto(f"/ho-so/{other.pk}/tham-dinh/")
    expect(province.locator("#save-verdicts")).to_be_visible()
    expect_accessible(province, "review (editable)")
    province.goto(f"/ho-so/{last.pk}/tham-dinh/")
    expect_accessible(province, "review (decided)")
    province.goto(f"/pdf/{job.pk}/")
    expect_accessible(province, "PDF job")

    leader = new_page()
    log_in(leader, "lanhdao")
    leader.wait_for_url("**/lanh-dao/**")
    expect_accessible(leader, "leadership")


def test_keyboard_users_skip_to_the_content_and_see_where_the_focus_is(new_page, province_year):
    page = new_page()
    log_in(page, "canbo")
    page.goto(f"/ho-so/{province_year['assessment'].pk}/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Bỏ qua, đến nội dung chính")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    skip.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # The next stops show a ring of at least 2px (links, buttons and fields alike).
    for _ in range(3):
        page.keyboard.press("Tab")
        ring = page.evaluate(
            """() => { const s = getComputedStyle(document.activeElement);
                       return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth)]; }"""
        )
        assert ring[1] != "none" and ring[2] >= 2, f"no visible focus ring on {ring[0]}: {ring}"
