import pytest
from django.utils import timezone

from criteria.models import Criterion
from reports import documents
from tests.factories import DistrictFactory, ProvinceFactory, UserFactory, WardFactory, fill_assessment
from wards import services


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def approved(people, assessment):
    """A complete assessment, reviewed (TC7 not met) and decided."""
    return approve(assessment, people)


def approve(assessment, people):
    fill_assessment(assessment)
    services.assessment_submit(assessment=assessment, user=people["head"])
    criteria = Criterion.objects.filter(criteria_set=assessment.criteria_set)
    verdicts = {c.pk: ("pass", "") for c in criteria}
    verdicts[criteria.get(number=7).pk] = ("fail", "Trụ sở xuống cấp, chưa đúng mẫu")
    services.verdicts_save(assessment=assessment, user=people["reviewer"], verdicts=verdicts, base={})
    services.assessment_approve(
        assessment=assessment, user=people["approver"], number="123/QĐ-CAT", decided_on=timezone.localdate()
    )
    assessment.refresh_from_db()
    return assessment


@pytest.fixture(scope="module")
def _renders():
    return {}


@pytest.fixture
def render_once(_renders, monkeypatch):
    """For modules about what happens around a render (jobs, retries, reuse, ZIPs), not about the PDF itself: a
    document is rendered once per module and its bytes reused for the same content hash, the app's own test of
    "the same document" (its data and every layout file). WeasyPrint takes seconds and would give the same file.

    The factories count from 0 again in each test, so that the same fixtures give the same names, codes and
    therefore the same document in every test of the module."""
    for factory in (ProvinceFactory, DistrictFactory, WardFactory, UserFactory):
        factory.reset_sequence()
    real = documents.render_pdf

    def render_pdf(kind, data):
        key = documents.content_hash(kind, data)
        if key not in _renders:
            _renders[key] = real(kind, data)
        return _renders[key]

    monkeypatch.setattr(documents, "render_pdf", render_pdf)
