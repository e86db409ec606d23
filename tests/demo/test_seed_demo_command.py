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
