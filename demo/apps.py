from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data (Cần Thơ and Quảng Ngãi, 2021–2026) and `manage.py seed_demo`: kept out of the production
    apps, so that nothing in them depends on it."""

    name = "demo"
    verbose_name = "Dữ liệu mẫu"
