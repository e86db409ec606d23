from django.core.management.base import BaseCommand, CommandError

from wards.models import Assessment
from wards.services import scores


class Command(BaseCommand):
    help = (
        "Tính lại và lưu kết quả tính toán (số tiêu chí đạt, đủ số liệu, từng tiêu chí) của mọi hồ sơ đánh giá. "
        "Với --check: không thay đổi gì, chỉ so kết quả đã lưu với kết quả tính lại; thoát với mã khác 0 nếu có "
        "hồ sơ nào khác."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Chỉ kiểm tra, không ghi")
        parser.add_argument("--year", type=int, help="Chỉ các hồ sơ của năm này")
        parser.add_argument("--province", help="Chỉ các hồ sơ của phường thuộc tỉnh có mã này (mọi thời kỳ)")

    def handle(self, *args, check=False, year=None, province=None, **options):
        assessments = Assessment.objects.order_by("year", "pk")
        if year is not None:
            assessments = assessments.filter(year=year)
        if province:
            assessments = assessments.filter(ward__province__code=province)
        if check:
            found = scores.differences(assessments)
            for difference in found[:50]:
                self.stderr.write(str(difference))
            total = assessments.count()
            if found:
                raise CommandError(
                    f"{len(found)} trên {total} hồ sơ có kết quả đã lưu khác kết quả tính lại: "
                    "chạy `manage.py rescore` để tính lại."
                )
            self.stdout.write(f"Kết quả đã lưu của {total} hồ sơ khớp với kết quả tính lại.")
            return
        done = scores.rescore(assessments)
        self.stdout.write(f"Đã tính lại và lưu kết quả của {done} hồ sơ.")
