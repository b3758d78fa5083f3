"""The read's whole-file checks made lean on memory: `all_distinct` (sorted 64-bit
hashes, strings compared only on a shared hash) and `date_outliers` (int32 days, rows
looked up for the outlying groups only) give what the plain computations give."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treatyline import event_warnings, monitor
from treatyline.errors import EventDataError
from treatyline.event_warnings import OUTLIER_GAP_DAYS, date_outliers
from treatyline.incidents import Incidents
from treatyline.monitor import read_event_files
from treatyline.sources import _ids
from treatyline.sources._ids import all_distinct
from treatyline.sources.parquet import to_parquet

_IDS = st.lists(st.text(alphabet="ab\x00é", max_size=5), max_size=40)


def _chunked(values: list[str], cut: int, large: bool) -> pa.ChunkedArray:
    array = pa.array(values, pa.large_string() if large else pa.string())
    cut = min(cut, len(values))
    return pa.chunked_array([array[:cut], array[cut:]], array.type)


@settings(max_examples=200, deadline=None)
@given(_IDS, st.integers(0, 40), st.booleans())
def test_all_distinct_agrees_with_counting(values: list[str], cut: int, large: bool) -> None:
    ids = _chunked(values, cut, large)
    assert all_distinct(ids) == (len(set(values)) == len(values))


def test_a_shared_hash_is_settled_on_the_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    # every id hashed alike: the verdict comes from comparing the strings
    def same(ids: pa.ChunkedArray) -> npt.NDArray[np.uint64]:
        return np.zeros(len(ids), np.uint64)

    monkeypatch.setattr(_ids, "_hashes", same)
    assert all_distinct(pa.chunked_array([pa.array(["a", "b", "c"])]))
    assert not all_distinct(pa.chunked_array([pa.array(["a", "b", "a"])]))


def test_ids_of_very_unequal_lengths() -> None:
    values = ["x" * 5000, "x" * 4999, "", "x", *(str(i) for i in range(3000))]
    assert all_distinct(pa.chunked_array([pa.array(values)]))
    assert not all_distinct(pa.chunked_array([pa.array([*values, "x" * 4999])]))
    # a slice: the offsets read from the chunk's own start
    sliced = pa.array(["dup", *values, "dup"]).slice(1)
    assert all_distinct(pa.chunked_array([sliced]))


def test_nulls_are_left_to_counting() -> None:
    ids = pa.chunked_array([pa.array(["a", None, "b"])])
    assert all_distinct(ids) == (pc.count_distinct(ids).as_py() == len(ids))


def _plain_outliers(days: npt.NDArray[np.int64], ids: list[str]) -> list[tuple[int, int, int,
                                                                                  list[str]]]:
    """The groups a full argsort finds: (first day, last day, size, first ids shown)."""
    n = len(days)
    order = np.argsort(days, kind="stable")
    ordered = days[order]
    groups = np.split(np.arange(n), np.flatnonzero(np.diff(ordered) > OUTLIER_GAP_DAYS) + 1)
    small = [g for g in groups if len(g) <= max(1, n // 100)]
    if len(groups) == 1 or len(small) == len(groups):
        return []
    return [(int(ordered[g[0]]), int(ordered[g[-1]]), len(g), [ids[i] for i in order[g][:5]])
            for g in small]


@settings(max_examples=150, deadline=None)
@given(st.integers(20, 400), st.integers(-30000, 30000), st.sampled_from([10, 400]),
       st.lists(st.tuples(st.integers(0, 10**6), st.integers(-4000, 4000)), max_size=12),
       st.integers(0, 2**32 - 1))
def test_date_outliers_name_the_groups_a_full_sort_finds(
        n: int, base: int, spread: int, moves: list[tuple[int, int]], seed: int) -> None:
    rng = np.random.default_rng(seed)
    days = base + rng.integers(0, spread, n)
    for row, shift in moves:
        days[row % n] = base + shift
    seconds = days * 86400 + rng.integers(0, 86400, n)
    ids = [f"e{i}" for i in range(n)]
    incidents = Incidents.from_columns(
        id=ids, time=seconds.astype("datetime64[s]"), kind=["other"] * n,
        longitude=np.zeros(n), latitude=np.zeros(n))
    found = date_outliers(incidents, "f.csv")
    expected = _plain_outliers(days, ids)
    assert len(found) == len(expected)
    for warning, (first, _, size, shown) in zip(found, expected, strict=True):
        assert warning.code == "date-outlier" and warning.place == "f.csv"
        assert f"{size:,} event(s) dated {np.datetime64(first, 'D')}" in warning.message
        assert f"(event {', '.join(shown)}" in warning.message


def test_days_far_from_1970_are_held_wide() -> None:
    time = np.array(["1000-01-01", "2000-01-01"], "datetime64[s]")
    assert event_warnings._days(time).dtype == np.int32
    far = (np.array([-(2**40), 0], np.int64) * 86400).astype("datetime64[s]")
    held = event_warnings._days(far)
    assert held.dtype == np.int64
    assert held.tolist() == far.astype("datetime64[D]").astype(np.int64).tolist()


def test_the_read_allocates_from_malloc_and_gives_the_pool_back(tmp_path: Path) -> None:
    # the read's buffers come from the system pool (mimalloc kept ~0.4 GB of freed batch
    # pages at 10^7); afterwards the process's pool is the one it had, even on an error
    incidents = Incidents.from_columns(
        id=["a", "b"], time=np.array(["2022-01-01", "2022-01-02"], "datetime64[s]"),
        kind=["other", "other"], longitude=[30.0, 31.0], latitude=[50.0, 51.0])
    path = tmp_path / "events.parquet"
    to_parquet(incidents, path)
    before = pa.default_memory_pool().backend_name
    loaded = read_event_files([path], None, None)
    assert pa.default_memory_pool().backend_name == before
    assert len(loaded.incidents) == 2
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    with pytest.raises(EventDataError):
        read_event_files([broken], None, None)
    assert pa.default_memory_pool().backend_name == before
    seen: list[str] = []

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(pa.default_memory_pool().backend_name)
        return real(*args, **kwargs)

    real = monitor.read_events
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(monitor, "read_events", spy)
        read_event_files([path], None, None)
    assert seen == [pa.system_memory_pool().backend_name]
