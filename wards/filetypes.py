"""Recognise an evidence file by its content (magic bytes), never by its name."""

import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from wards import uploads


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str
    extension: str
    inline: bool  # the browser can show it (PDF, images) rather than download it


PDF = FileType("PDF", "application/pdf", ".pdf", True)
JPEG = FileType("JPEG", "image/jpeg", ".jpg", True)
PNG = FileType("PNG", "image/png", ".png", True)
DOCX = FileType("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", False)
XLSX = FileType("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", False)

ALLOWED_LABELS = "PDF, JPEG, PNG, DOCX, XLSX"


def detect(stream: BinaryIO) -> FileType | None:
    """The type of an uploaded file from its first bytes (and, for Office files, its ZIP directory).

    Raises uploads.UnsafeArchive for an Office file whose ZIP directory is that of a ZIP bomb.
    """
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04"):
        return _office_type(stream)
    return None


def _office_type(stream: BinaryIO) -> FileType | None:
    try:
        with uploads.open_archive(stream, name=getattr(stream, "name", "") or "") as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        stream.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None
