"""Guards on uploaded files."""

import math
from fractions import Fraction

from criteria.scoring import format_number

MB = 1024 * 1024


def size_text(size: int) -> str:
    """Bytes as Vietnamese megabytes, rounded up to two decimals: a file just over a limit never reads as on it."""
    return format_number(Fraction(math.ceil(Fraction(size * 100, MB)), 100))


def too_large_message(name: str, size: int | None, limit: int, *, approximate: bool = False) -> str:
    """The refusal of a file over `limit`; its size when known (`approximate`: read from the request's length)."""
    if size is None:
        return f"Tệp «{name}» vượt giới hạn {size_text(limit)} MB."
    about = "khoảng " if approximate else ""
    return f"Tệp «{name}» dung lượng {about}{size_text(size)} MB, vượt giới hạn {size_text(limit)} MB."
