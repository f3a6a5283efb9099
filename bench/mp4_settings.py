"""MP4 encoder settings measured on real frames: size, colour error and encoder time.

    python bench/mp4_settings.py [--tween 3] [PRESET/CRF[/X264-PARAMS] ...]

Draws the seed config's frames at 1920x1080 (with ``render.tween``, 161
frames at 3) once, as gmm-anim draws them, and encodes those same raw frames
with each setting through the ffmpeg that imageio-ffmpeg ships:

- matplotlib's ``FFMpegWriter`` as the notebook baseline uses it (libx264 at
  its defaults, preset medium and CRF 23, ``-pix_fmt yuv420p``, RGB
  converted with and decoded as untagged BT.601),
- gmm-anim's own command (``gmm_anim.write.sinks.ffmpeg_command``: BT.709,
  tagged) at each PRESET/CRF given, by default a spread of presets and CRFs.

For each it prints the file size, ffmpeg's CPU seconds per frame (user +
system, all its threads), the wall time of the encode alone, and the colour
error: the mean Euclidean RGB distance (0-255 units) of every decoded pixel
to the true frame, the measure the GIF comparison in bench.py uses.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import imageio_ffmpeg
import numpy as np

import gmm_anim
from gmm_anim.drawing import render_frames
from gmm_anim.write.pixels import rgba_pixels
from gmm_anim.write.sinks import MP4_CRF, MP4_PRESET, ffmpeg_command

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1920, 1080
DEFAULT_SETTINGS = [
    "medium/18", "medium/23", "faster/18", "veryfast/16", "veryfast/18", "veryfast/20", "superfast/18", "ultrafast/18",
]  # fmt: skip


def draw_frames(raw: Path, tween: int) -> tuple[int, float]:
    """Write the seed config's frames as raw RGBA to ``raw``; return their number and the frame rate."""
    cfg = gmm_anim.load_config(
        ROOT / "configs/seed.yaml", {"render.width": WIDTH, "render.height": HEIGHT, "render.tween": tween}
    )
    X, _ = gmm_anim.sample(cfg)
    history = gmm_anim.fit(X, cfg)
    count = 0
    with open(raw, "wb") as out:
        for frame in render_frames(X, history, cfg.render):
            out.write(rgba_pixels(frame).data)
            count += 1
    return count, cfg.render.frame_rate


def matplotlib_command(executable: str, target: Path, fps: float) -> list[str]:
    """The command matplotlib's FFMpegWriter runs for codec libx264 with ``extra_args=['-pix_fmt', 'yuv420p']``."""
    return [
        executable, "-f", "rawvideo", "-vcodec", "rawvideo", "-s", f"{WIDTH}x{HEIGHT}", "-pix_fmt", "rgba",
        "-framerate", str(fps), "-loglevel", "error", "-i", "pipe:",
        "-vcodec", "libx264", "-pix_fmt", "yuv420p", "-y", str(target),
    ]  # fmt: skip


def encode(command: list[str], raw: Path) -> tuple[float, float]:
    """Run ``command`` with the raw frames on its stdin; return (CPU seconds, wall seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(raw, "rb") as frames:
        subprocess.run(command, stdin=frames, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def colour_error(executable: str, video: Path, raw: Path, n_frames: int, matrix: str) -> float:
    """Mean Euclidean RGB distance of the decoded video to the raw frames, decoding with ``matrix``."""
    decode = [
        executable, "-loglevel", "error", "-i", str(video),
        "-vf", f"scale=in_color_matrix={matrix}:in_range=tv", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
    ]  # fmt: skip
    truth = np.memmap(raw, np.uint8, "r").reshape(n_frames, HEIGHT, WIDTH, 4)
    frame_bytes = HEIGHT * WIDTH * 3
    errors = []
    with subprocess.Popen(decode, stdout=subprocess.PIPE) as process:
        assert process.stdout is not None
        for index in range(n_frames):
            data = process.stdout.read(frame_bytes)
            if len(data) != frame_bytes:
                raise SystemExit(f"{video}: {index} frames decoded, expected {n_frames}")
            shown = np.frombuffer(data, np.uint8).reshape(HEIGHT, WIDTH, 3).astype(np.float32)
            errors.append(np.sqrt(((shown - truth[index, ..., :3]) ** 2).sum(axis=-1)).mean())
    return float(np.mean(errors))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tween", type=int, default=3, help="render.tween of the seed frames (3: 161 frames)")
    parser.add_argument("settings", nargs="*", default=DEFAULT_SETTINGS, help="PRESET/CRF[/X264-PARAMS] to measure")
    args = parser.parse_args()
    executable = imageio_ffmpeg.get_ffmpeg_exe()
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "frames.rgba"
        n_frames, fps = draw_frames(raw, args.tween)
        print(f"{n_frames} frames at {WIDTH}x{HEIGHT}, {fps:g} fps; gmm-anim's setting: {MP4_PRESET}/{MP4_CRF}")
        runs = [
            ("FFMpegWriter (medium/23, BT.601)", matplotlib_command(executable, Path(folder) / "mpl.mp4", fps), "bt601")
        ]
        for index, setting in enumerate(args.settings):
            preset, crf, *params = setting.split("/")
            target = Path(folder) / f"{index}.mp4"
            command = ffmpeg_command(executable, target, WIDTH, HEIGHT, fps, preset=preset, crf=int(crf))
            if params:  # libx264's own options, before the output
                command[-1:-1] = ["-x264-params", params[0]]
            runs.append((f"gmm-anim {setting}", command, "bt709"))
        print(f"{'setting':44} {'KiB':>7} {'error':>6} {'CPU ms/frame':>13} {'wall s':>7}")
        for label, command, matrix in runs:
            cpu, wall = encode(command, raw)
            target = Path(command[-1])
            error = colour_error(executable, target, raw, n_frames, matrix)
            size = target.stat().st_size / 1024
            print(f"{label:44} {size:7.0f} {error:6.3f} {cpu / n_frames * 1000:13.1f} {wall:7.2f}", flush=True)
            target.unlink()


if __name__ == "__main__":
    sys.exit(main())
