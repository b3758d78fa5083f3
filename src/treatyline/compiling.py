"""Who is told when the point-in-polygon kernels have to be compiled.

numba compiles the classifier's kernels the first time they run on a machine (about half a
minute; later runs load them from numba's on-disk cache). `classify.warm_up` reports each
compilation to the listeners registered here. This module imports neither numba nor the
territory package (shapely, NumPy), so a shell can listen for the whole of a command
without loading them when no point gets classified (`status`, `check`, `--help`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["CompileProgress", "CompileStep", "compile_progress", "notify"]


@dataclass(frozen=True)
class CompileStep:
    """numba starts compiling kernel `number` of `total` (named `kernel`); or, when `done`,
    it has compiled every kernel the cache lacked."""

    kernel: str
    number: int
    total: int
    done: bool = False

    def message(self) -> str:
        if self.done:
            return "point-in-polygon kernels compiled and cached for later runs"
        return (f"compiling the point-in-polygon kernels, once per machine (about 30 s): "
                f"{self.number}/{self.total}")


CompileProgress = Callable[[CompileStep], None]
"""Told as each kernel starts compiling, then once when all are done; never told anything
when every kernel comes from the cache."""

_listeners: list[CompileProgress] = []
_lock = threading.Lock()


@contextmanager
def compile_progress(progress: CompileProgress) -> Iterator[None]:
    """Tell `progress` about the kernel compilations that happen inside the block."""
    with _lock:
        _listeners.append(progress)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(progress)


def notify(step: CompileStep) -> None:
    """Pass a compilation step to the registered listeners."""
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener(step)
