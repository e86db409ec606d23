"""seed_demo creates accounts whose password is printed in the README: never on a server by accident."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from wards.models import Ward

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_to_run_with_debug_off_unless_told(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-public-password"):
        call_command("seed_demo", quiet_logins=True)
    assert not get_user_model().objects.exists()
    assert not Ward.objects.exists()


def test_seed_demo_refuses_a_database_seeded_before_the_2025_map_writing_nothing(criteria_set):
    from tests.factories import AssessmentFactory, DistrictFactory, ProvinceFactory, WardFactory
    from wards.models import Assessment

    # The demo of before the map: open wards, 2025 and 2026 assessments on them.
    can_tho = ProvinceFactory(code="92", name="Cần Thơ")
    cai_khe = WardFactory(district=DistrictFactory(province=can_tho, code="916"), code="31117", name="Cái Khế")
    AssessmentFactory(ward=cai_khe, year=2025, criteria_set=criteria_set)
    with pytest.raises(CommandError, match=r"dữ liệu mẫu cũ.*manage\.py flush"):
        call_command("seed_demo", quiet_logins=True, allow_public_password=True)
    assert Ward.objects.count() == 1 and Assessment.objects.count() == 1
    assert not get_user_model().objects.exists()
