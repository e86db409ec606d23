"""The demo's second factor: the demo users who must have one (the approver, the administrator) get an
authenticator with one fixed secret, published like the demo password, so that a newcomer signs in with any
authenticator app (or `manage.py demo_code`) on a fresh `make run`."""

from base64 import b32decode

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from wards.services.second_factor import second_factor_required

# Base32, as authenticator apps take it; says what it is, and is public: demo only.
DEMO_TOTP_SECRET = "MODELPHUONGDEMOMODELPHUONGDEMO22"
DEMO_DEVICE_NAME = "demo"
DEMO_OTPAUTH_URI = f"otpauth://totp/modelphuong:demo?secret={DEMO_TOTP_SECRET}&issuer=modelphuong"


def demo_authenticator(user) -> None:
    """Give a demo user who must have a second factor the demo authenticator, unless they have one already
    (set up by hand, or seeded before): running the seed again changes nothing."""
    if not second_factor_required(user) or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return
    TOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, confirmed=True, key=b32decode(DEMO_TOTP_SECRET).hex())


def demo_code() -> str:
    """The code the demo authenticator shows now."""
    totp = TOTP(b32decode(DEMO_TOTP_SECRET))
    return f"{totp.token():06d}"
