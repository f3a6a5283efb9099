"""Frames drawn in worker processes and yielded in order: ``-j N``.

It lives in ``drawing`` because it is one more way of making frames: like
``render_frames`` it yields RGB arrays and writes nothing, so
``write.write_animation`` consumes it unchanged.

Each worker process builds its own renderer (FrameRenderer or
ComparisonRenderer: one figure drawn once, the changing artists blitted) on
its first task, then draws whole runs of consecutive frames. The parent hands
out runs in order, keeps at most ``_RUNS_AHEAD`` runs per worker in flight
(memory stays a few frames per worker), and yields each run's frames in
order, so the output does not depend on the number of workers.

One mechanism: ``concurrent.futures.ProcessPoolExecutor`` with the "spawn"
context (forking a process that has imported matplotlib and started threads
is unsafe). An error raised in a worker is raised again in the parent by the
run that met it; a worker that dies (killed, out of memory) ends the render
with an OutputError. Workers ignore SIGINT: Ctrl-C at a terminal reaches the
whole process group, and the parent alone unwinds, cancels what has not
started and waits for every worker to exit; a worker whose parent has gone
(killed outright) exits by itself.

Measured on a 2-core machine (see ``default_jobs``): workers start in about
0.8 s (the interpreter, numpy and matplotlib imports, the figure drawn once)
against 0.4 s for the first frame in-process, so only long renders gain.
"""

from __future__ import annotations

import itertools
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from multiprocessing import shared_memory
from typing import Any

import numpy as np

from ..errors import OutputError

__all__ = ["default_jobs", "parallel_frames"]

_RUN_LENGTH = 4  # consecutive frames per task
_RUNS_AHEAD = 2  # tasks in flight per worker
# Below this many frame pixels (frames x width x height: 278 frames at 600x600)
# the workers' start-up costs more than they save; measured, see default_jobs.
_PARALLEL_MIN_PIXELS = 100_000_000

_STOPPING_SIGNALS = {signal.SIGINT, signal.SIGTERM}

_build: Callable[[], Any] | None = None  # the worker's recipe for its renderer
_renderer: Any = None  # the worker's renderer, built on its first task
_slots: shared_memory.SharedMemory | None = None  # the worker's view of the parent's frame slots


def default_jobs(n_frames: int, width: int, height: int, format: str) -> int:
    """The worker processes ``-j`` defaults to: every core for a job large enough to gain, else 1.

    Measured on 2 cores, whole process, the seed config at 600x600 to GIF:
    41 frames took 1.13 s with -j 1 and 1.57 s with -j 2, 161 frames (tween
    3) 2.04 s and 2.10 s, 401 frames (tween 9) 3.39 s and 2.88 s. A worker
    costs about 0.4 s more before its first frame than drawing in-process,
    and two workers draw a 600x600 frame in 3.5 ms against 4.7 ms for one
    process, while the parent encodes on the same cores. MP4 gains nothing
    on 2 cores: libx264, in its own process, needs about twice the CPU of
    the drawing at 1920x1080 (23 ms against 9 ms a frame), so -j 1 keeps
    both cores busy and workers only add their start-up (161 frames at
    1920x1080: 4.16 s with -j 1, 4.97 s with -j 2).
    """
    cores = _cores()
    if cores < 2 or format == "mp4" or n_frames * width * height < _PARALLEL_MIN_PIXELS:
        return 1
    return min(cores, -(-n_frames // _RUN_LENGTH))


def _cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM held back while workers are spawned or stopped, then delivered.

    A spawn cut short by an interrupt leaves its child printing a traceback
    as it dies; held back, the signal arrives once the workers exist and
    unwinds the render as usual (for stopping, see ``_stop_workers``). The
    signals are blocked, and a signal that arrived just before waits in
    Python's handler queue, so the handlers are swapped for one that notes
    it (in the main thread, where Python runs them). The workers start with
    the signals blocked and unblock them in ``_start_worker``, once SIGINT
    is ignored.
    """
    noted: list[int] = []
    swapped: dict[int, Any] = {}
    # Read before it changes: a signal already caught may raise from any of the calls below.
    previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, ())
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING_SIGNALS)
        if threading.current_thread() is threading.main_thread():
            for signum in _STOPPING_SIGNALS:
                handler = signal.getsignal(signum)
                if callable(handler):
                    swapped[signum] = handler
                    signal.signal(signum, lambda number, frame: noted.append(number))
        yield
    finally:
        for swapped_signal, handler in swapped.items():
            signal.signal(swapped_signal, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
        for noted_signal in noted:
            signal.raise_signal(noted_signal)


def _start_worker(build: Callable[[], Any], slots_name: str) -> None:
    global _build, _slots
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent unwinds on Ctrl-C and stops the workers
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPPING_SIGNALS)
    threading.Thread(target=_exit_with_parent, name="exit-with-parent", daemon=True).start()
    _build = build
    _slots = shared_memory.SharedMemory(name=slots_name)


def _exit_with_parent() -> None:
    """End this worker as soon as its parent process has ended.

    A parent that unwinds stops its workers itself; one killed outright
    (SIGKILL, the out-of-memory killer) cannot, and its workers would wait
    for their next run for ever, each holding a figure.
    """
    parent = multiprocessing.parent_process()
    assert parent is not None, "a worker is started by a parent process"
    multiprocessing.connection.wait([parent.sentinel])
    os._exit(1)  # at once: the main thread may be blocked waiting for the next run


def _draw_run(start: int, stop: int, offset: int, shape: tuple[int, int, int]) -> None:
    """Draw frames start .. stop - 1 into the shared slots from byte ``offset``, as (H, W, 4) RGBA arrays."""
    global _renderer
    assert _build is not None and _slots is not None, "the worker was started without a renderer"
    if _renderer is None:
        _renderer = _build()
    for index, frame in enumerate(range(start, stop)):
        pixels = _renderer.draw(frame)
        if pixels.shape != (*shape[:2], 3):
            raise ValueError(f"frame {frame} is {pixels.shape}, expected {(*shape[:2], 3)}")
        slot = np.ndarray(shape, np.uint8, buffer=_slots.buf, offset=offset + index * _nbytes(shape))
        rgba = pixels.base  # a renderer's frame is the RGB view of RGBA pixels: one flat copy (3 ms less at 600x600)
        if isinstance(rgba, np.ndarray) and rgba.shape == shape and rgba.flags.c_contiguous:
            slot[...] = rgba
        else:
            slot[..., :3] = pixels
        del slot  # no view of the shared memory may outlive the task


def _nbytes(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape))


@contextmanager
def parallel_frames(
    build: Callable[[], Any], n_frames: int, jobs: int, *, size: tuple[int, int]
) -> Iterator[Iterator[np.ndarray]]:
    """Draw frames 0 .. n_frames - 1 in ``jobs`` worker processes; yields an iterator of them, in order.

    build : a picklable callable (e.g. a ``functools.partial`` of a renderer
        class) returning an object whose ``draw(f)`` gives frame f as an
        (height, width, 3) uint8 array.
    size : (height, width) of every frame.
    The frames cross from the workers through shared memory, a slot per
    frame in flight: pickling them through a pipe made 600x600 frames
    arrive at 8 ms each, slower than one process draws them (5 ms).
    Leaving the block (normally, on an error or on an interrupt) cancels the
    runs not started, waits for every worker to exit and frees the slots.
    """
    if jobs < 2:
        raise ValueError(f"jobs must be >= 2 for worker processes, got {jobs}")
    shape = (*size, 4)
    run_bytes = _RUN_LENGTH * _nbytes(shape)
    slots = shared_memory.SharedMemory(create=True, size=jobs * _RUNS_AHEAD * run_bytes)
    try:
        context = multiprocessing.get_context("spawn")
        executor = ProcessPoolExecutor(
            jobs, mp_context=context, initializer=_start_worker, initargs=(build, slots.name)
        )
        try:
            yield _in_order(executor, slots, n_frames, jobs, shape)
        except BaseException:
            _stop_workers(executor)
            raise
        executor.shutdown(wait=True)
    finally:
        slots.unlink()
        # an interrupt may leave a view of a slot in its traceback: the process's exit unmaps it then
        with suppress(BufferError):
            slots.close()


def _stop_workers(executor: ProcessPoolExecutor) -> None:
    """Cancel the runs not started and wait for every worker to exit, whatever Ctrl-C comes meanwhile.

    The wait holds the signals back: a second Ctrl-C cutting it short left
    the workers waiting for runs that never come and the interpreter's exit
    waiting on them (on Python 3.11 an interrupted ``Thread.join`` can even
    mark the executor's thread finished while it runs). A Ctrl-C delivered
    as the signals are held or released belongs to the interrupt already
    unwinding, and is dropped.
    """
    while True:
        try:
            with _signals_held():
                executor.shutdown(wait=True, cancel_futures=True)
            return
        except KeyboardInterrupt:
            continue


def _in_order(
    executor: ProcessPoolExecutor,
    slots: shared_memory.SharedMemory,
    n_frames: int,
    jobs: int,
    shape: tuple[int, int, int],
) -> Iterator[np.ndarray]:
    n_slots = jobs * _RUNS_AHEAD
    frame_bytes = _nbytes(shape)
    runs = iter(range(0, n_frames, _RUN_LENGTH))
    pending: deque[tuple[int, Future[None]]] = deque()

    def submit(start: int) -> None:
        offset = (start // _RUN_LENGTH) % n_slots * _RUN_LENGTH * frame_bytes
        stop = min(start + _RUN_LENGTH, n_frames)
        pending.append((start, executor.submit(_draw_run, start, stop, offset, shape)))

    with _signals_held():  # the first submissions spawn the workers
        for start in itertools.islice(runs, n_slots):
            submit(start)
    while pending:
        start, drawn = pending.popleft()
        try:
            drawn.result()
        except BrokenProcessPool as error:
            raise OutputError(
                "a frame-drawing worker process stopped unexpectedly (killed, or out of memory); "
                "try fewer workers with -j, or -j 1"
            ) from error
        offset = (start // _RUN_LENGTH) % n_slots * _RUN_LENGTH * frame_bytes
        count = min(_RUN_LENGTH, n_frames - start)
        # copied out of the slots before the slots are handed to the next run
        frames = [
            np.ndarray(shape, np.uint8, buffer=slots.buf, offset=offset + index * frame_bytes).copy()
            for index in range(count)
        ]
        following = next(runs, None)
        if following is not None:
            submit(following)
        for rgba in frames:
            yield rgba[..., :3]
