"""Loading the 2025 administrative map: provinces and wards with their periods, and who was formed from whom.

The reference data (`fixtures/divisions-2025/`, from the General Statistics Office lists joined with the
resolutions) has one row per (new phường, old unit it was formed from) and one per (new province, old
province). Loading it is idempotent: a unit is matched by its code *and* its period, since the reform reused
codes (the new Cái Khế is 31120, An Hòa's old code). What exists already is matched, not duplicated:

- an old unit is the row with its code that ended on 30/6/2025, or the open row with that code (a ward
  entered before the reform was known, as the demo and early provinces did): that one is ended on 30/6/2025;
- a new unit is the row with its code that began on 1/7/2025;
- a province that the reform left alone (one predecessor, its own code) keeps one open row.

Province-scoped people of an ended province move to its successor (a Kon Tum reviewer now works for Quảng
Ngãi); ward people stay with their ward, whose history they keep reading.
"""

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from wards.collation import sort_key
from wards.map import OLD_MAP_LAST_DAY, REFORM_DATE
from wards.models import Assessment, District, Membership, Province, ProvinceLineage, Ward, WardLineage
from wards.services import scores

DATA_DIR = Path(settings.BASE_DIR) / "fixtures" / "divisions-2025"
KINDS = {"phường": Ward.Kind.WARD, "xã": Ward.Kind.COMMUNE, "thị trấn": Ward.Kind.TOWNSHIP}
_PREFIXES = ("thành phố ", "tỉnh ", "phường ", "xã ", "thị trấn ", "quận ", "huyện ", "thị xã ")


class DivisionsError(Exception):
    """The map cannot be loaded as it is (nothing was written)."""


@dataclass
class Tally:
    created: int = 0
    changed: int = 0
    unchanged: int = 0

    def __str__(self):
        return f"{self.created} tạo mới, {self.changed} cập nhật, {self.unchanged} giữ nguyên"


@dataclass
class ImportReport:
    provinces: Tally = field(default_factory=Tally)
    districts: Tally = field(default_factory=Tally)
    old_units: Tally = field(default_factory=Tally)
    new_wards: Tally = field(default_factory=Tally)
    province_links: Tally = field(default_factory=Tally)
    ward_links: Tally = field(default_factory=Tally)
    memberships_moved: list[str] = field(default_factory=list)
    # Open wards of an ended province that the reference data does not name (merged before the reform, as
    # An Cư, An Nghiệp and An Phú of Cần Thơ were): they end with their province.
    ended_with_province: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        tallies = (self.provinces, self.districts, self.old_units, self.new_wards, self.province_links, self.ward_links)
        return bool(self.memberships_moved or self.ended_with_province) or any(t.created or t.changed for t in tallies)

    def lines(self) -> list[str]:
        lines = [
            f"Tỉnh/thành phố: {self.provinces}",
            f"Quận/huyện (trước 2025): {self.districts}",
            f"Đơn vị cũ (trước 01/7/2025): {self.old_units}",
            f"Phường mới (từ 01/7/2025): {self.new_wards}",
            f"Quan hệ sáp nhập tỉnh: {self.province_links}",
            f"Quan hệ hình thành phường: {self.ward_links}",
        ]
        lines += [f"Chuyển sang tỉnh mới: {line}" for line in self.memberships_moved]
        if self.ended_with_province:
            lines.append(
                "Kết thúc cùng tỉnh cũ ngày 30/6/2025 (không có trong dữ liệu tham chiếu, chưa rõ đơn vị kế thừa): "
                + ", ".join(self.ended_with_province)
            )
        if not self.changed_anything:
            lines.append("Không có gì thay đổi: dữ liệu đã được nạp trước đó.")
        return lines


def plain_name(name: str) -> str:
    """ "Phường Cái Khế" → "Cái Khế", "Tỉnh Kon Tum" → "Kon Tum": the kind is a field, not part of the name."""
    name = name.strip()
    for prefix in _PREFIXES:
        if name.lower().startswith(prefix):
            return name[len(prefix) :].strip()
    return name


def read_rows(data_dir: Path = DATA_DIR) -> tuple[list[dict], list[dict]]:
    with open(data_dir / "provinces-2025.csv", encoding="utf-8") as f:
        provinces = list(csv.DictReader(f))
    with open(data_dir / "lineage-phuong.csv", encoding="utf-8") as f:
        lineage = [row for row in csv.DictReader(f) if row["new_kind"] == "phường"]
    return provinces, lineage


def _set(obj, tally: Tally, **values) -> None:
    """Give an existing row the values, counting it as changed or unchanged."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.save(update_fields=changed)
        tally.changed += 1
    else:
        tally.unchanged += 1


class _Loader:
    def __init__(self, provinces: list[dict], lineage: list[dict], only: set[str] | None):
        if only:
            provinces = [r for r in provinces if r["new_province_code"] in only]
            lineage = [r for r in lineage if r["new_province_code"] in only]
            unknown = only - {r["new_province_code"] for r in provinces}
            if unknown:
                raise DivisionsError(f"Không có tỉnh/thành phố mới mã {', '.join(sorted(unknown))} trong dữ liệu.")
        self.province_rows, self.lineage_rows = provinces, lineage
        self.report = ImportReport()
        self.old_provinces: dict[str, Province] = {}
        self.new_provinces: dict[str, Province] = {}
        self.districts_seen: set[str] = set()

    # Provinces ---------------------------------------------------------------------------------------------

    def provinces(self) -> None:
        by_new: dict[str, list[dict]] = defaultdict(list)
        for row in self.province_rows:
            by_new[row["new_province_code"]].append(row)
        for code, rows in sorted(by_new.items()):
            name = plain_name(rows[0]["new_province_name"])
            if len(rows) == 1 and rows[0]["old_province_code"] == code:
                # Left alone by the reform: one unit before and after.
                province = self._open_province(code, name)
                self.old_provinces[code] = self.new_provinces[code] = province
                continue
            successor = self._province(code, name, valid_from=REFORM_DATE, valid_to=None)
            self.new_provinces[code] = successor
            for row in rows:
                old = self._old_province(row["old_province_code"], plain_name(row["old_province_name"]))
                self.old_provinces[row["old_province_code"]] = old
                self._province_link(successor, old)
                self._move_memberships(old, successor)

    def _open_province(self, code: str, name: str) -> Province:
        province = Province.objects.filter(code=code, valid_from__isnull=True, valid_to__isnull=True).first()
        if province is None:
            self.report.provinces.created += 1
            return Province.objects.create(code=code, name=name)
        _set(province, self.report.provinces, name=name)
        return province

    def _province(self, code: str, name: str, *, valid_from, valid_to) -> Province:
        province = Province.objects.filter(code=code, valid_from=valid_from).first()
        if province is None:
            self.report.provinces.created += 1
            return Province.objects.create(code=code, name=name, valid_from=valid_from, valid_to=valid_to)
        _set(province, self.report.provinces, name=name, valid_to=valid_to)
        return province

    def _old_province(self, code: str, name: str) -> Province:
        province = (
            Province.objects.filter(code=code, valid_to=OLD_MAP_LAST_DAY).first()
            or Province.objects.filter(code=code, valid_from__isnull=True, valid_to__isnull=True).first()
        )
        if province is None:
            self.report.provinces.created += 1
            return Province.objects.create(code=code, name=name, valid_to=OLD_MAP_LAST_DAY)
        late = Assessment.objects.filter(ward__province=province, deadline__gt=OLD_MAP_LAST_DAY)
        if late.exists():
            raise DivisionsError(
                f"{province} có {late.count()} hồ sơ đánh giá có hạn nộp sau 30/6/2025 trên phường cũ; "
                "hãy chuyển chúng sang phường mới hoặc xóa trước khi nạp bản đồ mới."
            )
        # An existing open row keeps its name (the one its people know); only its end is set.
        _set(province, self.report.provinces, valid_to=OLD_MAP_LAST_DAY)
        return province

    def _province_link(self, successor: Province, predecessor: Province) -> None:
        _, created = ProvinceLineage.objects.get_or_create(successor=successor, predecessor=predecessor)
        tally = self.report.province_links
        if created:
            tally.created += 1
        else:
            tally.unchanged += 1

    def _move_memberships(self, old: Province, new: Province) -> None:
        moved = Membership.objects.filter(province=old).select_related("user")
        for membership in moved:
            self.report.memberships_moved.append(f"{membership.user} ({old} → {new})")
        moved.update(province=new)

    # Wards -------------------------------------------------------------------------------------------------

    def wards(self) -> None:
        existing = defaultdict(list)
        for ward in Ward.objects.filter(
            code__in={r["old_code"] for r in self.lineage_rows} | {r["new_code"] for r in self.lineage_rows}
        ):
            existing[ward.code].append(ward)
        districts = {d.code: d for d in District.objects.all()}
        old_units: dict[str, Ward] = {}
        for row in self.lineage_rows:
            if row["old_code"] and row["old_code"] not in old_units:
                old_units[row["old_code"]] = self._old_unit(row, existing, districts)
        new_wards: dict[str, Ward] = {}
        links = {
            _link_key(link.successor_id, link.predecessor_id, link.predecessor_name): link
            for link in WardLineage.objects.filter(successor__valid_from=REFORM_DATE)
        }
        for row in self.lineage_rows:
            if row["new_code"] not in new_wards:
                new_wards[row["new_code"]] = self._new_ward(row, existing)
            successor = new_wards[row["new_code"]]
            predecessor = old_units.get(row["old_code"]) if row["old_code"] else None
            self._ward_link(links, successor, predecessor, row)

    def _old_unit(self, row: dict, existing, districts) -> Ward:
        code, name = row["old_code"], plain_name(row["old_name"])
        kind = KINDS.get(row["old_kind"].strip().lower(), Ward.Kind.WARD)
        province = self.old_provinces[row["old_province_code"]]
        district = self._district(row, province, districts)
        candidates = existing[code]
        ward = next((w for w in candidates if w.valid_to == OLD_MAP_LAST_DAY), None) or next(
            (w for w in candidates if w.valid_from is None and w.valid_to is None), None
        )
        tally = self.report.old_units
        if ward is None:
            ward = Ward.objects.create(
                code=code, name=name, kind=kind, province=province, district=district, valid_to=OLD_MAP_LAST_DAY
            )
            existing[code].append(ward)
            tally.created += 1
            return ward
        self._refuse_late_assessments(ward)
        # An existing row keeps its name and kind; its province, district and end follow the reference data.
        _set(ward, tally, province=province, district=district or ward.district, valid_to=OLD_MAP_LAST_DAY)
        return ward

    def orphans(self) -> None:
        """A ward cannot outlive its province: open wards of the provinces ended here end on the same day."""
        ended = [p for p in self.old_provinces.values() if p.valid_to == OLD_MAP_LAST_DAY]
        for ward in Ward.objects.filter(province__in=ended, valid_to__isnull=True).order_by("name"):
            self._refuse_late_assessments(ward)
            ward.valid_to = OLD_MAP_LAST_DAY
            ward.save(update_fields=["valid_to"])
            self.report.ended_with_province.append(f"{ward} ({ward.code}, {ward.province})")

    def _refuse_late_assessments(self, ward: Ward) -> None:
        late = ward.assessments.filter(deadline__gt=OLD_MAP_LAST_DAY).order_by("year")
        if late.exists():
            years = ", ".join(str(a.year) for a in late)
            raise DivisionsError(
                f"{ward} (mã {ward.code}) đã kết thúc ngày 30/6/2025 nhưng có hồ sơ đánh giá năm {years} "
                "(hạn nộp sau ngày đó); hãy chuyển chúng sang phường mới hoặc xóa trước khi nạp bản đồ mới."
            )

    def _district(self, row: dict, province: Province, districts: dict[str, District]) -> District | None:
        code = row["old_district_code"].strip()
        if not code:
            return None
        district = districts.get(code)
        tally = self.report.districts
        if district is None:
            district = District.objects.create(code=code, name=plain_name(row["old_district_name"]), province=province)
            districts[code] = district
            self.districts_seen.add(code)
            tally.created += 1
        elif district.province_id != province.pk:
            district.province = province
            district.save(update_fields=["province"])
            tally.changed += 1
        elif code not in self.districts_seen:
            tally.unchanged += 1
        self.districts_seen.add(code)
        return district

    def _new_ward(self, row: dict, existing) -> Ward:
        code, name = row["new_code"], plain_name(row["new_name"])
        province = self.new_provinces[row["new_province_code"]]
        ward = next((w for w in existing[code] if w.valid_from == REFORM_DATE), None)
        tally = self.report.new_wards
        if ward is None:
            ward = Ward.objects.create(code=code, name=name, province=province, valid_from=REFORM_DATE)
            existing[code].append(ward)
            tally.created += 1
            return ward
        _set(ward, tally, name=name, province=province, kind=Ward.Kind.WARD)
        return ward

    def _ward_link(self, links, successor: Ward, predecessor: Ward | None, row: dict) -> None:
        name = plain_name(row["old_name"]) if predecessor is None else predecessor.name
        whole = row["old_unit_feeds"].strip() in ("", "1")
        key = _link_key(successor.pk, predecessor.pk if predecessor else None, name)
        link = links.get(key)
        tally = self.report.ward_links
        if link is None:
            links[key] = WardLineage.objects.create(
                successor=successor, predecessor=predecessor, predecessor_name=name, whole=whole
            )
            tally.created += 1
            return
        _set(link, tally, whole=whole, predecessor_name=name)


def _link_key(successor_id: int, predecessor_id: int | None, name: str) -> tuple:
    """A link is its two units; one to an unmatched old unit (no code in the data) is its name."""
    return (successor_id, predecessor_id) if predecessor_id else (successor_id, None, name)


def national_provinces(data_dir: Path = DATA_DIR) -> list[tuple[str, str]]:
    """(code, name) of the 34 provinces of the national list, by name: what an administrator picks from."""
    provinces, _ = read_rows(data_dir)
    names = {r["new_province_code"]: plain_name(r["new_province_name"]) for r in provinces}
    return sorted(names.items(), key=lambda item: sort_key(item[1]))


@transaction.atomic
def import_divisions(*, provinces: set[str] | None = None, data_dir: Path = DATA_DIR) -> ImportReport:
    """Load the 2025 map (all 34 provinces, or the new provinces whose codes are given), in one transaction."""
    province_rows, lineage_rows = read_rows(data_dir)
    loader = _Loader(province_rows, lineage_rows, provinces)
    loader.provinces()
    loader.wards()
    loader.orphans()
    if loader.report.ward_links.created or loader.report.ward_links.changed:
        # A new or changed link moves where a merged ward's "last year" comes from: store their results again.
        scores.rescore(Assessment.objects.filter(ward__predecessor_links__isnull=False).distinct())
    return loader.report
