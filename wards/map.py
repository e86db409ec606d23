"""Which administrative map a date or a year uses.

On 1 July 2025 Vietnam abolished districts and merged provinces (63 → 34) and communes and wards. Every unit
(province, ward) carries the dates it existed; a code identifies a unit only together with its period, since
the reform reused codes (the new Phường Cái Khế is 31120, An Hòa's code before). An assessment is on the map
in force on its deadline: years up to 2024 are on the old map, 2025 (due 15/11/2025) and later on the new.
"""

import datetime

from django.db.models import Q
from django.utils.translation import gettext

# The first day of the new map; the old units' last day is the day before.
REFORM_DATE = datetime.date(2025, 7, 1)
OLD_MAP_LAST_DAY = REFORM_DATE - datetime.timedelta(days=1)

# The yearly deadline (15 November, the ministry's calendar) where a province has not set its own.
DEFAULT_DEADLINE = (11, 15)


def yearly_deadline(year: int) -> datetime.date:
    """The default deadline of a year's assessments."""
    return datetime.date(year, *DEFAULT_DEADLINE)


def map_date(year: int) -> datetime.date:
    """The date whose map a year's assessments, lists and reports use: the year's deadline."""
    return yearly_deadline(year)


def on_new_map(year: int) -> bool:
    return map_date(year) >= REFORM_DATE


def in_force_on(day: datetime.date, prefix: str = "") -> Q:
    """A filter for units that exist on a day (`prefix` reaches them through a relation, e.g. "ward__")."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


def period_label(valid_from: datetime.date | None, valid_to: datetime.date | None) -> str:
    """ "01/07/2025 – nay", "… – 30/06/2025": a unit's period as the pages show it."""
    start = valid_from.strftime("%d/%m/%Y") if valid_from else "…"
    end = valid_to.strftime("%d/%m/%Y") if valid_to else gettext("nay")
    return f"{start} – {end}"
