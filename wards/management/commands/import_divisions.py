from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wards.services.divisions import DATA_DIR, DivisionsError, import_divisions


class Command(BaseCommand):
    help = (
        "Nạp bản đồ hành chính từ 01/7/2025 (fixtures/divisions-2025/): tỉnh/thành phố và phường mới, các đơn vị cũ "
        "hình thành nên chúng và quan hệ sáp nhập. Chạy lại nhiều lần không thay đổi gì thêm."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--province",
            action="append",
            dest="provinces",
            metavar="MÃ",
            help="Chỉ nạp tỉnh/thành phố mới có mã này (có thể lặp lại), ví dụ --province 92; mặc định: cả 34",
        )
        parser.add_argument("--data", default=str(DATA_DIR), help="Thư mục dữ liệu (mặc định: fixtures/divisions-2025)")

    def handle(self, *args, provinces=None, data, **options):
        try:
            report = import_divisions(provinces=set(provinces) if provinces else None, data_dir=Path(data))
        except (DivisionsError, FileNotFoundError) as error:
            raise CommandError(f"Không nạp được bản đồ hành chính (không có gì được ghi): {error}") from None
        for line in report.lines():
            self.stdout.write(line)
