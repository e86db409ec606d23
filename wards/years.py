"""Which years an assessment can be about, and the URL converter that keeps any other out of the views."""

YEAR_MIN, YEAR_MAX = 2000, 2100


class YearConverter:
    """A four-digit assessment year in a URL; anything else is a 404 before a view (or a query) sees it."""

    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        year = int(value)
        if not YEAR_MIN <= year <= YEAR_MAX:
            raise ValueError(value)
        return year

    def to_url(self, value) -> str:
        return f"{int(value):04d}"


def year_param(raw, *, default: int | None) -> int | None:
    """A year from a query string; anything that is not a plausible assessment year reads as the default."""
    try:
        year = int(raw or "")
    except ValueError:
        return default
    return year if YEAR_MIN <= year <= YEAR_MAX else default
