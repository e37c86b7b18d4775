"""Read-ahead: parse the next chunk of a source in a thread while the current one is written."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any, TypeVar

T = TypeVar("T")
_DONE = object()


def prefetch(chunks: Iterator[T]) -> Iterator[T]:
    """Parse the next chunk in a background thread while the caller writes the current one.

    At most two chunks are in flight (the one being written and the one being parsed); an
    error in the reader is re-raised in the caller; leaving early stops the reader.
    """
    box: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                if stop.is_set():
                    return
                box.put(chunk)
                box.join()  # wait until the caller took it before parsing the next
            box.put(_DONE)
        except BaseException as err:  # re-raised in the caller
            box.put(err)

    reader = threading.Thread(target=produce, name="ingest-prefetch", daemon=True)
    reader.start()
    try:
        while True:
            item = box.get()
            box.task_done()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
            del item
    finally:
        stop.set()
        while reader.is_alive():  # unblock a reader waiting on a full or unjoined queue
            try:
                box.get(timeout=0.05)
                box.task_done()
            except queue.Empty:
                pass
