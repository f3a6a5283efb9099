"""The HTML player: the page's frames decode to the PNG frames exactly, in a real browser, offline.

The browser tests drive headless Chromium through Selenium, one session for
the module; they skip, saying why, when no Chromium or chromedriver is found
(``.ci/run`` installs them, so CI runs them).
"""

from __future__ import annotations

import base64
import html
import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import SMALL_CONFIG
from PIL import Image

import gmm_anim
from gmm_anim.drawing import count_frames
from gmm_anim.drawing.captions import frame_captions
from gmm_anim.write.html import frame_boxes

# Variants of the small config (160x120, 4 iterations) the browser checks frame by frame.
VARIANTS = {
    "plain": {},
    "tween, half steps, dark": {"render.tween": 1, "render.half_steps": True, "render.theme": "dark"},
    "chosen frames, log-likelihood panel": {"render.frames": [0, 1, 4], "render.loglik": True, "render.tween": 2},
}
ONE_D = """\
seed: 2
samples: 100
weights: [0.5, 0.5]
means: [[-2], [2]]
covariances: [0.5, 0.8]
iterations: 3
render: {width: 160, height: 120}
"""
THREE_D = """\
seed: 3
samples: 100
weights: [0.5, 0.5]
means: [[0, 0, 0], [3, 1, -2]]
covariances: [0.5, 0.8]
iterations: 3
render: {width: 160, height: 120, dims: [0, 2]}
"""


def render_both(config: Path, folder: Path, overrides: dict | None = None) -> tuple[Path, Path, int]:
    """The page and the PNG folder of one config, and its frame count."""
    cfg = gmm_anim.load_config(config, overrides or {})
    X, _ = gmm_anim.sample(cfg)
    history = gmm_anim.fit(X, cfg)
    page = gmm_anim.render(X, history, cfg, folder / "player.html")
    pngs = gmm_anim.render(X, history, cfg, folder / "frames", format="png")
    return page, pngs, count_frames(history, cfg.render)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_CONFIG)
    return path


# ---------------------------------------------------------------------------
# The page, without a browser


def test_the_boxes_rebuild_every_frame_exactly():
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)]
    for _ in range(6):
        frame = frames[-1].copy()
        top, left = rng.integers(0, 25), rng.integers(0, 35)
        frame[top : top + 5, left : left + 5] = rng.integers(0, 256, 3, dtype=np.uint8)
        frames.append(frame)
    frames.append(frames[-1].copy())  # a repeated frame stores nothing
    canvas = None
    for frame, box in zip(frames, frame_boxes(iter(frames))):
        if canvas is None:
            assert box is not None and box[2].shape == (30, 40, 3)
            canvas = box[2].copy()
            continue
        if box is None:
            assert (frame == canvas).all()
            continue
        left, top, pixels = box
        assert set(np.unique(pixels[..., 3])) <= {0, 255}
        region = canvas[top : top + pixels.shape[0], left : left + pixels.shape[1]]
        opaque = pixels[..., 3] == 255
        region[opaque] = pixels[..., :3][opaque]  # source-over of opaque and fully transparent pixels
        assert (canvas == frame).all()
    assert box is None


def test_the_page_is_self_contained_and_deterministic(small, tmp_path):
    cfg = gmm_anim.load_config(small)
    X, _ = gmm_anim.sample(cfg)
    history = gmm_anim.fit(X, cfg)
    first = gmm_anim.render(X, history, cfg, tmp_path / "a.html").read_bytes()
    again = gmm_anim.render(X, history, cfg, tmp_path / "b.html").read_bytes()
    assert first == again
    text = first.decode("utf-8")
    assert not re.search(r"https?:", text, re.IGNORECASE)
    assert not re.search(r"<(link|img|iframe)\b|<script[^>]*\ssrc=|@import|url\(", text, re.IGNORECASE)
    assert '<canvas id="frame"' in text and "window.gmmAnim" in text


@pytest.mark.parametrize("overrides", list(VARIANTS.values()), ids=list(VARIANTS))
def test_there_is_one_caption_per_frame(small, overrides):
    cfg = gmm_anim.load_config(small, overrides)
    X, _ = gmm_anim.sample(cfg)
    history = gmm_anim.fit(X, cfg)
    captions = frame_captions(history, cfg.render)
    n_frames = count_frames(history, cfg.render)
    assert len(captions.titles) == len(captions.positions) == len(captions.weights) == n_frames
    assert all(abs(sum(weights) - 1) < 1e-9 for weights in captions.weights)
    assert list(captions.positions) == sorted(captions.positions)


@pytest.mark.slow
def test_the_page_bytes_do_not_depend_on_the_process(small, tmp_path):
    """Fresh interpreters with other hash seeds and BLAS thread counts write the same page."""
    command = [str(Path(sys.executable).parent / "gmm-anim"), "render", str(small), "-q", "-o"]
    pages = []
    for seed, threads in (("1", "1"), ("2", "2")):
        page = tmp_path / f"run{seed}.html"
        env = {**os.environ, "PYTHONHASHSEED": seed, "OPENBLAS_NUM_THREADS": threads, "MPLBACKEND": "Agg"}
        subprocess.run([*command, str(page)], env=env, check=True, timeout=300)
        pages.append(page.read_bytes())
    assert pages[0] == pages[1]


def test_the_cli_writes_the_page(small, tmp_path, runner):
    from gmm_anim.cli import app

    result = runner.invoke(app, ["render", str(small), "-f", "html", "-o", str(tmp_path / "out.html"), "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.html").read_bytes().startswith(b"<!DOCTYPE html>")


# ---------------------------------------------------------------------------
# In a browser


def _browser_paths() -> tuple[str, str] | str:
    """(chromium, chromedriver), or why they cannot be used."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    chromium = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
    driver = shutil.which("chromedriver")
    if chromium is None or driver is None:
        return "no Chromium and chromedriver found (apt-get install chromium chromium-driver)"
    return chromium, driver


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium with every host unresolvable and the network emulated offline."""
    found = _browser_paths()
    if isinstance(found, str):
        print(f"skipping the browser tests: {found}")
        pytest.skip(found)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = found
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=900,1000",
    ):  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
    )
    yield driver
    driver.quit()


def open_page(browser, page: Path) -> None:
    """Load ``page`` and wait until its frames are decoded; the console stays free of errors."""
    browser.get_log("browser")  # drop what earlier pages logged
    browser.get(page.as_uri())
    loaded = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.gmmAnim.ready.then(n => done(n), error => done('failed: ' + error));"
    )
    assert isinstance(loaded, int), loaded
    errors = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert errors == []


def canvas_pixels(browser) -> np.ndarray:
    url = browser.execute_script("return document.getElementById('frame').toDataURL('image/png');")
    with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as image:
        return np.asarray(image.convert("RGB"))


def png_frame(folder: Path, index: int) -> np.ndarray:
    (path,) = folder.glob(f"frame_*{index:04d}.png")
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


@pytest.mark.slow
@pytest.mark.parametrize("overrides", list(VARIANTS.values()), ids=list(VARIANTS))
def test_every_frame_drawn_equals_the_png_frame(browser, small, tmp_path, overrides):
    page, pngs, n_frames = render_both(small, tmp_path, overrides)
    open_page(browser, page)
    assert browser.execute_script("return window.gmmAnim.frameCount;") == n_frames
    # forward one by one, then jumps back and ahead across checkpoints
    order = [*range(n_frames), 0, n_frames - 1, n_frames // 2, 1, n_frames // 3]
    for index in order:
        assert browser.execute_script("return window.gmmAnim.show(arguments[0]);", index) == index
        assert browser.execute_script("return window.gmmAnim.current();") == index
        assert (canvas_pixels(browser) == png_frame(pngs, index)).all(), f"frame {index}"


@pytest.mark.slow
@pytest.mark.parametrize("text", [ONE_D, THREE_D], ids=["one feature", "dims of three"])
def test_other_views_are_drawn_exactly(browser, write_config, tmp_path, text):
    page, pngs, n_frames = render_both(write_config(text), tmp_path)
    open_page(browser, page)
    assert browser.execute_script("return window.gmmAnim.frameCount;") == n_frames
    for index in (n_frames - 1, 0, 2):
        browser.execute_script("window.gmmAnim.show(arguments[0]);", index)
        assert (canvas_pixels(browser) == png_frame(pngs, index)).all(), f"frame {index}"


@pytest.fixture(scope="module")
def long_page(tmp_path_factory) -> Path:
    """37 frames of 100 ms (fps 10, no hold), for the keyboard and the playback."""
    folder = tmp_path_factory.mktemp("long")
    config = yaml.safe_load(SMALL_CONFIG)
    config["iterations"] = 4
    config["render"].update({"tween": 8, "fps": 10, "hold": 0})
    path = folder / "long.yaml"
    path.write_text(yaml.safe_dump(config))
    cfg = gmm_anim.load_config(path)
    X, _ = gmm_anim.sample(cfg)
    return gmm_anim.render(X, gmm_anim.fit(X, cfg), cfg, folder / "long.html")


def current_and_slider(browser) -> tuple[int, int]:
    return tuple(browser.execute_script("return [gmmAnim.current(), Number(document.getElementById('slider').value)];"))


@pytest.mark.slow
def test_the_keyboard_steps_and_jumps(browser, long_page):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    open_page(browser, long_page)
    n_frames = browser.execute_script("return gmmAnim.frameCount;")
    assert n_frames == 37 and current_and_slider(browser) == (0, 0)
    keys = ActionChains(browser)
    keys.send_keys(Keys.ARROW_RIGHT).perform()
    assert current_and_slider(browser) == (1, 1)
    keys.send_keys(Keys.ARROW_RIGHT).perform()
    keys.send_keys(Keys.ARROW_LEFT).perform()
    assert current_and_slider(browser) == (1, 1)
    ActionChains(browser).send_keys(Keys.END).perform()
    assert current_and_slider(browser) == (n_frames - 1, n_frames - 1)
    ActionChains(browser).send_keys(Keys.HOME).perform()
    assert current_and_slider(browser) == (0, 0)
    ActionChains(browser).send_keys(Keys.SPACE).perform()
    assert browser.execute_script("return gmmAnim.playing();")
    ActionChains(browser).send_keys(Keys.SPACE).perform()
    assert not browser.execute_script("return gmmAnim.playing();")


def frames_played(browser, speed: str, seconds: float) -> int:
    """Frames advanced in ``seconds`` of playing from the first at ``speed``, measured in the page."""
    browser.execute_script(
        "gmmAnim.pause(); gmmAnim.show(0);"
        "const speed = document.getElementById('speed'); speed.value = arguments[0];"
        "speed.dispatchEvent(new Event('change'));",
        speed,
    )
    return browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "gmmAnim.play(); setTimeout(() => { const at = gmmAnim.current(); gmmAnim.pause(); done(at); }, arguments[0]);",
        seconds * 1000,
    )


@pytest.mark.slow
def test_play_runs_at_the_set_speed_and_pause_stops(browser, long_page):
    open_page(browser, long_page)
    browser.execute_script("document.getElementById('loop').checked = false;")
    at_1x = frames_played(browser, "1", 0.65)  # 100 ms a frame: 6
    at_4x = frames_played(browser, "4", 0.65)  # 25 ms a frame: 26
    assert 4 <= at_1x <= 7, at_1x
    assert at_4x >= 3 * at_1x, (at_1x, at_4x)
    browser.execute_script("gmmAnim.play();")
    time.sleep(0.3)
    browser.execute_script("gmmAnim.pause();")
    stopped = current_and_slider(browser)
    assert stopped[0] > 0 and stopped[0] == stopped[1]  # the slider moves with the frames
    time.sleep(0.3)
    assert current_and_slider(browser) == stopped
    # without loop, playing stops on the last frame
    browser.execute_script("gmmAnim.show(gmmAnim.frameCount - 2); gmmAnim.play();")
    time.sleep(0.5)
    assert current_and_slider(browser)[0] == 36 and not browser.execute_script("return gmmAnim.playing();")


@pytest.mark.slow
def test_a_notebook_holds_a_working_player(browser, small, tmp_path):
    import nbformat
    from nbconvert.preprocessors import ExecutePreprocessor

    cell = f"import gmm_anim\ngmm_anim.animate({str(small)!r}, iterations=2)\n"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(cell), nbformat.v4.new_code_cell(cell)]
    ExecutePreprocessor(timeout=120, kernel_name="python3").preprocess(notebook, {"metadata": {"path": str(tmp_path)}})
    shown = [cell.outputs[0].data["text/html"] for cell in notebook.cells]
    assert all(html_.startswith("<iframe srcdoc=") for html_ in shown)
    # both players on one page, each in its own frame and state
    (tmp_path / "outputs.html").write_text("<!DOCTYPE html><html><body>" + "".join(shown) + "</body></html>")
    browser.get((tmp_path / "outputs.html").as_uri())
    frames = browser.find_elements("tag name", "iframe")
    assert len(frames) == 2
    for index, frame in enumerate(frames):
        browser.switch_to.frame(frame)
        browser.execute_async_script("gmmAnim.ready.then(arguments[arguments.length - 1]);")
        assert browser.execute_script("return gmmAnim.frameCount;") == 3
        browser.execute_script("gmmAnim.show(arguments[0]);", index + 1)
        browser.switch_to.default_content()
    states = []
    for frame in frames:
        browser.switch_to.frame(frame)
        states.append(browser.execute_script("return gmmAnim.current();"))
        browser.switch_to.default_content()
    assert states == [1, 2]
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', shown[0]).group(1))
    assert page.startswith("<!DOCTYPE html>") and "window.gmmAnim" in page
