"""Two-factor sign-in (xác thực hai lớp), on django-otp: a TOTP authenticator app per user and ten recovery codes
(mã dự phòng), each usable once in place of a code. Required of staff, superusers and the roles listed in
settings.OTP_REQUIRED_ROLES; anyone else may turn it on. Every change is written to AccountEvent."""

import datetime
from base64 import b32encode
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from wards.access import role_of
from wards.models import AccountEvent

RECOVERY_CODES = 10
AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery"


def second_factor_required(user) -> bool:
    """Whether the user may not work on a password alone: staff (the Django admin), superusers and the roles of
    settings.OTP_REQUIRED_ROLES (approvers and administrators sign off certifications)."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or role_of(user) in settings.OTP_REQUIRED_ROLES


def is_verified(user) -> bool:
    """Whether this session passed the second factor (django-otp's OTPMiddleware tells)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def has_second_factor(user) -> bool:
    """Whether the user has a confirmed authenticator app: their sign-in then asks for a code."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def normalise_code(text: str) -> str:
    """What was typed, without the spaces and dashes people copy along with a code; recovery codes in lower case."""
    return "".join(text.split()).replace("-", "").lower()


def authenticator_secret(device: TOTPDevice) -> str:
    """The device's secret as authenticator apps take it when typed in (base32)."""
    return b32encode(device.bin_key).decode()


class AlreadyEnrolled(Exception):
    pass


def enrolment_device(*, user) -> TOTPDevice:
    """The authenticator the user is setting up, made once and kept unconfirmed until a code from it is given
    (a reload shows the same secret, so an app that scanned it keeps working). Refuses a user who has one."""
    if has_second_factor(user):
        raise AlreadyEnrolled
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def _new_recovery_codes(user) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def second_factor_enrol(*, user, device: TOTPDevice, code: str) -> list[str] | None:
    """Turn the user's second factor on with a code from the authenticator being set up; returns the new
    recovery codes, shown once. Refuses (None) a wrong code, which counts towards the device's throttle."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
        # A wrong code is answered with None, not an exception: the throttle's count must be committed.
        if not device.verify_token(normalise_code(code)):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _new_recovery_codes(user)
        AccountEvent.objects.create(user=user, actor=user, action=AccountEvent.Action.SECOND_FACTOR_ON)
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, user) -> list[str]:
    """Ten new recovery codes for the user; the old ones stop working. Refuses a user without a second factor."""
    if not has_second_factor(user):
        raise PermissionDenied(gettext("Tài khoản này chưa bật xác thực hai lớp."))
    codes = _new_recovery_codes(user)
    AccountEvent.objects.create(user=user, actor=user, action=AccountEvent.Action.RECOVERY_CODES_NEW)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def throttled_until(device) -> datetime.datetime | None:
    """Until when the device refuses every code after wrong ones (django-otp's back-off), or None."""
    allowed, data = device.verify_is_allowed()
    return None if allowed else data["locked_until"]


@dataclass(frozen=True)
class CodeCheck:
    device: TOTPDevice | StaticDevice | None  # the device that accepted the code
    retry_at: datetime.datetime | None = None  # not checked at all: too many wrong codes, wait until then


def second_factor_check(*, user, code: str) -> CodeCheck:
    """The user's device that accepts the code: a code of their authenticator, or one of their recovery codes
    (which is then used up, and audited). Refuses a wrong code (no device), counting it towards the device's
    throttle (1, 2, 4, 8 … seconds before the next try), and any code while the throttle holds."""
    code = normalise_code(code)
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    with transaction.atomic():
        devices = list(model.objects.select_for_update().filter(user=user, confirmed=True))
        waits = [until for until in map(throttled_until, devices) if until is not None]
        if waits:
            return CodeCheck(None, retry_at=max(waits))
        for device in devices:
            if device.verify_token(code):
                if model is StaticDevice:
                    left = device.token_set.count()
                    AccountEvent.objects.create(
                        user=user,
                        actor=user,
                        action=AccountEvent.Action.RECOVERY_CODE_USED,
                        detail=gettext("Còn %(left)s mã dự phòng") % {"left": left},
                    )
                return CodeCheck(device)
    return CodeCheck(None)


@transaction.atomic
def second_factor_reset(*, user, actor) -> None:
    """Remove the user's authenticator and recovery codes, so that they set a new one up at their next sign-in
    (a lost phone); audited. Refuses an actor who may not change users."""
    if not actor.has_perm("auth.change_user"):
        raise PermissionDenied(gettext("Chỉ quản trị đặt lại được xác thực hai lớp."))
    authenticators, _ = TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    AccountEvent.objects.create(
        user=user,
        actor=actor,
        action=AccountEvent.Action.SECOND_FACTOR_RESET,
        detail=gettext("Đã xoá %(count)s ứng dụng xác thực") % {"count": authenticators},
    )
