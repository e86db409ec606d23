"""Every document URL answers 404 outside its ward or province; nothing is served by a guessable path."""

import copy

import pytest
from django.core.exceptions import PermissionDenied
from django.test.utils import override_settings
from django.urls import get_resolver

from reports import documents, services, tasks
from reports.models import RenderJob
from reports.selectors import report_provinces
from tests.conftest import catalogue, make_people, shared_data
from tests.factories import AssessmentFactory, UserFactory, WardFactory
from tests.reports.conftest import approve

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def media(settings, _media_root):
    """The files rendered once for the module stay where they were written."""
    settings.MEDIA_ROOT = _media_root


@pytest.fixture(scope="module")
def _shared(django_db_setup, django_db_blocker, _media_root):
    """The documents, rendered once for the module (the tests only ask for them; what they write is rolled back)."""
    with shared_data(django_db_blocker), override_settings(MEDIA_ROOT=_media_root):
        with django_db_blocker.unblock():
            ward = WardFactory(name="Cái Khế")
            people = make_people(ward, WardFactory(district=ward.district, name="An Cư"), WardFactory(name="Trần Phú"))
            approved = approve(AssessmentFactory(ward=ward, criteria_set=catalogue()), people)
            dossier = services.dossier_request(assessment=approved, user=people["officer"])
            report = services.report_request(province=approved.ward.province, year=2026, user=people["leader"])
            bulk = services.bulk_request(province=approved.ward.province, year=2026, user=people["leader"])
            nation = services.national_report_request(year=2026, user=people["national_leader"])
            for job in (dossier, report, nation):
                tasks.render_job(job.pk)
        made = {
            "dossier": dossier,
            "report": report,
            "bulk": bulk,
            "national": nation,
            "province": approved.ward.province,
        }
        yield {"people": people, "approved": approved, "documents_made": made}


@pytest.fixture
def shared(_shared):
    """This test's copy of the module's objects: what it changes in memory stays with it."""
    return copy.deepcopy(_shared)


@pytest.fixture
def people(shared):
    return shared["people"]


@pytest.fixture
def approved(shared):
    return shared["approved"]


@pytest.fixture
def documents_made(shared):
    return shared["documents_made"]


def requests_for(made, assessment):
    d, r, b, code = made["dossier"].pk, made["report"].pk, made["bulk"].pk, made["province"].code
    n = made["national"].pk
    return {
        "dossier": [
            ("dossier_request", "post", f"/ho-so/{assessment.pk}/pdf/"),
            ("job", "get", f"/pdf/{d}/"),
            ("job_download", "get", f"/pdf/{d}/tai-ve/"),
            ("job_retry", "post", f"/pdf/{d}/chay-lai/"),
        ],
        "province": [
            ("job", "get", f"/pdf/{r}/"),
            ("job_download", "get", f"/pdf/{r}/tai-ve/"),
            ("job_retry", "post", f"/pdf/{r}/chay-lai/"),
            ("report_request", "post", f"/bao-cao/{code}/2026/"),
            ("bulk_request", "post", f"/bao-cao/{code}/2026/ho-so/"),
            ("bulk", "get", f"/hang-loat/{b}/"),
            ("bulk_zip", "get", f"/hang-loat/{b}/zip/"),
        ],
        # The ministry's: the page and its report's request answer 403 to the rest, the report's job 404.
        "national_page": [
            ("national", "get", "/lanh-dao/toan-quoc/?year=2026"),
            ("national_report_request", "post", "/lanh-dao/toan-quoc/2026/pdf/"),
        ],
        "national_job": [
            ("job", "get", f"/pdf/{n}/"),
            ("job_download", "get", f"/pdf/{n}/tai-ve/"),
            ("job_retry", "post", f"/pdf/{n}/chay-lai/"),
        ],
    }


def test_every_document_url_is_covered_here(documents_made, approved):
    covered = {name for urls in requests_for(documents_made, approved).values() for name, *_ in urls}
    prefixes = ("pdf/", "hang-loat/", "bao-cao/", "lanh-dao/toan-quoc/")
    names = {p.name for p in get_resolver().url_patterns if str(p.pattern).startswith(prefixes)}
    assert names | {"dossier_request"} == covered


@pytest.mark.parametrize("outsider", ["other_ward_officer", "foreign_reviewer", "foreign_leader", "no_role"])
def test_outsiders_get_404_for_every_document(client, people, documents_made, approved, outsider):
    client.force_login(UserFactory() if outsider == "no_role" else people[outsider])
    for group, urls in requests_for(documents_made, approved).items():
        for name, method, path in urls:
            expected = 403 if group == "national_page" else 404
            assert getattr(client, method)(path).status_code == expected, (outsider, name)
    assert RenderJob.objects.filter(document=None).count() == 3  # and the approval's issued documents


EVERY_ROLE = [
    "officer",
    "head",
    "reviewer",
    "approver",
    "leader",
    "national_leader",
    "admin",
    "other_ward_officer",
    "foreign_reviewer",
    "foreign_leader",
    "no_role",
]


@pytest.mark.parametrize("who", EVERY_ROLE)
def test_the_national_page_report_and_its_job_are_the_ministrys_and_the_administrators(
    client, people, documents_made, approved, who
):
    """Every national URL for every role: a province's people (its leader too) are refused the page (403) and
    do not see the national report's job (404); the ministry's leadership and administrators get all."""
    client.force_login(UserFactory() if who == "no_role" else people[who])
    urls = requests_for(documents_made, approved)
    national = who in ("national_leader", "admin")
    for group in ("national_page", "national_job"):
        for name, method, path in urls[group]:
            code = getattr(client, method)(path).status_code
            if national:
                # The retry refuses a finished job (403 from the service, after the lookup found it).
                assert code == {"national_report_request": 302, "job_retry": 403}.get(name, 200), (who, name)
            else:
                assert code == (403 if group == "national_page" else 404), (who, name)


@pytest.mark.parametrize("ward_user", ["officer", "head"])
def test_ward_users_get_their_own_dossier_but_nothing_of_the_province(
    client, people, documents_made, approved, ward_user
):
    client.force_login(people[ward_user])
    dossier = documents_made["dossier"]
    response = client.get(f"/pdf/{dossier.pk}/tai-ve/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    for name, method, path in requests_for(documents_made, approved)["province"]:
        assert getattr(client, method)(path).status_code == 404, name
    assert client.get("/lanh-dao/").status_code == 403


@pytest.mark.parametrize("insider", ["reviewer", "approver", "leader", "national_leader"])
def test_the_province_side_gets_every_document_of_its_province(client, people, documents_made, insider):
    client.force_login(people[insider])
    for job in (documents_made["dossier"], documents_made["report"]):
        assert client.get(f"/pdf/{job.pk}/tai-ve/").status_code == 200
    assert client.get(f"/hang-loat/{documents_made['bulk'].pk}/").status_code == 200
    assert client.get("/lanh-dao/?year=2026").status_code == 200


def test_files_are_not_under_static_or_a_media_url(client, people, documents_made, settings):
    from pathlib import Path

    documents_made["dossier"].refresh_from_db()
    path = Path(documents_made["dossier"].file.path)
    assert Path(settings.MEDIA_ROOT) in path.parents
    assert Path(settings.BASE_DIR / "static") not in path.parents
    client.force_login(people["officer"])
    name = documents_made["dossier"].file.name
    for guess in (f"/{name}", f"/media/{name}", f"/static/{name}"):
        assert client.get(guess).status_code == 404


@pytest.mark.parametrize("who", ["leader", "reviewer", "national_leader", "admin"])
def test_the_province_picture_is_given_to_the_province_side_and_national_leadership(people, approved, who):
    summary = documents.province_year(province=approved.ward.province, year=2026, user=people[who])
    assert summary["assessments"] == 1 and summary["drafts"] == 0 and summary["wards"] == 1


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("foreign_leader", "nằm ngoài phạm vi"),  # may read reports, but of another province
        ("foreign_reviewer", "nằm ngoài phạm vi"),
        ("officer", "dành cho cán bộ thẩm định và lãnh đạo"),  # in the province, without the permission
        ("head", "dành cho cán bộ thẩm định và lãnh đạo"),
    ],
)
@pytest.mark.parametrize("listed", [False, True])
def test_the_province_picture_refuses_whoever_may_not_read_it_when_called_directly(
    people, approved, who, refusal, listed
):
    """Refused alike when the caller passes the provinces it read for the user (the page's list) as when the
    picture reads them itself."""
    visible = list(report_provinces(people[who])) if listed else None
    with pytest.raises(PermissionDenied) as refused:
        documents.province_year(province=approved.ward.province, year=2026, user=people[who], visible=visible)
    assert refusal in str(refused.value)
