"""Background work for the database and the network, with results on the core thread.

One worker thread (like Anki's task manager): operations run in order, and
their success or failure callbacks are posted back through the core's
dispatcher, so handlers never race with the GUI.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from kiosk.base.events import Dispatcher

log = logging.getLogger(__name__)
R = TypeVar("R")


def deliver(
    future: Future[R],
    dispatcher: Dispatcher,
    on_done: Callable[[R], Any],
    on_error: Callable[[BaseException], Any],
) -> None:
    """When ``future`` finishes (on any thread), call back on the dispatcher's thread."""

    def finished(f: Future[R]) -> None:
        exc = f.exception()
        if exc is not None:
            dispatcher.post(on_error, exc)
        else:
            dispatcher.post(on_done, f.result())

    future.add_done_callback(finished)


class TaskRunner:
    def __init__(self, dispatcher: Dispatcher, name: str = "kiosk-tasks") -> None:
        self._dispatcher = dispatcher
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    def run(
        self,
        fn: Callable[..., R],
        *args: Any,
        on_done: Callable[[R], Any],
        on_error: Callable[[BaseException], Any],
    ) -> Future[R]:
        future = self._executor.submit(fn, *args)
        deliver(future, self._dispatcher, on_done, on_error)
        return future

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=False)
