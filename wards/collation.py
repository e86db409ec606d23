"""Vietnamese alphabetical order, the same in the database and in Python.

The name columns use a collation named "vi" (`db_collation=COLLATION`): on PostgreSQL the ICU collation
created by migration wards 0003 (`vi-VN`, numbers by value); on SQLite the function below, registered on
every new connection. `sort_key` orders Python lists the same way.

The order is ICU's (CLDR's) for Vietnamese: letters first, in the alphabet a ă â b c d đ e ê g h i k l m n
o ô ơ p q r s t u ư v x y (f j w z in their Latin places); then tones, left to right: none, huyền, hỏi, ngã,
sắc, nặng; then case, lower first. Spaces and punctuation come before digits, digits before letters, and
a run of digits sorts by its value, so "Phường 2" comes before "Phường 10". Strings that differ only in
their code points (never in practice: names are stored NFC) are ordered by code point, as PostgreSQL
breaks ties, so no two different names compare equal.
"""

import unicodedata
from functools import lru_cache

COLLATION = "vi"
# What migration 0003 creates on PostgreSQL: ICU's Vietnamese, with numbers compared by value.
POSTGRES_LOCALE = "vi-VN-u-kn-true"

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER = {letter: rank for rank, letter in enumerate(_ALPHABET)}
# Marks that make a letter of their own (ă â ê ô ơ ư), not a tone.
_LETTER_MARKS = {
    ("a", "\u0306"): "ă",
    ("a", "\u0302"): "â",
    ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô",
    ("o", "\u031b"): "ơ",
    ("u", "\u031b"): "ư",
}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền hỏi ngã sắc nặng
# ASCII spaces, punctuation and symbols in the order of Unicode's default collation table.
_PUNCTUATION = {ch: rank for rank, ch in enumerate(" \t\n_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$")}

# Primary classes: what a character is before what it says.
_SPACE_OR_SYMBOL, _NUMBER, _LETTER_CLASS, _OTHER_LETTER = range(4)


@lru_cache(maxsize=65536)
def sort_key(text: str) -> tuple:
    """A key that sorts names in Vietnamese order (see the module docstring); `sorted(names, key=sort_key)`."""
    primary, secondary, tertiary = [], [], []
    chars = unicodedata.normalize("NFD", text)
    i = 0
    while i < len(chars):
        ch = chars[i]
        i += 1
        if "0" <= ch <= "9":
            start = i - 1
            while i < len(chars) and "0" <= chars[i] <= "9":
                i += 1
            primary.append((_NUMBER, int(chars[start:i])))
            secondary.append((0, ()))
            tertiary.append(0)
            continue
        lower = ch.lower()
        tone, other_marks = 0, []
        while i < len(chars) and unicodedata.combining(chars[i]):
            mark = chars[i]
            i += 1
            if (lower, mark) in _LETTER_MARKS:
                lower = _LETTER_MARKS[(lower, mark)]
            elif mark in _TONES and not tone:
                tone = _TONES[mark]
            else:
                other_marks.append(ord(mark))
        if lower in _LETTER:
            primary.append((_LETTER_CLASS, _LETTER[lower]))
        elif ch.isalpha():
            primary.append((_OTHER_LETTER, ord(lower)))
        else:
            primary.append((_SPACE_OR_SYMBOL, _PUNCTUATION.get(ch, len(_PUNCTUATION) + ord(ch))))
        secondary.append((tone, tuple(other_marks)))
        tertiary.append(1 if ch.isupper() else 0)
    return (tuple(primary), tuple(secondary), tuple(tertiary), text)


def compare(a: str, b: str) -> int:
    """The "vi" collation for SQLite: negative, zero (only for the same string) or positive."""
    key_a, key_b = sort_key(a), sort_key(b)
    return (key_a > key_b) - (key_a < key_b)


def register_sqlite_collation(sender, connection, **kwargs) -> None:
    """connection_created receiver: SQLite connections learn the "vi" collation the name columns use."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(COLLATION, compare)
