"""The demo data set: Cần Thơ's 42 wards 2021–2026 and Quảng Ngãi, deterministic and idempotent.

2022 reproduces the Cần Thơ Đề án's baseline (03/ĐA-UBND, 15/6/2022): wards by criteria met
12…20 = 3, 3, 3, 9, 7, 5, 4, 5, 3; 10 of 42 wards without all four teams (TC6); the run-down
headquarters of An Phú, Tân An, Thới Bình and Phước Thới (TC7); only 2 of 42 wards with a patrol pickup
truck (TC8). 2023–2025 certify 2 wards per district by 2025. Every ward has a 2026 draft.

Every figure is chosen so that the scoring engine gives the intended result: the demo is a check of the
engine as much as sample data.
"""

import datetime
import math
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from criteria import scoring
from criteria.models import CriteriaSet, Indicator
from wards.models import (
    Assessment,
    Decision,
    District,
    IndicatorValue,
    Membership,
    Narrative,
    Province,
    RoadmapTarget,
    Verdict,
    Ward,
)

DEMO_PASSWORD = "Demo@2026"
# Demo users get <username>@DEMO_EMAIL_DOMAIN, so their notifications go through the e-mail path too.
DEMO_EMAIL_DOMAIN = "demo.modelphuong.vn"
CRITERIA_SET_CODE = "5764-2021"
FIRST_YEAR, CURRENT_YEAR = 2021, 2026
BASELINE_YEAR = 2022

CAN_THO = ("92", "Cần Thơ")
QUANG_NGAI = ("51", "Quảng Ngãi")

# Official codes (General Statistics Office list before the 2025 reform).
CAN_THO_WARDS = {
    ("916", "Ninh Kiều"): [
        ("31150", "An Bình"), ("31129", "An Cư"), ("31120", "An Hòa"), ("31149", "An Khánh"),
        ("31126", "An Nghiệp"), ("31141", "An Phú"), ("31117", "Cái Khế"), ("31147", "Hưng Lợi"),
        ("31135", "Tân An"), ("31123", "Thới Bình"), ("31144", "Xuân Khánh"),
    ],
    ("918", "Bình Thủy"): [
        ("31177", "An Thới"), ("31168", "Bình Thủy"), ("31178", "Bùi Hữu Nghĩa"), ("31180", "Long Hòa"),
        ("31183", "Long Tuyền"), ("31174", "Thới An Đông"), ("31169", "Trà An"), ("31171", "Trà Nóc"),
    ],
    ("919", "Cái Răng"): [
        ("31195", "Ba Láng"), ("31189", "Hưng Phú"), ("31192", "Hưng Thạnh"), ("31186", "Lê Bình"),
        ("31201", "Phú Thứ"), ("31204", "Tân Phú"), ("31198", "Thường Thạnh"),
    ],
    ("917", "Ô Môn"): [
        ("31153", "Châu Văn Liêm"), ("31157", "Long Hưng"), ("31162", "Phước Thới"), ("31159", "Thới An"),
        ("31154", "Thới Hòa"), ("31156", "Thới Long"), ("31165", "Trường Lạc"),
    ],
    ("923", "Thốt Nốt"): [
        ("31227", "Tân Hưng"), ("31213", "Tân Lộc"), ("31217", "Thạnh Hòa"), ("31207", "Thốt Nốt"),
        ("31210", "Thới Thuận"), ("31212", "Thuận An"), ("31228", "Thuận Hưng"), ("31219", "Trung Kiên"),
        ("31216", "Trung Nhứt"),
    ],
}  # fmt: skip

BASELINE_DISTRIBUTION = {12: 3, 13: 3, 14: 3, 15: 9, 16: 7, 17: 5, 18: 4, 19: 5, 20: 3}
RUN_DOWN_HEADQUARTERS = ["An Phú", "Tân An", "Thới Bình", "Phước Thới"]
WARDS_WITHOUT_FOUR_TEAMS = 10
WARDS_WITH_PATROL_TRUCK = 2
# Criteria that fail in the demo besides TC6–TC8, most common first.
USUAL_WEAKNESSES = [21, 16, 13, 19, 22, 14, 5, 9, 17, 20, 12, 18, 10, 4, 1, 2, 3, 11, 15]
# The indicator through which the Đề án's facts fail: the four teams, the headquarters, the equipment.
FACT_INDICATORS = {6: "6.1", 7: "7.2", 8: "8.1"}
# Certified wards per year, cumulative: 2 per district by 2025 (Đề án 03, giai đoạn 1).
CERTIFIED_BY_YEAR = {2023: 3, 2024: 6, 2025: 10}

ROADMAPS = {
    CAN_THO[0]: (
        "Đề án số 03/ĐA-UBND ngày 15/6/2022 của UBND thành phố Cần Thơ",
        [(2025, 10, None, False, "Mỗi quận 02 phường (giai đoạn 2022–2025)"), (2026, 16, None, False, ""),
         (2027, 23, None, False, ""), (2028, 29, None, False, ""), (2029, 36, None, False, ""),
         (2030, 42, None, False, "Toàn bộ 42 phường")],
    ),
    QUANG_NGAI[0]: (
        "Nghị quyết của Ban Thường vụ Tỉnh ủy Quảng Ngãi giai đoạn 2023–2030",
        [(2023, 2, None, False, "02 Công an phường thí điểm"),
         (2025, None, 30, True, "Ít nhất 30% số Công an phường còn lại"),
         (2030, None, 100, False, "100% Công an phường đạt chuẩn")],
    ),
}  # fmt: skip

DEMO_WARD_CODE = "31117"  # Cái Khế


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    scope: str  # "ward", "province" or ""


DEMO_USERS = [
    DemoUser("canbo.caikhe", "Nguyễn Văn An", Membership.Role.WARD_OFFICER, "ward"),
    DemoUser("truong.caikhe", "Trần Thị Bình", Membership.Role.WARD_HEAD, "ward"),
    DemoUser("thamdinh.cantho", "Lê Văn Cường", Membership.Role.REVIEWER, "province"),
    DemoUser("pheduyet.cantho", "Phạm Minh Dũng", Membership.Role.APPROVER, "province"),
    DemoUser("lanhdao.cantho", "Võ Thị Hạnh", Membership.Role.LEADERSHIP, "province"),
    DemoUser("quantri", "Quản trị hệ thống", Membership.Role.ADMIN, ""),
]


def _baseline_failures(wards: list[Ward]) -> dict[str, list[int]]:
    """For each ward code, the criteria (numbers) it fails in 2022, the facts' criteria first."""
    ks = [k for k, n in sorted(BASELINE_DISTRIBUTION.items()) for _ in range(n)]
    run_down = [w for w in wards if w.name in RUN_DOWN_HEADQUARTERS]
    others = [w for w in wards if w.name not in RUN_DOWN_HEADQUARTERS]
    random.Random(BASELINE_YEAR).shuffle(others)
    k_of = {w.code: k for w, k in zip(run_down + others, ks, strict=True)}
    order = {w.code: i for i, w in enumerate(wards)}
    by_strength = sorted(wards, key=lambda w: (k_of[w.code], order[w.code]))
    without_teams = {w.code for w in by_strength[:WARDS_WITHOUT_FOUR_TEAMS]}
    with_truck = {w.code for w in by_strength[::-1][:WARDS_WITH_PATROL_TRUCK]}
    failures = {}
    for w in wards:
        mandatory = [c for c, hit in ((8, w.code not in with_truck), (6, w.code in without_teams),
                                      (7, w.name in RUN_DOWN_HEADQUARTERS)) if hit]  # fmt: skip
        missing = 22 - k_of[w.code] - len(mandatory)
        start = order[w.code] % 5
        failures[w.code] = mandatory + USUAL_WEAKNESSES[start : start + missing]
    return failures


def _failures_by_year(wards: list[Ward]) -> dict[int, dict[str, list[int]]]:
    baseline = _baseline_failures(wards)
    order = {w.code: i for i, w in enumerate(wards)}
    plan = {BASELINE_YEAR: baseline}
    # 2021: one weakness more than in 2022.
    plan[2021] = {}
    for code, fails in baseline.items():
        extra = next(c for c in USUAL_WEAKNESSES if c not in fails)
        plan[2021][code] = [*fails, extra]
    # The certified: each district's two strongest wards of 2022, strongest first.
    finalists = []
    for district_wards in _by_district(wards).values():
        finalists += sorted(district_wards, key=lambda w: (len(baseline[w.code]), order[w.code]))[:2]
    finalists.sort(key=lambda w: (len(baseline[w.code]), order[w.code]))
    for year in range(BASELINE_YEAR + 1, CURRENT_YEAR):
        certified = {w.code for w in finalists[: CERTIFIED_BY_YEAR[year]]}
        plan[year] = {}
        for code, fails in baseline.items():
            remaining = max(1, len(fails) - (year - BASELINE_YEAR))
            plan[year][code] = [] if code in certified else fails[-remaining:]
    return plan


def _by_district(wards):
    groups: dict[str, list[Ward]] = {}
    for w in wards:
        groups.setdefault(w.district.code, []).append(w)
    return groups


class _FigureMaker:
    """Figures for one ward, year after year, so that trend indicators chain from last year's counts."""

    def __init__(self, index: int, indicators: list[Indicator]):
        self.index = index
        self.indicators = indicators
        rng = random.Random(index)
        # Counts before the first year (2020), typed by hand in 2021 as there is no 2020 assessment.
        self.previous = {
            "13.2": 30 + rng.randrange(40),
            "14.2": 2 + index % 3,
            "16.1": 15 + rng.randrange(30),
            "16.3": 3 + rng.randrange(6),
        }

    def year(self, year: int, failing: set[int]) -> dict[str, dict]:
        figures = {}
        by_criterion: dict[int, list[Indicator]] = {}
        for ind in self.indicators:
            by_criterion.setdefault(ind.criterion.number, []).append(ind)
        for number, inds in by_criterion.items():
            if number == 14:
                figures.update(self._hotspots(number in failing))
                continue
            # A failing criterion fails on one of its indicators, varying by ward and year.
            fail_code = None
            if number in failing:
                fail_code = FACT_INDICATORS.get(number, inds[(self.index + year) % len(inds)].code)
            for ind in inds:
                figures[ind.code] = self._figures(ind, year, fail=ind.code == fail_code)
        return figures

    def _hotspots(self, fail: bool) -> dict[str, dict]:
        last = self.previous["14.2"]
        now = max(last, 1) if fail else 0
        self.previous["14.2"] = now
        return {
            "14.1": {"count": now},
            "14.2": {"count": now, "last_year": last},
            "14.3": {"count": 1 if fail else 0},
        }

    def _figures(self, ind: Indicator, year: int, *, fail: bool) -> dict:
        kind, i = ind.kind, self.index
        threshold = ind.threshold
        if kind == scoring.Kind.YES_NO:
            return {"yes": not fail}
        if kind == scoring.Kind.COUNT_MAX:
            if fail:
                return {"count": int(threshold) + 1 + i % 2, "excluded": 0 if ind.allows_exclusion else None}
            if ind.allows_exclusion and (i + year) % 7 == 0:
                return {"count": 1, "excluded": 1, "exclusion_reason": "Do thiên tai, mưa bão (bất khả kháng)."}
            return {"count": int(threshold)}
        if kind == scoring.Kind.COUNT_MIN:
            return {"count": int(threshold) - 1 if fail else int(threshold) + i % 2}
        if kind in scoring.SHARE_KINDS:
            scale = 250 if ind.unit in ("nhân khẩu", "hộ") else 1
            denominator = (20 + (i * 7 + ind.order * 13 + year) % 40) * scale
            if kind == scoring.Kind.SHARE_BELOW:
                denominator = 200 + 10 * i
            needed = math.ceil(denominator * threshold / 100)  # the least numerator that reaches the share
            if kind == scoring.Kind.SHARE_MIN:
                numerator = needed - 1 if fail else max(needed, denominator - (i + year) % 2 * (threshold < 100))
            else:
                numerator = needed if fail else needed - 1
            return {"numerator": int(numerator), "denominator": denominator}
        # Trend kinds chain from last year's count.
        last = self.previous[ind.code]
        p = threshold / 100
        if kind == scoring.Kind.FALL_MIN:
            now = (last if last else 1) if fail else math.floor(last * (1 - p))
        else:
            now = last if fail else max(1, math.ceil(last * (1 + p)))
        self.previous[ind.code] = now
        return {"count": now, "last_year": last}


def _ensure_places() -> tuple[Province, list[Ward]]:
    can_tho, _ = Province.objects.update_or_create(code=CAN_THO[0], defaults={"name": CAN_THO[1]})
    Province.objects.update_or_create(code=QUANG_NGAI[0], defaults={"name": QUANG_NGAI[1]})
    wards = []
    for (district_code, district_name), ward_rows in CAN_THO_WARDS.items():
        district, _ = District.objects.update_or_create(
            code=district_code, defaults={"province": can_tho, "name": district_name}
        )
        for code, name in ward_rows:
            ward, _ = Ward.objects.update_or_create(
                code=code, defaults={"province": can_tho, "district": district, "name": name}
            )
            wards.append(ward)
    return can_tho, wards


def _ensure_roadmaps():
    for province_code, (basis, targets) in ROADMAPS.items():
        province = Province.objects.get(code=province_code)
        for year, count, share, of_remaining, note in targets:
            RoadmapTarget.objects.update_or_create(
                province=province,
                year=year,
                defaults={
                    "target_count": count,
                    "target_share": share,
                    "share_of_remaining": of_remaining,
                    "basis": basis,
                    "note": note,
                },
            )


def _ensure_users(can_tho: Province) -> dict[str, object]:
    from demo.second_factor import demo_authenticator  # here, not at the top: one change, in one place

    User = get_user_model()
    demo_ward = Ward.objects.get(code=DEMO_WARD_CODE)
    users = {}
    for demo in DEMO_USERS:
        last, _, first = demo.full_name.rpartition(" ")
        is_admin = demo.role == Membership.Role.ADMIN
        email = f"{demo.username}@{DEMO_EMAIL_DOMAIN}"
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": email,
                "is_staff": is_admin,
                "is_superuser": is_admin,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        elif not user.email:
            # Seeded before demo users had addresses; an address someone set is theirs to keep.
            user.email = email
            user.save(update_fields=["email"])
        Membership.objects.update_or_create(
            user=user,
            defaults={
                "role": demo.role,
                "ward": demo_ward if demo.scope == "ward" else None,
                "province": can_tho if demo.scope == "province" else None,
            },
        )
        demo_authenticator(user)
        users[demo.role] = user
    return users


def _fill_past_year(assessment, figures, failing, indicators, criteria, users, decision_number):
    """Values, narratives, verdicts and the decision of an approved past-year assessment."""
    first_year = assessment.year == FIRST_YEAR
    IndicatorValue.objects.bulk_create(
        IndicatorValue(
            assessment=assessment,
            indicator=ind,
            last_year_manual=first_year and "last_year" in figures[ind.code],
            **figures[ind.code],
        )
        for ind in indicators
    )
    Narrative.objects.bulk_create(
        Narrative(
            assessment=assessment,
            criterion=c,
            text=(
                f"Năm {assessment.year}, Công an phường {assessment.ward.name} đã triển khai các nội dung của "
                f"tiêu chí {c.number} ({c.title}). "
                + ("Kết quả đạt yêu cầu." if c.number not in failing else "Còn hạn chế, chưa đạt yêu cầu.")
            ),
        )
        for c in criteria
    )
    Verdict.objects.bulk_create(
        Verdict(
            assessment=assessment,
            criterion=c,
            outcome=Verdict.Outcome.FAIL if c.number in failing else Verdict.Outcome.PASS,
            comment="" if c.number not in failing else "Chưa đạt theo số liệu báo cáo.",
            reviewer=users[Membership.Role.REVIEWER],
        )
        for c in criteria
    )
    passed = len(criteria) - len(failing)
    Decision.objects.create(
        assessment=assessment,
        outcome=Decision.Outcome.CERTIFIED if not failing else Decision.Outcome.NOT_CERTIFIED,
        criteria_passed=passed,
        criteria_total=len(criteria),
        number=decision_number,
        decided_on=datetime.date(assessment.year, 12, 20),
        approver=users[Membership.Role.APPROVER],
    )


@transaction.atomic
def demo_seed() -> dict[str, object]:
    """Create the demo data that is not there yet. Refuses nothing: running it again changes nothing, and it
    never touches assessments that already exist (so it cannot clobber what someone entered)."""
    criteria_set = CriteriaSet.objects.get(code=CRITERIA_SET_CODE)
    indicators = list(Indicator.objects.filter(criteria_set=criteria_set).select_related("criterion"))
    indicators.sort(key=lambda ind: (ind.criterion.number, ind.order))
    criteria = sorted({ind.criterion for ind in indicators}, key=lambda c: c.number)

    can_tho, wards = _ensure_places()
    _ensure_roadmaps()
    users = _ensure_users(can_tho)
    plan = _failures_by_year(wards)
    demo_ward = Ward.objects.get(code=DEMO_WARD_CODE)
    tz = timezone.get_current_timezone()

    created = 0
    for index, ward in enumerate(wards):
        maker = _FigureMaker(index, indicators)
        for year in range(FIRST_YEAR, CURRENT_YEAR + 1):
            past = year < CURRENT_YEAR
            assessment, was_created = Assessment.objects.get_or_create(
                ward=ward,
                year=year,
                criteria_set=criteria_set,
                defaults={
                    "deadline": datetime.date(year, 11, 15),
                    "status": Assessment.Status.APPROVED if past else Assessment.Status.DRAFT,
                    "submitted_at": datetime.datetime(year, 11, 10, 9, 0, tzinfo=tz) if past else None,
                    "submitted_by": users[Membership.Role.WARD_HEAD] if past and ward == demo_ward else None,
                },
            )
            created += was_created
            if not past:
                continue
            failing = set(plan[year][ward.code])
            figures = maker.year(year, failing)  # always computed, so later years chain correctly
            if was_created:
                _fill_past_year(
                    assessment, figures, failing, indicators, criteria, users, f"{index + 1:02d}/QĐ-CAT-{year}"
                )
    return {"users": [u.username for u in DEMO_USERS], "password": DEMO_PASSWORD, "assessments_created": created}
