"""A criteria set with its groups, criteria and indicators, loaded once per process and version.

Every assessment page, review page and dossier reads the whole catalogue (four queries and some 160 model
instances), and it does not change once a set is in use: the admin then allows only the English texts
(criteria/admin.py, FrozenOnceUsed). The version is the set's `updated_at`, which every save or delete of one of
its groups, criteria or indicators moves forward (the receivers below), so a catalogue kept here is never older
than the rows it was built from. The caller passes the version it read with the assessment (select_related), so
a kept catalogue costs no query at all; without a version the catalogue is loaded as before and not kept. A
fixture (loaddata) brings its set's own updated_at: a process that kept that version keeps it until it restarts.

Kept catalogues are shared by the requests of a process: read them, never change them.
"""

import threading

from django.db.models import Prefetch
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from criteria.models import CriteriaSet, Criterion, CriterionGroup, Indicator

_kept: dict[int, tuple[object, CriteriaSet]] = {}  # criteria set id → (version, catalogue)
_lock = threading.Lock()


def load(criteria_set_id: int) -> CriteriaSet:
    """The set with its catalogue prefetched, from the database (four queries)."""
    return CriteriaSet.objects.prefetch_related(
        Prefetch(
            "groups",
            queryset=CriterionGroup.objects.order_by("order").prefetch_related(
                Prefetch(
                    "criteria",
                    queryset=Criterion.objects.order_by("number").prefetch_related(
                        Prefetch("indicators", queryset=Indicator.objects.order_by("order"))
                    ),
                )
            ),
        )
    ).get(pk=criteria_set_id)


def catalogue(criteria_set_id: int, version=None) -> CriteriaSet:
    """The set's catalogue: the one kept for this version, else loaded (and kept when a version is given)."""
    if version is None:
        return load(criteria_set_id)
    kept = _kept.get(criteria_set_id)
    if kept is not None and kept[0] == version:
        return kept[1]
    loaded = load(criteria_set_id)
    if loaded.updated_at == version:  # what was read is that version, not a newer one saved meanwhile
        with _lock:
            _kept[criteria_set_id] = (version, loaded)
    return loaded


def forget() -> None:
    """Drop every kept catalogue (the test suite does, between tests that reuse ids and frozen clocks)."""
    with _lock:
        _kept.clear()


@receiver([post_save, post_delete], sender=CriterionGroup)
@receiver([post_save, post_delete], sender=Criterion)
@receiver([post_save, post_delete], sender=Indicator)
def _catalogue_changed(sender, instance, raw=False, **kwargs):
    """A group, criterion or indicator saved or deleted: its set's version moves on. Not for a fixture's rows
    (loaddata, raw): a fixture carries its set's updated_at with it, and loading one twice changes nothing."""
    if not raw:
        CriteriaSet.objects.filter(pk=instance.criteria_set_id).update(updated_at=timezone.now())
    with _lock:
        _kept.pop(instance.criteria_set_id, None)
