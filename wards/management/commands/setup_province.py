from django.core.management.base import BaseCommand, CommandError

from wards.models import Province, Ward
from wards.services.divisions import DivisionsError, import_divisions


class Command(BaseCommand):
    help = (
        "Thiết lập một tỉnh/thành phố từ danh sách quốc gia: nạp các phường hiện nay của tỉnh (và các đơn vị cũ hình "
        "thành nên chúng) từ fixtures/divisions-2025/. Không cần nhập tay; chạy lại không thay đổi gì thêm."
    )

    def add_arguments(self, parser):
        parser.add_argument("province", help="Mã tỉnh/thành phố mới, ví dụ 92 (Cần Thơ), 51 (Quảng Ngãi)")

    def handle(self, *args, province, **options):
        try:
            report = import_divisions(provinces={province})
        except DivisionsError as error:
            raise CommandError(f"Không thiết lập được (không có gì được ghi): {error}") from None
        for line in report.lines():
            self.stdout.write(line)
        current = Province.objects.current().get(code=province)
        wards = Ward.objects.current().filter(province=current, kind=Ward.Kind.WARD).order_by("name")
        self.stdout.write(f"\n{current} có {wards.count()} phường:")
        for ward in wards.prefetch_related("predecessor_links__predecessor"):
            sources = ", ".join(link.label for link in ward.predecessor_links.all())
            self.stdout.write(f"  {ward.code}  {ward}  ← {sources}")
