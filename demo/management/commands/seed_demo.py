from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from demo.second_factor import DEMO_OTPAUTH_URI, DEMO_TOTP_SECRET
from demo.seed import DEMO_EMAIL_DOMAIN, DEMO_USERS, demo_seed
from demo.signing import ensure_demo_signing
from wards.models import Membership
from wards.services.divisions import DivisionsError


class Command(BaseCommand):
    help = (
        "Nạp bản đồ hành chính của Cần Thơ và Quảng Ngãi, tạo dữ liệu mẫu 2021–2026 (bản đồ cũ đến 2024, bản đồ "
        "mới từ 2025) và tài khoản demo; chạy lại không thay đổi gì."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Không in danh sách tài khoản demo.")
        parser.add_argument(
            "--allow-public-password",
            action="store_true",
            help="Chạy cả khi DEBUG=false (máy chủ thật), dù các tài khoản demo có mật khẩu công khai.",
        )

    def handle(self, *args, quiet_logins=False, allow_public_password=False, **options):
        # The demo accounts share a password printed in the README: on a real server that is an open door.
        if not settings.DEBUG and not allow_public_password:
            raise CommandError(
                "DEBUG=false: đây có vẻ là máy chủ thật. seed_demo tạo các tài khoản demo (có cả quản trị) với "
                "mật khẩu công khai, nên không chạy. Nếu thật sự cần, chạy lại với --allow-public-password."
            )
        call_command("loaddata", "criteria_5764", verbosity=0)
        try:
            result = demo_seed()
        except DivisionsError as error:
            raise CommandError(
                f"Không tạo được dữ liệu mẫu (không có gì được ghi): {error} Cơ sở dữ liệu này có dữ liệu mẫu cũ, "
                "trước bản đồ hành chính 2025; hãy xóa nó (manage.py flush) rồi chạy lại seed_demo."
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Dữ liệu mẫu sẵn sàng ({result['assessments_created']} hồ sơ mới)."))
        signing = ensure_demo_signing()
        self.stdout.write(
            f"Chứng thư số demo (không có giá trị pháp lý): {signing.pkcs12}"
            + (" (mới tạo)." if signing.created else " (đã có).")
        )
        if quiet_logins:
            return
        labels = dict(Membership.Role.choices)
        self.stdout.write(f"\nTài khoản demo (mật khẩu chung: {result['password']})")
        for demo in DEMO_USERS:
            self.stdout.write(f"  {demo.username:<20} {labels[demo.role]:<24} {demo.username}@{DEMO_EMAIL_DOMAIN}")
        self.stdout.write(
            f"\nXác thực hai lớp (phê duyệt, quản trị): thêm khoá demo {DEMO_TOTP_SECRET} vào một ứng dụng xác thực"
            f"\n  ({DEMO_OTPAUTH_URI}), hoặc chạy `.venv/bin/python manage.py demo_code` để xem mã hiện tại."
        )
