from django.core.management import call_command
from django.core.management.base import BaseCommand

from wards.demo import DEMO_USERS, demo_seed
from wards.models import Membership


class Command(BaseCommand):
    help = "Tạo dữ liệu mẫu (Cần Thơ 2021–2026, Quảng Ngãi) và tài khoản demo; chạy lại không thay đổi gì."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Không in danh sách tài khoản demo.")

    def handle(self, *args, quiet_logins=False, **options):
        call_command("loaddata", "criteria_5764", verbosity=0)
        result = demo_seed()
        self.stdout.write(self.style.SUCCESS(f"Dữ liệu mẫu sẵn sàng ({result['assessments_created']} hồ sơ mới)."))
        if quiet_logins:
            return
        labels = dict(Membership.Role.choices)
        self.stdout.write(f"\nTài khoản demo (mật khẩu chung: {result['password']})")
        for demo in DEMO_USERS:
            self.stdout.write(f"  {demo.username:<18} {labels[demo.role]}")
