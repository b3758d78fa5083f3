"""Loading a record pauses the garbage collector and leaves it as it found it."""

from __future__ import annotations

import gc
from pathlib import Path

from treatyline.record import load_record
from treatyline.spec import load_treaty

NATO = Path(__file__).resolve().parent.parent / "examples" / "nato-1949"


def _load() -> int:
    treaty = load_treaty(NATO / "treaty.yaml")
    return len(load_record(NATO / "record.yaml", treaty).acts)


def test_the_collector_is_enabled_again_and_nothing_stays_frozen() -> None:
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    assert _load() > 0
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    try:
        _load()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_objects_the_program_froze_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        _load()
        assert gc.isenabled()
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
