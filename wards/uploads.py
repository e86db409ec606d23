"""Guards on uploaded files: their size, before the body is read, and ZIP archives, before they are opened.

A multipart body is refused by `UploadLimitHandler` (first in FILE_UPLOAD_HANDLERS) from its Content-Length,
before any of it is written to memory or a temporary file, and reading stops at the limit whatever the
header said. The view finds the refusal with `refusal()` and shows it at the file field.

Office files (XLSX, DOCX) are ZIP archives: `check_archive` reads only the ZIP directory and refuses a
total uncompressed size or a compression ratio that only a ZIP bomb has, before openpyxl or anyone
decompresses a byte.
"""

import contextlib
import math
import zipfile
from collections.abc import Callable
from fractions import Fraction
from typing import BinaryIO

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from criteria.scoring import format_number

MB = 1024 * 1024
# The multipart envelope around a file (boundaries, part headers, the CSRF token) is a few hundred bytes;
# a body longer than the limit by more than this cannot hold a file within the limit.
ENVELOPE_BYTES = 64 * 1024
# A member this small cannot hurt, whatever its ratio (small XML parts of honest files can compress very well).
RATIO_FLOOR_BYTES = 1 * MB


def size_text(size: int) -> str:
    """Bytes as Vietnamese megabytes, rounded up to two decimals: a file just over a limit never reads as on it."""
    return format_number(Fraction(math.ceil(Fraction(size * 100, MB)), 100))


def too_large_message(name: str, size: int | None, limit: int, *, approximate: bool = False) -> str:
    """The refusal of a file over `limit`; its size when known (`approximate`: read from the request's length)."""
    if size is None:
        return _("Tệp «%(name)s» vượt giới hạn %(limit)s MB.") % {"name": name, "limit": size_text(limit)}
    return _too_large(name, _("khoảng %(size)s") % {"size": size_text(size)} if approximate else size_text(size), limit)


def too_large_template(limit: int) -> str:
    """The same message for the browser, which refuses a file before sending it: {name} and {size} to fill."""
    return _too_large("{name}", "{size}", limit)


def _too_large(name: str, size: str, limit: int) -> str:
    return _("Tệp «%(name)s» dung lượng %(size)s MB, vượt giới hạn %(limit)s MB.") % {
        "name": name,
        "size": size,
        "limit": size_text(limit),
    }


# --- ZIP archives -----------------------------------------------------------------------------------


class UnsafeArchive(Exception):
    """A ZIP whose directory promises more than an honest Office file holds; the message is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_archive(archive: zipfile.ZipFile, *, name: str) -> None:
    """Refuse, from the ZIP directory alone, an archive too large once unpacked or compressed like a bomb.

    Python's zipfile never yields more than a member's declared size (and fails its CRC if the data
    would run on), so the declared sizes bound what opening the archive can cost.
    """
    limit, max_ratio = settings.ZIP_MAX_UNCOMPRESSED_BYTES, settings.ZIP_MAX_RATIO
    total = 0
    for member in archive.infolist():
        total += member.file_size
        if total > limit:
            raise UnsafeArchive(
                _(
                    "Tệp «%(name)s» khi giải nén lớn hơn %(limit)s MB (giới hạn cho tệp Office), có thể là tệp nén độc hại. Hãy mở tệp, lưu lại thành tệp mới rồi tải lên."
                )
                % {"name": name, "limit": size_text(limit)}
            )
        if member.file_size > RATIO_FLOOR_BYTES and member.file_size > max_ratio * max(member.compress_size, 1):
            ratio = member.file_size // max(member.compress_size, 1)
            raise UnsafeArchive(
                _(
                    "Tệp «%(name)s» có phần «%(filename)s» nén %(ratio)s lần (tối đa %(max_ratio)s lần), có thể là tệp nén độc hại. Hãy mở tệp, lưu lại thành tệp mới rồi tải lên."
                )
                % {
                    "name": name,
                    "filename": member.filename[:100],
                    "ratio": format_number(ratio),
                    "max_ratio": format_number(max_ratio),
                }
            )


def open_archive(stream: BinaryIO, *, name: str) -> zipfile.ZipFile:
    """The ZIP directory of an upload, checked by check_archive; raises zipfile.BadZipFile for a non-ZIP."""
    archive = zipfile.ZipFile(stream)
    try:
        check_archive(archive, name=name)
    except UnsafeArchive:
        archive.close()
        raise
    return archive


class NotAWorkbook(Exception):
    """An upload that openpyxl cannot read as an .xlsx workbook (another kind of file, or a damaged one)."""


def open_workbook(upload, *, max_bytes: int):
    """The workbook of an uploaded .xlsx, read with its cached values once its size and ZIP directory are
    checked: raises UnsafeArchive (its message for the user) for a file over `max_bytes` or a ZIP bomb, before
    openpyxl unpacks anything, and NotAWorkbook for a file that is no workbook."""
    if upload.size > max_bytes:
        raise UnsafeArchive(too_large_message(upload.name, upload.size, max_bytes))
    # Not a ZIP at all: load_workbook below says what it is not.
    with contextlib.suppress(zipfile.BadZipFile, OSError, ValueError):
        open_archive(upload, name=upload.name).close()
    upload.seek(0)
    try:
        return load_workbook(upload, data_only=True)
    except Exception:  # not an xlsx, or a damaged one (bad zip, broken XML, …)
        raise NotAWorkbook(upload.name) from None


# --- Request bodies ---------------------------------------------------------------------------------

REFUSALS = "_upload_refusals"  # request attribute: field name → the Vietnamese message


def upload_limit(setting: str) -> Callable:
    """Declare the view's largest accepted file by the name of the setting that holds it (read per request)."""

    def decorate(view):
        view.upload_limit_setting = setting
        return view

    return decorate


def _limit_for(request) -> int:
    match = getattr(request, "resolver_match", None)
    setting = getattr(getattr(match, "func", None), "upload_limit_setting", None)
    if setting:
        return getattr(settings, setting)
    # A view that declares nothing accepts no file larger than the largest any view accepts.
    return max(settings.EVIDENCE_MAX_BYTES, settings.EXCEL_MAX_BYTES)


def refusal(request, field: str) -> str:
    """The message for a file refused at `field` while the body was read, or ""."""
    return getattr(request, REFUSALS, {}).get(field, "")


class UploadLimitHandler(FileUploadHandler):
    """Refuses a file over the view's limit: from Content-Length before reading it, else at the limit.

    Parsing stops there (StopUpload with connection_reset: the rest of the body is not read); the fields
    before the file, among them the CSRF token, are kept so the view can answer with its form.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.limit = _limit_for(self.request)
        self.body_length = content_length
        return None

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        if self.body_length > self.limit + ENVELOPE_BYTES:
            self._refuse(too_large_message(file_name, self.body_length, self.limit, approximate=True))

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self._refuse(too_large_message(self.file_name, None, self.limit))
        return raw_data

    def file_complete(self, file_size):
        return None

    def _refuse(self, message: str):
        refusals = getattr(self.request, REFUSALS, {})
        refusals[self.field_name] = message
        setattr(self.request, REFUSALS, refusals)
        raise StopUpload(connection_reset=True)
