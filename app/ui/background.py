"""Running service calls off the GUI thread.

A Task runs one function in a worker thread and hands its result back on the GUI thread. Workers
never touch widgets: they only emit signals, which Qt queues to the GUI thread. Each service call
opens its own Session (`db.reading()` / `db.transaction()`), so sharing the Database is safe.

Tasks run in lanes, one thread per lane: ledger pages never wait behind a slow summary or an import.
A task dropped before it starts (its query went stale) costs nothing.

A failure goes to the task's `on_failure` (which resets the page and says what happened). Any failure
but a refusal is also logged with its traceback, from the worker; one that is the program's own fault
(app.ui.crash.is_unexpected) brings up the crash dialog with the log's path, too.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

Work = Callable[["Task"], Any]
OnSuccess = Callable[[Any], None]
OnFailure = Callable[[BaseException], None]


class Task(QObject):
    progressed = Signal(str, int, int)  # (stage in Chinese, done, total): the services' progress callback
    _finished = Signal(object, object)  # (result, error), crosses from the worker to the GUI thread

    def __init__(
        self,
        work: Work,
        on_success: OnSuccess | None,
        on_failure: OnFailure | None,
        on_settled: Callable[["Task"], None],
    ) -> None:
        super().__init__()
        self._work = work
        self._on_success = on_success
        self._on_failure = on_failure
        self._on_settled = on_settled
        self._cancel = threading.Event()
        self._dropped = False
        self.running = True
        self._finished.connect(self._deliver)

    # --- called from the worker thread -------------------------------------------------------
    def cancelled(self) -> bool:
        """The `cancelled` callable the services poll."""
        return self._cancel.is_set()

    def report(self, stage: str, done: int, total: int) -> None:
        """The `progress(stage, done, total)` callback the services call."""
        self.progressed.emit(stage, done, total)

    def run(self) -> None:
        if self._dropped:  # went stale while it waited for its lane
            self._finished.emit(None, None)
            return
        try:
            result, error = self._work(self), None
        except Exception as exc:  # handed to the GUI thread, which decides what the clerk sees
            result, error = None, exc
            from app.ui import crash  # only when something failed: not before the first paint

            if not crash.is_refusal(exc):
                crash.log_only(exc, "error in a worker")  # here, in the worker, with the whole traceback
        self._finished.emit(result, error)

    # --- GUI thread --------------------------------------------------------------------------
    def cancel(self) -> None:
        """Ask the service to stop; it raises Cancelled and rolls back."""
        self._cancel.set()

    def drop(self) -> None:
        """Nobody wants the result any more: cancel, and never call back."""
        self._dropped = True
        self._cancel.set()

    @Slot(object, object)
    def _deliver(self, result: object, error: object) -> None:
        self.running = False
        if not self._dropped:
            if error is None and self._on_success is not None:
                self._on_success(result)
            elif isinstance(error, BaseException):
                if self._on_failure is not None:
                    self._on_failure(error)  # first: the page stops waiting for the result
                from app.ui import crash

                if crash.is_unexpected(error):
                    crash.show(error)
        self._on_settled(self)


class TaskRunner(QObject):
    """Owns the worker threads of one window; `shutdown()` waits for all of them."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pools: dict[str, QThreadPool] = {}
        self._live: set[Task] = set()
        self._closed = False

    def start(
        self,
        work: Work,
        on_success: OnSuccess | None = None,
        on_failure: OnFailure | None = None,
        lane: str = "default",
    ) -> Task:
        task = Task(work, on_success, on_failure, self._live.discard)
        if self._closed:
            task.drop()
            task.running = False
            return task
        self._live.add(task)
        self._pool(lane).start(task.run)
        return task

    def _pool(self, lane: str) -> QThreadPool:
        pool = self._pools.get(lane)
        if pool is None:
            pool = QThreadPool(self)
            pool.setMaxThreadCount(1)
            self._pools[lane] = pool
        return pool

    def busy(self) -> bool:
        return any(task.running for task in self._live)

    def shutdown(self) -> None:
        """Drop every task (imports roll back), then wait until no worker thread is left."""
        self._closed = True
        for task in list(self._live):
            task.drop()
        for pool in self._pools.values():
            pool.waitForDone()
        self._live.clear()
