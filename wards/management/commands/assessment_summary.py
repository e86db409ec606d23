import json

from django.core.management.base import BaseCommand, CommandError

from wards.models import Province
from wards.selectors import province_summary


class Command(BaseCommand):
    help = (
        "Tổng hợp kết quả tính toán của một tỉnh trong một năm: số phường đạt k tiêu chí, số phường đạt từng tiêu chí."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True, help="Mã tỉnh/thành phố, ví dụ 92 (Cần Thơ)")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--json", action="store_true", dest="as_json", help="In kết quả dạng JSON")

    def handle(self, *args, province, year, as_json=False, **options):
        try:
            province_obj = Province.objects.get(code=province)
        except Province.DoesNotExist:
            raise CommandError(f"Không có tỉnh/thành phố mã {province}.") from None
        summary = province_summary(province=province_obj, year=year)
        if as_json:
            self.stdout.write(_dumps(summary))
            return
        self.stdout.write(f"{summary.province.name}, năm {summary.year}: {summary.wards} phường đã gửi hồ sơ")
        self.stdout.write("\nSố tiêu chí đạt   Số phường")
        for k, wards in summary.distribution.items():
            self.stdout.write(f"{k:>14}   {wards:>9}")
        self.stdout.write("\nTiêu chí   Số phường đạt")
        for code, wards in summary.passes.items():
            self.stdout.write(f"{code:>8}   {wards:>13}")


def _dumps(summary) -> str:
    return json.dumps(
        {
            "province": summary.province.code,
            "year": summary.year,
            "wards": summary.wards,
            "distribution": {str(k): v for k, v in summary.distribution.items()},
            "passes": summary.passes,
        },
        ensure_ascii=False,
        indent=2,
    )
