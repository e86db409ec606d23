"""Two people editing the same field: the three-way rule, written once for the page and the Excel import.

`base` is what the person's copy showed when they started (the page when opened, the template when
downloaded), `mine` what they send, `theirs` what is stored now.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Merged:
    value: str
    # "same": nobody changed it; "theirs": only the other person did; "mine": only this person did (or both
    # made the same change); "conflict": both changed it differently (value is mine, for them to decide).
    outcome: str

    @property
    def conflict(self) -> bool:
        return self.outcome == "conflict"


def three_way(base: str, mine: str, theirs: str) -> Merged:
    """Take the change whoever made it; a field both changed differently is a conflict."""
    if mine == base:
        return Merged(theirs, "same" if theirs == base else "theirs")
    if theirs in (base, mine):
        return Merged(mine, "mine")
    return Merged(mine, "conflict")
