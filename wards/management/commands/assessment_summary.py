import json

from django.core.management.base import BaseCommand, CommandError

from wards.map import map_date, on_new_map
from wards.models import Province
from wards.selectors import province_summary
from wards.years import YEAR_MAX, YEAR_MIN


def province_on_map(code: str, year: int) -> Province:
    """The province with this code on the year's map (its deadline's): 92 in 2022 is the old Cần Thơ, 92 in 2025
    the merged city. A clear error for a code that is not on that map."""
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise CommandError(f"Năm đánh giá phải từ {YEAR_MIN} đến {YEAR_MAX}.")
    day = map_date(year)
    province = Province.objects.on_map(year).filter(code=code).first()
    if province is not None:
        return province
    others = list(Province.objects.filter(code=code).order_by("valid_from"))
    message = f"Không có tỉnh/thành phố mã {code} trên bản đồ năm {year} (ngày {day:%d/%m/%Y})."
    if others:
        periods = "; ".join(f"{p.name} {p.period_label}" for p in others)
        message += f" Mã {code} là: {periods}."
        successors = [link.successor for p in others for link in p.successor_links.select_related("successor")]
        if successors:
            message += " Tỉnh/thành phố kế thừa: " + ", ".join(f"{s.name} (mã {s.code})" for s in successors) + "."
    raise CommandError(message)


class Command(BaseCommand):
    help = (
        "Tổng hợp kết quả tính toán của một tỉnh trong một năm, theo bản đồ hành chính của năm đó: số phường đạt "
        "k tiêu chí, số phường đạt từng tiêu chí."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--province",
            required=True,
            help="Mã tỉnh/thành phố trên bản đồ của năm, ví dụ 92 (Cần Thơ: đến 2024 là Cần Thơ cũ, từ 2025 là "
            "thành phố sau sáp nhập)",
        )
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--json", action="store_true", dest="as_json", help="In kết quả dạng JSON")

    def handle(self, *args, province, year, as_json=False, **options):
        province_obj = province_on_map(province, year)
        summary = province_summary(province=province_obj, year=year)
        map_label = "bản đồ từ 01/7/2025" if on_new_map(year) else "bản đồ trước 01/7/2025"
        if as_json:
            self.stdout.write(_dumps(summary, new_map=on_new_map(year)))
            return
        self.stdout.write(
            f"{summary.province.name} ({map_label}, {province_obj.period_label}), năm {summary.year}: "
            f"{summary.wards} phường đã gửi hồ sơ"
        )
        self.stdout.write("\nSố tiêu chí đạt   Số phường")
        for k, wards in summary.distribution.items():
            self.stdout.write(f"{k:>14}   {wards:>9}")
        self.stdout.write("\nTiêu chí   Số phường đạt")
        for code, wards in summary.passes.items():
            self.stdout.write(f"{code:>8}   {wards:>13}")


def _dumps(summary, *, new_map: bool) -> str:
    province = summary.province
    return json.dumps(
        {
            "province": province.code,
            "province_name": province.name,
            "valid_from": province.valid_from.isoformat() if province.valid_from else None,
            "valid_to": province.valid_to.isoformat() if province.valid_to else None,
            "map": "new" if new_map else "old",
            "year": summary.year,
            "wards": summary.wards,
            "distribution": {str(k): v for k, v in summary.distribution.items()},
            "passes": summary.passes,
        },
        ensure_ascii=False,
        indent=2,
    )
