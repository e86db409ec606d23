"""What the province lists written in Python (the queue, the reviewer's home, the leadership page) write on every
row alike, in the reader's language and escaped as the templates escaped it: made once a page, not once a row."""

from django.utils.translation import gettext as _

from wards.models import Assessment
from wards.widgets import escaped, shown


class ListTexts:
    def __init__(self):
        self.status = {value: escaped(label) for value, label in Assessment.Status.choices}  # status → its label
        self._met = _("đạt %(passed)s/%(criteria)s")

    def met(self, score) -> str:
        """ "đạt 21/22": the criteria a stored result meets."""
        return self._met % {"passed": shown(score.passed), "criteria": shown(score.total)}


def district_name(ward) -> str:
    """`{{ ward.district.name|default:"—" }}` (the ward's district read with it)."""
    return escaped(ward.district.name) if ward.district_id and ward.district.name else "—"
