"""The demo data set, deterministic and idempotent, on the administrative map before and after 1/7/2025.

The map is the real one, loaded by `import_divisions` for the new Cần Thơ (92) and the new Quảng Ngãi (51):
the old provinces they were formed from (old Cần Thơ, Hậu Giang, Sóc Trăng; old Quảng Ngãi, Kon Tum) with
their districts and the old units that fed a new phường, the new phường, and who was formed from whom.

Old map (years up to 2024): Cần Thơ's 42 wards 2021–2024. 2022 reproduces the Cần Thơ Đề án's baseline
(03/ĐA-UBND, 15/6/2022): wards by criteria met 12…20 = 3, 3, 3, 9, 7, 5, 4, 5, 3; 10 of 42 wards without all
four teams (TC6); the run-down headquarters of An Phú, Tân An, Thới Bình and Phước Thới (TC7); only 2 of 42
wards with a patrol pickup truck (TC8). 2023–2024 certify 6 wards. Quảng Ngãi's two pilots of 2023 (2023 and
2024), the other old Quảng Ngãi wards in 2024, Kon Tum's 10 wards 2022–2024. Hậu Giang and Sóc Trăng have no
assessments: their wards are history without figures.

New map (2025 on): every new phường of both provinces has an approved 2025 assessment (some certified) and a
2026 draft. Last year's counts of a new ward's first year follow the rule of the map (wards.selectors): where
every predecessor is a whole phường assessed in 2024 they are the predecessors' sum, computed and never
stored; otherwise the ward typed them (last_year_manual), from its predecessors' figures where it had some.

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
from demo.second_factor import demo_authenticator
from wards.map import OLD_MAP_LAST_DAY, REFORM_DATE, yearly_deadline
from wards.models import (
    Assessment,
    Decision,
    IndicatorValue,
    Membership,
    Narrative,
    Province,
    RoadmapTarget,
    Verdict,
    Ward,
)
from wards.services import scores
from wards.services.calendar import extension_grant
from wards.services.divisions import import_divisions

DEMO_PASSWORD = "Demo@2026"
# Demo users get <username>@DEMO_EMAIL_DOMAIN, so their notifications go through the e-mail path too.
DEMO_EMAIL_DOMAIN = "demo.modelphuong.vn"
CRITERIA_SET_CODE = "5764-2021"
FIRST_YEAR, CURRENT_YEAR = 2021, 2026
BASELINE_YEAR = 2022
LAST_OLD_MAP_YEAR, FIRST_NEW_MAP_YEAR = 2024, 2025

# The new provinces whose map is loaded (with the old provinces they were formed from). Only these two: the
# demo has figures for nothing else, and 32 empty provinces would only lengthen every national list; the
# administrator loads the rest with `manage.py import_divisions`.
MAP_PROVINCES = ("92", "51")
CAN_THO, QUANG_NGAI, KON_TUM = "92", "51", "62"

# Official codes (General Statistics Office list before the 2025 reform), in the order the 2022 baseline is
# drawn in: the map is loaded by import_divisions, this order keeps 2021–2024 exactly as they were.
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

# Wards of the demo's list that the 2025 reference data does not name (it lists the units that existed on
# 30/6/2025): they keep their history here, on the old map, with no successor.
NOT_IN_REFERENCE_DATA = {"31129": ("An Cư", "916"), "31126": ("An Nghiệp", "916"), "31141": ("An Phú", "916")}

BASELINE_DISTRIBUTION = {12: 3, 13: 3, 14: 3, 15: 9, 16: 7, 17: 5, 18: 4, 19: 5, 20: 3}
RUN_DOWN_HEADQUARTERS = ["An Phú", "Tân An", "Thới Bình", "Phước Thới"]
WARDS_WITHOUT_FOUR_TEAMS = 10
WARDS_WITH_PATROL_TRUCK = 2
# Criteria that fail in the demo besides TC6–TC8, most common first.
USUAL_WEAKNESSES = [21, 16, 13, 19, 22, 14, 5, 9, 17, 20, 12, 18, 10, 4, 1, 2, 3, 11, 15]
# The indicator through which the Đề án's facts fail: the four teams, the headquarters, the equipment.
FACT_INDICATORS = {6: "6.1", 7: "7.2", 8: "8.1"}
# Old Cần Thơ wards certified per year, cumulative: each district's strongest first (Đề án 03, giai đoạn 1).
CERTIFIED_BY_YEAR = {2023: 3, 2024: 6}

# Quảng Ngãi's two pilots (Nghĩa Lộ and Nguyễn Nghiêm of Quảng Ngãi city), certified in 2023 and 2024; the
# other old Quảng Ngãi wards were assessed first in 2024.
QUANG_NGAI_PILOTS = ("21028", "21025")
QUANG_NGAI_PILOT_YEAR = 2023
# Kon Tum's wards 2022–2024; Quyết Thắng and Thắng Lợi certified in 2024.
KON_TUM_FIRST_YEAR = 2022
KON_TUM_CERTIFIED_2024 = ("23287", "23293")

# New phường certified in 2025 (computed by the plan below and checked by the tests; the re-based roadmaps'
# 2025 milestones are these numbers).
NEW_MAP_CERTIFIED_2025 = {CAN_THO: 7, QUANG_NGAI: 4}

REBASED_BASIS = "Kế hoạch (dữ liệu minh họa) sau sắp xếp đơn vị hành chính 2025"
# Targets (year, count, share, share of the remaining, note), by province code and map ("old" ends on
# 30/6/2025, "new" starts on 1/7/2025). The Đề án and the Nghị quyết were set for the old map and stay with the
# old provinces; the new provinces have re-based plans, marked as demo data.
ROADMAPS = {
    (CAN_THO, "old"): (
        "Đề án số 03/ĐA-UBND ngày 15/6/2022 của UBND thành phố Cần Thơ",
        [(2025, 10, None, False, "Mỗi quận 02 phường (giai đoạn 2022–2025)"), (2026, 16, None, False, ""),
         (2027, 23, None, False, ""), (2028, 29, None, False, ""), (2029, 36, None, False, ""),
         (2030, 42, None, False, "Toàn bộ 42 phường")],
    ),
    (CAN_THO, "new"): (
        REBASED_BASIS,
        [(2025, 7, None, False, "Thành phố Cần Thơ mới: 31 phường"), (2026, 10, None, False, ""),
         (2027, 15, None, False, ""), (2028, 20, None, False, ""), (2029, 25, None, False, ""),
         (2030, None, 100, False, "Toàn bộ 31 phường")],
    ),
    (QUANG_NGAI, "old"): (
        "Nghị quyết của Ban Thường vụ Tỉnh ủy Quảng Ngãi giai đoạn 2023–2030",
        [(2023, 2, None, False, "02 Công an phường thí điểm"),
         (2025, None, 30, True, "Ít nhất 30% số Công an phường còn lại"),
         (2030, None, 100, False, "100% Công an phường đạt chuẩn")],
    ),
    (QUANG_NGAI, "new"): (
        REBASED_BASIS,
        [(2025, 4, None, False, "Tỉnh Quảng Ngãi mới (gồm Kon Tum): 9 phường"), (2027, 6, None, False, ""),
         (2030, None, 100, False, "100% Công an phường đạt chuẩn")],
    ),
}  # fmt: skip

# (code, map): the demo ward is the new Phường Cái Khế, whose code 31120 was An Hòa's before the reform; the old
# Cái Khế (31117) keeps a user who reads its history.
NEW_CAI_KHE = ("31120", "new")
OLD_CAI_KHE = ("31117", "old")
# Cần Thơ's 2026 assessments already reviewed, every criterion concluded, that wait for the approver's decision
# (code → the criteria not met): two to certify in one decision, one not to certify.
READY_FOR_DECISION = {"31135": [], "31147": [], "31168": [13]}


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    ward: tuple[str, str] | None = None  # (code, "old" or "new")
    province: str | None = None  # the code of a new province


Role = Membership.Role
DEMO_USERS = [
    DemoUser("canbo.caikhe", "Nguyễn Văn An", Role.WARD_OFFICER, ward=NEW_CAI_KHE),
    DemoUser("truong.caikhe", "Trần Thị Bình", Role.WARD_HEAD, ward=NEW_CAI_KHE),
    DemoUser("canbo.caikhe.cu", "Đỗ Văn Khoa", Role.WARD_OFFICER, ward=OLD_CAI_KHE),
    DemoUser("thamdinh.cantho", "Lê Văn Cường", Role.REVIEWER, province=CAN_THO),
    DemoUser("pheduyet.cantho", "Phạm Minh Dũng", Role.APPROVER, province=CAN_THO),
    DemoUser("lanhdao.cantho", "Võ Thị Hạnh", Role.LEADERSHIP, province=CAN_THO),
    DemoUser("lanhdao.bo", "Đặng Quốc Việt", Role.LEADERSHIP),  # the ministry's: the national view
    DemoUser("thamdinh.quangngai", "Huỳnh Văn Lộc", Role.REVIEWER, province=QUANG_NGAI),
    DemoUser("pheduyet.quangngai", "Ngô Thị Mai", Role.APPROVER, province=QUANG_NGAI),
    DemoUser("quantri.cantho", "Trương Văn Nam", Role.PROVINCE_ADMIN, province=CAN_THO),
    DemoUser("quantri", "Quản trị hệ thống", Role.ADMIN),
]
# Who reviewed and approved each province's assessments (old map and new alike).
PROVINCE_STAFF = {
    CAN_THO: ("thamdinh.cantho", "pheduyet.cantho"),
    QUANG_NGAI: ("thamdinh.quangngai", "pheduyet.quangngai"),
}

TREND_CODES = ("13.2", "14.2", "16.1", "16.3")


class LastYear:
    """Where an assessment's last-year counts come from, and so what is stored."""

    CHAINED = "chained"  # the same ward's last assessment: stored as well, as the ward's page has always done
    TYPED = "typed"  # no computed figure: typed by the ward, marked "nhập tay"
    COMPUTED = "computed"  # summed from (or carried over from) the predecessors: computed, never stored


def old_ward(code: str) -> Ward:
    return Ward.objects.get(code=code, valid_to=OLD_MAP_LAST_DAY)


def new_ward(code: str) -> Ward:
    return Ward.objects.get(code=code, valid_from=REFORM_DATE)


def old_province(code: str) -> Province:
    return Province.objects.get(code=code, valid_to=OLD_MAP_LAST_DAY)


def new_province(code: str) -> Province:
    return Province.objects.get(code=code, valid_from=REFORM_DATE)


def _ward_of(place: tuple[str, str]) -> Ward:
    code, map_ = place
    return new_ward(code) if map_ == "new" else old_ward(code)


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
    """Old Cần Thơ, 2021–2024."""
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
    for year in range(BASELINE_YEAR + 1, LAST_OLD_MAP_YEAR + 1):
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


def _weaknesses(index: int) -> list[int]:
    """A first-year ward's failing criteria (2 to 6 of the usual weaknesses), varying by ward."""
    start = index % 5
    return USUAL_WEAKNESSES[start : start + 2 + index % 5]


def _improving(weak: list[int], years_since_first: int) -> list[int]:
    """One weakness fewer each year, never none (certification is decided separately)."""
    return weak[-max(1, len(weak) - years_since_first) :]


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


def _ensure_map() -> None:
    import_divisions(provinces=set(MAP_PROVINCES))


def _old_can_tho_wards() -> list[Ward]:
    """The 42 old wards as the map loaded them, in the baseline's order (checked against the list). The
    reference data has no row for three of them (NOT_IN_REFERENCE_DATA): those are added here, ended with the
    old map like every old ward, with no successor."""
    province = old_province(CAN_THO)
    for code, (name, district_code) in NOT_IN_REFERENCE_DATA.items():
        Ward.objects.get_or_create(
            code=code,
            valid_to=OLD_MAP_LAST_DAY,
            defaults={"name": name, "province": province, "district": province.districts.get(code=district_code)},
        )
    by_code = {w.code: w for w in old_province(CAN_THO).wards.filter(kind=Ward.Kind.WARD).select_related("district")}
    wards = []
    for (district_code, _), rows in CAN_THO_WARDS.items():
        for code, name in rows:
            ward = by_code[code]
            assert (ward.name, ward.district.code) == (name, district_code), ward
            wards.append(ward)
    return wards


# The day each roadmap was set (its document's date): the old ones count the old map's wards. The Nghị quyết's
# day is not in the source (only its period, 2023–2030); the re-based plans are demo data.
ROADMAPS_SET_ON = {
    (CAN_THO, "old"): datetime.date(2022, 6, 15),
    (QUANG_NGAI, "old"): datetime.date(2023, 1, 1),
    (CAN_THO, "new"): datetime.date(2025, 8, 1),
    (QUANG_NGAI, "new"): datetime.date(2025, 8, 1),
}


def _ensure_roadmaps():
    for (province_code, map_), (basis, targets) in ROADMAPS.items():
        province = old_province(province_code) if map_ == "old" else new_province(province_code)
        set_on = ROADMAPS_SET_ON[(province_code, map_)]
        for year, count, share, of_remaining, note in targets:
            RoadmapTarget.objects.update_or_create(
                province=province,
                year=year,
                defaults={
                    "target_count": count,
                    "target_share": share,
                    "share_of_remaining": of_remaining,
                    "basis": basis,
                    "set_on": set_on,
                    "note": note,
                },
            )


def _ensure_users() -> dict[str, object]:
    User = get_user_model()
    users = {}
    for demo in DEMO_USERS:
        last, _, first = demo.full_name.rpartition(" ")
        is_admin = demo.role == Role.ADMIN
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
                "ward": _ward_of(demo.ward) if demo.ward else None,
                "province": new_province(demo.province) if demo.province else None,
            },
        )
        demo_authenticator(user)
        users[demo.username] = user
    return users


def _fill_past_year(assessment, figures, failing, indicators, criteria, staff, decision_number, last_year):
    """Values, narratives, verdicts and the decision of an approved past-year assessment (no decision without a
    number: an assessment in review, waiting for one)."""
    reviewer, approver = staff
    values = []
    for ind in indicators:
        figure = dict(figures[ind.code])
        if "last_year" in figure and last_year == LastYear.COMPUTED:
            del figure["last_year"]  # the predecessors' sum is computed wherever it is shown, never stored
        manual = "last_year" in figure and last_year == LastYear.TYPED
        values.append(IndicatorValue(assessment=assessment, indicator=ind, last_year_manual=manual, **figure))
    IndicatorValue.objects.bulk_create(values)
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
            reviewer=reviewer,
        )
        for c in criteria
    )
    if decision_number is None:
        return
    passed = len(criteria) - len(failing)
    Decision.objects.create(
        assessment=assessment,
        outcome=Decision.Outcome.CERTIFIED if not failing else Decision.Outcome.NOT_CERTIFIED,
        criteria_passed=passed,
        criteria_total=len(criteria),
        number=decision_number,
        decided_on=datetime.date(assessment.year, 12, 20),
        approver=approver,
    )


class _Seeder:
    """Creates what is missing, year by year; keeps each ward's figure maker after its last year, so that a new
    ward's first year starts from its predecessors' counts."""

    def __init__(self, users):
        self.criteria_set = CriteriaSet.objects.get(code=CRITERIA_SET_CODE)
        indicators = list(Indicator.objects.filter(criteria_set=self.criteria_set).select_related("criterion"))
        indicators.sort(key=lambda ind: (ind.criterion.number, ind.order))
        self.indicators = indicators
        self.criteria = sorted({ind.criterion for ind in indicators}, key=lambda c: c.number)
        self.users = users
        self.tz = timezone.get_current_timezone()
        self.created = 0
        self.makers: dict[int, _FigureMaker] = {}  # ward id → its maker after its last year
        self.last_failures: dict[int, list[int]] = {}  # ward id → what it failed in its last year

    def staff(self, province_code: str):
        reviewer, approver = PROVINCE_STAFF[province_code]
        return self.users[reviewer], self.users[approver]

    def past_year(self, ward, year, maker, failing, *, staff, number, last_year, submitted_by=None):
        assessment, created = Assessment.objects.get_or_create(
            ward=ward,
            year=year,
            criteria_set=self.criteria_set,
            defaults={
                "deadline": yearly_deadline(year),
                "status": Assessment.Status.APPROVED,
                "submitted_at": datetime.datetime(year, 11, 10, 9, 0, tzinfo=self.tz),
                "submitted_by": submitted_by,
            },
        )
        self.created += created
        figures = maker.year(year, set(failing))  # always computed, so later years chain correctly
        if created:
            _fill_past_year(assessment, figures, set(failing), self.indicators, self.criteria, staff, number, last_year)
        self.makers[ward.pk] = maker
        self.last_failures[ward.pk] = list(failing)

    def in_review(self, ward, year, maker, failing, *, staff, last_year):
        """Submitted and reviewed, every criterion concluded: waiting for the approver's decision."""
        assessment, created = Assessment.objects.get_or_create(
            ward=ward,
            year=year,
            criteria_set=self.criteria_set,
            defaults={
                "deadline": yearly_deadline(year),
                "status": Assessment.Status.IN_REVIEW,
                "submitted_at": datetime.datetime(year, 11, 10, 9, 0, tzinfo=self.tz),
                "reviewer": staff[0],
            },
        )
        self.created += created
        figures = maker.year(year, set(failing))
        if created:
            _fill_past_year(assessment, figures, set(failing), self.indicators, self.criteria, staff, None, last_year)

    def draft(self, ward, year):
        _, created = Assessment.objects.get_or_create(
            ward=ward,
            year=year,
            criteria_set=self.criteria_set,
            defaults={"deadline": yearly_deadline(year), "status": Assessment.Status.DRAFT},
        )
        self.created += created

    # The old map -----------------------------------------------------------------------------------------

    def old_can_tho(self):
        wards = _old_can_tho_wards()
        plan = _failures_by_year(wards)
        for index, ward in enumerate(wards):
            maker = _FigureMaker(index, self.indicators)
            for year in range(FIRST_YEAR, LAST_OLD_MAP_YEAR + 1):
                self.past_year(
                    ward,
                    year,
                    maker,
                    plan[year][ward.code],
                    staff=self.staff(CAN_THO),
                    number=f"{index + 1:02d}/QĐ-CAT-{year}",
                    last_year=LastYear.TYPED if year == FIRST_YEAR else LastYear.CHAINED,
                )

    def old_history(self, province_code, first_years, certified, *, index_base, staff_of, suffix):
        """An old province's wards from their first year to 2024; `certified` maps a year to the codes certified."""
        wards = old_province(province_code).wards.filter(kind=Ward.Kind.WARD, code__in=first_years).order_by("code")
        for i, ward in enumerate(wards):
            index = index_base + i
            maker = _FigureMaker(index, self.indicators)
            first = first_years[ward.code]
            weak = _weaknesses(index)
            for year in range(first, LAST_OLD_MAP_YEAR + 1):
                failing = [] if ward.code in certified.get(year, ()) else _improving(weak, year - first)
                self.past_year(
                    ward,
                    year,
                    maker,
                    failing,
                    staff=self.staff(staff_of),
                    number=f"{i + 1:02d}/QĐ-{suffix}-{year}",
                    last_year=LastYear.TYPED if year == first else LastYear.CHAINED,
                )

    # The new map -----------------------------------------------------------------------------------------

    def new_province(self, province_code, *, index_base, suffix):
        """Every new phường: an approved 2025 assessment, its first, and a 2026 draft."""
        head = self.users["truong.caikhe"]
        demo_ward = _ward_of(NEW_CAI_KHE)
        wards = (
            new_province(province_code)
            .wards.filter(kind=Ward.Kind.WARD, valid_from=REFORM_DATE)
            .prefetch_related("predecessor_links__predecessor")
            .order_by("code")
        )
        for i, ward in enumerate(wards):
            index = index_base + i
            maker = _FigureMaker(index, self.indicators)
            links = list(ward.predecessor_links.all())
            assessed = [link for link in links if link.predecessor_id in self.makers]
            last_year = self._start_from_predecessors(maker, links, assessed)
            if assessed:
                # The strongest predecessor's weaknesses of 2024, one of them overcome since.
                failing = min((self.last_failures[link.predecessor_id] for link in assessed), key=len)[1:]
            else:
                failing = _weaknesses(index)
            self.past_year(
                ward,
                FIRST_NEW_MAP_YEAR,
                maker,
                failing,
                staff=self.staff(province_code),
                number=f"{i + 1:02d}/QĐ-{suffix}-{FIRST_NEW_MAP_YEAR}",
                last_year=last_year,
                submitted_by=head if ward == demo_ward else None,
            )
            for year in range(FIRST_NEW_MAP_YEAR + 1, CURRENT_YEAR + 1):
                if year == CURRENT_YEAR and ward.code in READY_FOR_DECISION:
                    self.in_review(
                        ward,
                        year,
                        maker,
                        READY_FOR_DECISION[ward.code],
                        staff=self.staff(province_code),
                        last_year=LastYear.CHAINED,
                    )
                else:
                    self.draft(ward, year)

    def _start_from_predecessors(self, maker, links, assessed) -> str:
        """Set a new ward's counts before its first year as the rule of the map gives them, and say how."""
        if (
            links
            and len(assessed) == len(links)
            and all(link.whole and link.predecessor.kind == Ward.Kind.WARD for link in links)
        ):
            # Every predecessor merged whole and assessed in 2024: the sum (one predecessor: carried over).
            maker.previous = {
                c: sum(self.makers[link.predecessor_id].previous[c] for link in links) for c in TREND_CODES
            }
            return LastYear.COMPUTED
        if assessed:
            # Typed by the ward from what it had: its whole predecessors' counts, half of a split one's, and a
            # little for a commune or a predecessor without figures.
            own = dict(maker.previous)
            unassessed = len(links) > len(assessed)
            maker.previous = {
                c: sum(
                    self.makers[link.predecessor_id].previous[c] if link.whole
                    else math.ceil(self.makers[link.predecessor_id].previous[c] / 2)
                    for link in assessed
                ) + (own[c] // 4 if unassessed else 0)
                for c in TREND_CODES
            }  # fmt: skip
        return LastYear.TYPED


DEMO_EXTENSION_DAYS = 60
DEMO_EXTENSION_REASON = "Dữ liệu minh họa: gia hạn để người dùng thử gửi hồ sơ vào bất kỳ ngày nào."


def _keep_the_demo_ward_open(users) -> None:
    """The demo ward's current draft can be submitted on any date: once its deadline (or the last extension)
    has passed, the demo reviewer grants an extension, as a province would (audited, the ward notified)."""
    draft = Assessment.objects.filter(
        ward=_ward_of(NEW_CAI_KHE), year=CURRENT_YEAR, status=Assessment.Status.DRAFT
    ).first()
    today = timezone.localdate()
    if draft is None or draft.last_day_to_submit() >= today:
        return
    extension_grant(
        assessment=draft,
        until=today + datetime.timedelta(days=DEMO_EXTENSION_DAYS),
        reason=DEMO_EXTENSION_REASON,
        user=users[PROVINCE_STAFF[CAN_THO][0]],
    )


@transaction.atomic
def demo_seed() -> dict[str, object]:
    """Create the demo data that is not there yet. Refuses nothing: running it again changes nothing, and it
    never touches assessments that already exist (so it cannot clobber what someone entered). Raises
    DivisionsError, writing nothing, on a database seeded before the 2025 map (old wards with 2025 assessments)."""
    _ensure_map()
    _ensure_roadmaps()
    users = _ensure_users()
    seeder = _Seeder(users)
    seeder.old_can_tho()
    pilots = dict.fromkeys(QUANG_NGAI_PILOTS, QUANG_NGAI_PILOT_YEAR)
    quang_ngai = {
        w.code: pilots.get(w.code, LAST_OLD_MAP_YEAR)
        for w in old_province(QUANG_NGAI).wards.filter(kind=Ward.Kind.WARD)
    }
    seeder.old_history(
        QUANG_NGAI,
        quang_ngai,
        {2023: QUANG_NGAI_PILOTS, 2024: QUANG_NGAI_PILOTS},
        index_base=200,
        staff_of=QUANG_NGAI,
        suffix="CAT-QNG",
    )
    kon_tum = {w.code: KON_TUM_FIRST_YEAR for w in old_province(KON_TUM).wards.filter(kind=Ward.Kind.WARD)}
    seeder.old_history(
        KON_TUM, kon_tum, {2024: KON_TUM_CERTIFIED_2024}, index_base=300, staff_of=QUANG_NGAI, suffix="CAT-KT"
    )
    seeder.new_province(CAN_THO, index_base=100, suffix="CAT")
    seeder.new_province(QUANG_NGAI, index_base=400, suffix="CAT-QNG")
    _keep_the_demo_ward_open(users)
    if seeder.created:
        # The figures went in with bulk_create: store every result once they are all there (last year first).
        scores.rescore(Assessment.objects.order_by("year", "pk"))
    return {
        "users": [u.username for u in DEMO_USERS],
        "password": DEMO_PASSWORD,
        "assessments_created": seeder.created,
    }
