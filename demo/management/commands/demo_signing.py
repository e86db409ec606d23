from django.core.management.base import BaseCommand

from demo.signing import CA_NAME, PROVINCE_NAME, ensure_demo_signing


class Command(BaseCommand):
    help = (
        "Tạo CA demo và chứng thư số demo của tỉnh (không có giá trị pháp lý) trong var/signing/ để ký thử "
        "văn bản; chạy lại không thay đổi gì khi chứng thư còn hạn."
    )

    def handle(self, *args, **options):
        demo = ensure_demo_signing()
        if demo.created:
            self.stdout.write(self.style.SUCCESS(f"Đã tạo chứng thư số demo trong {demo.directory}:"))
        else:
            self.stdout.write(f"Chứng thư số demo đã có và còn hạn, trong {demo.directory}:")
        self.stdout.write(f"  CA:   {demo.ca}  ({CA_NAME})")
        self.stdout.write(f"  Tỉnh: {demo.pkcs12}  ({PROVINCE_NAME})")
        self.stdout.write("Chỉ dùng để chạy thử: chữ ký bằng chứng thư này không có giá trị pháp lý.")
