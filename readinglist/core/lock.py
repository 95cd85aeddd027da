"""An inter-process write lock for the store.

``flock`` on a lock file: the kernel releases it when the holder dies, so a
lock left by a crashed or killed process is taken over at once. The holder
writes its pid into the file so a waiting process can say who holds it.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

from readinglist.core.errors import StoreBusy, StoreError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no cross-process lock
    fcntl = None  # type: ignore[assignment]


class StoreLock:
    """Re-entrant within one thread; waits up to ``timeout`` seconds.

    Threads of one process (the app and its resolve worker) take turns on an
    in-process lock first: flock alone would let a second thread through the
    re-entrancy counter without holding anything.
    """

    def __init__(self, path: Path, timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._fd: int | None = None
        self._depth = 0
        self._thread_lock = threading.RLock()

    def holder(self) -> int | None:
        try:
            text = self.path.read_text().strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    # The app's UI thread waits only this long (None: ``timeout``), then
    # retries in the background instead of freezing the screen.
    main_thread_timeout: float | None = None

    def _timeout(self) -> float:
        if self.main_thread_timeout is not None and threading.current_thread() is threading.main_thread():
            return self.main_thread_timeout
        return self.timeout

    def __enter__(self) -> StoreLock:
        if not self._thread_lock.acquire(timeout=self._timeout()):
            raise StoreBusy(f"the store at {self.path.parent} is busy in this process; try again", os.getpid())
        try:
            return self._enter_locked()
        except BaseException:
            self._thread_lock.release()
            raise

    def _enter_locked(self) -> StoreLock:
        if self._depth:
            self._depth += 1
            return self
        if fcntl is None:
            self._depth = 1
            return self
        fd = self._open()
        timeout = self._timeout()
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    pid = self.holder()
                    who = f"process {pid}" if pid else "another process"
                    raise StoreBusy(
                        f"the store at {self.path.parent} is busy: {who} has been writing to it for "
                        f"{timeout:g} s; try again, or close the other readinglist",
                        pid,
                    ) from None
                time.sleep(0.01)
        try:
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
        except OSError:
            pass  # the pid only helps a waiting process name us; a full disk must not stop the write
        self._fd = fd
        self._depth = 1
        return self

    def _open(self) -> int:
        """The lock file, never through a symlink: truncating it would empty the target."""
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            if os.path.islink(self.path):
                raise StoreError(f"the lock file {self.path} is a symlink; remove it (readinglist recreates it)") from None
            raise StoreError(f"cannot lock the store at {self.path.parent}: {exc.strerror or exc}") from None
        try:
            mode = os.fstat(fd).st_mode
        except OSError as exc:
            os.close(fd)
            raise StoreError(f"cannot lock the store at {self.path.parent}: {exc.strerror or exc}") from None
        if not stat.S_ISREG(mode):
            os.close(fd)
            raise StoreError(f"the lock file {self.path} is not a regular file; remove it (readinglist recreates it)")
        return fd

    def __exit__(self, *exc: object) -> None:
        try:
            self._depth -= 1
            if self._depth or self._fd is None:
                return
            fd, self._fd = self._fd, None
            try:
                try:
                    os.ftruncate(fd, 0)
                except OSError:
                    pass
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        finally:
            self._thread_lock.release()
