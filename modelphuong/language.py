"""What is stored or sent is written in the site's language (settings.LANGUAGE_CODE), whoever acts.

A reader picks the language of the pages (the navbar switch, or their browser). The texts the app keeps or
sends to someone else are not theirs: the audit trail's targets and old → new values, round snapshots,
notifications and their e-mails, the password-reset e-mail and the PDFs read the same for every reader and
every year, so they are written under the site's language at the one place each is made. The messages a
service raises for the person acting (refusals, field errors) stay in that person's language.
"""

import functools

from django.conf import settings
from django.utils import translation


def site_language() -> translation.override:
    """A `with` block in which gettext answers in the site's language (a new one each time: it nests)."""
    return translation.override(settings.LANGUAGE_CODE)


def in_site_language(func):
    """Run the function under the site's language. A decorator of its own rather than `@site_language()`:
    that would be one override object shared by every call, which does not nest (nor survive threads)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with site_language():
            return func(*args, **kwargs)

    return wrapper
