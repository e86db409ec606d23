"""A province's people (người dùng của tỉnh): who they are, their import from Excel, invitations to set their
own password, deactivation and reactivation. Every change checks wards.access (MANAGE_PEOPLE, in the
province) and is audited in PeopleEvent, in the site's language.

Nobody is given a password: a new user gets an unusable one and an invitation, e-mailed by the worker with a
one-time link (Django's password-reset token, with a salt of its own) that stops working once the password is
set, or after PASSWORD_RESET_TIMEOUT. Users are never deleted; a deactivated one cannot log in and keeps
everything they did.
"""

import logging
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext

from wards import access, people_sheet, uploads
from wards.collation import sort_key
from wards.models import Invitation, Membership, PeopleEvent, Province, Ward
from wards.parsing import person as person_name
from wards.selectors import membership_of, people_of_province
from wards.services.notifications import queue_or_leave_for_the_sweep

logger = logging.getLogger(__name__)
Role = Membership.Role

# What each role is scoped to in the sheet: a ward of the province, the province itself, or nothing (national).
WARD, PROVINCE, NATIONAL = "ward", "province", "national"
SCOPE_OF_ROLE = {
    Role.WARD_OFFICER: WARD,
    Role.WARD_HEAD: WARD,
    Role.REVIEWER: PROVINCE,
    Role.APPROVER: PROVINCE,
    Role.LEADERSHIP: PROVINCE,
    Role.PROVINCE_ADMIN: PROVINCE,
    Role.ADMIN: NATIONAL,
}


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Django's password-reset tokens, under a salt of their own: an invitation link is not a reset link."""

    key_salt = "wards.services.people.InvitationTokenGenerator"


invitation_tokens = InvitationTokenGenerator()


class PeopleRefused(Exception):
    """A change to a province's people that was refused (nothing was written); the message says why."""

    def __init__(self, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


# --- Who they are ------------------------------------------------------------------------------------


def accepted(user) -> bool:
    """Whether the user has taken up their account: set a password of their own and logged in."""
    return user.has_usable_password() and user.last_login is not None


@dataclass(frozen=True)
class PersonRow:
    user: object
    membership: Membership
    invited_at: object  # the latest invitation's time, or None
    accepted: bool

    @property
    def name(self) -> str:
        return person_name(self.user)

    @property
    def scope(self):
        return self.membership.ward or self.membership.province

    @property
    def pending(self) -> bool:
        return self.user.is_active and not self.accepted


STATUSES = ("cho-nhan", "da-nhan", "ngung")


@dataclass(frozen=True)
class Directory:
    """The province's people for its page, with the counts that make who has not accepted visible at once."""

    rows: list[PersonRow]
    total: int
    pending: int
    accepted: int
    inactive: int


def directory(*, province: Province, status: str = "") -> Directory:
    """The province's people (people_of_province), province roles first, then by ward and name, with their
    invitation's state; `status` keeps those not yet accepted ("cho-nhan"), accepted ("da-nhan") or
    deactivated ("ngung"). Two queries, whatever the number of people."""
    users = list(people_of_province(province))
    latest = dict(
        Invitation.objects.filter(user__in=people_of_province(province).values("pk"))
        .order_by()
        .values("user")
        .annotate(at=Max("created_at"))
        .values_list("user", "at")
    )
    rows = [PersonRow(u, u.membership, latest.get(u.pk), accepted(u)) for u in users]
    rows.sort(
        key=lambda r: (
            r.membership.ward_id is not None,
            sort_key(r.membership.ward.name) if r.membership.ward else (),
            sort_key(r.name),
        )
    )
    counts = {
        "total": len(rows),
        "pending": sum(r.pending for r in rows),
        "accepted": sum(r.accepted and r.user.is_active for r in rows),
        "inactive": sum(not r.user.is_active for r in rows),
    }
    keep = {
        "cho-nhan": lambda r: r.pending,
        "da-nhan": lambda r: r.accepted and r.user.is_active,
        "ngung": lambda r: not r.user.is_active,
    }.get(status)
    return Directory(rows=[r for r in rows if keep(r)] if keep else rows, **counts)


# --- The sheet ---------------------------------------------------------------------------------------


def grantable_roles(user) -> list[str]:
    """The roles the user may give in a province's sheet: a province's administrator gives the province's and
    its wards' roles, the national administrator also the national administrator's."""
    roles = [r for r in Role.values if SCOPE_OF_ROLE[r] != NATIONAL]
    if access.role_of(user) == Role.ADMIN:
        roles.append(Role.ADMIN)
    return roles


def _role_label(role) -> str:
    return str(Role(role).label)


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def template_for(*, province: Province, user) -> bytes:
    """The people workbook of the province, prefilled with its people who have an e-mail and a ward on today's
    map (download, change, upload again)."""
    access.require_province(user, access.Action.MANAGE_PEOPLE, province)
    # The workbook is Vietnamese whoever downloads it: its role names are what the import reads back.
    with translation.override(settings.LANGUAGE_CODE):
        roles = [
            (_role_label(r), people_sheet.NEEDS[SCOPE_OF_ROLE[r]].format(code=province.code))
            for r in grantable_roles(user)
        ]
        wards = [(w.code, w.name) for w in _current_wards(province)]
        people = [
            people_sheet.Person(
                name=row.name,
                email=row.user.email,
                role=_role_label(row.membership.role),
                ward_code=row.membership.ward.code if row.membership.ward else "",
                province_code=province.code if row.membership.province_id else "",
            )
            for row in directory(province=province).rows
            # Who is not listed is left alone by the import. A row without an e-mail could not be imported
            # back, and the code of a ward that has ended may be today's code of another one (An Hòa's 31120 is
            # the new Cái Khế's): imported back, it would move the person without anyone choosing it.
            if row.user.email and not (row.membership.ward and row.membership.ward.ended)
        ]
        return people_sheet.build_template(province=province, roles=roles, wards=wards, people=people)


def _current_wards(province: Province):
    wards = Ward.objects.current().filter(province=province, kind=Ward.Kind.WARD)
    return sorted(wards, key=lambda w: sort_key(w.name))


@dataclass
class _Plan:
    row: people_sheet.Row
    email: str
    role: str
    ward: Ward | None
    user: object = None  # the existing user of that e-mail, or None for a new one


@dataclass(frozen=True)
class Imported:
    created: int
    updated: int
    unchanged: int

    @property
    def summary(self) -> str:
        return gettext(
            "Đã nhập danh sách người dùng: %(created)s người mới (đã gửi lời mời), %(updated)s người được cập "
            "nhật, %(unchanged)s người giữ nguyên."
        ) % {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class _Checker:
    province: Province
    user: object
    errors: list[str] = field(default_factory=list)

    def error(self, row: people_sheet.Row, column: str, message: str) -> None:
        self.errors.append(
            gettext("Dòng %(row)s, cột «%(column)s»: %(message)s")
            % {"row": row.number, "column": column, "message": message}
        )


def _check_rows(checker: _Checker, rows: list[people_sheet.Row]) -> list[_Plan]:
    """What each row asks for, or the errors at its cells (in checker.errors)."""
    grantable = grantable_roles(checker.user)
    with translation.override(settings.LANGUAGE_CODE):
        by_label = {_key(_role_label(r)): r for r in Role.values}
    by_label |= {_key(r): r for r in Role.values}
    codes = {r.ward_code for r in rows if r.ward_code}
    current = {w.code: w for w in Ward.objects.current().filter(code__in=codes).select_related("province")}
    former = {}
    for ward in Ward.objects.filter(code__in=codes - current.keys()).order_by("valid_to"):
        former[ward.code] = ward  # the one that ended last
    seen: dict[str, int] = {}
    plans = []
    for row in rows:
        before = len(checker.errors)
        if not row.name:
            checker.error(row, people_sheet.NAME, gettext("chưa điền họ và tên."))
        elif len(row.name) > 150:
            checker.error(row, people_sheet.NAME, gettext("họ và tên dài quá 150 ký tự."))
        email = row.email.lower()
        if not email:
            checker.error(row, people_sheet.EMAIL, gettext("chưa điền e-mail."))
        else:
            try:
                validate_email(email)
            except ValidationError:
                checker.error(
                    row,
                    people_sheet.EMAIL,
                    gettext("«%(email)s» không phải địa chỉ e-mail hợp lệ.") % {"email": row.email},
                )
            else:
                if email in seen:
                    checker.error(
                        row,
                        people_sheet.EMAIL,
                        gettext("e-mail «%(email)s» trùng với dòng %(other)s.")
                        % {"email": row.email, "other": seen[email]},
                    )
                else:
                    seen[email] = row.number
        role = by_label.get(_key(row.role)) if row.role else None
        ward = None
        if not row.role:
            checker.error(row, people_sheet.ROLE, gettext("chưa điền vai trò."))
        elif role is None:
            checker.error(
                row,
                people_sheet.ROLE,
                gettext("không có vai trò «%(role)s». Hãy chọn một vai trò trong trang «%(sheet)s».")
                % {"role": row.role, "sheet": people_sheet.LISTS_SHEET},
            )
        elif role not in grantable:
            checker.error(
                row,
                people_sheet.ROLE,
                gettext("bạn không được cấp vai trò «%(role)s».") % {"role": Role(role).label},
            )
        else:
            ward = _check_scope(checker, row, role, current, former)
        if len(checker.errors) == before:
            plans.append(_Plan(row=row, email=email, role=role, ward=ward))
    return plans


def _check_scope(checker: _Checker, row, role, current: dict, former: dict) -> Ward | None:
    """The row's ward for a ward role (on today's map, in the province), its province code for a province role."""
    province, label = checker.province, Role(role).label
    scope = SCOPE_OF_ROLE[role]
    if scope == WARD:
        if row.province_code and row.province_code != province.code:
            checker.error(
                row,
                people_sheet.PROVINCE,
                gettext(
                    "vai trò «%(role)s» là của một phường thuộc %(province)s (mã %(code)s): để trống hoặc ghi %(code)s."
                )
                % {"role": label, "province": province, "code": province.code},
            )
        if not row.ward_code:
            checker.error(row, people_sheet.WARD, gettext("vai trò «%(role)s» cần mã phường.") % {"role": label})
            return None
        ward = current.get(row.ward_code)
        if ward is None:
            ended = former.get(row.ward_code)
            if ended is not None and ended.valid_to:
                message = gettext(
                    "mã %(code)s là của %(ward)s, không còn trên bản đồ hiện nay (đến %(until)s). Hãy dùng mã của "
                    "phường hiện nay, trong trang «%(sheet)s»."
                ) % {
                    "code": row.ward_code,
                    "ward": ended,
                    "until": ended.valid_to.strftime("%d/%m/%Y"),
                    "sheet": people_sheet.LISTS_SHEET,
                }
            else:
                message = gettext(
                    "không có phường nào mã %(code)s trên bản đồ hiện nay. Các mã phường của tỉnh ở trang «%(sheet)s»."
                ) % {"code": row.ward_code, "sheet": people_sheet.LISTS_SHEET}
            checker.error(row, people_sheet.WARD, message)
            return None
        if ward.province_id != province.pk:
            checker.error(
                row,
                people_sheet.WARD,
                gettext("mã %(code)s là của %(ward)s thuộc %(other)s, không thuộc %(province)s.")
                % {"code": row.ward_code, "ward": ward, "other": ward.province, "province": province},
            )
            return None
        if ward.kind != Ward.Kind.WARD:
            checker.error(
                row,
                people_sheet.WARD,
                gettext("mã %(code)s là của %(ward)s, không phải một phường.") % {"code": row.ward_code, "ward": ward},
            )
            return None
        return ward
    if row.ward_code:
        checker.error(
            row,
            people_sheet.WARD,
            gettext("vai trò «%(role)s» không gắn với phường: để trống cột này.") % {"role": label},
        )
    if scope == PROVINCE:
        if not row.province_code:
            checker.error(
                row,
                people_sheet.PROVINCE,
                gettext("vai trò «%(role)s» cần mã tỉnh (%(province)s: %(code)s).")
                % {"role": label, "province": province, "code": province.code},
            )
        elif row.province_code != province.code:
            checker.error(
                row,
                people_sheet.PROVINCE,
                gettext(
                    "mã tỉnh %(given)s không phải của %(province)s (%(code)s): danh sách này chỉ cấp vai trò trong tỉnh này."
                )
                % {"given": row.province_code, "province": province, "code": province.code},
            )
    elif row.province_code:
        checker.error(
            row,
            people_sheet.PROVINCE,
            gettext("vai trò «%(role)s» là của toàn quốc: để trống cột này.") % {"role": label},
        )
    return None


def _match_users(checker: _Checker, plans: list[_Plan]) -> None:
    """Find the existing user of each e-mail (case-insensitively); refuse those the importer may not change."""
    User = get_user_model()
    emails = [p.email for p in plans]
    existing: dict[str, list] = {}
    for user in (
        User.objects.annotate(email_key=Lower("email"))
        .filter(email_key__in=emails)
        .select_related("membership__ward", "membership__province")
    ):
        existing.setdefault(user.email_key, []).append(user)
    taken = set(
        User.objects.annotate(name_key=Lower("username")).filter(name_key__in=emails).values_list("name_key", flat=True)
    )
    national = access.role_of(checker.user) == Role.ADMIN
    mine = set(people_of_province(checker.province).values_list("pk", flat=True))
    for plan in plans:
        found = existing.get(plan.email, [])
        if len(found) > 1:
            checker.error(
                plan.row,
                people_sheet.EMAIL,
                gettext("có %(n)s tài khoản cùng e-mail «%(email)s»; quản trị toàn quốc cần gộp chúng trước.")
                % {"n": len(found), "email": plan.row.email},
            )
            continue
        if not found:
            if plan.email in taken:
                checker.error(
                    plan.row,
                    people_sheet.EMAIL,
                    gettext("tên đăng nhập «%(email)s» đã là của một người dùng khác.") % {"email": plan.email},
                )
            continue
        user = found[0]
        membership = membership_of(user)
        outside = user.is_superuser or (
            not national and (user.is_staff or (membership is not None and user.pk not in mine))
        )
        if outside:
            checker.error(
                plan.row,
                people_sheet.EMAIL,
                gettext("e-mail «%(email)s» là của một người dùng ngoài %(province)s, không sửa được ở đây.")
                % {"email": plan.row.email, "province": checker.province},
            )
            continue
        if user.pk == checker.user.pk and (
            membership is None or (membership.role, membership.ward_id) != (plan.role, getattr(plan.ward, "pk", None))
        ):
            checker.error(plan.row, people_sheet.ROLE, gettext("bạn không tự đổi vai trò hay phạm vi của mình được."))
            continue
        plan.user = user


def _split_name(full: str) -> tuple[str, str]:
    """(last_name, first_name): the family and middle names, and the given name (the last word)."""
    last, _, first = full.rpartition(" ")
    return last, first


def _scope_label(role, ward, province) -> str:
    if ward is not None:
        return str(ward)
    return str(province) if SCOPE_OF_ROLE[role] == PROVINCE else gettext("Toàn quốc")


def people_import(*, province: Province, user, upload, site: str) -> Imported:
    """Create or update the province's people from a filled people workbook, in one transaction, and invite
    every new one; audited. Refuses (PeopleRefused, changing nothing) a file that is not such a workbook, and
    any error in any row, every one of them listed by row and column."""
    access.require_province(user, access.Action.MANAGE_PEOPLE, province)
    try:
        wb = uploads.open_workbook(upload, max_bytes=settings.EXCEL_MAX_BYTES)
        rows = people_sheet.read_rows(wb)
    except uploads.UnsafeArchive as exc:
        raise PeopleRefused(exc.message) from None
    except (uploads.NotAWorkbook, people_sheet.NotPeopleSheet):
        raise PeopleRefused(
            gettext(
                "Tệp «%(name)s» không phải danh sách người dùng: không tìm thấy dòng tiêu đề «%(columns)s». "
                "Hãy tải mẫu Excel, điền rồi tải lên."
            )
            % {"name": upload.name, "columns": ", ".join(t for t, _ in people_sheet.COLUMNS)}
        ) from None
    if not rows:
        raise PeopleRefused(gettext("Tệp «%(name)s» chưa có người nào.") % {"name": upload.name})
    checker = _Checker(province=province, user=user)
    plans = _check_rows(checker, rows)
    _match_users(checker, plans)
    if checker.errors:
        raise PeopleRefused(
            gettext("Tệp «%(name)s» có %(n)s lỗi; chưa thay đổi gì. Hãy sửa các dòng dưới đây rồi tải lên lại.")
            % {"name": upload.name, "n": len(checker.errors)},
            checker.errors,
        )
    try:
        with transaction.atomic():
            return _apply(province=province, user=user, plans=plans, file_name=upload.name, site=site)
    except IntegrityError:
        # Someone created one of these users between the check and the write: nothing was written.
        raise PeopleRefused(
            gettext("Một số người trong tệp vừa được tạo bởi người khác; chưa thay đổi gì. Hãy tải lên lại.")
        ) from None


def _apply(*, province, user, plans: list[_Plan], file_name: str, site: str) -> Imported:
    User = get_user_model()
    created, updated, unchanged, lines = [], 0, 0, []
    with translation.override(settings.LANGUAGE_CODE):  # the audit's text is stored in the site's language
        for plan in plans:
            last, first = _split_name(plan.row.name)
            scoped = province if SCOPE_OF_ROLE[plan.role] == PROVINCE else None
            role_text = f"{Role(plan.role).label}, {_scope_label(plan.role, plan.ward, province)}"
            if plan.user is None:
                person = User(username=plan.email, email=plan.email, first_name=first, last_name=last)
                person.set_unusable_password()
                person.save()
                Membership.objects.create(user=person, role=plan.role, ward=plan.ward, province=scoped)
                created.append(person)
                lines.append(
                    gettext("Tạo mới: %(name)s <%(email)s> — %(role)s")
                    % {"name": plan.row.name, "email": plan.email, "role": role_text}
                )
                continue
            person, changes = plan.user, []
            if (person.last_name, person.first_name) != (last, first):
                changes.append(gettext("họ tên %(old)s → %(new)s") % {"old": person_name(person), "new": plan.row.name})
                person.last_name, person.first_name = last, first
                person.save(update_fields=["last_name", "first_name"])
            membership = membership_of(person)
            if membership is None:
                Membership.objects.create(user=person, role=plan.role, ward=plan.ward, province=scoped)
                changes.append(gettext("vai trò: %(new)s") % {"new": role_text})
            elif (membership.role, membership.ward_id, membership.province_id) != (
                plan.role,
                getattr(plan.ward, "pk", None),
                getattr(scoped, "pk", None),
            ):
                old = f"{membership.get_role_display()}, {membership.scope_label}"
                membership.role, membership.ward, membership.province = plan.role, plan.ward, scoped
                membership.save()
                changes.append(gettext("vai trò %(old)s → %(new)s") % {"old": old, "new": role_text})
            if changes:
                updated += 1
                lines.append(
                    gettext("Cập nhật: %(name)s <%(email)s>: %(changes)s")
                    % {"name": plan.row.name, "email": plan.email, "changes": "; ".join(changes)}
                )
            else:
                unchanged += 1
        PeopleEvent.objects.create(
            province=province,
            actor=user,
            kind=PeopleEvent.Kind.IMPORT,
            file_name=file_name[:255],
            created=len(created),
            updated=updated,
            detail="\n".join(lines),
        )
    _invite(users=created, invited_by=user, site=site)
    return Imported(created=len(created), updated=updated, unchanged=unchanged)


# --- Invitations -------------------------------------------------------------------------------------


def _invite(*, users, invited_by, site: str) -> list[Invitation]:
    invitations = Invitation.objects.bulk_create(Invitation(user=u, invited_by=invited_by, site=site) for u in users)
    ids = [i.pk for i in invitations if i.pk]
    if ids:
        transaction.on_commit(lambda: enqueue_invitations(ids))
    return invitations


def enqueue_invitations(ids: list[int]) -> None:
    """Queue the invitations' e-mails; when the broker is down the periodic sweep sends them later."""
    from wards.tasks import send_invitation_emails

    queue_or_leave_for_the_sweep(send_invitation_emails, ids, "invitation")


def invitation_resend(*, province: Province, person, user, site: str) -> Invitation:
    """Invite again someone who has not accepted; the links sent before stop working. Refuses someone who has
    accepted, is deactivated or has no e-mail; audited."""
    access.require_province(user, access.Action.MANAGE_PEOPLE, province)
    if not person.is_active:
        raise PeopleRefused(
            gettext("%(name)s đã ngừng hoạt động: hãy cho hoạt động lại trước.") % {"name": person_name(person)}
        )
    if accepted(person):
        raise PeopleRefused(
            gettext("%(name)s đã nhận lời mời và đăng nhập; nếu quên mật khẩu, họ tự đặt lại ở trang đăng nhập.")
            % {"name": person_name(person)}
        )
    if not person.email:
        raise PeopleRefused(gettext("%(name)s chưa có e-mail.") % {"name": person_name(person)})
    with transaction.atomic():
        if not person.has_usable_password():
            person.set_unusable_password()  # a new random one: the tokens made from the old one stop working
            person.save(update_fields=["password"])
        [invitation] = _invite(users=[person], invited_by=user, site=site)
        _event(province, user, PeopleEvent.Kind.INVITE, person)
    return invitation


def _event(province, user, kind, person) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        PeopleEvent.objects.create(
            province=province,
            actor=user,
            kind=kind,
            person=person,
            detail=f"{person_name(person)} <{person.email}>",
        )


def invitation_send(invitation: Invitation) -> bool:
    """E-mail the invitation with a fresh one-time link; nothing for someone deactivated or who has accepted
    since. Returns whether an e-mail went."""
    person = invitation.user
    if not person.is_active or accepted(person) or not person.email:
        return False
    membership = membership_of(person)
    context = {
        "user": person,
        "site": invitation.site.rstrip("/"),
        "uid": urlsafe_base64_encode(force_bytes(person.pk)),
        "token": invitation_tokens.make_token(person),
        "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        "invited_by": person_name(invitation.invited_by),
        "membership": membership,
    }
    with translation.override(settings.LANGUAGE_CODE):  # sent in the site's language, whoever invited
        subject = " ".join(render_to_string("registration/invitation_subject.txt", context).split())
        body = render_to_string("registration/invitation_email.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])
    return True


# --- Deactivation ------------------------------------------------------------------------------------


def person_set_active(*, province: Province, person, user, active: bool) -> bool:
    """Deactivate someone (they can no longer log in; nothing of theirs is deleted) or reactivate them;
    audited. Refuses to deactivate oneself. Returns whether anything changed."""
    access.require_province(user, access.Action.MANAGE_PEOPLE, province)
    if not active and person.pk == user.pk:
        raise PeopleRefused(gettext("Bạn không tự ngừng hoạt động tài khoản của mình được."))
    if person.is_superuser:
        raise PermissionDenied(gettext("Tài khoản quản trị hệ thống chỉ sửa được trong trang quản trị."))
    with transaction.atomic():
        changed = type(person).objects.filter(pk=person.pk, is_active=not active).update(is_active=active)
        if changed:
            person.is_active = active
            _event(province, user, PeopleEvent.Kind.REACTIVATE if active else PeopleEvent.Kind.DEACTIVATE, person)
    return bool(changed)


def recent_events(*, province: Province, limit: int = 10) -> list[PeopleEvent]:
    """The province's latest changes to its people, for its page."""
    return list(
        PeopleEvent.objects.filter(province=province).select_related("actor", "person").order_by("-at", "-pk")[:limit]
    )
