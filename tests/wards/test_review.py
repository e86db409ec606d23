"""The review page and the queue: verdicts, two reviewers at once, rounds, and query budgets."""

import datetime
import json
import re

import pytest
from django.utils import timezone

from criteria.models import Criterion, Indicator
from tests.factories import AssessmentFactory, EvidenceFileFactory, WardFactory, fill_assessment, user_with_role
from wards import services
from wards.models import Assessment, AuditEvent, EvidenceFile, IndicatorValue, Membership, Verdict

pytestmark = pytest.mark.django_db


def today_text():
    return timezone.localdate().strftime("%d/%m/%Y")


def text(response):
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def submitted(people, assessment):
    fill_assessment(assessment)
    services.assessment_submit(assessment=assessment, user=people["head"])
    assessment.refresh_from_db()
    return assessment


def review_data(assessment, **changes):
    """What the review page posts when opened now, with some fields changed."""
    criteria = Criterion.objects.filter(criteria_set=assessment.criteria_set)
    verdicts = {v.criterion_id: v for v in assessment.verdicts.all()}
    data, base = {}, {}
    for c in criteria:
        v = verdicts.get(c.pk)
        base[str(c.pk)] = [v.outcome, v.comment] if v else ["", ""]
        data[f"verdict-{c.number}"] = v.outcome if v else ""
        data[f"comment-{c.number}"] = v.comment if v else ""
    data["base"] = json.dumps(base)
    data.update(changes)
    return data


def test_reviewer_sees_figures_beside_last_year_results_narratives_and_files(client, people, submitted):
    last = AssessmentFactory(ward=submitted.ward, year=2025, criteria_set=submitted.criteria_set)
    fill_assessment(last)
    IndicatorValue.objects.filter(assessment=last, indicator__code="13.1").update(count=3)
    client.force_login(people["reviewer"])
    response = client.get(f"/ho-so/{submitted.pk}/tham-dinh/")
    assert response.status_code == 200
    page = text(response)
    assert "Năm 2026 Năm 2025" in page
    assert "Tội phạm" in page and "Kết quả tính: Đạt" in page
    assert "Đã kết luận 0/22 tiêu chí" in page


def test_saving_verdicts_takes_the_assessment_into_review(client, people, submitted):
    client.force_login(people["reviewer"])
    data = review_data(submitted, **{"verdict-1": "pass", "verdict-2": "pass"})
    assert client.post(f"/ho-so/{submitted.pk}/tham-dinh/", data).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Assessment.Status.IN_REVIEW and submitted.reviewer == people["reviewer"]
    assert "Đã kết luận 2/22 tiêu chí" in text(client.get(f"/ho-so/{submitted.pk}/tham-dinh/"))


def test_a_verdict_against_the_computed_result_needs_a_comment(client, people, submitted):
    client.force_login(people["reviewer"])
    response = client.post(f"/ho-so/{submitted.pk}/tham-dinh/", review_data(submitted, **{"verdict-3": "fail"}))
    assert response.status_code == 422
    assert "cần ghi nhận xét" in response.content.decode()
    assert not Verdict.objects.exists()
    ok = review_data(submitted, **{"verdict-3": "fail", "comment-3": "Chi bộ bị kỷ luật trong năm"})
    assert client.post(f"/ho-so/{submitted.pk}/tham-dinh/", ok).status_code == 302
    assert Verdict.objects.get().comment == "Chi bộ bị kỷ luật trong năm"


def test_two_reviewers_saving_at_once_both_keep_their_verdicts(client, people, submitted):
    second = user_with_role(Membership.Role.REVIEWER, province=submitted.ward.province, username="second")
    page_a = review_data(submitted)  # both open the page before either saves
    page_b = review_data(submitted)
    client.force_login(people["reviewer"])
    assert client.post(f"/ho-so/{submitted.pk}/tham-dinh/", {**page_a, "verdict-1": "pass"}).status_code == 302
    client.force_login(second)
    assert client.post(f"/ho-so/{submitted.pk}/tham-dinh/", {**page_b, "verdict-2": "pass"}).status_code == 302
    verdicts = dict(Verdict.objects.values_list("criterion__number", "reviewer__username"))
    assert verdicts == {1: "reviewer", 2: "second"}


def test_a_second_reviewer_cannot_silently_overwrite_the_same_criterion(client, people, submitted):
    second = user_with_role(Membership.Role.REVIEWER, province=submitted.ward.province, username="second")
    page_b = review_data(submitted)
    client.force_login(people["reviewer"])
    client.post(f"/ho-so/{submitted.pk}/tham-dinh/", review_data(submitted, **{"verdict-4": "pass"}))
    client.force_login(second)
    posted = {**page_b, "verdict-4": "fail", "comment-4": "Chưa đạt danh hiệu", "verdict-5": "pass"}
    response = client.post(f"/ho-so/{submitted.pk}/tham-dinh/", posted)
    assert response.status_code == 409 and "đã kết luận «Đạt»" in text(response)
    # The other criterion is saved; the conflicting one is not, and the typed choice is still on the page.
    assert dict(Verdict.objects.values_list("criterion__number", "outcome")) == {4: "pass", 5: "pass"}
    assert "Chưa đạt danh hiệu" in response.content.decode()
    # Posting the page as it came back means: keep my verdict.
    again = {k: v for k, v in response.context["form"].data.items()}
    assert client.post(f"/ho-so/{submitted.pk}/tham-dinh/", again).status_code == 302
    assert Verdict.objects.get(criterion__number=4).outcome == "fail"
    assert Verdict.objects.get(criterion__number=4).reviewer == second


def test_returning_keeps_the_verdicts_typed_on_the_page(client, people, submitted):
    client.force_login(people["reviewer"])
    data = review_data(submitted, **{"verdict-1": "pass", "verdict-2": "pass", "reason-13": "Thiếu biên bản."})
    assert client.post(f"/ho-so/{submitted.pk}/tra-lai/", data).status_code == 302
    assert Verdict.objects.count() == 2
    submitted.refresh_from_db()
    assert submitted.status == Assessment.Status.RETURNED


def test_returning_without_a_reason_is_refused_but_keeps_the_verdicts(client, people, submitted):
    client.force_login(people["reviewer"])
    response = client.post(f"/ho-so/{submitted.pk}/tra-lai/", review_data(submitted, **{"verdict-1": "pass"}))
    assert response.status_code == 422 and "Cần nêu lý do trả lại" in text(response)
    assert Verdict.objects.count() == 1
    submitted.refresh_from_db()
    assert submitted.status == Assessment.Status.IN_REVIEW  # a verdict was given: it is under review


def test_return_with_reasons_then_the_next_round_shows_what_changed(client, people, submitted, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(people["reviewer"])
    data = review_data(submitted, **{"reason-13": "Số vụ phạm tội chưa khớp báo cáo tháng."})
    assert client.post(f"/ho-so/{submitted.pk}/tra-lai/", data).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Assessment.Status.RETURNED
    # The ward corrects a figure, its narrative and adds a file, then resubmits.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import page_data

    client.force_login(people["officer"])
    client.post(
        f"/ho-so/{submitted.pk}/",
        page_data(submitted, **{"ind-13-2-count": "3", "ind-13-2-last_year": "5", "narrative-13": "Đã đối chiếu."}),
    )
    client.post(f"/ho-so/{submitted.pk}/tieu-chi/13/minh-chung/", {"file": SimpleUploadedFile("bc.pdf", b"%PDF-1")})
    services.assessment_submit(assessment=submitted, user=people["head"])
    client.force_login(people["reviewer"])
    page = text(client.get(f"/ho-so/{submitted.pk}/tham-dinh/"))
    assert "Thay đổi so với vòng trước:" in page
    assert "13.2 — Năm nay: 0 → 3" in page and "13.2 — Năm trước: 0 → 5" in page
    assert "Kết quả thực hiện: (trống) → Đã đối chiếu." in page
    assert re.search(r"Minh chứng: \(chưa có\) → bc\.pdf \([0-9a-f]{12}\)", page)
    assert EvidenceFile.objects.count() == 1


def test_a_plain_reviewer_cannot_approve_and_ward_users_cannot_review(client, people, submitted):
    data = {"number": "1/QĐ-CAT", "decided_on": today_text()}
    for role in ("reviewer", "officer", "head"):
        client.force_login(people[role])
        assert client.post(f"/ho-so/{submitted.pk}/phe-duyet/", data).status_code == 403, role
    for role in ("officer", "head"):
        client.force_login(people[role])
        assert client.get(f"/ho-so/{submitted.pk}/tham-dinh/").status_code == 403
        assert client.post(f"/ho-so/{submitted.pk}/tham-dinh/", review_data(submitted)).status_code == 403
        assert client.post(f"/ho-so/{submitted.pk}/tra-lai/", {"reason-1": "x"}).status_code == 403


def test_approver_approves_through_the_page_and_the_ward_sees_the_decision(client, people, submitted):
    services.verdicts_save(
        assessment=submitted,
        user=people["reviewer"],
        verdicts={c.pk: ("pass", "") for c in Criterion.objects.filter(criteria_set=submitted.criteria_set)},
        base={},
    )
    client.force_login(people["approver"])
    response = client.post(f"/ho-so/{submitted.pk}/phe-duyet/", {"number": "", "decided_on": "32/12/2026"})
    assert response.status_code == 422 and "Cần ghi số quyết định" in text(response) and "dd/mm/yyyy" in text(response)
    response = client.post(f"/ho-so/{submitted.pk}/phe-duyet/", {"number": "45/QĐ-CAT", "decided_on": today_text()})
    assert response.status_code == 302
    client.force_login(people["head"])
    assert "Công nhận đạt chuẩn (QĐ 45/QĐ-CAT)" in text(client.get("/"))
    page = text(client.get(f"/ho-so/{submitted.pk}/"))
    assert f"Công nhận đạt chuẩn — Quyết định số 45/QĐ-CAT ngày {today_text()}" in page


def test_reopen_through_the_page_needs_a_reason(client, people, submitted):
    services.verdicts_save(
        assessment=submitted,
        user=people["reviewer"],
        verdicts={c.pk: ("pass", "") for c in Criterion.objects.filter(criteria_set=submitted.criteria_set)},
        base={},
    )
    services.assessment_approve(
        assessment=submitted, user=people["approver"], number="1/QĐ-CAT", decided_on=timezone.localdate()
    )
    client.force_login(people["approver"])
    response = client.post(f"/ho-so/{submitted.pk}/mo-lai/", {"reason": ""})
    assert response.status_code == 422 and "Cần nêu lý do mở lại" in text(response)
    assert client.post(f"/ho-so/{submitted.pk}/mo-lai/", {"reason": "Sai TC13"}).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Assessment.Status.IN_REVIEW and submitted.round == 2


def test_history_shows_who_changed_what_from_what(client, people, submitted):
    client.force_login(people["reviewer"])
    client.post(f"/ho-so/{submitted.pk}/tham-dinh/", review_data(submitted, **{"verdict-1": "pass"}))
    client.force_login(people["officer"])
    page = text(client.get(f"/ho-so/{submitted.pk}/lich-su/"))
    assert "Kết luận tiêu chí Kết luận TC1 (trống) → Đạt" in page
    assert "Đổi trạng thái Trạng thái hồ sơ Đang soạn → Đã gửi" in page


@pytest.fixture
def province_year(criteria_set, ward, people):
    """Several wards of `ward`'s province with 2026 assessments in various states."""

    def make(n):
        made = []
        for i in range(n):
            a = AssessmentFactory(ward=WardFactory(district=ward.district), criteria_set=criteria_set)
            fill_assessment(a, skip={"1.1"} if i % 2 else ())
            for j in range(2):
                EvidenceFileFactory(
                    assessment=a,
                    criterion=Criterion.objects.get(criteria_set=criteria_set, number=1 + j),
                    uploaded_by=people["officer"],
                )
            made.append(a)
        return made

    return make


def test_queue_counts_and_filters(client, people, province_year, assessment):
    made = province_year(4)
    services.assessment_submit(assessment=made[0], user=user_with_role(Membership.Role.WARD_HEAD, ward=made[0].ward))
    Assessment.objects.update(deadline=datetime.date.today() + datetime.timedelta(days=30))
    Assessment.objects.filter(pk=made[1].pk).update(deadline=datetime.date.today() - datetime.timedelta(days=1))
    client.force_login(people["reviewer"])
    page = text(client.get("/tham-dinh/?year=2026"))
    assert "Đang soạn: 4" in page and "Đã gửi: 1" in page
    assert len(client.get("/tham-dinh/?year=2026&status=submitted").context["rows"]) == 1
    assert len(client.get("/tham-dinh/?year=2026&overdue=1").context["rows"]) == 1
    assert len(client.get("/tham-dinh/?year=2026&passed=22").context["rows"]) == 2
    assert len(client.get(f"/tham-dinh/?year=2026&district={assessment.ward.district.code}").context["rows"]) == 5
    rows = client.get("/tham-dinh/?year=2026&status=submitted").context["rows"]
    assert rows[0].days_since_submission == 0


def test_queue_is_the_reviewers_province_only(client, people, foreign_ward, criteria_set, assessment):
    AssessmentFactory(ward=foreign_ward, criteria_set=criteria_set)
    client.force_login(people["reviewer"])
    names = [r.assessment.ward.name for r in client.get("/tham-dinh/?year=2026").context["rows"]]
    assert names == ["Cái Khế"]
    client.force_login(people["officer"])
    assert client.get("/tham-dinh/").status_code == 403


def test_queue_query_count_is_constant(client, people, province_year, django_assert_max_num_queries):
    client.force_login(people["reviewer"])
    province_year(2)
    with django_assert_max_num_queries(20) as small:
        client.get("/tham-dinh/?year=2026")
    province_year(12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/tham-dinh/?year=2026")
    assert len(response.context["rows"]) == 14


def test_review_page_query_count_is_constant(client, people, submitted, django_assert_max_num_queries):
    client.force_login(people["reviewer"])
    # 19 measured: last year's figures of every indicator read once (3), with the page, not twice.
    with django_assert_max_num_queries(19) as small:
        client.get(f"/ho-so/{submitted.pk}/tham-dinh/")
    last = AssessmentFactory(ward=submitted.ward, year=2025, criteria_set=submitted.criteria_set)
    fill_assessment(last)
    for c in Criterion.objects.filter(criteria_set=submitted.criteria_set):
        Verdict.objects.create(assessment=submitted, criterion=c, outcome="pass", reviewer=people["reviewer"])
        for _ in range(3):
            EvidenceFileFactory(assessment=submitted, criterion=c, uploaded_by=people["officer"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(f"/ho-so/{submitted.pk}/tham-dinh/").status_code == 200
    assert Indicator.objects.count() == 59


@pytest.mark.parametrize("base", ["null", "[1]", '{"x": 1}', '{"1": 5}', '{"1": []}', "{"])
def test_a_tampered_review_page_is_handled_not_a_crash(client, people, submitted, base):
    client.force_login(people["reviewer"])
    response = client.post(f"/ho-so/{submitted.pk}/tham-dinh/", {**review_data(submitted), "base": base})
    assert response.status_code in (302, 409, 422)


def test_verdicts_on_criteria_the_ward_changed_must_be_given_again(client, people, submitted):
    from tests.conftest import page_data

    criteria = {c.number: c for c in Criterion.objects.filter(criteria_set=submitted.criteria_set)}
    services.verdicts_save(
        assessment=submitted,
        user=people["reviewer"],
        verdicts={criteria[1].pk: ("pass", ""), criteria[13].pk: ("pass", "")},
        base={},
    )
    services.assessment_return(assessment=submitted, user=people["reviewer"], reasons={criteria[13].pk: "Sai số"})
    client.force_login(people["officer"])
    submitted.refresh_from_db()
    client.post(f"/ho-so/{submitted.pk}/", page_data(submitted, **{"ind-13-2-count": "0", "ind-13-2-last_year": "4"}))
    services.assessment_submit(assessment=submitted, user=people["head"])
    assert list(Verdict.objects.values_list("criterion__number", flat=True)) == [1]
    assert AuditEvent.objects.filter(target="Kết luận TC13", new__startswith="(cần kết luận lại").exists()


def _all_pass(assessment):
    return {c.pk: ("pass", "") for c in Criterion.objects.filter(criteria_set=assessment.criteria_set)}


def test_saving_verdicts_keeps_a_typed_return_reason_for_later(client, people, submitted):
    """«Lưu kết luận» with a return reason typed: the reason is kept (not sent), shown again, then sent."""
    client.force_login(people["reviewer"])
    response = client.post(f"/ho-so/{submitted.pk}/tham-dinh/", review_data(submitted, **{"reason-7": "Thiếu ảnh"}))
    assert response.status_code == 302
    page = client.get(f"/ho-so/{submitted.pk}/tham-dinh/").content.decode()
    assert re.search(r'name="reason-7"[^>]*>\s*Thiếu ảnh</textarea>', page)
    # The ward does not see a reason that was not sent.
    client.force_login(people["head"])
    assert "Thiếu ảnh" not in client.get(f"/ho-so/{submitted.pk}/").content.decode()
    client.force_login(people["reviewer"])
    submitted.refresh_from_db()
    response = client.post(f"/ho-so/{submitted.pk}/tra-lai/", review_data(submitted, **{"reason-7": "Thiếu ảnh"}))
    assert response.status_code == 302
    client.force_login(people["head"])
    assert "Thiếu ảnh" in client.get(f"/ho-so/{submitted.pk}/").content.decode()
    assert submitted.return_reasons.get().draft is False


@pytest.mark.parametrize(
    "number, day, field, message",
    [
        ("x", "01/12/2026", "number", "không đúng dạng số quyết định"),
        ("???", "01/12/2026", "number", "không đúng dạng số quyết định"),
        ("125/QĐ-CAT-PV05", "31/12/2099", "decided_on", "không được sau hôm nay"),
        ("125/QĐ-CAT-PV05", "01/01/1900", "decided_on", "không được trước ngày phường gửi hồ sơ"),
    ],
)
def test_a_decision_with_an_impossible_number_or_date_is_refused_at_the_field(
    client, people, submitted, number, day, field, message
):
    services.verdicts_save(assessment=submitted, user=people["reviewer"], verdicts=_all_pass(submitted), base={})
    client.force_login(people["approver"])
    if day == "01/12/2026":
        day = today_text()
    response = client.post(f"/ho-so/{submitted.pk}/phe-duyet/", {"number": number, "decided_on": day})
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert re.search(rf'id="id_{field}"[^>]*is-invalid|is-invalid[^>]*id="id_{field}"', html)
    assert not submitted.decisions.exists()


def test_a_decision_number_in_the_vietnamese_form_is_accepted(people, submitted):
    services.verdicts_save(assessment=submitted, user=people["reviewer"], verdicts=_all_pass(submitted), base={})
    decision = services.assessment_approve(
        assessment=submitted, user=people["approver"], number="125/QĐ-CAT-PV05", decided_on=timezone.localdate()
    )
    assert decision.number == "125/QĐ-CAT-PV05"


def test_losing_an_approval_race_shows_the_status_and_keeps_what_was_typed(client, people, submitted):
    services.verdicts_save(assessment=submitted, user=people["reviewer"], verdicts=_all_pass(submitted), base={})
    second = user_with_role(Membership.Role.APPROVER, province=submitted.ward.province, username="approver2")
    services.assessment_approve(assessment=submitted, user=second, number="7/QĐ-CAT", decided_on=timezone.localdate())
    client.force_login(people["approver"])
    response = client.post(f"/ho-so/{submitted.pk}/phe-duyet/", {"number": "8/QĐ-CAT", "decided_on": today_text()})
    assert response.status_code == 409
    page = text(response)
    assert "Hồ sơ đang ở trạng thái «Đã phê duyệt»" in page
    assert "không có quyền" not in page and "Vai trò của bạn" not in page
    assert "8/QĐ-CAT" in page  # what the loser typed is shown back


def test_a_double_click_on_return_keeps_the_typed_reasons(client, people, submitted):
    client.force_login(people["reviewer"])
    data = review_data(submitted, **{"reason-3": "Bổ sung biên bản chi bộ"})
    assert client.post(f"/ho-so/{submitted.pk}/tra-lai/", data).status_code == 302
    response = client.post(f"/ho-so/{submitted.pk}/tra-lai/", data)
    assert response.status_code == 409
    page = text(response)
    assert "«Trả lại để bổ sung»" in page and "Bổ sung biên bản chi bộ" in page


def test_the_queue_opens_on_what_needs_the_reviewers_action(people, criteria_set, ward):
    """Submitted first, the longest waiting first, then in review, then the rest (issue 13: not 41 drafts with
    the one submission buried at row 22)."""
    import datetime as dt

    from django.utils import timezone

    from tests.factories import AssessmentFactory, WardFactory
    from wards.selectors import queue_rows, review_queue

    now = timezone.now()
    made = {}
    for name, status, days_ago in [
        ("A draft", Assessment.Status.DRAFT, None),
        ("B sent yesterday", Assessment.Status.SUBMITTED, 1),
        ("C in review", Assessment.Status.IN_REVIEW, 9),
        ("D sent last week", Assessment.Status.SUBMITTED, 7),
        ("E approved", Assessment.Status.APPROVED, 20),
        ("F returned", Assessment.Status.RETURNED, 5),
    ]:
        made[name] = AssessmentFactory(
            ward=WardFactory(district=ward.district, name=name),
            criteria_set=criteria_set,
            status=status,
            submitted_at=now - dt.timedelta(days=days_ago) if days_ago else None,
        )
    assessments, _counts = review_queue(user=people["reviewer"], year=made["A draft"].year)
    assert [r.assessment.ward.name for r in queue_rows(assessments)] == [
        "D sent last week",
        "B sent yesterday",
        "C in review",
        "F returned",
        "A draft",
        "E approved",
    ]


def test_the_review_pages_heading_names_the_district_and_the_sender_only_when_there_are_ones(client, people, submitted):
    """A ward of the new map has no district, and an assessment recorded without its sender (imported history,
    the demo's other wards) has none: the heading leaves out "District ·" and "by …" instead of writing blanks."""
    client.force_login(people["reviewer"])
    heading = lambda: re.sub(r"\s+", " ", client.get(f"/ho-so/{submitted.pk}/tham-dinh/").content.decode())  # noqa: E731
    sent = timezone.localtime(submitted.submitted_at).strftime("%H:%M %d/%m/%Y")
    page = heading()
    assert f"{submitted.ward.district.name} · vòng 1" in page
    from wards.parsing import person

    assert f"gửi {sent} bởi {person(people['head'])}" in page

    Assessment.objects.filter(pk=submitted.pk).update(submitted_by=None)
    submitted.ward.district = None
    submitted.ward.save()
    page = heading()
    assert '<div class="small text-secondary"> vòng 1 · <a href=' in page
    assert f"gửi {sent} · người thẩm định" in page or f"gửi {sent} </div>" in page
