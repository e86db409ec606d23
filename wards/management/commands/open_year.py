from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from wards.services.opening import YearNotOpenable, open_year, province_on_map


class Command(BaseCommand):
    help = (
        "Mở đợt đánh giá một năm cho một tỉnh/thành phố: tạo hồ sơ cho mọi phường tồn tại vào hạn nộp, theo bộ tiêu "
        "chí áp dụng cho năm đó. Chạy lại không tạo thêm gì."
    )

    def add_arguments(self, parser):
        parser.add_argument("province", help="Mã tỉnh/thành phố trên bản đồ của năm, ví dụ 92 (Cần Thơ)")
        parser.add_argument("year", type=int)
        parser.add_argument("--as", dest="username", required=True, help="Tài khoản quản trị ghi vào nhật ký")

    def handle(self, *args, province, year, username, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"Không có tài khoản đang hoạt động «{username}».")
        try:
            opened = open_year(province=province_on_map(province, year), year=year, user=user)
        except YearNotOpenable as error:
            raise CommandError(f"Không mở được đợt đánh giá (không có gì được ghi): {error}") from None
        except PermissionDenied as error:
            raise CommandError(f"«{username}» không mở được đợt đánh giá: {error}") from None
        self.stdout.write(opened.summary)
