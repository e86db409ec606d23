"""Signals the wards app sends for other apps to act on, so that wards depends on none of them."""

from django.dispatch import Signal

# Sent inside the approval's (or the reissue's) transaction with `documents`, the IssuedDocument rows just made:
# the reports app queues a job for each that renders and signs it once the transaction commits.
documents_issued = Signal()
