"""An encoder run in a forked child process, fed one frame at a time through a pipe, while the caller draws the next.

GIF and WebP encoding in a thread costs matplotlib's drawing about 0.05 s of
a 0.7 s seed render, in GIL handoffs and the encoder's own Python; in a child
process it runs on the second core. The child is forked before the first
frame is drawn, while the process is small and matplotlib not yet imported,
so drawing pays for few copy-on-write faults. It inherits the open output
file and the encoder: nothing is pickled on the way in.

Each frame crosses the pipe as its raw bytes (RGBA when it is an RGB view of
RGBA pixels, as the renderer's are, which gmm_anim.gif then reads in place).
In the child a thread reads up to _READ_AHEAD frames ahead of the encoder,
so that the caller keeps drawing while the palette is chosen (about 0.1 s
with Pillow's import, some 20 frames of drawing); memory stays bounded by
that many frames (35 MB at 600x600), and by _READ_AHEAD_BYTES for large
frames, whatever the frame count.

An error or interrupt on either side stops both: the caller's kills and reaps
the child before it propagates, and the child's is pickled up a second pipe
and raised in the caller once the child has exited, so the atomic-output
block around it removes the temporary file only after nothing writes to it.
"""

from __future__ import annotations

import os
import pickle
import queue
import signal
import struct
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

import numpy as np

from ..errors import OutputError
from .gif import _rgba_base

__all__ = ["encode_in_child"]

# Each frame is preceded by its height, width and channel count; a zero height ends the stream.
_HEADER = struct.Struct("<III")
_PIPE_BYTES = 1 << 20  # fewer wakeups per frame than the default 64 KiB; Linux's default limit
_READ_AHEAD = 24  # frames at most: ~0.1 s of drawing at 600x600, the palette's time
_READ_AHEAD_BYTES = 64 * 2**20  # and at most this much pixel data (9 frames at 1920x1080)
_DONE = b"D"  # the child finished encoding
_FAILED = b"F"  # the child failed: its pickled exception follows
# A report fits the pipe's 64 KiB, so the child's write never waits for the
# caller, which may be waiting to write a frame the child no longer reads.
_REPORT_LIMIT = 60_000
# fork() is only safe and cheap on Linux: Windows has none, and on macOS the
# system libraries numpy and Pillow link against may not survive it.
_FORK_IS_SAFE = sys.platform.startswith("linux")


def encode_in_child(encode: Callable[[Iterator[np.ndarray]], None], frames: Iterable[np.ndarray]) -> None:
    """Run ``encode(stream)`` in a forked child, where ``stream`` yields ``frames`` as the child reads them.

    ``encode`` must write only through file descriptors it shares with this
    process (and flush them): what it changes in memory changes in the child only.
    Where fork is not safe, ``encode`` runs here, after each frame is drawn.
    """
    if not _FORK_IS_SAFE:
        encode(iter(frames))
        return
    import fcntl

    down_read, down_write = os.pipe()
    try:
        fcntl.fcntl(down_write, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    except OSError:  # over the system's limit: the default size works, with more wakeups
        pass
    up_read, up_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(down_write)
        os.close(up_read)
        _child(encode, down_read, up_write)
    os.close(down_read)
    os.close(up_write)
    try:
        with open(up_read, "rb") as up:
            try:
                _send(frames, down_write)
            except BrokenPipeError:
                pass  # the child stopped reading: its report says why
            finally:
                os.close(down_write)
            report = up.read()  # to the end, when the child exits
    except BaseException:
        _stop(pid)
        raise
    _raise_failure(report, pid)


def _send(frames: Iterable[np.ndarray], fd: int) -> None:
    """Each frame's header and bytes, then the end marker."""
    for frame in frames:
        pixels = _rgba_base(frame)
        if pixels is None:
            pixels = np.ascontiguousarray(frame)
        _write_all(fd, _HEADER.pack(*pixels.shape))
        _write_all(fd, memoryview(pixels).cast("B"))
        del frame, pixels  # the caller's frame goes as soon as it is sent
    _write_all(fd, _HEADER.pack(0, 0, 0))


def _write_all(fd: int, data: bytes | memoryview) -> None:
    """os.write until all of ``data`` is in the pipe (a pipe takes a large write in parts)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _raise_failure(report: bytes, pid: int) -> None:
    """Reap the child; raise its exception, or an OutputError if it died without reporting."""
    _, status = os.waitpid(pid, 0)
    if report == _DONE and status == 0:
        return
    if report[:1] == _FAILED:
        raise pickle.loads(report[1:])
    code = os.waitstatus_to_exitcode(status)
    reason = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
    raise OutputError(f"the encoder process stopped ({reason})")


def _stop(pid: int) -> None:
    """Kill and reap the child, not yet reaped."""
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _child(encode: Callable[[Iterator[np.ndarray]], None], down_read: int, up_write: int) -> None:
    """Encode the frames read from the pipe, report, and exit without the caller's cleanup."""
    # Ctrl-C and SIGTERM are the caller's to handle; it then kills this process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    status = 1
    try:
        with open(up_write, "wb") as up:
            try:
                with open(down_read, "rb") as down:
                    encode(_received(down))
                up.write(_DONE)
                status = 0
            except BaseException as error:  # sent to the caller
                up.write(_FAILED + _pickled(error))
    finally:
        os._exit(status)


def _received(down: BinaryIO) -> Iterator[np.ndarray]:
    """The frames read from the pipe, each (H, W, 3) uint8, possibly a view of RGBA pixels.

    A thread reads ahead, so the caller keeps drawing while the encoder
    chooses the palette: up to _READ_AHEAD frames, and no more than
    _READ_AHEAD_BYTES of them, so large frames do not pile up.
    """
    frames = _read_frames(down)
    first = next(frames, None)
    if first is None:
        return
    frame_bytes = first.base.nbytes if first.base is not None else first.nbytes
    ahead: queue.Queue = queue.Queue(maxsize=max(2, min(_READ_AHEAD, _READ_AHEAD_BYTES // frame_bytes)))
    ahead.put(first)

    def read() -> None:
        try:
            for frame in frames:
                ahead.put(frame)
            ahead.put(None)
        except BaseException as error:  # raised in the encoder
            ahead.put(error)

    threading.Thread(target=read, name="gmm-anim-frame-reader", daemon=True).start()
    while (frame := ahead.get()) is not None:
        if isinstance(frame, BaseException):
            raise frame
        yield frame


def _read_frames(down: BinaryIO) -> Iterator[np.ndarray]:
    """Each header's frame, allocated for it and filled from the pipe, until the end marker."""
    while True:
        header = down.read(_HEADER.size)
        if len(header) != _HEADER.size:
            raise OutputError("the rendering process stopped sending frames")
        shape = _HEADER.unpack(header)
        if shape[0] == 0:
            return
        pixels = np.empty(shape, np.uint8)
        if down.readinto(memoryview(pixels).cast("B")) != pixels.nbytes:
            raise OutputError("the rendering process stopped sending frames")
        yield pixels[..., :3]


def _pickled(error: BaseException) -> bytes:
    """``error`` pickled with the child's traceback as a note, else a RuntimeError carrying that text.

    At most _REPORT_LIMIT bytes: a long traceback is cut to its last lines.
    """
    text = "".join(traceback.format_exception(error))[-_REPORT_LIMIT // 2 :]
    try:
        error.add_note(f"In the encoder process:\n{text}")
        report = pickle.dumps(error)
        pickle.loads(report)  # an exception whose __init__ does not take its args fails here
        if len(report) < _REPORT_LIMIT:
            return report
    except Exception:
        pass
    return pickle.dumps(RuntimeError(text))
