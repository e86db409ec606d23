"""Date input in English as in Vietnamese: day first. The dates people type are the ones on their papers
(05/11/2031 is the 5th of November), whichever language they read the pages in; Django's en formats would read
it month first. What is not set here (how dates are shown) comes from Django's en."""

from modelphuong.formats.vi.formats import DATE_INPUT_FORMATS, DATETIME_INPUT_FORMATS

__all__ = ["DATETIME_INPUT_FORMATS", "DATE_INPUT_FORMATS"]
