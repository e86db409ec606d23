"""Opening a year for a province (Mở đợt đánh giá): one assessment per phường on the year's map, in one step.

Idempotent: a ward that already has the year's assessment keeps it (and what was typed in it); a second run
creates nothing and says so. The wards are those that exist on the deadline (wards.map), so 2025 and later
open on the new map; the criteria set is the one that applies to the year.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from criteria.models import CriteriaSet
from wards import access
from wards.map import map_date
from wards.models import Assessment, AuditEvent, Notification, Province, Ward
from wards.selectors import criteria_set_for_year
from wards.services.audit import audit_event
from wards.services.calendar import deadline_for
from wards.services.notifications import notify, ward_people


class YearNotOpenable(Exception):
    """The year cannot be opened for the province (nothing was written); the message says why."""


@dataclass(frozen=True)
class OpenedYear:
    province: Province
    year: int
    deadline: datetime.date
    criteria_set: CriteriaSet
    created: list[Assessment]
    already: int  # wards that had the year's assessment already

    @property
    def summary(self) -> str:
        if not self.created:
            return gettext(
                "Đợt đánh giá năm %(year)s của %(province)s đã được mở trước đó: không tạo thêm hồ sơ nào "
                "(%(already)s phường đã có hồ sơ)."
            ) % {"year": self.year, "province": self.province, "already": self.already}
        text = gettext(
            "Đã mở đợt đánh giá năm %(year)s của %(province)s: tạo %(created)s hồ sơ (hạn nộp %(deadline)s, "
            "bộ tiêu chí %(set)s); %(already)s phường đã có hồ sơ từ trước."
        ) % {
            "year": self.year,
            "province": self.province,
            "created": len(self.created),
            "deadline": self.deadline.strftime("%d/%m/%Y"),
            "set": self.criteria_set.code,
            "already": self.already,
        }
        if self.deadline < timezone.localdate():
            text += " " + gettext(
                "Lưu ý: hạn nộp đã qua, phường chỉ gửi được khi được gia hạn; có thể đặt lại hạn nộp trong lịch "
                "báo cáo (các hồ sơ đang soạn sẽ theo hạn mới)."
            )
        return text


def province_on_map(code: str, year: int) -> Province:
    """The province with this code on the year's map (92 in 2024: the old Cần Thơ; in 2027: the new city)."""
    day = map_date(year)
    province = Province.objects.on_map(year).filter(code=code).first()
    if province is None:
        raise YearNotOpenable(
            gettext("Không có tỉnh/thành phố mã %(code)s vào ngày %(day)s.")
            % {"code": code, "day": day.strftime("%d/%m/%Y")}
        )
    return province


def open_year(*, province: Province, year: int, user, deadline: datetime.date | None = None) -> OpenedYear:
    """Create the year's assessment of every phường of the province that exists on the deadline, audited, and
    notify the wards' people. Refuses a year without an applicable criteria set, and a province that does not
    exist on the deadline."""
    access.require_province(user, access.Action.MANAGE_ROUNDS, province)
    # What is stored (audit entries, notifications) is in the site's language, whatever the admin reads.
    with translation.override(settings.LANGUAGE_CODE):
        return _open_year(province, year, user, deadline)


def _open_year(province, year, user, deadline) -> OpenedYear:
    deadline = deadline or deadline_for(province, year)
    criteria_set = criteria_set_for_year(year)
    if criteria_set is None:
        raise YearNotOpenable(gettext("Chưa có bộ tiêu chí nào áp dụng cho năm %(year)s.") % {"year": year})
    if not province.exists_on(deadline):
        raise YearNotOpenable(
            gettext("%(province)s không tồn tại vào ngày %(day)s (hạn nộp năm %(year)s): đơn vị tồn tại %(period)s.")
            % {
                "province": province,
                "day": deadline.strftime("%d/%m/%Y"),
                "year": year,
                "period": province.period_label,
            }
        )
    wards = list(Ward.objects.on(deadline).filter(province=province, kind=Ward.Kind.WARD).order_by("name", "pk"))
    with transaction.atomic():
        # One opening of a province at a time: a double click waits for the first, then creates nothing.
        Province.objects.select_for_update().filter(pk=province.pk).first()
        had = set(Assessment.objects.filter(ward__in=wards, year=year).values_list("ward_id", flat=True))
        created = Assessment.objects.bulk_create(
            Assessment(ward=w, year=year, criteria_set=criteria_set, deadline=deadline)
            for w in wards
            if w.pk not in had
        )
        target = gettext("Đợt đánh giá năm %(year)s") % {"year": year}
        opened = gettext("Mở đợt đánh giá (hạn nộp %(deadline)s)") % {"deadline": deadline.strftime("%d/%m/%Y")}
        AuditEvent.objects.bulk_create(
            audit_event(a, user, AuditEvent.Action.OPENED, target, "", opened) for a in created
        )
        for assessment in created:
            notify(users=ward_people(assessment.ward_id), assessment=assessment, kind=Notification.Kind.OPENED)
    return OpenedYear(province, year, deadline, criteria_set, created, len(had))
