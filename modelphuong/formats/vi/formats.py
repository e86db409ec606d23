"""Date input in Vietnamese: day first. Django's vi locale defines no input formats, so it fell back to the
global default, which reads "05/11/2031" month first (11 May). What is not set here comes from Django's vi."""

# The first format is also the one the admin's calendar writes and date inputs show.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
]
