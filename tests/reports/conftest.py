import pytest
from django.utils import timezone

from criteria.models import Criterion
from tests.factories import fill_assessment
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
