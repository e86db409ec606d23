"""Last year across a merger, over the real lineage of the new Cần Thơ (fixtures/divisions-2025/).

The old wards hold 2024 assessments with counts for the four trend indicators; the new wards' 2025 last year
is their predecessors' sum where every predecessor was merged whole and has the figure, carried from a
one-to-one predecessor, and otherwise typed by hand ("nhập tay") with the predecessors' figures as a hint.
"""

import datetime
import io
import re

import pytest
from openpyxl import load_workbook

from tests.conftest import catalogue, page_data, shared_data
from tests.factories import AssessmentFactory, user_with_role
from tests.wards.test_excel import col, row_of, upload
from wards import excel
from wards.lineage import LastYear, Predecessor, Problem, Source
from wards.models import Assessment, IndicatorValue, Membership, Province, Ward, in_province
from wards.selectors import assessment_page, assessment_scores, previous_year_counts, previous_year_sources
from wards.services.divisions import import_divisions

pytestmark = pytest.mark.django_db
NOV_2024, NOV_2025 = datetime.date(2024, 11, 15), datetime.date(2025, 11, 15)
TREND = ("13.2", "14.2", "16.1", "16.3")

# 2024 counts of the old wards named here (by their pre-reform district, since names repeat); every other old
# phường of the new Cần Thơ's history gets 1 for each trend indicator.
FIGURES_2024 = {
    ("Ninh Kiều", "Tân An"): {"13.2": 3, "14.2": 1, "16.1": 10, "16.3": 2},
    ("Ninh Kiều", "Thới Bình"): {"13.2": 2, "14.2": 0, "16.1": 7, "16.3": 1},
    ("Ninh Kiều", "Xuân Khánh"): {"13.2": 4, "14.2": 2, "16.1": 5, "16.3": 0},
    ("Ninh Kiều", "An Hòa"): {"13.2": 3, "14.2": 1, "16.1": 4, "16.3": 1},
    ("Ninh Kiều", "Cái Khế"): {"13.2": 2, "14.2": 1, "16.1": 6, "16.3": 3},
    ("Bình Thủy", "Bùi Hữu Nghĩa"): {"13.2": 4, "14.2": 2, "16.1": 8, "16.3": 2},
    ("Thốt Nốt", "Tân Lộc"): {"13.2": 5, "14.2": 3, "16.1": 12, "16.3": 4},
    # Phú Thứ (→ Hưng Phú) lacks 16.3: its successor's 16.3 cannot be summed, the other three can.
    ("Cái Răng", "Phú Thứ"): {"13.2": 6, "14.2": 2, "16.1": 9},
    ("Cái Răng", "Tân Phú"): {"13.2": 1, "14.2": 1, "16.1": 3, "16.3": 2},
    ("Cái Răng", "Hưng Phú"): {"13.2": 2, "14.2": 0, "16.1": 4, "16.3": 1},
}
# Ba Láng (→ Cái Răng) has no 2024 assessment at all.
NOT_ASSESSED = {("Cái Răng", "Ba Láng")}
NEW_WARDS = ("Ninh Kiều", "Tân Lộc", "Cái Khế", "An Bình", "Ô Môn", "Cái Răng", "Hưng Phú")


@pytest.fixture(scope="module")
def can_tho(django_db_setup, django_db_blocker):
    """The new Cần Thơ imported once for the module, its old wards' 2024 assessments and 2025 drafts of seven
    new wards (rolled back after the module)."""
    with shared_data(django_db_blocker):
        with django_db_blocker.unblock():
            import_divisions(provinces={"92"})
            criteria_set = catalogue()
            province = Province.objects.on(NOV_2025).get(code="92")
            indicators = {i.code: i for i in criteria_set.indicators.filter(code__in=TREND)}
            old = Ward.objects.on(NOV_2024).filter(in_province(province), kind=Ward.Kind.WARD)
            rows = []
            for ward in old.select_related("district"):
                key = (ward.district.name, ward.name)
                if key in NOT_ASSESSED:
                    continue
                assessment = AssessmentFactory(ward=ward, year=2024, criteria_set=criteria_set)
                figures = FIGURES_2024.get(key, dict.fromkeys(TREND, 1))
                rows += [
                    IndicatorValue(assessment=assessment, indicator=indicators[code], count=count)
                    for code, count in figures.items()
                ]
            IndicatorValue.objects.bulk_create(rows)
            drafts = {
                name: AssessmentFactory(ward=province.wards.get(name=name), year=2025, criteria_set=criteria_set)
                for name in NEW_WARDS
            }
        yield {"province": province, "drafts": drafts, "indicators": indicators}


def source(can_tho, ward, code):
    draft = can_tho["drafts"][ward]
    last = previous_year_sources(assessments=[draft])[(draft.ward_id, 2025)]
    return last.source(can_tho["indicators"][code])


# (new ward, indicator, source, computed count, the sentence shown with it, why it was not summed)
CASES = [
    pytest.param(
        "Ninh Kiều",
        "13.2",
        Source.SUM,
        9,
        "Cộng từ 3 phường tiền thân: 3 + 2 + 4 (Tân An, Thới Bình, Xuân Khánh)",
        [],
        id="ninh-kieu-sums-three-whole-wards",
    ),
    pytest.param(
        "Ninh Kiều",
        "16.1",
        Source.SUM,
        22,
        "Cộng từ 3 phường tiền thân: 10 + 7 + 5 (Tân An, Thới Bình, Xuân Khánh)",
        [],
        id="ninh-kieu-sums-16.1",
    ),
    pytest.param(
        "Ninh Kiều",
        "14.2",
        Source.SUM,
        3,
        "Cộng từ 3 phường tiền thân: 1 + 0 + 2 (Tân An, Thới Bình, Xuân Khánh)",
        [],
        id="ninh-kieu-sums-a-zero-too",
    ),
    pytest.param(
        "Tân Lộc",
        "13.2",
        Source.CARRIED,
        5,
        "Tiếp nối phường tiền thân Tân Lộc (hồ sơ năm 2024)",
        [],
        id="tan-loc-carries-its-one-predecessor",
    ),
    pytest.param(
        "Cái Khế",
        "13.2",
        Source.MANUAL,
        None,
        "Nhập tay — Tiền thân: An Hòa 3, Cái Khế 2, một phần Bùi Hữu Nghĩa 4"
        " — không cộng được vì Bùi Hữu Nghĩa chỉ nhập một phần",
        [(Problem.PART, "Bùi Hữu Nghĩa")],
        id="cai-khe-part-of-a-split-ward-is-typed",
    ),
    pytest.param(
        "An Bình",
        "16.1",
        Source.MANUAL,
        None,
        None,
        [(Problem.NOT_A_WARD, "Xã Mỹ Khánh"), (Problem.PART, "Long Tuyền")],
        id="an-binh-with-a-commune-and-a-split-ward-is-typed",
    ),
    pytest.param(
        "Ô Môn",
        "13.2",
        Source.MANUAL,
        None,
        "Nhập tay — Tiền thân: Châu Văn Liêm 1, Thới An 1, Thới Hòa 1, Xã Thới Thạnh (không có số liệu)"
        " — không cộng được vì Xã Thới Thạnh không phải phường, không được đánh giá",
        [(Problem.NOT_A_WARD, "Xã Thới Thạnh")],
        id="o-mon-with-a-commune-is-typed",
    ),
    pytest.param(
        "Cái Răng",
        "14.2",
        Source.MANUAL,
        None,
        None,
        [(Problem.NOT_ASSESSED, "Ba Láng")],
        id="cai-rang-with-a-ward-never-assessed-in-2024-is-typed",
    ),
    pytest.param(
        "Hưng Phú",
        "16.3",
        Source.MANUAL,
        None,
        "Nhập tay — Tiền thân: Hưng Phú 1, Phú Thứ (không có số liệu), Tân Phú 2"
        " — không cộng được vì hồ sơ năm 2024 của Phú Thứ không có số liệu này",
        [(Problem.NO_FIGURE, "Phú Thứ")],
        id="hung-phu-16.3-a-predecessor-lacks-the-figure",
    ),
    pytest.param(
        "Hưng Phú",
        "13.2",
        Source.SUM,
        9,
        "Cộng từ 3 phường tiền thân: 2 + 6 + 1 (Hưng Phú, Phú Thứ, Tân Phú)",
        [],
        id="hung-phu-13.2-all-have-it",
    ),
]


@pytest.mark.parametrize(("ward", "code", "kind", "count", "sentence", "problems"), CASES)
def test_first_year_last_year_follows_the_lineage(can_tho, ward, code, kind, count, sentence, problems):
    found = source(can_tho, ward, code)
    assert found.source is kind
    assert found.count == count
    assert sorted((o.problem, o.name) for o in found.obstacles) == sorted(problems)
    if sentence is not None:
        assert found.explanation == sentence
    draft = can_tho["drafts"][ward]
    counts = previous_year_counts(assessments=[draft]).get((draft.ward_id, 2025), {})
    assert counts.get(code) == count  # what every result is computed from


def test_a_typed_hint_names_every_predecessor_with_its_figure(can_tho):
    found = source(can_tho, "An Bình", "16.1")
    assert found.typed_by_hand and found.label == "nhập tay"
    assert [f.label for f in found.figures] == ["An Bình", "Xã Mỹ Khánh", "một phần Long Tuyền"]
    assert "một phần Long Tuyền 1" in found.hint and "Xã Mỹ Khánh (không có số liệu)" in found.hint
    assert "Long Tuyền chỉ nhập một phần" in found.hint
    assert "Xã Mỹ Khánh không phải phường, không được đánh giá" in found.hint


def test_correcting_a_predecessors_2024_figure_changes_the_successors_2025_result_at_once(can_tho):
    draft = can_tho["drafts"]["Ninh Kiều"]
    IndicatorValue.objects.create(assessment=draft, indicator=can_tho["indicators"]["13.2"], count=8)
    key = (draft.ward_id, 2025)
    # 9 last year (3 + 2 + 4), 8 now: an 11% fall (at least 6% needed), passes.
    assert assessment_scores(assessments=[draft])[draft.pk].criteria["TC13"].indicators["13.2"].result == "pass"
    tan_an = Ward.objects.on(NOV_2024).get(district__name="Ninh Kiều", name="Tân An")
    IndicatorValue.objects.filter(assessment__ward=tan_an, assessment__year=2024, indicator__code="13.2").update(
        count=0
    )
    assert previous_year_counts(assessments=[draft])[key]["13.2"] == 6  # 0 + 2 + 4
    assert assessment_scores(assessments=[draft])[draft.pk].criteria["TC13"].indicators["13.2"].result == "fail"
    assert assessment_page(assessment=draft).last_year["13.2"] == 6


def test_the_wards_own_last_year_wins_over_its_predecessors(can_tho):
    ninh_kieu = can_tho["drafts"]["Ninh Kiều"]
    IndicatorValue.objects.create(assessment=ninh_kieu, indicator=can_tho["indicators"]["13.2"], count=8)
    next_year = AssessmentFactory(ward=ninh_kieu.ward, year=2026, criteria_set=ninh_kieu.criteria_set)
    last = previous_year_sources(assessments=[next_year])[(ninh_kieu.ward_id, 2026)]
    found = last.source(can_tho["indicators"]["13.2"])
    assert (found.source, found.count, found.explanation) == (Source.SAME_WARD, 8, "Lấy từ hồ sơ năm 2025")
    # 16.1 is not in its 2025 assessment: typed by hand, even though the predecessors had it in 2024.
    missing = last.source(can_tho["indicators"]["16.1"])
    assert missing.source is Source.MANUAL and missing.obstacles[0].problem is Problem.OWN_NO_FIGURE


def test_last_year_takes_three_queries_whatever_the_number_of_assessments(can_tho, django_assert_num_queries):
    one = [can_tho["drafts"]["Ninh Kiều"]]
    every = list(Assessment.objects.filter(year=2025))
    assert len(every) == len(NEW_WARDS)
    with django_assert_num_queries(3):
        previous_year_counts(assessments=one)
    with django_assert_num_queries(3):
        counts = previous_year_counts(assessments=every)
    # Only these have a computed figure; the others' last years are all typed (a split, a commune, a gap).
    assert {Ward.objects.get(pk=w).name for w, _ in counts} == {"Ninh Kiều", "Tân Lộc", "Hưng Phú"}
    with django_assert_num_queries(3):
        previous_year_sources(assessments=every, trend_only=False)
    # The 2024 assessments themselves (old map, no predecessors) take the same three.
    old_map = list(Assessment.objects.filter(year=2024))
    with django_assert_num_queries(3):
        previous_year_counts(assessments=old_map)


def test_shares_are_summed_only_when_every_predecessor_is_whole(can_tho):
    share = can_tho["drafts"]["Ninh Kiều"].criteria_set.indicators.get(code="5.1")
    tan_an, thoi_binh, xuan_khanh, an_hoa, cai_khe, bui_huu_nghia = (
        Ward.objects.on(NOV_2024).get(district__name=d, name=n)
        for d, n in [
            ("Ninh Kiều", "Tân An"),
            ("Ninh Kiều", "Thới Bình"),
            ("Ninh Kiều", "Xuân Khánh"),
            ("Ninh Kiều", "An Hòa"),
            ("Ninh Kiều", "Cái Khế"),
            ("Bình Thủy", "Bùi Hữu Nghĩa"),
        ]
    )
    for ward, (n, d) in [
        (tan_an, (9, 10)),
        (thoi_binh, (18, 20)),
        (xuan_khanh, (5, 5)),
        (an_hoa, (4, 4)),
        (cai_khe, (7, 8)),
        (bui_huu_nghia, (3, 6)),
    ]:
        IndicatorValue.objects.create(
            assessment=Assessment.objects.get(ward=ward, year=2024), indicator=share, numerator=n, denominator=d
        )
    whole = previous_year_sources(assessments=[can_tho["drafts"]["Ninh Kiều"]], trend_only=False)
    summed = next(iter(whole.values())).source(share)
    assert (summed.source, summed.text) == (Source.SUM, "32/35")
    assert summed.explanation == "Cộng từ 3 phường tiền thân: 9/10 + 18/20 + 5/5 (Tân An, Thới Bình, Xuân Khánh)"
    split = previous_year_sources(assessments=[can_tho["drafts"]["Cái Khế"]], trend_only=False)
    listed = next(iter(split.values())).source(share)
    assert (listed.source, listed.text, listed.typed_by_hand) == (Source.MANUAL, "—", False)
    assert listed.explanation == (
        "Tiền thân: An Hòa 4/4, Cái Khế 7/8, một phần Bùi Hữu Nghĩa 3/6"
        " — không cộng được vì Bùi Hữu Nghĩa chỉ nhập một phần"
    )


def test_an_unmatched_old_unit_and_a_ward_without_history_are_typed():
    from criteria.models import Indicator

    trend = Indicator(code="13.2", kind="fall_min")
    unmatched = Predecessor(
        label="Phường Cũ", name="Phường Cũ", whole=True, matched=False, is_ward=False, assessed=False, values={}
    )
    found = LastYear(year=2024, own=None, predecessors=(unmatched,)).source(trend)
    assert found.typed_by_hand and found.reasons == "không xác định được đơn vị cũ «Phường Cũ»"
    alone = LastYear(year=2024, own=None).source(trend)
    assert alone.typed_by_hand and alone.explanation == "Nhập tay (không có hồ sơ năm trước)"


# --- Through the pages --------------------------------------------------------------------------------------


def text(response):
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def last_year_input(html, code):
    name = f"ind-{code.replace('.', '-')}-last_year"
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)


@pytest.fixture
def officer_of(can_tho):
    def make(ward_name, role=Membership.Role.WARD_OFFICER):
        return user_with_role(role, ward=can_tho["drafts"][ward_name].ward)

    return make


def test_the_page_shows_a_summed_last_year_read_only_and_ignores_typing_over_it(client, can_tho, officer_of):
    draft = can_tho["drafts"]["Ninh Kiều"]
    client.force_login(officer_of("Ninh Kiều"))
    response = client.get(f"/ho-so/{draft.pk}/")
    html = response.content.decode()
    field = last_year_input(html, "13.2")
    assert 'value="9"' in field and "disabled" in field
    assert "Cộng từ 3 phường tiền thân: 3 + 2 + 4 (Tân An, Thới Bình, Xuân Khánh)" in text(response)
    data = page_data(draft, **{"ind-13-2-count": "8", "ind-13-2-last_year": "99"})
    assert client.post(f"/ho-so/{draft.pk}/", data).status_code == 302
    value = IndicatorValue.objects.get(assessment=draft, indicator__code="13.2")
    assert (value.count, value.last_year, value.last_year_manual) == (8, 9, False)


def test_the_page_keeps_a_last_year_typeable_with_the_hint_where_it_cannot_be_summed(client, can_tho, officer_of):
    draft = can_tho["drafts"]["Cái Khế"]
    client.force_login(officer_of("Cái Khế"))
    response = client.get(f"/ho-so/{draft.pk}/")
    field = last_year_input(response.content.decode(), "13.2")
    assert "disabled" not in field
    shown = text(response)
    assert (
        "Nhập tay — Tiền thân: An Hòa 3, Cái Khế 2, một phần Bùi Hữu Nghĩa 4"
        " — không cộng được vì Bùi Hữu Nghĩa chỉ nhập một phần" in shown
    )
    assert "Năm trước nhập tay" in shown  # the badge beside the label
    data = page_data(draft, **{"ind-13-2-count": "4", "ind-13-2-last_year": "7"})
    assert client.post(f"/ho-so/{draft.pk}/", data).status_code == 302
    value = IndicatorValue.objects.get(assessment=draft, indicator__code="13.2")
    assert (value.count, value.last_year, value.last_year_manual) == (4, 7, True)


def test_the_excel_import_takes_a_typed_last_year_only_where_none_is_computed(client, can_tho, officer_of):
    typed, summed = can_tho["drafts"]["Cái Khế"], can_tho["drafts"]["Ninh Kiều"]
    for draft in (typed, summed):
        client.force_login(officer_of(draft.ward.name))
        wb = load_workbook(io.BytesIO(client.get(f"/ho-so/{draft.pk}/excel/").content))
        ws = wb[excel.DATA_SHEET]
        r = row_of(ws, "13.2")
        cell = ws.cell(r, col("last_year"))
        if draft is summed:
            assert cell.value == 9 and cell.protection.locked
            assert cell.comment.text.startswith("Cộng từ 3 phường tiền thân: 3 + 2 + 4")
        else:
            assert cell.value is None and not cell.protection.locked
            assert "không cộng được vì Bùi Hữu Nghĩa chỉ nhập một phần" in cell.comment.text
        ws.cell(r, col("count")).value = 5
        cell.value = 12  # typed over the computed 9 in Ninh Kiều's file: the computed figure stays
        assert upload(client, draft, wb).status_code == 302
    values = {a: IndicatorValue.objects.get(assessment=a, indicator__code="13.2") for a in (typed, summed)}
    assert (values[typed].last_year, values[typed].last_year_manual) == (12, True)
    assert (values[summed].last_year, values[summed].last_year_manual) == (9, False)


def test_the_review_page_says_where_each_last_year_figure_came_from(client, can_tho, django_assert_max_num_queries):
    reviewer = user_with_role(Membership.Role.REVIEWER, province=can_tho["province"])
    client.force_login(reviewer)
    cai_khe = can_tho["drafts"]["Cái Khế"]
    IndicatorValue.objects.create(
        assessment=cai_khe,
        indicator=can_tho["indicators"]["13.2"],
        count=4,
        last_year=7,
        last_year_manual=True,
    )
    shown = text(client.get(f"/ho-so/{can_tho['drafts']['Ninh Kiều'].pk}/tham-dinh/"))
    assert "9 Cộng từ 3 phường tiền thân: 3 + 2 + 4 (Tân An, Thới Bình, Xuân Khánh)" in shown
    shown = text(client.get(f"/ho-so/{can_tho['drafts']['Tân Lộc'].pk}/tham-dinh/"))
    assert "5 Tiếp nối phường tiền thân Tân Lộc (hồ sơ năm 2024)" in shown
    with django_assert_max_num_queries(30):
        shown = text(client.get(f"/ho-so/{cai_khe.pk}/tham-dinh/"))
    assert (
        "7 nhập tay Nhập tay — Tiền thân: An Hòa 3, Cái Khế 2, một phần Bùi Hữu Nghĩa 4"
        " — không cộng được vì Bùi Hữu Nghĩa chỉ nhập một phần" in shown
    )


def test_the_dossier_says_where_each_last_year_figure_came_from(can_tho):
    from reports import documents
    from tests.reports.test_documents import pdf_text

    data = documents.dossier_data(can_tho["drafts"]["Ninh Kiều"])
    rows = {i["code"]: i for g in data["groups"] for c in g["criteria"] for i in c["indicators"]}
    assert rows["13.2"]["last"] == "9"
    assert rows["13.2"]["last_source"] == "Cộng từ 3 phường tiền thân: 3 + 2 + 4 (Tân An, Thới Bình, Xuân Khánh)"
    assert rows["6.1"]["last_source"].startswith("Tiền thân: ")  # not in the 2024 assessments: listed, not summed
    typed = documents.dossier_data(can_tho["drafts"]["Ô Môn"])
    rows = {i["code"]: i for g in typed["groups"] for c in g["criteria"] for i in c["indicators"]}
    assert rows["13.2"]["last"] == "—"
    assert rows["13.2"]["last_source"].startswith("Nhập tay — Tiền thân: Châu Văn Liêm 1")
    printed = pdf_text(documents.render_pdf("dossier", data)[0])
    assert "Số liệu năm trước: Cộng từ 3 phường tiền thân: 3 + 2 + 4 (Tân An, Thới Bình, Xuân Khánh)" in printed


def test_the_page_of_a_merged_ward_costs_what_any_page_costs(
    client, can_tho, officer_of, django_assert_max_num_queries
):
    # The ward page's budget (tests/wards/test_assessment_page.py): predecessors add no query of their own.
    for name in ("Ninh Kiều", "Cái Khế", "An Bình"):
        draft = can_tho["drafts"][name]
        client.force_login(officer_of(name))
        with django_assert_max_num_queries(20):
            assert client.get(f"/ho-so/{draft.pk}/").status_code == 200


def test_correcting_a_predecessors_figure_on_its_page_rescored_the_successors_stored_result(can_tho):
    """The stored result (wards.services.scores) follows the lineage too: Tân An's 2024 save rescored Ninh Kiều's
    2025 assessment, which reads it as part of its last year."""
    from wards import services
    from wards.models import CriterionResult
    from wards.services import scores

    draft = can_tho["drafts"]["Ninh Kiều"]
    indicators = {i.code: i for i in draft.criteria_set.indicators.filter(code__in=("13.1", "13.2"))}

    def save(assessment, user, figures):
        assessment.refresh_from_db()
        services.assessment_save(
            assessment=assessment,
            user=user,
            figures={indicators[code].pk: values for code, values in figures.items()},
            narratives={},
            base_revision=assessment.revision,
        )

    def tc13():
        return CriterionResult.objects.get(assessment=draft, criterion__number=13).result

    save(
        draft,
        user_with_role(Membership.Role.WARD_OFFICER, ward=draft.ward),
        {"13.1": {"count": 0}, "13.2": {"count": 8}},
    )
    assert tc13() == "pass"  # 3 + 2 + 4 = 9 last year, 8 now: an 11% fall
    tan_an = Assessment.objects.get(ward__district__name="Ninh Kiều", ward__name="Tân An", year=2024)
    save(tan_an, user_with_role(Membership.Role.WARD_OFFICER, ward=tan_an.ward), {"13.2": {"count": 0}})
    assert tc13() == "fail"  # 0 + 2 + 4 = 6 last year, 8 now
    assert scores.differences([draft, tan_an]) == []
