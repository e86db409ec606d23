"""The parts written in Python (wards/views/criterion_html.py) escape every text as the templates did, the codes
and names an administrator or a ward typed included."""

import pytest

from criteria.models import Indicator
from tests.factories import EvidenceFileFactory

pytestmark = pytest.mark.django_db

HOSTILE = '<img src=x onerror="alert(1)">'


def test_texts_codes_and_file_names_are_escaped_on_both_pages(client, people, assessment, criteria_set):
    indicator = Indicator.objects.get(criteria_set=criteria_set, code="1.1")
    indicator.code = '1"x><b>'
    indicator.text = HOSTILE
    indicator.save()
    EvidenceFileFactory(
        assessment=assessment,
        criterion=indicator.criterion,
        original_name=HOSTILE + ".pdf",
        uploaded_by=people["officer"],
    )

    client.force_login(people["officer"])
    page = client.get(f"/ho-so/{assessment.pk}/").content.decode()
    client.force_login(people["reviewer"])
    review = client.get(f"/ho-so/{assessment.pk}/tham-dinh/").content.decode()

    for html in (page, review):
        assert HOSTILE not in html and "<b>" not in html
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert 'id="ind-1&quot;x&gt;&lt;b&gt;"' in page
    assert 'for="id_ind-1&quot;x&gt;&lt;b&gt;-yes"' in page
    assert "«&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.pdf»" in page  # the delete button's confirmation
