"""render.half_steps: the start, then the E-step and the M-step of every iteration as frames of their own."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import yaml
from conftest import ONE_D, SMALL_CONFIG, THREE_D, TRUTH, full_redraw, make_history, make_points, options
from PIL import Image

from gmm_anim import pipeline
from gmm_anim.config.limits import MAX_FRAMES, workload
from gmm_anim.drawing.frame_plan import FramePlan, frame_count
from gmm_anim.drawing.frames import FrameRenderer, count_frames, key_colours, render_frames
from gmm_anim.drawing.style import THEMES, component_colours, to_bytes
from gmm_anim.errors import ConfigError
from gmm_anim.history import History, Mixture


def converged(history: History) -> History:
    return dataclasses.replace(history, converged=True)


def renderer_for(truth: Mixture = TRUTH, n_iterations: int = 3, **fields) -> FrameRenderer:
    history = converged(make_history(truth, n_iterations))
    return FrameRenderer(make_points(truth), history, options(half_steps=True, **fields), truth=truth)


# ---------------------------------------------------------------------------
# Frame counts


@pytest.mark.parametrize("iterations", [0, 1, 4])
@pytest.mark.parametrize("tween", [0, 2])
def test_i_iterations_give_2i_plus_2_frames_and_tween_frames_inside_each_m_step(iterations, tween):
    history = make_history(n_iterations=iterations)
    opts = options(half_steps=True, tween=tween)
    assert count_frames(history, opts) == 2 * iterations + 2 + iterations * tween
    assert len(list(render_frames(make_points(), history, opts))) == count_frames(history, opts)


def small_run(write_config, **render):
    document = yaml.safe_load(SMALL_CONFIG)
    document["render"].update({"half_steps": True, "width": 96, "height": 80, **render})
    cfg = pipeline.load_config(write_config(yaml.safe_dump(document)))
    X, _ = pipeline.sample(cfg)
    return X, pipeline.fit(X, cfg), cfg


@pytest.mark.parametrize(
    "render, expected",
    [({}, 10), ({"tween": 2}, 18), ({"frames": [0, 2, 4]}, 6), ({"frames": {"every": 2}, "tween": 1}, 8)],
)
@pytest.mark.parametrize("suffix", [".gif", ".webp", ""])
def test_every_format_writes_count_frames(write_config, tmp_path, render, expected, suffix):
    X, history, cfg = small_run(write_config, **render)
    assert count_frames(history, cfg.render) == expected == workload(cfg).n_frames
    written = pipeline.render(X, history, cfg, tmp_path / f"out{suffix}")
    if suffix:
        with Image.open(written) as image:
            assert image.n_frames == expected
    else:
        assert len(list(written.glob("*.png"))) == expected


def test_the_frame_limit_counts_half_steps(write_config):
    document = yaml.safe_load(SMALL_CONFIG)
    document["iterations"] = MAX_FRAMES // 2  # 10,001 frames, 20,002 with half steps
    document["render"]["half_steps"] = True
    with pytest.raises(ConfigError) as caught:
        pipeline.load_config(write_config(yaml.safe_dump(document)))
    assert caught.value.field == "iterations"
    assert "got 20002 (2 + 10000 iterations x (tween 0 + 2) with render.half_steps)" in caught.value.message
    assert caught.value.message.endswith("or turn render.half_steps off")


# ---------------------------------------------------------------------------
# The plan: what each frame draws, colours and says


def test_the_plan_follows_bishop_figure_9_8():
    plan = FramePlan(range(3), tween=0, half_steps=True)
    drawn = [(frame.step, frame.coloured_by, frame.phase) for frame in plan.frames]
    assert drawn == [
        (0, None, "start"),
        (0, (0, 0), "E"),
        (1, (0, 0), "M"),
        (1, (1, 0), "E"),
        (2, (1, 0), "M"),
        (2, (2, 0), "final"),
    ]
    assert len(plan) == frame_count(3, tween=0, half_steps=True) == 2 * 2 + 2


def test_titles_name_the_step_and_keep_the_title_fields():
    history = make_history(n_iterations=2)
    renderer = FrameRenderer(make_points(), history, options(half_steps=True, tween=1), truth=TRUTH)
    titles = []
    for frame in range(count_frames(history, renderer._options)):
        renderer.draw(frame)
        titles.append(renderer.title.text.removeprefix("GMM fitting with EM: iteration "))
    assert titles == [
        "0, start",
        "1, E-step",
        "0 -> 1, M-step",
        "1, M-step",
        "2, E-step",
        "1 -> 2, M-step",
        "2, M-step",
        "2, final E-step",
    ]
    title = "it {iteration:02d}, ll {log_likelihood:.1f}"
    renderer = FrameRenderer(make_points(), history, options(half_steps=True, title=title), truth=TRUTH)
    renderer.draw(1)  # E-step 1 draws the parameters of iteration 0, and their log-likelihood
    assert renderer.title.text == "it 01, ll -1000.0, E-step"
    renderer.draw(2)
    assert renderer.title.text == "it 01, ll -876.5, M-step"


def test_with_render_frames_the_m_step_lands_on_the_next_shown_iteration():
    history = make_history(n_iterations=10)
    renderer = FrameRenderer(make_points(), history, options(half_steps=True, frames=[0, 5, 10]), truth=TRUTH)
    titles = []
    for frame in range(count_frames(history, renderer._options)):
        renderer.update(frame)
        titles.append(renderer.title.text.removeprefix("GMM fitting with EM: iteration "))
    assert titles == ["0, start", "1, E-step", "5, M-step", "6, E-step", "10, M-step", "10, final E-step"]


# ---------------------------------------------------------------------------
# What changes between the steps


def ellipse_state(renderer: FrameRenderer) -> np.ndarray:
    return np.array([[*e.center, e.width, e.height, e.angle] for row in renderer.view.ellipses for e in row])


def point_state(renderer: FrameRenderer) -> np.ndarray:
    view = renderer.view
    if hasattr(view, "rug"):
        return np.asarray(view.rug.get_edgecolor()).copy()
    return np.asarray(view.points.get_facecolor()).copy()


def curve_state(renderer: FrameRenderer) -> np.ndarray:
    view = renderer.view
    if hasattr(view, "curves"):
        return np.array([curve.get_ydata() for curve in view.curves])
    return ellipse_state(renderer)


def states(renderer: FrameRenderer, frame: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    renderer.update(frame)
    means = np.asarray(renderer.view.means.get_offsets()).copy()
    return point_state(renderer), curve_state(renderer), means


@pytest.mark.parametrize("truth, fields", [(TRUTH, {}), (ONE_D, {}), (THREE_D, {"dims": (0, 2)})])
def test_an_e_step_recolours_and_an_m_step_moves(truth, fields):
    renderer = renderer_for(truth, **fields)
    n_frames = len(renderer.plan)
    for e_step in range(1, n_frames - 1, 2):  # E-step i, then M-step i
        colours, shapes, means = states(renderer, e_step)
        m_colours, m_shapes, m_means = states(renderer, e_step + 1)
        np.testing.assert_array_equal(colours, m_colours)
        assert not np.allclose(shapes, m_shapes) and not np.allclose(means, m_means)
        # the M-step's parameters stay for the next E-step, which recolours the points
        next_colours, next_shapes, next_means = states(renderer, e_step + 2)
        np.testing.assert_array_equal(m_shapes, next_shapes)
        np.testing.assert_array_equal(m_means, next_means)
        assert not np.array_equal(m_colours, next_colours)


@pytest.mark.parametrize("truth", [TRUTH, ONE_D])
def test_the_first_frame_has_no_component_colour_on_any_point(truth):
    renderer = renderer_for(truth)
    renderer.update(0)
    unassigned = np.array(THEMES["light"].unassigned)
    np.testing.assert_array_equal(point_state(renderer)[:, :3], np.broadcast_to(unassigned, (150, 3)))
    assert not np.isclose(component_colours(3), unassigned).all(axis=1).any()


def test_tween_frames_move_the_m_step_with_the_colours_of_the_e_step():
    renderer = renderer_for(tween=3)
    colours, _, means = states(renderer, 1)  # E-step 1
    moved = []
    for frame in range(2, 6):  # three tween frames, then M-step 1
        tween_colours, _, tween_means = states(renderer, frame)
        np.testing.assert_array_equal(tween_colours, colours)
        moved.append(np.abs(tween_means - means).max())
    np.testing.assert_allclose(moved, np.array([1, 2, 3, 4]) * moved[-1] / 4)
    assert moved[-1] > 0


def test_the_weights_in_the_legend_change_on_the_m_step():
    history = make_history(n_iterations=2)
    history.weights[1] = [0.2, 0.3, 0.5]
    renderer = FrameRenderer(make_points(), history, options(half_steps=True), truth=TRUTH)
    renderer.update(1)  # E-step 1: the weights of iteration 0
    assert [text.get_text() for text in renderer.weight_texts] == ["π₁ = 0.40", "π₂ = 0.35", "π₃ = 0.25"]
    renderer.update(2)  # M-step 1
    assert [text.get_text() for text in renderer.weight_texts] == ["π₁ = 0.20", "π₂ = 0.30", "π₃ = 0.50"]


def test_the_panel_marker_sits_at_the_parameters_drawn():
    renderer = renderer_for(ONE_D, loglik=True)
    assert renderer.panel is not None
    positions = []
    for frame in range(len(renderer.plan)):
        renderer.update(frame)
        positions.append(float(renderer.panel.marker.get_xdata()[0]))
    # start, E1, M1, E2, M2, E3, M3, final E-step
    assert positions == [0, 0, 1, 1, 2, 2, 3, 3]


def test_the_truth_takes_the_fitted_colours_on_the_last_frame_only():
    renderer = renderer_for(ONE_D)
    truth_colour = np.array(THEMES["light"].truth)
    last = len(renderer.plan) - 1
    renderer.update(last - 1)  # the last M-step draws the final parameters, but the fit is not over
    assert np.allclose(renderer.view.truth_curves[0].get_color(), truth_colour)
    renderer.update(last)
    assert not np.allclose(renderer.view.truth_curves[0].get_color(), truth_colour)


# ---------------------------------------------------------------------------
# Pixels


def test_the_gif_palette_holds_the_unassigned_colour_exactly():
    history = make_history()
    plain = key_colours(history, options())
    half = key_colours(history, options(half_steps=True))
    unassigned = to_bytes(np.array([THEMES["light"].unassigned]))
    assert not (plain == unassigned).all(axis=1).any()
    assert (half == unassigned).all(axis=1).any() and len(half) == len(plain) + 1


def test_the_unassigned_colour_is_written_exactly(write_config, tmp_path):
    X, history, cfg = small_run(write_config, width=200, height=160, truth=False)
    written = pipeline.render(X, history, cfg, tmp_path / "out.gif")
    unassigned = to_bytes(np.array([THEMES["light"].unassigned]))[0]
    drawn = next(iter(render_frames(X, history, cfg.render)))
    grey = (drawn == unassigned).all(axis=-1)
    with Image.open(written) as gif:
        first = np.asarray(gif.convert("RGB"))
    assert grey.sum() > 100
    assert (first[grey] == unassigned).all()


@pytest.mark.parametrize(
    "truth, fields",
    [
        (TRUTH, {"loglik": True, "tween": 1, "width": 320, "height": 240}),
        (TRUTH, {"max_points": 50, "theme": "dark"}),
        (ONE_D, {"loglik": True}),
        (ONE_D, {"max_points": 50}),
        (THREE_D, {"dims": (2, 0)}),
    ],
)
def test_blitted_half_step_frames_equal_a_full_redraw(truth, fields):
    renderer, twin = renderer_for(truth, **fields), renderer_for(truth, **fields)
    for frame in (0, 1, 2, 3, len(renderer.plan) - 1):
        np.testing.assert_array_equal(renderer.draw(frame), full_redraw(twin, frame))
