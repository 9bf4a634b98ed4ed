"""Ctrl-C (SIGINT) bookkeeping: a flag that cannot be lost.

Python raises KeyboardInterrupt wherever the main thread happens to be; when
that is a GC or weakref callback the exception is printed and swallowed, and
the program carries on (with an "Exception ignored" traceback on stderr). The
handler here sets a flag. Outside a load it also raises KeyboardInterrupt; inside
a load (`guarded()`) it only sets the flag, which the loader and the writers check
at every chunk and COPY slice and right before COMMIT, so a Ctrl-C is never followed
by a commit and never lands in a callback. After `hold()` (the commit itself) a
Ctrl-C only sets the flag.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Any, Iterator

_state = {"hit": False, "held": False, "deferred": False}


def _handler(signum: int, frame: Any) -> None:
    _state["hit"] = True
    if not _state["held"] and not _state["deferred"]:
        raise KeyboardInterrupt


def install() -> None:
    """Route SIGINT through the flag (main thread only; elsewhere Python keeps its default)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _handler)


def hit() -> bool:
    return _state["hit"]


def check() -> None:
    """Raise KeyboardInterrupt when a Ctrl-C came, even one whose exception was swallowed."""
    if _state["hit"]:
        raise KeyboardInterrupt


@contextmanager
def guarded() -> Iterator[None]:
    """Install the handler for the duration (library callers) and restore the previous one."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, _handler)
    _state["deferred"] = True
    try:
        yield
    finally:
        _state.update(held=False, deferred=False)
        signal.signal(signal.SIGINT, old)


def hold() -> None:
    """From now on a Ctrl-C sets the flag only (the transaction is committing)."""
    _state["held"] = True


def reset() -> None:
    _state.update(hit=False, held=False, deferred=False)
