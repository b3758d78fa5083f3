"""The background tasks the app runs in its lifespan (webhook delivery, deadline
watchers): how they stop."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import suppress

__all__ = ["cancelled"]


async def cancelled(tasks: Sequence[asyncio.Task[None]]) -> None:
    """Cancel the tasks and wait until each has stopped."""
    for task in tasks:
        task.cancel()
    for task in tasks:
        with suppress(asyncio.CancelledError):
            await task
