"""The demo data reproduces DOMAIN.md's reference data, through the scoring engine."""

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
from demo.seed import BASELINE_DISTRIBUTION, DEMO_PASSWORD, DEMO_USERS, demo_seed
from tests.conftest import load_catalogue
from wards.models import Assessment, Decision, IndicatorValue, Notification, Province, RoadmapTarget, Ward
from wards.selectors import assessment_scores, province_summary
from wards.tasks import send_notification_emails


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Seeded once for this module (it takes seconds), flushed afterwards so other tests start empty (but for the
    criteria set, which every test finds loaded)."""
    with django_db_blocker.unblock():
        call_command("seed_demo", quiet_logins=True, allow_public_password=True)
        yield Province.objects.get(code="92")
        call_command("flush", interactive=False, verbosity=0)
        load_catalogue()


pytestmark = pytest.mark.django_db


def _scores(year):
    assessments = list(Assessment.objects.filter(year=year, ward__province__code="92").select_related("ward"))
    scores = assessment_scores(assessments=assessments)
    return {a.ward.name: scores[a.pk] for a in assessments}


def test_can_tho_has_42_wards_in_5_districts(demo):
    assert demo.wards.count() == 42
    assert Counter(demo.wards.values_list("district__name", flat=True)) == {
        "Ninh Kiều": 11,
        "Bình Thủy": 8,
        "Cái Răng": 7,
        "Ô Môn": 7,
        "Thốt Nốt": 9,
    }
    assert Province.objects.filter(code="51", name="Quảng Ngãi").exists()


def test_2022_reproduces_the_baseline_distribution(demo):
    summary = province_summary(province=demo, year=2022)
    assert summary.wards == 42
    assert (
        summary.distribution == BASELINE_DISTRIBUTION == {12: 3, 13: 3, 14: 3, 15: 9, 16: 7, 17: 5, 18: 4, 19: 5, 20: 3}
    )


def test_2022_keeps_the_facts_of_the_de_an(demo):
    scores = _scores(2022)

    def failing(code):
        return {name for name, s in scores.items() if s.criteria[code].judgement.result is scoring.Result.FAIL}

    # 10 of 42 wards had not set up all four teams.
    four_teams = IndicatorValue.objects.filter(assessment__year=2022, indicator__code="6.1")
    assert four_teams.filter(count__lt=4).count() == 10
    assert len(failing("TC6")) == 10
    # The four run-down headquarters.
    assert failing("TC7") == {"An Phú", "Tân An", "Thới Bình", "Phước Thới"}
    # Only 2 wards had the equipment (patrol pickup truck).
    assert len(failing("TC8")) == 40


def test_2021_figures_have_last_year_typed_by_hand_and_2022_chains_from_2021(demo):
    first = IndicatorValue.objects.filter(assessment__year=2021, indicator__code="13.2")
    assert first.count() == 42 and all(v.last_year_manual for v in first)
    for value in IndicatorValue.objects.filter(assessment__year=2022, indicator__code="13.2").select_related(
        "assessment"
    ):
        previous = IndicatorValue.objects.get(
            assessment__ward=value.assessment.ward_id, assessment__year=2021, indicator__code="13.2"
        )
        assert value.last_year == previous.count and not value.last_year_manual


def test_two_wards_per_district_are_certified_by_2025(demo):
    certified = Decision.objects.filter(outcome=Decision.Outcome.CERTIFIED, assessment__year=2025)
    assert Counter(certified.values_list("assessment__ward__district__name", flat=True)) == {
        "Ninh Kiều": 2,
        "Bình Thủy": 2,
        "Cái Răng": 2,
        "Ô Môn": 2,
        "Thốt Nốt": 2,
    }
    # Certification agrees with the engine: those wards meet 22/22.
    scores = _scores(2025)
    names = set(certified.values_list("assessment__ward__name", flat=True))
    assert {name for name, s in scores.items() if s.passed == 22} == names
    assert Assessment.objects.filter(year__lt=2026, status=Assessment.Status.APPROVED).count() == 42 * 5


def test_every_ward_has_a_2026_draft_due_on_15_november(demo):
    drafts = Assessment.objects.filter(year=2026)
    assert drafts.count() == 42
    assert set(drafts.values_list("status", "deadline")) == {(Assessment.Status.DRAFT, datetime.date(2026, 11, 15))}


def test_roadmap_targets_of_both_provinces(demo):
    can_tho = dict(RoadmapTarget.objects.filter(province__code="92").values_list("year", "target_count"))
    assert can_tho[2025] == 10 and can_tho[2030] == 42
    quang_ngai = {t.year: t for t in RoadmapTarget.objects.filter(province__code="51")}
    assert quang_ngai[2023].target_count == 2
    assert quang_ngai[2025].target_share == 30 and quang_ngai[2025].share_of_remaining
    assert quang_ngai[2030].target_share == 100


def test_seeding_again_changes_nothing(demo):
    def snapshot():
        return (
            Ward.objects.count(),
            Assessment.objects.count(),
            IndicatorValue.objects.count(),
            Decision.objects.count(),
            RoadmapTarget.objects.count(),
            list(IndicatorValue.objects.order_by("pk").values_list("count", "numerator", "yes")[:500]),
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
    assert asked_for_a_code == {"pheduyet.cantho", "quantri"}


def test_seeding_again_gives_the_demo_authenticator_once_and_keeps_one_set_up_by_hand(demo):
    devices = TOTPDevice.objects.filter(user__username__in=["pheduyet.cantho", "quantri"])
    assert sorted(devices.values_list("user__username", "name")) == [("pheduyet.cantho", "demo"), ("quantri", "demo")]
    TOTPDevice.objects.filter(user__username="quantri").update(name="authenticator", key="ab" * 20)
    demo_seed()
    assert devices.count() == 2
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
    draft = Assessment.objects.get(ward__code="31117", year=2026)
    note = Notification.objects.create(
        user=head, assessment=draft, kind=Notification.Kind.RETURNED, subject="Hồ sơ bị trả lại", body="Bổ sung."
    )
    assert send_notification_emails([note.pk]) == 1
    assert [m.to for m in mailoutbox] == [["truong.caikhe@demo.modelphuong.vn"]]
