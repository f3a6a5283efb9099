"""The renderer's views and options: tween, log-likelihood panel, truth matching, 1-D, dims, themes, layout.

These use the real ``gmm_anim.em.responsibilities`` (test_render.py checks the
colours against a naive double) and the hand-built histories of test_render.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import ONE_D, THREE_D, TRUTH, full_redraw, make_history, make_points, options

from gmm_anim.drawing.frames import FrameRenderer, count_frames, key_colours, render_frames
from gmm_anim.drawing.geometry import ellipse_geometry, mixture_at, weighted_densities
from gmm_anim.drawing.style import OKABE_ITO, THEMES, component_colours, hex_bytes, level_colours, point_colours
from gmm_anim.em.loop import responsibilities
from gmm_anim.errors import ConfigError
from gmm_anim.history import History, Mixture


def converged(history: History) -> History:
    return dataclasses.replace(history, converged=True)


def assert_blit_exact(renderer: FrameRenderer, twin: FrameRenderer, frames: list[int]) -> None:
    """Blitted frames of ``renderer`` equal full redraws of ``twin`` (same inputs)."""
    for frame in frames:
        np.testing.assert_array_equal(renderer.draw(frame), full_redraw(twin, frame))


# ---------------------------------------------------------------------------
# Blitting stays exact in every view


@pytest.mark.parametrize(
    "truth, fields",
    [
        (TRUTH, {"loglik": True, "width": 320, "height": 240}),
        (TRUTH, {"loglik": True, "width": 240, "height": 320, "theme": "dark", "palette": "okabe-ito"}),
        (TRUTH, {"tween": 2, "sigmas": (1.0, 2.0)}),
        (TRUTH, {"max_points": 50, "loglik": True}),
        (ONE_D, {"loglik": True}),
        (ONE_D, {"max_points": 50}),
        (THREE_D, {"dims": (2, 0)}),
    ],
)
def test_blitted_frames_equal_a_full_redraw_in_every_view(truth: Mixture, fields: dict) -> None:
    X, history = make_points(truth), converged(make_history(truth))
    opts = options(**fields)
    last = count_frames(history, opts) - 1
    renderers = [FrameRenderer(X, history, opts, truth=truth) for _ in range(2)]
    assert_blit_exact(*renderers, [0, 1, last])


# ---------------------------------------------------------------------------
# Tween


def rotating_history() -> History:
    """One component whose long axis turns by 70 degrees per step, never passing through a circle."""

    def rotated(degrees: float, long: float, short: float) -> np.ndarray:
        c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
        turn = np.array([[c, -s], [s, c]])
        return turn @ np.diag([long, short]) @ turn.T

    covariances = np.array([[rotated(10, 4.0, 1.0)], [rotated(80, 3.0, 0.5)], [rotated(150, 5.0, 1.0)]])
    means = np.array([[[0.0, 0.0]], [[1.0, 0.5]], [[2.0, -0.5]]])
    return History(np.ones((3, 1)), means, covariances, np.array([-3.0, -2.0, -1.5]) * 100)


@pytest.mark.parametrize("tween", [0, 1, 4])
def test_tween_frame_count(tween: int) -> None:
    history = make_history(n_iterations=3)
    opts = options(tween=tween)
    assert count_frames(history, opts) == 3 * (tween + 1) + 1
    frames = list(render_frames(make_points(), history, opts))
    assert len(frames) == count_frames(history, opts)


def test_each_step_starts_and_ends_on_the_untweened_frames() -> None:
    """Below the title, which starts where the widest one (a tween's, 2 -> 3) starts, and says the same."""
    X, history = make_points(), make_history(n_iterations=3)
    untweened = FrameRenderer(X, history, options(loglik=True), truth=TRUTH)
    tweened = FrameRenderer(X, history, options(loglik=True, tween=3), truth=TRUTH)
    title = tweened.title.get_window_extent()
    below = int(tweened.figure.bbox.height) - int(np.floor(title.y0)) + 1  # the first pixel row under the title
    for iteration in range(4):
        frame = untweened.draw(iteration)
        text = untweened.title.text
        np.testing.assert_array_equal(tweened.draw(4 * iteration)[below:], frame[below:])
        assert tweened.title.text == text == f"GMM fitting with EM: iteration {iteration}"
    first, between, second = (tweened.draw(frame) for frame in (0, 1, 4))
    assert not np.array_equal(between, first) and not np.array_equal(between, second)


def test_tween_interpolates_parameters_not_drawn_geometry() -> None:
    history = rotating_history()
    middle = mixture_at(history, 0, 0.5)
    np.testing.assert_allclose(middle.covariances, (history.covariances[0] + history.covariances[1]) / 2)
    np.testing.assert_allclose(middle.means, (history.means[0] + history.means[1]) / 2)
    start = mixture_at(history, 1, 0.0)  # a step's first frame is the iterate itself, not a blend
    np.testing.assert_array_equal(start.weights, history.weights[1])
    np.testing.assert_array_equal(start.means, history.means[1])
    np.testing.assert_array_equal(start.covariances, history.covariances[1])
    assert frame_step(7, 3) == (1, 0.75) and frame_step(8, 3) == (2, 0.0)


def frame_step(frame: int, tween: int) -> tuple[int, float]:
    """Frame index -> (iteration, fraction of the way to the next), every iteration shown."""
    iteration, offset = divmod(frame, tween + 1)
    return iteration, offset / (tween + 1)


def test_no_ellipse_axis_flips_between_consecutive_tween_frames() -> None:
    history = rotating_history()
    tween = 12
    geometry = []
    for frame in range(history.n_iterations * (tween + 1) + 1):
        mixture = mixture_at(history, *frame_step(frame, tween))
        np.testing.assert_array_less(0, np.linalg.eigvalsh(mixture.covariances))  # stays positive definite
        geometry.append([value[0] for value in ellipse_geometry(mixture.covariances, 2.0)])
    widths, heights, angles = np.array(geometry).T
    turn = np.abs((np.diff(angles) + 90) % 180 - 90)  # the change of orientation, modulo 180 degrees
    assert turn.max() < 25  # 70 degrees per step over 13 frames, never a jump
    # the long axis never becomes the short one: both lengths change smoothly
    assert np.abs(np.diff(widths)).max() < 0.35 * widths.min()
    assert np.abs(np.diff(heights)).max() < 0.35 * widths.min()
    assert (widths > 1.2 * heights).all()


# ---------------------------------------------------------------------------
# Log-likelihood panel


def test_panel_grows_with_the_frames_on_fixed_axes() -> None:
    X, history = make_points(), make_history()
    renderer = FrameRenderer(X, history, options(loglik=True, tween=1, width=360, height=240))
    panel = renderer.panel
    limits = (panel.axes.get_xlim(), panel.axes.get_ylim())
    per_sample = history.log_likelihood / len(X)
    for frame in range(count_frames(history, renderer._options)):
        renderer.draw(frame)
        iteration, fraction = frame_step(frame, 1)
        xs, ys = panel.line.get_data()
        assert len(xs) == iteration + 1 + (fraction > 0)
        np.testing.assert_allclose(ys[: iteration + 1], per_sample[: iteration + 1])
        assert panel.marker.get_data()[0][0] == pytest.approx(iteration + fraction)
        assert (panel.axes.get_xlim(), panel.axes.get_ylim()) == limits
    (x0, x1), (y0, y1) = limits
    assert x0 < 0 and x1 > history.n_iterations and y0 < per_sample.min() and y1 > per_sample.max()
    assert panel.axes.get_position().x0 > renderer.axes.get_position().x1  # beside a landscape frame


def test_panel_goes_below_in_a_portrait_frame() -> None:
    renderer = FrameRenderer(make_points(), make_history(), options(loglik=True, width=240, height=360))
    assert renderer.panel.axes.get_position().y1 < renderer.axes.get_position().y0


@pytest.mark.parametrize("stopped", [True, False])
def test_panel_notes_a_tol_stop_on_the_last_frame_only(stopped: bool) -> None:
    history = make_history()
    history = converged(history) if stopped else history
    renderer = FrameRenderer(make_points(), history, options(loglik=True, width=360, height=240))
    renderer.draw(0)
    assert renderer.panel.note not in renderer.animated_artists
    renderer.draw(len(history) - 1)
    assert (renderer.panel.note in renderer.animated_artists) == stopped
    assert renderer.panel.note.get_text() == "converged (tol)"


# ---------------------------------------------------------------------------
# Truth overlay


def test_truth_takes_the_matched_colours_once_the_fit_has_finished() -> None:
    order = np.array([2, 0, 1])  # fitted component k ends on true component order[k]
    history = make_history(TRUTH.permuted(order))
    renderer = FrameRenderer(make_points(), history, options(sigmas=(1.0, 2.0)), truth=TRUTH)
    outlines = level_colours(renderer.colours, 2)
    renderer.draw(1)
    for row in renderer.view.truth_ellipses:
        for ellipse in row:
            np.testing.assert_array_equal(ellipse.get_edgecolor()[:3], THEMES["light"].truth)
            assert ellipse.get_linestyle() == "--"
    renderer.draw(len(history) - 1)
    for j, row in enumerate(renderer.view.truth_ellipses):
        k = int(np.flatnonzero(order == j)[0])  # the fitted component that ended on true component j
        for level, ellipse in enumerate(row):
            np.testing.assert_array_equal(ellipse.get_edgecolor()[:3], outlines[level, k])


# ---------------------------------------------------------------------------
# One feature


def test_one_feature_shows_histogram_densities_and_a_blended_rug() -> None:
    X, history = make_points(ONE_D), make_history(ONE_D)
    renderer = FrameRenderer(X, history, options(width=360, height=300), truth=ONE_D)
    view = renderer.view
    frame = renderer.draw(2)
    mixture = history[2]
    densities = weighted_densities(view.grid, mixture.weights, mixture.means[:, 0], mixture.covariances[:, 0, 0])
    for curve, density in zip(view.curves, densities):
        np.testing.assert_allclose(curve.get_ydata(), density)
    np.testing.assert_allclose(view.mixture_curve.get_ydata(), densities.sum(axis=0))
    expected = point_colours(responsibilities(X, mixture), renderer.colours)
    np.testing.assert_array_equal(view.rug.get_edgecolors()[:, :3], expected)
    assert [curve.get_linestyle() for curve in view.truth_curves] == ["--", "--"]
    assert renderer.axes.get_ylim()[1] >= densities.sum(axis=0).max()
    drawn = {tuple(c) for c in frame.reshape(-1, 3)}
    assert tuple(np.round(np.array(THEMES["light"].histogram) * 255).astype(int)) in drawn
    labels = [text.get_text() for text in renderer.legend.get_texts()]
    assert {"mixture", "true", "mean"} <= set(labels)


# ---------------------------------------------------------------------------
# More than two features


def test_dims_pick_the_features_with_exact_marginal_ellipses() -> None:
    history = make_history(THREE_D)
    X = make_points(THREE_D)
    renderer = FrameRenderer(X, history, options(dims=(2, 0)), truth=THREE_D)
    renderer.draw(len(history) - 1)
    for k, row in enumerate(renderer.view.ellipses):
        block = THREE_D.covariances[k][np.ix_([2, 0], [2, 0])]
        width, height, _ = ellipse_geometry(block, 2.0)
        np.testing.assert_allclose(row[0].get_center(), THREE_D.means[k, [2, 0]])
        np.testing.assert_allclose([row[0].get_width(), row[0].get_height()], [width, height])
    np.testing.assert_array_equal(renderer.view.points.get_offsets(), X[:, [2, 0]])
    assert renderer.axes.get_xlabel() == "feature 2" and renderer.axes.get_ylabel() == "feature 0"


def test_dims_beyond_the_data_are_refused_naming_the_config() -> None:
    with pytest.raises(ConfigError) as caught:
        render_frames(make_points(THREE_D), make_history(THREE_D), options(dims=(0, 3)), source="cfg.yaml")
    assert str(caught.value) == (
        "cfg.yaml: render.dims: expected two distinct feature indices from 0 to 2 (the data has 3 features), got [0, 3]"
    )


def test_a_palette_shorter_than_the_components_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"render\.palette: expected at least 3 colours \(one per component\), got 2"):
        render_frames(make_points(), make_history(), options(palette=("#ff0000", "#00ff00")), source="cfg.yaml")


# ---------------------------------------------------------------------------
# Themes and palettes


def test_dark_theme_colours_the_frame_and_the_key_colours() -> None:
    opts = options(theme="dark", palette="okabe-ito", loglik=True, width=320, height=240)
    frame = next(render_frames(make_points(), make_history(), opts, truth=TRUTH))
    dark = THEMES["dark"]
    background = np.round(np.array(dark.background) * 255).astype(np.uint8)
    np.testing.assert_array_equal(frame[0, 0], background)
    keys = {tuple(c) for c in key_colours(make_history(), opts)}
    drawn = {tuple(c) for c in np.unique(frame.reshape(-1, 3), axis=0)}
    assert keys <= drawn  # every key colour is really drawn: background, text, truth, outlines
    assert {tuple(np.round(np.array(hex_bytes(h)) * 255).astype(int)) for h in OKABE_ITO[:3]} <= keys


def test_palettes_give_exact_byte_colours() -> None:
    np.testing.assert_array_equal(component_colours(2, "okabe-ito"), [hex_bytes("e69f00"), hex_bytes("56b4e9")])
    listed = component_colours(2, ("#102030", "#ffffff", "#000000"))
    np.testing.assert_array_equal(listed * 255, [[16, 32, 48], [255, 255, 255]])
    many = component_colours(9, "okabe-ito")  # more components than the palette: distinct hues
    assert len({tuple(c) for c in many}) == 9
    renderer = FrameRenderer(make_points(), make_history(), options(palette=("#102030", "#a0b0c0", "#ff00ff")))
    faces = renderer.view.means.get_facecolors()[:, :3] * 255
    np.testing.assert_array_equal(faces, [[16, 32, 48], [160, 176, 192], [255, 0, 255]])


# ---------------------------------------------------------------------------
# Any aspect ratio: exact size, nothing clipped, nothing overlapping


def reaching_outside(renderer: FrameRenderer) -> list[str]:
    """What reaches past the frame: an axes with its ticks, labels and title, the legend, the title."""
    renderer.canvas.draw()
    drawer = renderer.canvas.get_renderer()
    width, height = renderer.canvas.get_width_height()
    boxes = {f"axes {i}": axes.get_tightbbox(drawer) for i, axes in enumerate(renderer.layout.axes)}
    boxes["title"] = renderer.title.get_window_extent(drawer)
    if renderer.legend is not None:
        boxes["legend"] = renderer.legend.get_window_extent(drawer)
    return [
        name for name, box in boxes.items() if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1
    ]


@pytest.mark.parametrize(
    "truth, width, height, loglik",
    [
        (TRUTH, 600, 200, True),
        (TRUTH, 200, 600, True),
        (TRUTH, 400, 400, True),
        (TRUTH, 64, 64, True),
        (TRUTH, 1000, 120, False),
        (ONE_D, 300, 500, True),
        (ONE_D, 700, 250, False),
    ],
)
def test_any_aspect_ratio_fits_the_frame(truth: Mixture, width: int, height: int, loglik: bool) -> None:
    history = make_history(truth)
    opts = options(width=width, height=height, loglik=loglik)
    renderer = FrameRenderer(make_points(truth), history, opts, truth=truth)
    frame = renderer.draw(len(history) - 1)
    assert frame.shape == (height, width, 3)
    assert reaching_outside(renderer) == []
    boxes = [axes.get_window_extent() for axes in renderer.layout.axes]
    if renderer.legend is not None:
        legend = renderer.legend.get_window_extent()
        assert not any(legend.overlaps(box) for box in boxes)
    if len(boxes) == 2:
        assert not boxes[0].overlaps(boxes[1])


@pytest.mark.parametrize("truth", [TRUTH, ONE_D])
def test_a_run_of_no_iterations_is_one_frame(truth: Mixture) -> None:
    history = make_history(truth, n_iterations=0)
    opts = options(loglik=True, tween=3)
    frames = list(render_frames(make_points(truth), converged(history), opts, truth=truth))
    assert count_frames(history, opts) == len(frames) == 1


def test_an_unmatched_true_component_keeps_the_truth_colour() -> None:
    fitted = Mixture(TRUTH.weights[:2] / TRUTH.weights[:2].sum(), TRUTH.means[:2], TRUTH.covariances[:2])
    history = make_history(fitted)
    renderer = FrameRenderer(make_points(), history, options(), truth=TRUTH)
    renderer.draw(len(history) - 1)
    colours = [row[0].get_edgecolor()[:3] for row in renderer.view.truth_ellipses]
    np.testing.assert_array_equal(colours[0], renderer.colours[0])
    np.testing.assert_array_equal(colours[1], renderer.colours[1])
    np.testing.assert_array_equal(colours[2], THEMES["light"].truth)


def test_the_planes_points_are_a_view_of_the_two_chosen_columns_in_either_order() -> None:
    from itertools import permutations

    from gmm_anim.drawing.plane_view import _feature_columns

    X = np.arange(40.0).reshape(8, 5)
    for dims in permutations(range(5), 2):
        columns = _feature_columns(X, dims)
        np.testing.assert_array_equal(columns, X[:, list(dims)])
        assert np.shares_memory(columns, X), dims  # no copy of up to 1e7 points
