from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.second_factor import DEMO_TOTP_SECRET, demo_code


class Command(BaseCommand):
    help = "In mã xác thực hai lớp hiện tại của các tài khoản demo (khoá demo công khai), thay cho ứng dụng xác thực."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("DEBUG=false: đây có vẻ là máy chủ thật; mã demo chỉ dùng khi chạy thử.")
        self.stdout.write(demo_code())
        self.stderr.write(f"(khoá {DEMO_TOTP_SECRET}; mã đổi sau mỗi 30 giây, mỗi mã dùng một lần cho mỗi tài khoản)")
