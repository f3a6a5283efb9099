"""Frame sinks: decode everything written and compare with what went in."""

from __future__ import annotations

import stat
import struct
import subprocess
import weakref
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from gmm_anim.errors import ConfigError, OutputError
from gmm_anim.write import gif
from gmm_anim.write.sinks import frame_durations_ms, resolve_format, write_animation

# Background, text, three component colours (tab10).
KEY = np.array([[255, 255, 255], [0, 0, 0], [31, 119, 180], [255, 127, 14], [44, 160, 44]], np.uint8)


def make_frames(n: int, height: int = 36, width: int = 48, repeat: int | None = None) -> list[np.ndarray]:
    """Scatter-like frames: white, static text and blended outline, a moving dot, noise.

    The noise block gives far more than 255 colours, so the GIF palette must
    quantise; frame ``repeat`` (if given) repeats the frame before it.
    """
    rng = np.random.default_rng(0)
    frames = []
    for k in range(n):
        frame = np.full((height, width, 3), 255, np.uint8)
        frame[1:3, 2:30] = KEY[1]
        # An antialiased outline: blends of a component colour with white.
        blend = np.linspace(0, 1, 20)[:, None]
        frame[5, 2:22] = np.round(blend * KEY[2] + (1 - blend) * 255).astype(np.uint8)
        top, left = 8 + k % 5 * 3, 2 + k * 3 % 24
        frame[top : top + 5, left : left + 5] = KEY[2 + k % 3]
        frame[24:34, 30:46] = rng.integers(0, 256, (10, 16, 3), dtype=np.uint8)
        frames.append(frame)
    if repeat is not None:
        frames[repeat] = frames[repeat - 1].copy()
    return frames


def write(frames, path, **options):
    options = {"format": "auto", "fps": 5.0, "hold": 0.5, "n_frames": len(frames), **options}
    return write_animation(iter(frames), path, **options)


def gif_frames(path: Path) -> tuple[list[np.ndarray], list[int], dict]:
    """Decoded RGB frames, per-frame durations and the first frame's info."""
    with Image.open(path) as image:
        info = dict(image.info)
        frames, durations = [], []
        for index in range(image.n_frames):
            image.seek(index)
            frames.append(np.asarray(image.convert("RGB")))
            durations.append(image.info["duration"])
    return frames, durations, info


def gif_blocks(data: bytes) -> tuple[bool, list[tuple[bool, int, int | None]]]:
    """Global colour table present; per image: local table present, delay (cs), transparent index."""
    assert data[:6] == b"GIF89a" and data[-1:] == b";"
    flags, position, delay, transparent, images = data[10], 13, 0, None, []
    if flags & 0x80:
        position += 3 * (2 << (flags & 7))
    while data[position] != 0x3B:
        if data[position] == 0x21:  # extension: label, then sub-blocks
            if data[position + 1] == 0xF9:
                delay = struct.unpack("<H", data[position + 4 : position + 6])[0]
                transparent = data[position + 6] if data[position + 3] & 1 else None
            position += 2
        else:
            assert data[position] == 0x2C
            local = data[position + 9]
            position += 10 + (3 * (2 << (local & 7)) if local & 0x80 else 0) + 1
            images.append((bool(local & 0x80), delay, transparent))
        while data[position]:
            position += data[position] + 1
        position += 1
    return bool(flags & 0x80), images


def listing(folder: Path) -> list[str]:
    return sorted(entry.name for entry in folder.iterdir())


# --- timing and formats -----------------------------------------------------


@pytest.mark.parametrize(
    ("fps", "hold", "expected"),
    [
        (3, 1.0, [330, 330, 1330]),  # 333.3 ms -> 330
        (2, 0.0, [500, 500, 500]),
        (40, 0.0, [30, 30, 30]),  # 25 ms rounds half up
        (50, 0.0, [20, 20, 20]),
        (100, 0.0, [20, 20, 20]),  # 10 ms is below the 20 ms floor
        (3, 0.333, [330, 330, 660]),
        (3, 0.005, [330, 330, 340]),
        (0.5, 2.0, [2000, 2000, 4000]),
    ],
)
def test_frame_durations_round_to_10_ms_with_a_floor_and_hold(fps, hold, expected):
    assert frame_durations_ms(3, fps, hold) == expected


def test_frame_durations_edge_counts_and_invalid_input():
    assert frame_durations_ms(0, 3, 1.0) == []
    assert frame_durations_ms(1, 3, 1.0) == [1330]
    for fps, hold in [(0, 1.0), (-1, 1.0), (float("nan"), 1.0), (3, -0.1), (3, float("inf"))]:
        with pytest.raises(ValueError):
            frame_durations_ms(2, fps, hold)


@pytest.mark.parametrize(
    "name, format, expected",
    [
        ("a.gif", "auto", "gif"),
        ("a.GIF", "auto", "gif"),
        ("dir.v2/a.mp4", "auto", "mp4"),
        ("a.webp", "auto", "webp"),
        ("frames", "auto", "png"),
        ("frames", "png", "png"),
        ("a.mp4", "mp4", "mp4"),
    ],
)
def test_resolve_format(name, format, expected):
    assert resolve_format(Path(name), format) == expected


@pytest.mark.parametrize(
    "name, format, message",
    [
        ("out.avi", "auto", "out.avi: render.output: expected a name ending in .gif, .mp4, .webp, .html, or no suffix"),
        ("a.png", "auto", "a.png: render.output: expected a folder name, got 'a.png' (PNG output is a folder"),
        ("a.png", "png", "a.png: render.output: expected a folder name"),
        ("a.gif", "mp4", "a.gif: render.format: expected an output ending in .mp4 for render.format mp4, got"),
        ("frames", "webp", "frames: render.format: expected an output ending in .webp"),
        ("a.mp4", "png", "a.mp4: render.format: expected an output without a suffix (a folder of PNG frames)"),
        ("a.gif", "avi", "a.gif: render.format: expected auto, gif, mp4, webp, png, html, got 'avi'"),
    ],
)
def test_resolve_format_refuses_a_suffix_that_disagrees(name, format, message):
    with pytest.raises(ConfigError) as caught:
        resolve_format(Path(name), format)
    assert str(caught.value).startswith(message)


# --- GIF ---------------------------------------------------------------------


def test_gif_size_frames_durations_loop_and_global_palette(tmp_path):
    frames = make_frames(7, repeat=4)
    path = write(frames, tmp_path / "a.gif", fps=4, hold=1.0, key_colours=KEY)
    decoded, durations, info = gif_frames(path)
    assert decoded[0].shape == (36, 48, 3)
    # The repeated frame stays a frame of its own with its own duration.
    assert len(decoded) == 7
    assert durations == [250] * 6 + [1250]
    assert info["loop"] == 0
    has_global, images = gif_blocks(path.read_bytes())
    assert has_global
    assert [(local, delay) for local, delay, _ in images] == [(False, 25)] * 6 + [(False, 125)]
    # Deltas after the first frame mark unchanged pixels with one free palette index.
    assert images[0][2] is None and len({transparent for *_, transparent in images[1:]}) == 1


def test_gif_maps_key_colours_exactly_and_static_pixels_never_change(tmp_path):
    frames = make_frames(7, repeat=4)
    path = write(frames, tmp_path / "a.gif", key_colours=KEY)
    decoded, _, _ = gif_frames(path)
    codes = KEY.astype(np.uint32) @ np.array([65536, 256, 1], np.uint32)
    for frame, out in zip(frames, decoded):
        is_key = np.isin(frame.astype(np.uint32) @ np.array([65536, 256, 1], np.uint32), codes)
        assert is_key.sum() > 1000
        np.testing.assert_array_equal(out[is_key], frame[is_key])
        # Nearest-colour mapping: the noise block is approximated, not dithered away.
        assert np.abs(out.astype(int) - frame).max() < 80
    for (a, b), (out_a, out_b) in zip(zip(frames, frames[1:]), zip(decoded, decoded[1:])):
        same = (a == b).all(axis=-1)
        np.testing.assert_array_equal(out_a[same], out_b[same])


def gif_descriptors(data: bytes) -> list[tuple[int, int, int, int]]:
    """(left, top, width, height) of every image in a GIF."""
    flags, position, boxes = data[10], 13, []
    if flags & 0x80:
        position += 3 * (2 << (flags & 7))
    while data[position] != 0x3B:
        if data[position] == 0x21:
            position += 2
        else:
            boxes.append(struct.unpack("<HHHH", data[position + 1 : position + 9]))
            local = data[position + 9]
            position += 10 + (3 * (2 << (local & 7)) if local & 0x80 else 0) + 1
        while data[position]:
            position += data[position] + 1
        position += 1
    return boxes


def naive_nearest(frame: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Index of the nearest palette colour per pixel, ties to the lowest: (H, W)."""
    distances = ((frame[:, :, None, :].astype(np.float64) - palette.astype(np.float64)) ** 2).sum(axis=-1)
    return distances.argmin(axis=-1)


def test_gif_frames_decode_to_the_nearest_palette_colours_in_changed_boxes(tmp_path):
    frames = make_frames(6)
    path = write(frames, tmp_path / "a.gif", fps=4, hold=1.0, key_colours=KEY)
    decoded, _, _ = gif_frames(path)
    data = path.read_bytes()
    with Image.open(path) as image:
        table = np.asarray(image.getpalette(), np.uint8).reshape(-1, 3)
    # Our palette's length is the transparent index the delta frames use.
    palette = table[: gif_blocks(data)[1][1][2]]
    assert len(np.unique(palette, axis=0)) == len(palette) > 200
    previous = None
    for frame, out, box in zip(frames, decoded, gif_descriptors(data)):
        indices = naive_nearest(frame, palette)
        np.testing.assert_array_equal(out, palette[indices])
        if previous is None:
            assert box == (0, 0, 48, 36)
        else:
            rows, cols = np.nonzero(indices != previous)
            assert box == (cols.min(), rows.min(), cols.max() + 1 - cols.min(), rows.max() + 1 - rows.min())
        previous = indices


def test_delta_tile_stores_changed_pixels_and_the_runs_they_touch():
    indices = np.array([[1, 1, 1, 2, 2, 3, 3, 3], [3, 4, 4, 4, 5, 5, 6, 6]], np.uint8)
    changed = np.zeros_like(indices, bool)
    changed[0, 1] = changed[0, 7] = changed[1, 4] = True
    T = 9
    expected = [[1, 1, 1, T, T, 3, 3, 3], [3, T, T, T, 5, 5, T, T]]
    np.testing.assert_array_equal(gif._delta_tile(indices, changed, T), expected)
    # Nothing changed in a row of equal indices: all transparent.
    assert (gif._delta_tile(np.ones((2, 3), np.uint8), np.zeros((2, 3), bool), T) == T).all()


def test_nearest_colour_equals_a_naive_search_and_keeps_palette_colours():
    rng = np.random.default_rng(3)
    palette = np.unique(rng.integers(0, 256, (120, 3), dtype=np.uint8), axis=0)
    # A duplicate-free palette plus a colour equidistant from two entries (a tie).
    palette = np.concatenate([palette, [[0, 0, 0], [2, 0, 0]]]).astype(np.uint8)
    palette = palette[np.sort(np.unique(palette, axis=0, return_index=True)[1])]
    frame = rng.integers(0, 256, (40, 130, 3), dtype=np.uint8)
    frame[0, : len(palette)] = palette
    frame[1, 0] = [1, 0, 0]
    nearest = gif.NearestColour(palette)
    for _ in range(2):  # the second pass is served from the cache
        np.testing.assert_array_equal(nearest(frame), naive_nearest(frame, palette))
    np.testing.assert_array_equal(nearest(frame)[0, : len(palette)], np.arange(len(palette)))
    # A strided view (RGB out of RGBA) maps the same.
    rgba = np.concatenate([frame, np.full((40, 130, 1), 255, np.uint8)], axis=-1)
    np.testing.assert_array_equal(nearest(rgba[..., :3]), naive_nearest(frame, palette))


def test_palette_holds_key_colours_first_and_few_colours_exactly():
    frames = make_frames(3)
    palette = gif.build_palette(frames, KEY)
    assert len(palette) == gif.MAX_COLOURS
    np.testing.assert_array_equal(palette[: len(KEY)], KEY)
    assert len(np.unique(palette, axis=0)) == len(palette)
    few = [frame[:6] for frame in frames]  # white, black, blended outline: under 255 colours
    palette = gif.build_palette(few, KEY[:2])
    colours = np.unique(np.concatenate([frame.reshape(-1, 3) for frame in few]), axis=0)
    assert len(palette) == len(colours)
    assert {tuple(c) for c in palette} == {tuple(c) for c in colours}
    with pytest.raises(ValueError, match="uint8"):
        gif.build_palette(frames, KEY.astype(np.int64))


def test_gif_is_byte_identical_across_writes(tmp_path):
    frames = make_frames(5)
    first = write(frames, tmp_path / "a.gif", key_colours=KEY).read_bytes()
    assert write(frames, tmp_path / "b.gif", key_colours=KEY).read_bytes() == first


def test_gif_without_key_colours_and_single_frame(tmp_path):
    frame = make_frames(1)[0]
    path = write([frame], tmp_path / "one.gif", hold=1.0)
    decoded, durations, _ = gif_frames(path)
    assert len(decoded) == 1 and durations == [1200]
    assert (decoded[0][:6] == frame[:6]).all()  # few colours: kept exactly


def test_gif_rejects_a_frame_longer_than_gif_can_store(tmp_path):
    with pytest.raises(ConfigError, match="render.hold"):
        write(make_frames(2), tmp_path / "a.gif", hold=700.0)
    assert listing(tmp_path) == []


# --- MP4, WebP, PNG ----------------------------------------------------------


def test_mp4_frame_count_includes_the_hold_and_odd_sizes_are_padded(tmp_path):
    frames = make_frames(5, height=35, width=47)
    path = write(frames, tmp_path / "a.mp4", fps=4, hold=1.0)
    n_frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert n_frames == 5 + 4
    assert seconds == pytest.approx(9 / 4, abs=0.05)
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    assert tuple(meta["size"]) == (48, 36)
    reader.close()
    assert listing(tmp_path) == ["a.mp4"]


def _smooth_frames(n: int, height: int = 64, width: int = 96) -> list[np.ndarray]:
    """RGB views of RGBA frames, as the renderer yields them: flat colour fields and a moving square."""
    frames = []
    for k in range(n):
        rgba = np.full((height, width, 4), 255, np.uint8)
        rgba[: height // 2, : width // 2, :3] = KEY[2]
        rgba[height // 2 :, width // 2 :, :3] = KEY[3]
        rgba[8 + 2 * k : 24 + 2 * k, 40:56, :3] = KEY[4]
        frames.append(rgba[..., :3])
    return frames


def _decoded_mp4(path: Path, height: int, width: int) -> np.ndarray:
    """The MP4's frames as RGB, converted back with the BT.709 studio-range matrix it is tagged with."""
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-i", str(path),
        "-vf", "scale=in_color_matrix=bt709:in_range=tv", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
    ]  # fmt: skip
    data = subprocess.run(command, capture_output=True, check=True).stdout
    return np.frombuffer(data, np.uint8).reshape(-1, height, width, 3)


def test_mp4_decodes_to_its_frames_in_bt709(tmp_path):
    frames = _smooth_frames(6)
    decoded = _decoded_mp4(write(frames, tmp_path / "a.mp4", fps=6, hold=0.0), 64, 96)
    assert len(decoded) == 6
    for shown, truth in zip(decoded, frames):
        # flat fields survive H.264 and yuv420p; BT.601 decoding would shift the orange by ~10 levels
        error = np.abs(shown.astype(int) - truth).mean(axis=(0, 1))
        assert error.max() < 2.5, error


def test_mp4_bytes_do_not_depend_on_the_frames_layout(tmp_path):
    frames = _smooth_frames(5)
    views = write(frames, tmp_path / "rgba-views.mp4").read_bytes()  # sent as their RGBA base
    plain = write([np.ascontiguousarray(frame) for frame in frames], tmp_path / "rgb.mp4").read_bytes()  # copied
    assert views == plain


def test_mp4_encoder_failure_is_an_output_error_with_ffmpegs_last_line(tmp_path, monkeypatch):
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\ncat >/dev/null\necho 'some warning' >&2\necho 'Unknown encoder libx264' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", lambda: str(fake))
    target = tmp_path / "out" / "a.mp4"
    target.parent.mkdir()
    target.write_bytes(b"old")
    with pytest.raises(OutputError, match="ffmpeg failed: Unknown encoder libx264$"):
        write(make_frames(3), target)
    assert target.read_bytes() == b"old"
    assert listing(target.parent) == ["a.mp4"]


def test_webp_decodes_with_frame_count_durations_and_the_gifs_pixels(tmp_path):
    frames = make_frames(6)
    path = write(frames, tmp_path / "a.webp", fps=4, hold=1.0, key_colours=KEY)
    # The same palette mapping as the GIF, stored losslessly.
    expected, _, _ = gif_frames(write(frames, tmp_path / "a.gif", key_colours=KEY))
    with Image.open(path) as image:
        assert image.format == "WEBP" and image.n_frames == 6
        assert image.info["loop"] == 0
        durations = []
        for index in range(6):
            image.seek(index)
            np.testing.assert_array_equal(np.asarray(image.convert("RGB")), expected[index])
            durations.append(image.info["duration"])  # known once the frame is loaded
    assert durations == [250] * 5 + [1250]
    assert write(frames, tmp_path / "b.webp", fps=4, hold=1.0, key_colours=KEY).read_bytes() == path.read_bytes()


def test_webp_merges_a_repeated_frame_into_one_longer_frame(tmp_path):
    # libwebp's animation encoder does this itself; the timing is kept.
    path = write(make_frames(6, repeat=3), tmp_path / "a.webp", fps=4, hold=1.0)
    with Image.open(path) as image:
        durations = []
        for index in range(image.n_frames):
            image.seek(index)
            image.load()
            durations.append(image.info["duration"])
    assert durations == [250, 250, 500, 250, 1250]


def test_png_folder_holds_exact_frames_and_is_byte_identical(tmp_path):
    frames = make_frames(12)
    path = write(frames, tmp_path / "frames")
    assert path == tmp_path / "frames"
    assert listing(path) == [f"frame_{index:04d}.png" for index in range(12)]
    for index, frame in enumerate(frames):
        with Image.open(path / f"frame_{index:04d}.png") as image:
            np.testing.assert_array_equal(np.asarray(image), frame)
    again = write(frames, tmp_path / "again", format="png")
    for name in listing(path):
        assert (again / name).read_bytes() == (path / name).read_bytes()


def test_png_folder_replaces_an_old_frame_folder_but_no_other_folder(tmp_path):
    write(make_frames(5), tmp_path / "frames")
    write(make_frames(2), tmp_path / "frames")
    assert listing(tmp_path / "frames") == ["frame_0000.png", "frame_0001.png"]
    assert listing(tmp_path) == ["frames"]
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep")
    with pytest.raises(ConfigError, match="render.output: expected a new or empty folder.*holds more than frame_"):
        write(make_frames(2), tmp_path / "notes")
    assert listing(tmp_path / "notes") == ["todo.txt"]


# --- streaming, progress, atomicity -------------------------------------------


@pytest.mark.parametrize("name", ["a.gif", "a.mp4", "a.webp", "frames"])
def test_frames_stream_through_with_progress(tmp_path, name):
    made = make_frames(12)
    alive, seen = [], []

    def frames():
        references = []
        for frame in made:
            frame = frame.copy()
            references.append(weakref.ref(frame))
            alive.append(sum(reference() is not None for reference in references))
            yield frame

    write_animation(frames(), tmp_path / name, format="auto", fps=5, hold=0, n_frames=12, progress=seen.append)
    assert seen == list(range(1, 13))
    # The GIF keeps its three palette sample frames for a while; nothing keeps more.
    assert max(alive) <= 5


def contents(path: Path) -> dict[str, bytes]:
    """A file's bytes, or a folder's files by name."""
    if path.is_file():
        return {"": path.read_bytes()}
    return {entry: (path / entry).read_bytes() for entry in listing(path)}


@pytest.mark.parametrize("name", ["a.gif", "a.mp4", "a.webp", "frames"])
def test_rgb_views_of_rgba_frames_write_the_same_bytes(tmp_path, name):
    """The renderer yields RGB views of RGBA pixels; every sink writes them as it writes plain frames."""
    frames = make_frames(4, height=35, width=47)
    views = [np.concatenate([f, np.full((35, 47, 1), 7, np.uint8)], axis=-1)[..., :3] for f in frames]
    plain = write(frames, tmp_path / "plain" / name, key_colours=KEY)
    viewed = write(views, tmp_path / "views" / name, key_colours=KEY)
    assert contents(viewed) == contents(plain)


def failing_frames(error: BaseException, after: int = 3):
    yield from make_frames(after)
    raise error


@pytest.mark.parametrize("name", ["a.gif", "a.mp4", "a.webp", "frames"])
@pytest.mark.parametrize("error", [RuntimeError("render broke"), KeyboardInterrupt()])
def test_failure_midway_leaves_the_target_as_it_was(tmp_path, name, error):
    target = tmp_path / name
    if name == "frames":
        write(make_frames(2), target)
        before = {entry: (target / entry).read_bytes() for entry in listing(target)}
    else:
        target.write_bytes(b"old contents")
    with pytest.raises(type(error)):
        write_animation(failing_frames(error), target, format="auto", fps=5, hold=0, n_frames=6)
    assert listing(tmp_path) == [name]
    if name == "frames":
        assert {entry: (target / entry).read_bytes() for entry in listing(target)} == before
    else:
        assert target.read_bytes() == b"old contents"


@pytest.mark.parametrize("name", ["a.gif", "a.webp"])
def test_an_encoder_failure_is_raised_and_leaves_nothing(tmp_path, monkeypatch, name):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(gif, "_frame_data", full_disk)  # GIF: after the palette, on the first frame
    monkeypatch.setattr("gmm_anim.write.sinks.indexed_frames", full_disk)  # WebP: at once
    with pytest.raises(OutputError, match="No space left on device"):
        write(make_frames(6), tmp_path / name, key_colours=KEY)
    assert listing(tmp_path) == []


@pytest.mark.parametrize("count", [2, 4])
def test_a_frame_count_other_than_n_frames_writes_nothing(tmp_path, count):
    with pytest.raises(ValueError, match="n_frames=3"):
        write_animation(iter(make_frames(count)), tmp_path / "a.webp", format="auto", fps=5, hold=0, n_frames=3)
    assert listing(tmp_path) == []


def test_parent_folders_are_created(tmp_path):
    path = write(make_frames(2), tmp_path / "a" / "b" / "out.gif")
    assert path.is_file() and listing(tmp_path / "a" / "b") == ["out.gif"]


def test_unwritable_locations_are_output_errors(tmp_path):
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(OutputError, match=r"file\.txt is a file, not a folder$"):
        write(make_frames(2), tmp_path / "file.txt" / "sub" / "out.gif")
    assert listing(tmp_path) == ["file.txt"]


def test_targets_that_must_not_be_replaced_are_refused_before_any_frame(tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / "folder.gif").mkdir()
    with pytest.raises(ConfigError, match="expected a file name, got .*, an existing folder"):
        write(make_frames(2), tmp_path / "folder.gif")
    with pytest.raises(ConfigError, match="expected a folder for the PNG frames, got .*, an existing file"):
        write(make_frames(2), tmp_path / "file", format="png")
    with pytest.raises(ConfigError, match="expected a file or folder name"):
        write(make_frames(2), tmp_path / "folder.gif" / "..")
    assert listing(tmp_path) == ["file", "folder.gif"]
    assert (tmp_path / "file").read_text() == "x"
