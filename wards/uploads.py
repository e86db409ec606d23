"""Guards on uploaded files: their size, and ZIP archives, before they are opened.

Office files (XLSX, DOCX) are ZIP archives: `check_archive` reads only the ZIP directory and refuses a
total uncompressed size or a compression ratio that only a ZIP bomb has, before openpyxl or anyone
decompresses a byte.
"""

import math
import zipfile
from fractions import Fraction
from typing import BinaryIO

from django.conf import settings

from criteria.scoring import format_number

MB = 1024 * 1024
# A member this small cannot hurt, whatever its ratio (small XML parts of honest files can compress very well).
RATIO_FLOOR_BYTES = 1 * MB


def size_text(size: int) -> str:
    """Bytes as Vietnamese megabytes, rounded up to two decimals: a file just over a limit never reads as on it."""
    return format_number(Fraction(math.ceil(Fraction(size * 100, MB)), 100))


def too_large_message(name: str, size: int | None, limit: int, *, approximate: bool = False) -> str:
    """The refusal of a file over `limit`; its size when known (`approximate`: read from the request's length)."""
    if size is None:
        return f"Tệp «{name}» vượt giới hạn {size_text(limit)} MB."
    about = "khoảng " if approximate else ""
    return f"Tệp «{name}» dung lượng {about}{size_text(size)} MB, vượt giới hạn {size_text(limit)} MB."


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
                f"Tệp «{name}» khi giải nén lớn hơn {size_text(limit)} MB (giới hạn cho tệp Office), có thể là "
                "tệp nén độc hại. Hãy mở tệp, lưu lại thành tệp mới rồi tải lên."
            )
        if member.file_size > RATIO_FLOOR_BYTES and member.file_size > max_ratio * max(member.compress_size, 1):
            ratio = member.file_size // max(member.compress_size, 1)
            raise UnsafeArchive(
                f"Tệp «{name}» có phần «{member.filename[:100]}» nén {format_number(ratio)} lần (tối đa "
                f"{format_number(max_ratio)} lần), có thể là tệp nén độc hại. Hãy mở tệp, lưu lại thành tệp "
                "mới rồi tải lên."
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
