"""The renderer: frame shape, colours, exact blitting, fixed limits, streaming.

The EM engine is replaced by a private responsibilities double (installed as
the module ``gmm_anim.em`` for each test), so these tests depend only on the
renderer and on hand-built Histories.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import TRUTH, full_redraw, make_history, make_points, options
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gmm_anim.drawing.frames import FrameRenderer, count_frames, key_colours, render_frames
from gmm_anim.drawing.geometry import ellipse_geometry
from gmm_anim.drawing.style import component_colours, level_colours, point_colours
from gmm_anim.history import History, Mixture

# ---------------------------------------------------------------------------
# Test double for gmm_anim.em.responsibilities, and hand-built histories


def fake_responsibilities(X: np.ndarray, mixture: Mixture) -> np.ndarray:
    """Posterior component probabilities, (n, K), computed naively in log space."""
    diff = X[:, None, :] - mixture.means[None]
    maha = np.einsum("nki,kij,nkj->nk", diff, np.linalg.inv(mixture.covariances), diff)
    _, logdet = np.linalg.slogdet(mixture.covariances)
    log_weighted = np.log(mixture.weights) - 0.5 * (maha + logdet)
    log_weighted -= log_weighted.max(axis=1, keepdims=True)
    weighted = np.exp(log_weighted)
    return weighted / weighted.sum(axis=1, keepdims=True)


@pytest.fixture(autouse=True)
def fake_em(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Install the double as gmm_anim.em; the returned list grows by one per call."""
    calls: list[int] = []

    def responsibilities(X: np.ndarray, mixture: Mixture) -> np.ndarray:
        calls.append(1)
        return fake_responsibilities(X, mixture)

    class Responsibilities:
        def __init__(self, X: np.ndarray) -> None:
            self.X = X

        def __call__(self, mixture: Mixture) -> np.ndarray:
            return responsibilities(self.X, mixture)

    monkeypatch.setattr("gmm_anim.em.Responsibilities", Responsibilities)
    return calls


# ---------------------------------------------------------------------------
# Frames


@pytest.mark.parametrize("width, height", [(240, 200), (201, 115), (160, 120)])
def test_frames_have_exactly_the_requested_size(width: int, height: int) -> None:
    history = make_history()
    opts = options(width=width, height=height, sigmas=(1.0, 2.0))
    frames = list(render_frames(make_points(), history, opts, truth=TRUTH))
    assert len(frames) == count_frames(history, opts) == len(history)
    for frame in frames:
        assert frame.shape == (height, width, 3)
        assert frame.dtype == np.uint8
    # each frame owns its pixels: drawing the next one leaves it as it was
    assert not np.shares_memory(frames[0], frames[-1])
    np.testing.assert_array_equal(frames[0], next(render_frames(make_points(), history, opts, truth=TRUTH)))


def test_render_frames_is_a_generator_that_renders_on_demand(fake_em: list[int]) -> None:
    frames = render_frames(make_points(), make_history(n_iterations=6), options())
    assert fake_em == []  # nothing drawn before the first frame is asked for
    next(frames)
    assert len(fake_em) == 1
    next(frames)
    assert len(fake_em) == 2


def test_one_dimensional_data_renders() -> None:
    truth = Mixture(np.array([0.5, 0.5]), np.array([[-2.0], [3.0]]), np.array([[[0.5]], [[1.0]]]))
    frames = list(render_frames(make_points(truth), make_history(truth), options(), truth=truth))
    assert len(frames) == 5 and frames[0].shape == (200, 240, 3)


def test_mismatched_dimensions_are_refused() -> None:
    with pytest.raises(ValueError, match="n_samples, 2"):
        FrameRenderer(np.zeros((5, 3)), make_history(), options())


# ---------------------------------------------------------------------------
# Colours


def test_a_point_owned_by_component_k_has_exactly_colour_k_in_every_frame() -> None:
    X = make_points()
    history = make_history()
    renderer = FrameRenderer(X, history, options())
    owned_somewhere = 0
    for i in range(len(history)):
        renderer.draw(i)
        resp = fake_responsibilities(X, history[i])
        faces = renderer.view.points.get_facecolors()
        assert faces.shape == (len(X), 4)
        for k in range(history.weights.shape[1]):
            owned = resp[:, k] == 1.0
            owned_somewhere += owned.sum()
            np.testing.assert_array_equal(faces[owned, :3], np.broadcast_to(renderer.colours[k], (owned.sum(), 3)))
    assert owned_somewhere > 0  # the check above really ran


@settings(max_examples=30, deadline=None)
@given(
    arrays(np.float64, (12, 4), elements=st.floats(0.0, 1.0)).filter(lambda a: (a.sum(axis=1) > 1e-3).all()),
)
def test_point_colours_are_the_convex_blend(raw: np.ndarray) -> None:
    resp = raw / raw.sum(axis=1, keepdims=True)
    colours = component_colours(4)
    blended = point_colours(resp, colours)
    assert blended.shape == (12, 3)
    naive = sum(resp[:, [k]] * colours[k] for k in range(4))
    np.testing.assert_allclose(blended, naive, atol=0.5 / 255 + 1e-12)  # rounded to whole bytes
    np.testing.assert_array_equal(blended * 255, np.round(blended * 255))
    assert (blended >= colours.min(axis=0)).all() and (blended <= colours.max(axis=0)).all()
    one_hot = np.eye(4)[[0, 3, 2, 1]]
    np.testing.assert_array_equal(point_colours(one_hot, colours), colours[[0, 3, 2, 1]])


def test_key_colours_hold_every_outline_colour_and_match_drawn_pixels() -> None:
    history = make_history()
    opts = options(sigmas=(2.0, 1.0, 3.0))
    keys = key_colours(history, opts)
    assert keys.dtype == np.uint8 and keys.shape == (2 + 3 * 3 + 1, 3)
    key_set = {tuple(c) for c in keys}
    assert {(255, 255, 255), (0, 0, 0), (64, 64, 64)} <= key_set
    levels = level_colours(component_colours(3), 3)
    assert {tuple(c) for c in np.round(levels.reshape(-1, 3) * 255).astype(int)} <= key_set
    # the innermost level is the component colour itself
    np.testing.assert_array_equal(levels[0], component_colours(3))
    # the drawn pixels really have these colours: outline cores, truth dashes, background, text
    frame = next(render_frames(make_points(), history, opts, truth=TRUTH))
    drawn = {tuple(c) for c in np.unique(frame.reshape(-1, 3), axis=0)}
    assert key_set <= drawn


# ---------------------------------------------------------------------------
# Blitting, limits, title


@pytest.mark.parametrize("width, height, sigmas", [(300, 260, (2.0,)), (320, 180, (1.0, 2.0))])
def test_blitted_frames_equal_a_full_redraw(width: int, height: int, sigmas: tuple[float, ...]) -> None:
    X, history = make_points(), make_history()
    opts = options(width=width, height=height, sigmas=sigmas, title="it {iteration}: {log_likelihood:.1f}")
    blitted = FrameRenderer(X, history, opts, truth=TRUTH)
    redrawn = FrameRenderer(X, history, opts, truth=TRUTH)
    for i in (0, 1, len(history) - 1):
        np.testing.assert_array_equal(blitted.draw(i), full_redraw(redrawn, i))


def varying_weights(history: History) -> History:
    """Weights that change, then settle: every label string shows up more than once."""
    weights = history.weights.copy()
    weights[1::2] = weights[1::2, ::-1]
    return dataclasses.replace(history, weights=weights)


# legend below, legend beside a panel below, no legend (too small)
@pytest.mark.parametrize("width, height, loglik", [(300, 260, False), (200, 300, True), (90, 70, False)])
def test_every_frame_with_stamped_labels_and_a_split_title_equals_a_full_redraw(
    width: int, height: int, loglik: bool
) -> None:
    X, history = make_points(), varying_weights(make_history(n_iterations=11))
    opts = options(width=width, height=height, loglik=loglik)
    blitted = FrameRenderer(X, history, opts, truth=TRUTH)
    redrawn = FrameRenderer(X, history, opts, truth=TRUTH)
    for i in range(len(history)):
        np.testing.assert_array_equal(blitted.draw(i), full_redraw(redrawn, i))
    assert blitted.title.lead is not None and blitted.title.lead.get_text() == "GMM fitting with EM: iteration "
    if blitted.legend is not None:  # the labels were pasted from stamps: fewer strings kept than drawn
        assert 0 < len(blitted._stamps._stamps) < len(history) * len(blitted.weight_texts)


@pytest.mark.parametrize(
    "title", ["GMM fitting with EM: iteration {iteration}", "it {iteration}: {log_likelihood:.1f}"]
)
def test_the_split_title_draws_the_pixels_of_the_whole_title_drawn_at_once(title: str) -> None:
    renderer = FrameRenderer(make_points(), make_history(n_iterations=11), options(width=300, height=260, title=title))
    lead, rest = renderer.title.lead, renderer.title.rest
    for i in (0, 9, 10, 11):
        split = full_redraw(renderer, i)
        whole = renderer.figure.text(
            *lead.get_position(),
            renderer.title.text,
            transform=lead.get_transform(),
            ha="left",
            va="baseline",
            fontproperties=lead.get_fontproperties(),
            color=lead.get_color(),
        )
        lead.set_visible(False)
        rest.set_visible(False)
        at_once = full_redraw(renderer, i)
        whole.remove()
        lead.set_visible(True)
        rest.set_visible(True)
        np.testing.assert_array_equal(split, at_once)
    if title.endswith("{iteration}"):  # the title starts where the widest one, centred, starts
        box = renderer.title.get_window_extent(renderer.canvas.get_renderer())
        assert abs((box.x0 + box.x1) / 2 - 150) <= 1  # "... iteration 11", the widest, is centred


def test_limits_are_fixed_and_contain_every_mean_and_ellipse() -> None:
    X, history = make_points(), make_history()
    renderer = FrameRenderer(X, history, options(sigmas=(1.0, 3.0)), truth=TRUTH)
    limits = (renderer.axes.get_xlim(), renderer.axes.get_ylim())
    position = renderer.axes.get_position().bounds
    assert limits[0][0] < X[:, 0].min() and X[:, 0].max() < limits[0][1]
    assert limits[1][0] < X[:, 1].min() and X[:, 1].max() < limits[1][1]
    for i in range(len(history)):
        renderer.draw(i)
        assert (renderer.axes.get_xlim(), renderer.axes.get_ylim()) == limits
        assert renderer.axes.get_position().bounds == position
        drawn = [e for rows in (renderer.view.ellipses, renderer.view.truth_ellipses) for row in rows for e in row]
        for ellipse in drawn:
            centre_x, centre_y = ellipse.get_center()
            angle = np.radians(ellipse.get_angle())
            a, b = ellipse.get_width() / 2, ellipse.get_height() / 2
            reach_x = np.hypot(a * np.cos(angle), b * np.sin(angle))
            reach_y = np.hypot(a * np.sin(angle), b * np.cos(angle))
            assert limits[0][0] < centre_x - reach_x and centre_x + reach_x < limits[0][1]
            assert limits[1][0] < centre_y - reach_y and centre_y + reach_y < limits[1][1]
        for mean in renderer.view.means.get_offsets():
            assert limits[0][0] < mean[0] < limits[0][1] and limits[1][0] < mean[1] < limits[1][1]


def test_aspect_is_equal_and_fills_the_axes_box() -> None:
    renderer = FrameRenderer(make_points(), make_history(), options(width=400, height=220))
    box = renderer.axes.get_window_extent()
    (x0, x1), (y0, y1) = renderer.axes.get_xlim(), renderer.axes.get_ylim()
    assert (x1 - x0) / box.width == pytest.approx((y1 - y0) / box.height, rel=1e-9)


def test_ellipses_follow_the_covariance_and_are_safe_when_singular() -> None:
    covariance = np.array([[3.0, 1.0], [1.0, 2.0]])
    width, height, angle = ellipse_geometry(covariance, 2.0)
    eigvals, eigvecs = np.linalg.eigh(covariance)
    assert width == pytest.approx(4 * np.sqrt(eigvals[1])) and height == pytest.approx(4 * np.sqrt(eigvals[0]))
    leading = np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
    np.testing.assert_allclose(covariance @ leading, eigvals[1] * leading)
    flat = np.array([[1.0, 1.0], [1.0, 1.0 - 1e-17]])  # rounding makes one eigenvalue slightly negative
    width, height, _ = ellipse_geometry(flat, 2.0)
    assert np.isfinite(width) and np.isfinite(height) and height >= 0.0


def test_title_is_formatted_per_frame() -> None:
    history = make_history()
    renderer = FrameRenderer(
        make_points(), history, options(title="iteration {iteration}, log-likelihood {log_likelihood:.1f}")
    )
    for i in range(len(history)):
        renderer.draw(i)
        assert renderer.title.text == f"iteration {i}, log-likelihood {-1000.0 + 123.456 * i:.1f}"
    assert renderer.title.text == "iteration 4, log-likelihood -506.2"


def test_legend_names_weights_truth_and_mean_under_the_sigma_levels() -> None:
    opts = options(width=600, height=600, sigmas=(2.0, 1.0))
    renderer = FrameRenderer(make_points(), make_history(), opts, truth=TRUTH)
    labels = [text.get_text() for text in renderer.legend.get_texts()]
    assert sorted(labels) == sorted(["π₁ = 0.40", "π₂ = 0.35", "π₃ = 0.25", "true", "mean"])
    assert renderer.legend.get_title().get_text() == "ellipses: 1σ, 2σ"
    opts = options(width=600, height=600, truth=False)
    without_truth = FrameRenderer(make_points(), make_history(), opts, truth=TRUTH)
    assert without_truth.view.truth_ellipses == []
    assert "true" not in [text.get_text() for text in without_truth.legend.get_texts()]


def test_legend_weights_follow_the_frame() -> None:
    history = make_history()
    weights = np.array([[0.5, 0.3, 0.2], [0.45, 0.3, 0.25], [0.4, 0.35, 0.25], [0.4, 0.35, 0.25], [0.1, 0.2, 0.7]])
    history = History(weights, history.means, history.covariances, history.log_likelihood)
    renderer = FrameRenderer(make_points(), history, options(width=600, height=600))
    for i in (0, 1, 4):
        renderer.draw(i)
        expected = [f"π{s} = {w:.2f}" for s, w in zip("₁₂₃", weights[i])]
        assert [text.get_text() for text in renderer.weight_texts] == expected
    assert renderer.weight_texts[2] in renderer.animated_artists  # blitted, not baked into the background


def test_more_than_ten_components_get_distinct_byte_colours() -> None:
    colours = component_colours(13)
    assert colours.shape == (13, 3)
    assert len({tuple(c) for c in colours}) == 13
    np.testing.assert_array_equal(colours * 255, np.round(colours * 255))


def test_three_features_show_the_marginal_of_the_first_two() -> None:
    truth = Mixture(
        np.array([0.5, 0.5]),
        np.array([[0.0, 0.0, 5.0], [4.0, 1.0, -5.0]]),
        np.array([[[1.0, 0.3, 0.9], [0.3, 0.5, 0.0], [0.9, 0.0, 2.0]], np.diag([0.4, 0.8, 3.0])]),
    )
    history = make_history(truth)
    renderer = FrameRenderer(make_points(truth), history, options(), truth=truth)
    renderer.draw(len(history) - 1)
    for k, row in enumerate(renderer.view.ellipses):
        width, height, angle = ellipse_geometry(truth.covariances[k, :2, :2], 2.0)
        ellipse = row[0]
        np.testing.assert_allclose(ellipse.get_center(), truth.means[k, :2])
        np.testing.assert_allclose([ellipse.get_width(), ellipse.get_height()], [width, height])
    np.testing.assert_allclose(renderer.view.means.get_offsets(), truth.means[:, :2])
