import contextlib

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from criteria import catalogue as criteria_catalogue
from criteria.models import CriteriaSet
from modelphuong.celery import app as celery_app
from tests.factories import AssessmentFactory, WardFactory, user_with_role
from wards.models import Membership
from wards.services.second_factor import second_factor_required

Role = Membership.Role
CATALOGUE, CATALOGUE_CODE = "criteria_5764", "5764-2021"


def pytest_collection_modifyitems(items):
    """@pytest.mark.needs_database_server: a test that needs a server to drop its connection (not SQLite)."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="only a database server can drop the connection")
    for item in items:
        if item.get_closest_marker("needs_database_server"):
            item.add_marker(skip)


def load_catalogue():
    call_command("loaddata", CATALOGUE, verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    # PBKDF2 is slow by design; tests create many users, some of them outside any test (module data, the demo).
    with override_settings(
        PASSWORD_HASHERS=[
            "django.contrib.auth.hashers.MD5PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        ]
    ):
        yield


_force_login = Client.force_login


def _force_login_with_both_factors(self, user, backend=None):
    """force_login skips signing in, both its steps: who must have a second factor gets a session verified with
    an authenticator (made for the test if they have none). Tests of the sign-in itself post to its pages."""
    _force_login(self, user, backend)
    if second_factor_required(user) or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


@pytest.fixture(scope="session", autouse=True)
def _force_login_passes_the_second_factor():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Client, "force_login", _force_login_with_both_factors)
        yield


@pytest.fixture
def password_only_login():
    """Django's own force_login: a session signed in without the second factor, as one from before it."""
    return _force_login


@pytest.fixture(autouse=True)
def _no_catalogue_left_over():
    """Catalogues are kept per process by version (criteria/catalogue.py); tests reuse ids (SQLite) and freeze
    clocks, so one test's catalogue could pass for another's: every test starts with none kept."""
    criteria_catalogue.forget()
    yield
    criteria_catalogue.forget()


@pytest.fixture(autouse=True)
def _no_language_left_over():
    """A request leaves its reader's language active in the thread (LocaleMiddleware does not undo it; the next
    request sets its own): every test starts, and leaves, with none, that is in the site's language."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the shipped criteria set loaded once for the whole run (committed: every test's
    transaction rolls back to it). A transactional test flushes it at its end: the next module finds it loaded
    again (_catalogue_after_a_flush), and criteria_set loads it for a test that still misses it."""
    with django_db_blocker.unblock():
        load_catalogue()


def catalogue() -> CriteriaSet:
    found = CriteriaSet.objects.filter(code=CATALOGUE_CODE).first()
    if found is None:  # flushed by a transactional test (which runs after the others): load it again
        load_catalogue()
        found = CriteriaSet.objects.get(code=CATALOGUE_CODE)
    return found


@pytest.fixture
def criteria_set(db):
    """The shipped default criteria set (7 groups, 22 criteria), loaded from fixtures/."""
    return catalogue()


_shared_blocks: list[transaction.Atomic] = []


@contextlib.contextmanager
def shared_data(django_db_blocker):
    """An outer transaction for data that a module's tests share (what Django's setUpTestData does for a class):
    made once inside it, seen by every test, each of which rolls back to it, and rolled back itself at the end.

    For tests that are not transactional only (a transactional test commits and flushes). The database is
    unblocked only to open and close it: make the data under django_db_blocker.unblock()."""
    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
    _shared_blocks.append(block)
    try:
        yield
    finally:
        _shared_blocks.remove(block)
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


def _transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    flagged = marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
    return bool(flagged) or bool(
        {"transactional_db", "live_server", "django_db_reset_sequences"} & set(request.fixturenames)
    )


_flushed = {"catalogue": False}


@pytest.fixture(autouse=True)
def _transactional_tests_flush(request):
    if _transactional(request):
        if _shared_blocks:
            pytest.fail("a transactional test ran inside shared_data(): give it data of its own")
        _flushed["catalogue"] = True  # the database is emptied when it ends


@pytest.fixture(scope="module", autouse=True)
def _catalogue_after_a_flush(request):
    """Transactional tests run after the others, but not always last in a worker (pytest-xdist hands out whole
    modules): a module that follows one finds the criteria set committed again, not loaded for each test."""
    if _flushed["catalogue"]:
        with request.getfixturevalue("django_db_blocker").unblock():
            catalogue()
        _flushed["catalogue"] = False


@pytest.fixture
def ward(db):
    return WardFactory(name="Cái Khế")


@pytest.fixture
def other_ward(ward):
    """A ward of the same province: its officers are outsiders to `ward`."""
    return WardFactory(district=ward.district, name="An Cư")


@pytest.fixture
def foreign_ward(db):
    """A ward of another province."""
    return WardFactory(name="Trần Phú")


@pytest.fixture
def assessment(criteria_set, ward):
    return AssessmentFactory(ward=ward, criteria_set=criteria_set)


@pytest.fixture
def people(ward, other_ward, foreign_ward):
    """One user per role around `ward`, plus outsiders (healthchecks' alice, bob and charlie)."""
    return make_people(ward, other_ward, foreign_ward)


def make_people(ward, other_ward, foreign_ward):
    province = ward.province
    return {
        "officer": user_with_role(Role.WARD_OFFICER, ward=ward, username="officer"),
        "head": user_with_role(Role.WARD_HEAD, ward=ward, username="head"),
        "reviewer": user_with_role(Role.REVIEWER, province=province, username="reviewer"),
        "approver": user_with_role(Role.APPROVER, province=province, username="approver"),
        "leader": user_with_role(Role.LEADERSHIP, province=province, username="leader"),
        "national_leader": user_with_role(Role.LEADERSHIP, username="national_leader"),
        "admin": user_with_role(Role.ADMIN, username="quantri_test"),
        "other_ward_officer": user_with_role(Role.WARD_OFFICER, ward=other_ward, username="other_officer"),
        "foreign_reviewer": user_with_role(Role.REVIEWER, province=foreign_ward.province, username="foreign_rev"),
        "foreign_leader": user_with_role(Role.LEADERSHIP, province=foreign_ward.province, username="foreign_lead"),
    }


def page_data(assessment, **changes):
    """What the assessment page posts when opened now, with some fields changed (name → text)."""
    from wards.forms import FiguresForm
    from wards.selectors import assessment_page

    form = FiguresForm(page=assessment_page(assessment=assessment))
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        initial = form[name].initial
        if isinstance(initial, bool):
            if initial:
                data[name] = "on"
            continue
        data[name] = "" if initial is None else str(initial)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _reset_celery_pools():
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture(autouse=True, scope="session")
def _private_filesystem_broker(tmp_path_factory):
    """With the embedded filesystem broker, tests queue into a folder of their own, never the app's."""
    conf = celery_app.conf
    if not str(conf.broker_url).startswith("filesystem://"):
        yield
        return
    folder = tmp_path_factory.mktemp("broker")
    saved = conf.broker_transport_options
    conf.broker_transport_options = {
        **saved,
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "processed_folder": str(folder / "processed"),
    }
    (folder / "processed").mkdir()
    _reset_celery_pools()
    yield
    conf.broker_transport_options = saved
    _reset_celery_pools()


@pytest.fixture
def broker_down():
    """Point the Celery app at a port where no broker listens, without retrying; restore it afterwards.
    Yields a function that brings the broker back early."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.broker_write_url, conf.task_publish_retry, conf.broker_connection_timeout)

    def restore():
        conf.broker_url, conf.broker_write_url, conf.task_publish_retry, conf.broker_connection_timeout = saved
        _reset_celery_pools()

    conf.broker_url, conf.broker_write_url = "redis://127.0.0.1:1/0", None
    conf.task_publish_retry, conf.broker_connection_timeout = False, 1
    _reset_celery_pools()
    yield restore
    restore()
