"""Frame sinks per output format: GIF, MP4, animated WebP, a folder of PNGs, the HTML player.

Frames arrive one at a time as (height, width, 3) uint8 arrays and leave
encoded; no sink keeps RGB copies of past frames. Output is atomic: it is
written under a temporary name beside the target and renamed over it.

GIF: gmm_anim.write.gif (one global palette, exact nearest-colour mapping,
delta frames), its measurements in that module's docstring.

HTML: gmm_anim.write.html (lossless WebP boxes of the changed pixels, drawn
exactly into a canvas by the page's own player), its measurements there.

WebP. The GIF's palette frames, stored losslessly. On the seed frames:
true-colour lossless 603 KiB (exact), lossy quality 90 620 KiB (error 1.72,
chroma smeared around dots and lines), lossy 80 464 KiB (2.01), palette
frames lossless 235 KiB (0.235): smallest, and the look of the GIF. libwebp
merges a repeated frame into the one before it (durations add up).

MP4. H.264, yuv420p (odd sizes padded by one edge pixel), converted and
tagged as BT.709, through the ffmpeg binary imageio-ffmpeg ships. It is run
directly rather than through ``imageio_ffmpeg.write_frames``, which lets
ffmpeg write to our stderr and ignores its exit status: here a failure
becomes an OutputError carrying ffmpeg's last error line. Frames go down
the pipe as the renderer's RGBA bytes: gathering RGB took 13 ms a frame at
1920x1080, more than drawing it, and the seed config's 161 frames (tween 3)
at that size took 5.8 s with it against 4.2 s without (medians of 6
alternating runs, the same bytes). A pipe widened from 64 KiB to 1 MiB
saved 4% of that render and was left out.
libx264's preset and CRF were chosen with bench/mp4_settings.py on those
161 frames: matplotlib's FFMpegWriter (medium, CRF 23) gives 562 KiB at
colour error 0.85 (mean RGB distance to the true frames, 0-255) for 32-41
ms of encoder CPU a frame; medium at CRF 18 848 KiB, 0.73, 30-38 ms;
veryfast at CRF 18 824 KiB, 0.85, 22-27 ms; ultrafast 3435 KiB, 0.65,
12 ms. veryfast at CRF 18 keeps FFMpegWriter's colour error at 1.5x its
size for about 0.7x its encoder time, and the encoder is most of the CPU a
1080p render uses.
"""

from __future__ import annotations

import itertools
import math
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np

from ..errors import ConfigError, OutputError
from .gif import indexed_frames, write_gif
from .pixels import rgba_pixels
from .targets import check_target, resolve_format

if TYPE_CHECKING:
    from PIL import Image

    from ..drawing.captions import Captions

__all__ = ["frame_durations_ms", "write_animation", "write_file"]

# libx264's speed preset and quality, chosen by measurement (bench/mp4_settings.py, in the module docstring).
MP4_PRESET = "veryfast"
MP4_CRF = 18

# GIF stores durations in centiseconds in 16 bits.
_GIF_MAX_DURATION_MS = 655_350


# --- format and timing -----------------------------------------------------


def _round_to_10ms(milliseconds: float) -> int:
    """Rounded half up to a multiple of 10."""
    return 10 * math.floor(milliseconds / 10 + 0.5)


def frame_durations_ms(n_frames: int, fps: float, hold: float) -> list[int]:
    """Display time of each frame in ms: 1000/fps rounded to 10 ms (at least 20).

    GIF stores centiseconds and browsers slow frames under 20 ms down to
    100 ms, hence the rounding and the floor. The last frame stays ``hold``
    seconds (rounded to 10 ms) longer.
    """
    if not (math.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a positive finite number, got {fps!r}")
    if not (math.isfinite(hold) and hold >= 0):
        raise ValueError(f"hold must be a finite number >= 0, got {hold!r}")
    if n_frames < 0:
        raise ValueError(f"n_frames must be >= 0, got {n_frames}")
    durations = [max(20, _round_to_10ms(1000 / fps))] * n_frames
    if durations:
        durations[-1] += _round_to_10ms(1000 * hold)
    return durations


# --- WebP, PNG folder, MP4 --------------------------------------------------


class _FrameSequence:
    """The frames after the first, as the multi-frame image Pillow's WebP saver reads.

    Pillow turns ``append_images`` into a list (an iterator would be
    accumulated) but walks a multi-frame entry by ``seek``: pulling a frame
    from the iterator on each seek keeps one frame alive instead of all.
    """

    mode = "RGB"

    def __init__(self, frames: Iterator[np.ndarray], n_frames: int) -> None:
        self.n_frames = n_frames
        self._frames = frames
        self._index = -1
        self._image: Image.Image | None = None

    def tell(self) -> int:
        return self._index

    def seek(self, index: int) -> None:
        from PIL import Image

        while self._index < index:
            self._image = Image.fromarray(next(self._frames))
            self._index += 1

    def getim(self) -> object:  # Pillow's internal image core
        assert self._image is not None, "Pillow seeks before it reads a frame"
        return self._image.getim()


def _write_webp(
    frames: Iterator[np.ndarray], fp: IO[bytes], durations: list[int], key_colours: np.ndarray | None
) -> None:
    """Animated WebP through Pillow: the GIF's palette frames, stored losslessly."""
    from PIL import Image

    palette, indexed = indexed_frames(frames, len(durations), key_colours)
    rgb = (palette[indices] for indices in indexed)
    first = Image.fromarray(next(rgb))
    # quality and method set the lossless effort: quality 75, method 2 is
    # 2-5x faster than 100, 4 and about 1% larger on scatter frames.
    first.save(
        fp, format="WEBP", save_all=True, append_images=[_FrameSequence(rgb, len(durations) - 1)],
        duration=durations, loop=0, lossless=True, quality=75, method=2,
    )  # fmt: skip
    for _ in frames:  # the stream raises if more than n_frames arrive
        pass


def _write_png_folder(frames: Iterator[np.ndarray], folder: Path, n_frames: int) -> None:
    """frame_0000.png, frame_0001.png, ...: zero-padded to the width of the count."""
    from PIL import Image

    digits = max(4, len(str(n_frames - 1)))
    for index, frame in enumerate(frames):
        # Pillow writes no tIME or other varying chunk unless asked to.
        Image.fromarray(frame).save(folder / f"frame_{index:0{digits}d}.png", format="PNG")


def ffmpeg_command(
    executable: str, target: Path, width: int, height: int, fps: float, *, preset: str = MP4_PRESET, crf: int = MP4_CRF
) -> list[str]:
    """ffmpeg reading raw RGBA frames from stdin and writing H.264 in yuv420p, converted with and tagged as BT.709."""
    rate = str(Fraction(fps).limit_denominator(1_000_000))
    return [
        executable, "-hide_banner", "-nostats", "-loglevel", "error",
        "-y", "-f", "rawvideo", "-pix_fmt", "rgba", "-s", f"{width}x{height}",
        "-r", rate, "-i", "pipe:0", "-an",
        "-vf", "scale=out_color_matrix=bt709:out_range=tv",
        "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
        "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
        "-color_range", "tv", "-movflags", "+faststart", "-f", "mp4", str(target),
    ]  # fmt: skip


def _even_rgba(frame: np.ndarray) -> np.ndarray:
    """Contiguous RGBA, an odd height or width padded by one repeated edge pixel (yuv420p needs even)."""
    rgba = rgba_pixels(frame)
    height, width = frame.shape[:2]
    if height % 2 == 0 and width % 2 == 0:
        return rgba  # ffmpeg reads the raw bytes
    return np.pad(rgba, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")


def _write_mp4(frames: Iterator[np.ndarray], target: Path, *, fps: float, hold: float, label: Path) -> None:
    """Pipe raw RGBA frames to the ffmpeg that imageio-ffmpeg ships.

    The last frame is repeated hold * fps times (rounded half up) to make the hold.
    """
    import imageio_ffmpeg

    try:
        executable = imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as error:  # a platform without the bundled binary
        raise OutputError(f"cannot write {label}: {error}") from error
    first = _even_rgba(next(frames))
    height, width = first.shape[:2]
    command = ffmpeg_command(executable, target, width, height, fps)
    with tempfile.TemporaryFile() as log:
        # A session of its own: Ctrl-C interrupts Python, which then stops ffmpeg.
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log,
            bufsize=0, start_new_session=True,
        )  # fmt: skip
        stdin = process.stdin
        assert stdin is not None, "ffmpeg is started with stdin=PIPE"
        try:
            frame = first
            for frame in itertools.chain([first], map(_even_rgba, frames)):
                stdin.write(frame.data)
            for _ in range(math.floor(hold * fps + 0.5)):
                stdin.write(frame.data)
            stdin.close()
        except BrokenPipeError:
            stdin.close()  # ffmpeg quit early; its status and log say why
        except BaseException:
            process.kill()
            process.wait()
            raise
        status = process.wait()
        if status != 0:
            log.seek(0)
            lines = log.read().decode("utf-8", "replace").splitlines()
            reason = next((line.strip() for line in reversed(lines) if line.strip()), "")
            reason = reason or f"ffmpeg exited with status {status}"
            raise OutputError(f"cannot write {label}: ffmpeg failed: {reason}")


# --- atomic output ----------------------------------------------------------


def _sibling(path: Path, tag: str) -> Path:
    """A hidden name next to ``path``: ``.<name>.<tag>-<random>``."""
    return path.with_name(f".{path.name}.{tag}-{secrets.token_hex(4)}")


def _unwritable(path: Path, error: OSError) -> OutputError:
    for ancestor in path.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                return OutputError(f"cannot write {path}: {ancestor} is a file, not a folder")
            break
    return OutputError(f"cannot write {path}: {error.strerror or error}")


@contextmanager
def _atomic_file(path: Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``path``; it replaces ``path`` if the body succeeds."""
    temporary = _sibling(path, "tmp")
    try:
        # Created here (not by the encoder) so that an unwritable folder
        # fails before any frame is rendered, and inside the try so that
        # Ctrl-C or SIGTERM arriving just after it exists still removes it.
        while True:
            try:
                with open(temporary, "xb"):
                    break
            except FileExistsError:  # another's file (a 1 in 2**32 name clash): left alone
                temporary = _sibling(path, "tmp")
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_file(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (parent folders created) and return the path.

    Raises OutputError when the location cannot be written; ``path`` is then
    left as it was.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _atomic_file(path) as temporary:
            temporary.write_bytes(data)
    except OSError as error:
        raise _unwritable(path, error) from error
    return path


@contextmanager
def _atomic_folder(path: Path) -> Iterator[Path]:
    """Yield a temporary sibling folder; it is swapped in for ``path`` on success."""
    temporary = _sibling(path, "tmp")
    try:  # created inside the try, as in _atomic_file
        while True:
            try:
                os.mkdir(temporary)
                break
            except FileExistsError:  # another's folder (a 1 in 2**32 name clash): left alone
                temporary = _sibling(path, "tmp")
        yield temporary
        if not path.exists():
            os.rename(temporary, path)
            return
        previous = _sibling(path, "old")
        try:
            os.rename(path, previous)
            os.rename(temporary, path)
        except BaseException:
            if previous.exists() and not path.exists():
                os.rename(previous, path)
            raise
        shutil.rmtree(previous)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


# --- the entry point --------------------------------------------------------


def _checked_frames(
    frames: Iterable[np.ndarray], n_frames: int, progress: Callable[[int], None] | None
) -> Iterator[np.ndarray]:
    """Yield exactly n_frames same-sized (H, W, 3) uint8 frames, reporting progress.

    Frames pass as they come, strided or not (the renderer's are RGB views of
    RGBA pixels): each sink copies them at most once, into the layout it needs.
    """
    shape = None
    count = 0
    for frame in frames:
        frame = np.asarray(frame)
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"frames must be (H, W, 3) uint8, got {frame.shape} {frame.dtype}")
        if shape is not None and frame.shape != shape:
            raise ValueError(f"frame {count} is {frame.shape}, the first was {shape}")
        if count == n_frames:
            raise ValueError(f"more frames than n_frames={n_frames}")
        shape = frame.shape
        yield frame
        count += 1
        if progress is not None:
            progress(count)
    if count != n_frames:
        raise ValueError(f"got {count} frames, expected n_frames={n_frames}")


def write_animation(
    frames: Iterable[np.ndarray],
    path: Path,
    *,
    format: str,
    fps: float,
    hold: float,
    n_frames: int,
    key_colours: np.ndarray | None = None,
    progress: Callable[[int], None] | None = None,
    captions: Captions | None = None,
) -> Path:
    """Encode frames to ``path`` atomically and return the path written.

    frames : iterable of n_frames arrays of shape (height, width, 3), uint8,
        consumed one at a time.
    format : "auto", "gif", "mp4", "webp", "png" (a folder of frames) or "html" (the player).
    key_colours : array of shape (m, 3), uint8: colours the palette of GIF and
        WebP output holds exactly (background, text, component colours).
    progress : called with the number of frames consumed so far, after each.
    captions : what the HTML player shows beside each frame (``drawing.captions``);
        other formats ignore it, and without it the player numbers the frames.

    On any failure or interrupt ``path`` is left as it was and no temporary
    file remains. Raises OutputError when the location cannot be written or
    the encoder fails.
    """
    path = Path(path)
    format = resolve_format(path, format)
    if n_frames < 1:
        raise ValueError(f"n_frames must be >= 1, got {n_frames}")
    durations = frame_durations_ms(n_frames, fps, hold)
    if format == "gif" and max(durations) > _GIF_MAX_DURATION_MS:
        field = "render.hold" if durations[0] <= _GIF_MAX_DURATION_MS else "render.fps"
        raise ConfigError(path, field, f"a GIF frame lasts at most 655.35 s, got {max(durations) / 1000} s")
    check_target(path, format)
    stream = _checked_frames(frames, n_frames, progress)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if format == "png":
            with _atomic_folder(path) as folder:
                _write_png_folder(stream, folder, n_frames)
        elif format == "mp4":
            with _atomic_file(path) as temporary:
                _write_mp4(stream, temporary, fps=fps, hold=hold, label=path)
        elif format == "html":
            from .html import write_html

            with _atomic_file(path) as temporary, open(temporary, "wb") as fp:
                write_html(stream, fp, durations, captions)
        else:
            with _atomic_file(path) as temporary, open(temporary, "wb") as fp:
                write = write_gif if format == "gif" else _write_webp
                write(stream, fp, durations, key_colours)
    except OutputError:
        raise
    except OSError as error:
        raise _unwritable(path, error) from error
    return path
