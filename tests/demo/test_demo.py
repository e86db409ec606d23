"""The demo data reproduces DOMAIN.md's reference data, through the scoring engine, on the map of each year."""

import datetime
import json
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from criteria import scoring
from demo.second_factor import demo_code
from demo.seed import (
    BASELINE_DISTRIBUTION,
    DEMO_PASSWORD,
    DEMO_USERS,
    NEW_MAP_CERTIFIED_2025,
    NOT_IN_REFERENCE_DATA,
    READY_FOR_DECISION,
    REBASED_BASIS,
    demo_seed,
    new_province,
    new_ward,
    old_province,
    old_ward,
)
from tests.conftest import load_catalogue
from wards import access
from wards.map import OLD_MAP_LAST_DAY, REFORM_DATE
from wards.models import (
    Assessment,
    Decision,
    IndicatorValue,
    Membership,
    Notification,
    Province,
    RoadmapTarget,
    Ward,
    WardLineage,
)
from wards.selectors import assessment_scores, criteria_set_with_catalogue, province_summary
from wards.tasks import send_notification_emails
from wards.workflow import Action


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Seeded once for this module (it takes seconds), flushed afterwards so other tests start empty (but for the
    criteria set, which every test finds loaded). The old Cần Thơ (the Đề án's province)."""
    with django_db_blocker.unblock():
        call_command("seed_demo", quiet_logins=True, allow_public_password=True)
        yield old_province("92")
        call_command("flush", interactive=False, verbosity=0)
        load_catalogue()


pytestmark = pytest.mark.django_db

TREND_CODES = ("13.2", "14.2", "16.1", "16.3")


def _scores(year, province):
    assessments = list(Assessment.objects.filter(year=year, ward__province=province).select_related("ward"))
    scores = assessment_scores(assessments=assessments)
    return {a.ward.name: scores[a.pk] for a in assessments}


def test_the_map_is_loaded_old_can_tho_has_42_wards_in_5_districts(demo):
    assert demo.valid_to == OLD_MAP_LAST_DAY
    old_wards = demo.wards.filter(kind=Ward.Kind.WARD)
    assert old_wards.count() == 42 and set(old_wards.values_list("valid_to", flat=True)) == {OLD_MAP_LAST_DAY}
    assert Counter(old_wards.values_list("district__name", flat=True)) == {
        "Ninh Kiều": 11,
        "Bình Thủy": 8,
        "Cái Răng": 7,
        "Ô Môn": 7,
        "Thốt Nốt": 9,
    }
    # The new city: 31 phường, 16 formed from old Cần Thơ, 7 from Hậu Giang, 8 from Sóc Trăng.
    can_tho = new_province("92")
    assert can_tho.wards.filter(kind=Ward.Kind.WARD).count() == 31
    assert set(can_tho.predecessor_links.values_list("predecessor__name", flat=True)) == {
        "Cần Thơ",
        "Hậu Giang",
        "Sóc Trăng",
    }
    assert new_province("51").wards.count() == 9
    assert set(new_province("51").predecessor_links.values_list("predecessor__name", flat=True)) == {
        "Quảng Ngãi",
        "Kon Tum",
    }
    # The three wards of the demo's list that the reference data does not name: history with no successor.
    for code in NOT_IN_REFERENCE_DATA:
        assert not old_ward(code).successor_links.exists()
    # The demo ward's code trap: the new Cái Khế took An Hòa's code.
    assert new_ward("31120").name == "Cái Khế" and old_ward("31120").name == "An Hòa"
    assert old_ward("31117").name == "Cái Khế"


def test_2022_reproduces_the_baseline_distribution(demo):
    summary = province_summary(province=demo, year=2022)
    assert summary.wards == 42
    assert (
        summary.distribution == BASELINE_DISTRIBUTION == {12: 3, 13: 3, 14: 3, 15: 9, 16: 7, 17: 5, 18: 4, 19: 5, 20: 3}
    )


def test_2022_keeps_the_facts_of_the_de_an(demo):
    scores = _scores(2022, demo)
    assert len(scores) == 42

    def failing(code):
        return {name for name, s in scores.items() if s.criteria[code].judgement.result is scoring.Result.FAIL}

    # 10 of 42 wards had not set up all four teams.
    four_teams = IndicatorValue.objects.filter(
        assessment__year=2022, assessment__ward__province=demo, indicator__code="6.1"
    )
    assert four_teams.filter(count__lt=4).count() == 10
    assert len(failing("TC6")) == 10
    # The four run-down headquarters.
    assert failing("TC7") == {"An Phú", "Tân An", "Thới Bình", "Phước Thới"}
    # Only 2 wards had the equipment (patrol pickup truck).
    assert len(failing("TC8")) == 40


def test_2021_figures_have_last_year_typed_by_hand_and_2022_chains_from_2021(demo):
    first = IndicatorValue.objects.filter(assessment__year=2021, indicator__code="13.2")
    assert first.count() == 42 and all(v.last_year_manual for v in first)
    for value in IndicatorValue.objects.filter(
        assessment__year=2022, assessment__ward__province=demo, indicator__code="13.2"
    ).select_related("assessment"):
        previous = IndicatorValue.objects.get(
            assessment__ward=value.assessment.ward_id, assessment__year=2021, indicator__code="13.2"
        )
        assert value.last_year == previous.count and not value.last_year_manual


def test_every_year_is_on_its_map(demo):
    """Up to 2024 on old wards only, from 2025 on new phường only; the Hậu Giang and Sóc Trăng wards have none."""
    for assessment in Assessment.objects.select_related("ward"):
        assert assessment.ward.exists_on(assessment.deadline), assessment
        assert (assessment.ward.valid_from == REFORM_DATE) == (assessment.year >= 2025), assessment
    by_province_year = Counter(
        Assessment.objects.filter(year__lte=2024).values_list("ward__province__name", "year").order_by()
    )
    assert by_province_year == {
        **{("Cần Thơ", year): 42 for year in range(2021, 2025)},
        ("Quảng Ngãi", 2023): 2,  # the pilots
        ("Quảng Ngãi", 2024): 17,
        **{("Kon Tum", year): 10 for year in range(2022, 2025)},
    }
    assert not Assessment.objects.filter(ward__province__name__in=["Hậu Giang", "Sóc Trăng"]).exists()


def test_old_can_tho_certifies_6_wards_by_2024_and_the_new_map_its_own_in_2025(demo):
    certified = Decision.objects.filter(outcome=Decision.Outcome.CERTIFIED)
    assert (
        certified.filter(assessment__ward__province=demo, assessment__year__lte=2024)
        .values("assessment__ward")
        .distinct()
        .count()
        == 6
    )
    assert (
        Counter(certified.filter(assessment__year=2025).values_list("assessment__ward__province__code", flat=True))
        == NEW_MAP_CERTIFIED_2025
        == {"92": 7, "51": 4}
    )
    # Quảng Ngãi's two pilots were certified in 2023.
    assert set(
        certified.filter(assessment__year=2023, assessment__ward__province__code="51").values_list(
            "assessment__ward__name", flat=True
        )
    ) == {"Nghĩa Lộ", "Nguyễn Nghiêm"}
    # Certification agrees with the engine on the old map: those wards meet 22/22.
    scores = _scores(2024, demo)
    names = set(certified.filter(assessment__year=2024, assessment__ward__province=demo).values_list(
        "assessment__ward__name", flat=True
    ))  # fmt: skip
    assert {name for name, s in scores.items() if s.passed == 22} == names
    assert Assessment.objects.filter(year__lt=2026).exclude(status=Assessment.Status.APPROVED).count() == 0


def _rule_last_year(ward: Ward, code: str) -> int | None:
    """The rule of the map, written out again: the predecessors' sum when every one is a whole phường with a
    2024 count, else None (the ward types it)."""
    links = list(ward.predecessor_links.select_related("predecessor"))
    if not links or any(
        not link.whole or link.predecessor is None or link.predecessor.kind != "phuong" for link in links
    ):
        return None
    counts = [
        IndicatorValue.objects.filter(
            assessment__ward=link.predecessor, assessment__year=2024, indicator__code=code, count__isnull=False
        )
        .values_list("count", flat=True)
        .first()
        for link in links
    ]
    return None if None in counts else sum(counts)


@pytest.mark.parametrize(
    ("code", "name", "computed", "why"),
    [
        ("31213", "Tân Lộc", True, "one whole predecessor: carried"),
        ("31135", "Ninh Kiều", True, "Tân An, Thới Bình, Xuân Khánh, all whole"),
        ("31120", "Cái Khế", False, "part of Bùi Hữu Nghĩa"),
        ("31150", "An Bình", False, "Xã Mỹ Khánh, and part of Long Tuyền"),
        ("31212", "Thốt Nốt", False, "part of the old Thốt Nốt"),
        ("31321", "Vị Thanh", False, "Hậu Giang's wards have no assessments"),
        ("23293", "Kon Tum", True, "five whole Kon Tum wards"),
        ("21172", "Trương Quang Trọng", False, "three communes"),
    ],
)
def test_a_new_wards_first_last_year_is_computed_or_typed_as_the_rule_says(demo, code, name, computed, why):
    ward = new_ward(code)
    assert ward.name == name
    values = {
        v.indicator.code: v
        for v in IndicatorValue.objects.filter(assessment__ward=ward, assessment__year=2025).select_related("indicator")
    }
    for indicator in TREND_CODES:
        value, rule = values[indicator], _rule_last_year(ward, indicator)
        assert (rule is not None) is computed, why
        if computed:
            assert value.last_year is None and not value.last_year_manual, why  # computed, never stored
        else:
            assert value.last_year is not None and value.last_year_manual, why


def test_every_2025_figure_follows_the_rule_and_certification_agrees_with_the_engine(demo):
    assessments = list(Assessment.objects.filter(year=2025).select_related("ward", "criteria_set"))
    assert len(assessments) == 40
    specs = criteria_set_with_catalogue(assessments[0].criteria_set_id).specs()
    certified = set(
        Decision.objects.filter(outcome=Decision.Outcome.CERTIFIED, assessment__year=2025).values_list(
            "assessment_id", flat=True
        )
    )
    computed = 0
    for assessment in assessments:
        figures = {v.indicator.code: v.figures() for v in assessment.values.select_related("indicator")}
        for code in TREND_CODES:
            rule = _rule_last_year(assessment.ward, code)
            value = assessment.values.get(indicator__code=code)
            if rule is None:
                assert value.last_year_manual and value.last_year is not None, assessment
            else:
                assert not value.last_year_manual and value.last_year is None, assessment
                figures[code] = scoring.Figures(**{**figures[code].__dict__, "last_year": rule})
                computed += 1
        score = scoring.score_assessment(specs, figures)
        assert (score.passed == 22) == (assessment.pk in certified), assessment
    assert computed == 4 * 13  # 13 new phường whose every predecessor is a whole phường assessed in 2024


def test_every_new_ward_has_a_2026_draft_due_on_15_november_but_three_wait_for_a_decision(demo):
    this_year = Assessment.objects.filter(year=2026)
    assert this_year.count() == 40
    assert set(this_year.values_list("deadline", "ward__valid_from")) == {(datetime.date(2026, 11, 15), REFORM_DATE)}
    waiting = this_year.exclude(status=Assessment.Status.DRAFT)
    assert set(waiting.values_list("ward__code", "status")) == {
        (code, Assessment.Status.IN_REVIEW) for code in READY_FOR_DECISION
    }
    for a in waiting:  # every criterion concluded, ready for the batch decision page
        assert a.verdicts.count() == 22 and not a.decisions.exists()
    passed = {a.ward.code: a.verdicts.filter(outcome="pass").count() for a in waiting}
    assert passed == {"31135": 22, "31147": 22, "31168": 21}


def test_roadmaps_old_targets_stay_with_the_old_provinces_and_the_new_ones_are_rebased(demo):
    old = {t.year: t for t in RoadmapTarget.objects.filter(province=demo)}
    assert old[2025].target_count == 10 and old[2030].target_count == 42 and "Đề án số 03" in old[2025].basis
    new = {t.year: t for t in RoadmapTarget.objects.filter(province=new_province("92"))}
    assert new[2025].target_count == 7 and new[2030].target_share == 100
    assert {t.basis for t in new.values()} == {REBASED_BASIS} and "dữ liệu minh họa" in REBASED_BASIS
    quang_ngai = {t.year: t for t in RoadmapTarget.objects.filter(province=old_province("51"))}
    assert quang_ngai[2023].target_count == 2
    assert quang_ngai[2025].target_share == 30 and quang_ngai[2025].share_of_remaining
    assert quang_ngai[2030].target_share == 100 and "Nghị quyết" in quang_ngai[2030].basis
    rebased = {t.year: t for t in RoadmapTarget.objects.filter(province=new_province("51"))}
    assert rebased[2025].target_count == 4 and {t.basis for t in rebased.values()} == {REBASED_BASIS}


def test_demo_users_work_on_the_new_map_and_one_reads_the_old_cai_khe(demo):
    memberships = {m.user.username: m for m in Membership.objects.select_related("user", "ward", "province")}
    for username in ("canbo.caikhe", "truong.caikhe"):
        assert memberships[username].ward == new_ward("31120")
    assert memberships["canbo.caikhe.cu"].ward == old_ward("31117")
    for username in ("thamdinh.cantho", "pheduyet.cantho", "lanhdao.cantho"):
        assert memberships[username].province == new_province("92")
    assert memberships["thamdinh.quangngai"].province == new_province("51")


def test_the_demo_wards_2026_draft_is_editable_and_submittable(demo):
    draft = Assessment.objects.get(ward=new_ward("31120"), year=2026)
    users = get_user_model().objects
    assert access.can(users.get(username="canbo.caikhe"), Action.EDIT, draft)
    assert access.can(users.get(username="truong.caikhe"), Action.SUBMIT, draft)
    assert not access.can(users.get(username="canbo.caikhe.cu"), Action.EDIT, draft)


def test_the_old_wards_user_reads_its_history_only(demo):
    client = Client()
    client.force_login(get_user_model().objects.get(username="canbo.caikhe.cu"))
    old = Assessment.objects.get(ward=old_ward("31117"), year=2024)
    new = Assessment.objects.get(ward=new_ward("31120"), year=2025)
    page = client.get(f"/ho-so/{old.pk}/")
    assert page.status_code == 200 and "Lưu và gửi hồ sơ" not in page.content.decode()
    assert client.get(f"/ho-so/{new.pk}/").status_code == 404
    assert not access.can(get_user_model().objects.get(username="canbo.caikhe.cu"), Action.EDIT, old)


def test_seeding_again_changes_nothing(demo):
    def snapshot():
        return (
            Province.objects.count(),
            Ward.objects.count(),
            WardLineage.objects.count(),
            Assessment.objects.count(),
            IndicatorValue.objects.count(),
            Decision.objects.count(),
            list(RoadmapTarget.objects.order_by("pk").values_list("province_id", "year", "target_count", "basis")),
            list(Membership.objects.order_by("pk").values_list("user_id", "role", "ward_id", "province_id")),
            list(IndicatorValue.objects.order_by("pk").values_list("count", "numerator", "yes", "last_year")[:500]),
        )

    before = snapshot()
    assert demo_seed()["assessments_created"] == 0
    assert snapshot() == before


def test_summary_command_prints_the_baseline(demo, capsys):
    call_command("assessment_summary", province="92", year=2022)
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.strip() and line.split()[0].isdigit()]
    assert [(int(k), int(n)) for k, n in rows] == list(BASELINE_DISTRIBUTION.items())

    call_command("assessment_summary", "--json", province="92", year=2022)
    data = json.loads(capsys.readouterr().out)
    assert list(data["distribution"].values()) == [3, 3, 3, 9, 7, 5, 4, 5, 3]
    assert data["passes"]["TC8"] == 2 and len(data["passes"]) == 22


def test_every_demo_user_can_log_in(demo):
    """The approver and the administrator with the demo's published authenticator secret (demo_code)."""
    asked_for_a_code = set()
    for demo_user in DEMO_USERS:
        client = Client()
        response = client.post("/dang-nhap/", {"username": demo_user.username, "password": DEMO_PASSWORD})
        if response.url == "/dang-nhap/ma-xac-thuc/":
            asked_for_a_code.add(demo_user.username)
            response = client.post(response.url, {"code": demo_code()})
        assert response.status_code == 302 and response.url == "/", demo_user.username
        assert client.get("/", follow=True).status_code == 200
    must = {Membership.Role.APPROVER, Membership.Role.ADMIN, Membership.Role.PROVINCE_ADMIN}
    assert asked_for_a_code == {u.username for u in DEMO_USERS if u.role in must}
    assert {"pheduyet.cantho", "quantri"} <= asked_for_a_code


def test_seeding_again_gives_the_demo_authenticator_once_and_keeps_one_set_up_by_hand(demo):
    devices = TOTPDevice.objects.filter(user__username__in=["pheduyet.cantho", "quantri"])
    assert sorted(devices.values_list("user__username", "name")) == [("pheduyet.cantho", "demo"), ("quantri", "demo")]
    everyone = TOTPDevice.objects.count()
    TOTPDevice.objects.filter(user__username="quantri").update(name="authenticator", key="ab" * 20)
    demo_seed()
    assert devices.count() == 2 and TOTPDevice.objects.count() == everyone
    assert TOTPDevice.objects.get(user__username="quantri").key == "ab" * 20


def test_demo_code_prints_the_code_of_the_demo_secret(demo, capsys, settings):
    settings.DEBUG = True  # as make run
    call_command("demo_code")
    assert capsys.readouterr().out.strip() == demo_code()
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=false"):
        call_command("demo_code")


def test_every_demo_user_has_an_email_address(demo):
    users = get_user_model().objects.filter(username__in=[u.username for u in DEMO_USERS])
    assert dict(users.values_list("username", "email")) == {
        u.username: f"{u.username}@demo.modelphuong.vn" for u in DEMO_USERS
    }


def test_seeding_again_gives_an_address_to_demo_users_without_one_and_keeps_a_changed_one(demo):
    users = get_user_model().objects
    users.filter(username="canbo.caikhe").update(email="")  # seeded before demo users had addresses
    users.filter(username="truong.caikhe").update(email="binh@congan.example.vn")
    demo_seed()
    assert users.get(username="canbo.caikhe").email == "canbo.caikhe@demo.modelphuong.vn"
    assert users.get(username="truong.caikhe").email == "binh@congan.example.vn"


def test_a_demo_users_notification_is_sent_by_email(demo, mailoutbox):
    head = get_user_model().objects.get(username="truong.caikhe")
    draft = Assessment.objects.get(ward=new_ward("31120"), year=2026)
    note = Notification.objects.create(
        user=head, assessment=draft, kind=Notification.Kind.RETURNED, subject="Hồ sơ bị trả lại", body="Bổ sung."
    )
    assert send_notification_emails([note.pk]) == 1
    assert [m.to for m in mailoutbox] == [["truong.caikhe@demo.modelphuong.vn"]]


@pytest.mark.parametrize(
    ("province", "year", "name", "map_", "wards"),
    [
        ("92", 2022, "Cần Thơ", "old", 42),  # the old city's 42 wards
        ("92", 2025, "Cần Thơ", "new", 31),  # the merged city's 31 phường
        ("51", 2024, "Quảng Ngãi", "old", 17),
        ("51", 2025, "Quảng Ngãi", "new", 9),  # Kon Tum's wards included
        ("62", 2024, "Kon Tum", "old", 10),
    ],
)
def test_summary_command_uses_the_years_map(demo, capsys, province, year, name, map_, wards):
    call_command("assessment_summary", "--json", province=province, year=year)
    data = json.loads(capsys.readouterr().out)
    assert (data["province_name"], data["map"], data["wards"]) == (name, map_, wards)
    assert (data["valid_to"] is None) == (map_ == "new")


def test_summary_command_refuses_a_code_not_on_the_years_map(demo):
    with pytest.raises(CommandError) as error:
        call_command("assessment_summary", province="62", year=2025)
    assert str(error.value) == (
        "Không có tỉnh/thành phố mã 62 trên bản đồ năm 2025 (ngày 15/11/2025). Mã 62 là: Kon Tum … – 30/06/2025. "
        "Tỉnh/thành phố kế thừa: Quảng Ngãi (mã 51)."
    )
    with pytest.raises(
        CommandError, match=r"^Không có tỉnh/thành phố mã 99 trên bản đồ năm 2022 \(ngày 15/11/2022\)\.$"
    ):
        call_command("assessment_summary", province="99", year=2022)


def test_the_demos_stored_results_match_a_fresh_computation(demo, capsys):
    """`manage.py rescore --check` over the whole demo (both maps, six years): every stored result is what the
    scoring engine computes from the figures now (it raises CommandError, exit code 1, on any difference)."""
    call_command("rescore", "--check")
    total = Assessment.objects.count()
    assert f"Kết quả đã lưu của {total} hồ sơ khớp" in capsys.readouterr().out
    assert Assessment.objects.filter(criteria_passed__gt=0).exists()
