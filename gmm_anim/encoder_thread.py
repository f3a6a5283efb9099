"""An encoder run in a second thread, handed one frame at a time, while the caller draws the next.

GIF encoding is mostly numpy lookups and comparisons and Pillow's LZW, all of
which release the GIL, so on a second core it overlaps the drawing of the
next frame (matplotlib, which holds the GIL). The handoff holds one frame,
so no more frames are alive than without the thread; each frame must own its
pixels (the renderer's do), since the caller draws the next one meanwhile.

An error or interrupt on either side stops both: the caller's stops the
encoder before it propagates, and the encoder's is raised in the caller once
the thread has finished, so the atomic-output block around it removes the
temporary file only after nothing writes to it any more.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator

import numpy as np

__all__ = ["encode_in_thread"]

_END = object()  # no more frames
_CANCEL = object()  # the caller failed: stop encoding
_POLL_SECONDS = 0.05  # how often a blocked handoff checks whether the encoder has stopped


class _Cancelled(Exception):
    """Raised inside the encoder when the caller gave up."""


def encode_in_thread(encode: Callable[[Iterator[np.ndarray]], None], frames: Iterable[np.ndarray]) -> None:
    """Run ``encode(stream)`` in a thread, where ``stream`` yields ``frames`` as this thread takes them."""
    handoff: queue.Queue = queue.Queue(maxsize=1)
    stopped = threading.Event()
    failures: list[BaseException] = []

    def stream() -> Iterator[np.ndarray]:
        while True:
            frame = handoff.get()
            if frame is _END:
                return
            if frame is _CANCEL:
                raise _Cancelled
            yield frame

    def work() -> None:
        try:
            encode(stream())
        except BaseException as error:  # handed to the caller
            failures.append(error)
        finally:
            stopped.set()

    thread = threading.Thread(target=work, name="gmm-anim-encoder", daemon=True)
    thread.start()
    try:
        for frame in frames:
            if not _hand(handoff, frame, stopped):
                break  # the encoder failed; its error is raised below
        else:
            _hand(handoff, _END, stopped)
        thread.join()
    except BaseException:
        _hand(handoff, _CANCEL, stopped)
        thread.join()
        raise
    if failures and not isinstance(failures[0], _Cancelled):
        raise failures[0]


def _hand(handoff: queue.Queue, item: object, stopped: threading.Event) -> bool:
    """Put ``item`` in the handoff once there is room; False if the encoder stopped first."""
    while not stopped.is_set():
        try:
            handoff.put(item, timeout=_POLL_SECONDS)
            return True
        except queue.Full:
            continue
    return False
