"""Points not yet assigned (resp None), render.uncertainty (sizes) and render.density (shaded contours)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import THREE_D, TRUTH, full_redraw, make_history, make_points, options
from PIL import Image

from gmm_anim.drawing.density_contours import DARKEST, N_BANDS, STRIP_ROWS, band_colours, log_density
from gmm_anim.drawing.frames import FrameRenderer, count_frames, key_colours, render_frames
from gmm_anim.drawing.plane_view import CERTAIN_AREA, POINT_AREA, UNCERTAIN_AREA
from gmm_anim.drawing.style import THEMES, component_colours
from gmm_anim.em.loop import responsibilities
from gmm_anim.history import Mixture
from gmm_anim.write.gif import write_gif

# ---------------------------------------------------------------------------
# Points not yet assigned


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_unassigned_points_are_all_drawn_in_the_neutral_colour(theme: str) -> None:
    history = make_history()
    renderer = FrameRenderer(make_points(), history, options(theme=theme), truth=TRUTH)
    view = renderer.view
    neutral = np.asarray(view.look.theme.unassigned)
    view.update(history[0], None, final=False)
    assert view.points is not None
    faces = view.points.get_facecolors()
    np.testing.assert_array_equal(faces[:, :3], np.broadcast_to(neutral, (len(faces), 3)))
    assert len(faces) == len(view.plane_points)


def test_unassigned_points_in_the_raster_are_shaded_from_the_neutral_colour() -> None:
    history = make_history()
    renderer = FrameRenderer(make_points(n_samples=3000), history, options(max_points=1000), truth=TRUTH)
    view = renderer.view
    theme = view.look.theme
    view.update(history[0], None, final=False)
    assert view.raster is not None and view._density is not None
    image = np.asarray(view.raster.get_array())
    filled = view._density.counts > 0
    background, neutral = np.asarray(theme.background), np.asarray(theme.unassigned)
    expected = background + view._density.intensity[..., None] * (neutral - background)
    np.testing.assert_array_equal(image[filled, :3], np.round(expected[filled] * 255))
    assert (image[~filled, 3] == 0).all()


# ---------------------------------------------------------------------------
# render.uncertainty: marker sizes


def expected_areas(resp: np.ndarray, scale: float) -> np.ndarray:
    """The documented mapping: area linear in 1 - max resp, CERTAIN_AREA at 0 to UNCERTAIN_AREA at 1 - 1/K."""
    uncertainty = 1 - resp.max(axis=1)
    most = 1 - 1 / resp.shape[1]
    return (CERTAIN_AREA + (UNCERTAIN_AREA - CERTAIN_AREA) * uncertainty / most) * scale**2


def test_marker_areas_follow_each_points_uncertainty() -> None:
    history = make_history()
    X = make_points(n_samples=5)
    renderer = FrameRenderer(X, history, options(uncertainty=True), truth=TRUTH)
    view = renderer.view
    resp = np.array([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]])
    view.update(history[1], resp, final=False)
    assert view.points is not None
    scale = view.look.scale
    np.testing.assert_allclose(view.points.get_sizes(), expected_areas(resp, scale))
    sizes = view.points.get_sizes() / scale**2
    assert sizes[0] == pytest.approx(CERTAIN_AREA) and sizes[2] == pytest.approx(UNCERTAIN_AREA)
    view.update(history[1], None, final=False)  # not yet assigned: the plain size
    np.testing.assert_allclose(view.points.get_sizes(), POINT_AREA * scale**2)


def test_marker_areas_are_recomputed_every_frame() -> None:
    X, history = make_points(), make_history()
    opts = options(uncertainty=True)
    renderer = FrameRenderer(X, history, opts, truth=TRUTH)
    assert renderer.view.points is not None
    seen = []
    for frame in (0, count_frames(history, opts) - 1):
        renderer.draw(frame)
        resp = responsibilities(X, history[frame])
        np.testing.assert_allclose(renderer.view.points.get_sizes(), expected_areas(resp, renderer.look.scale))
        seen.append(renderer.view.points.get_sizes().copy())
    assert not np.allclose(*seen)


def test_the_legend_explains_the_sizes() -> None:
    renderer = FrameRenderer(make_points(), make_history(), options(uncertainty=True, width=400), truth=TRUTH)
    assert renderer.legend is not None
    labels = [text.get_text() for text in renderer.legend.get_texts()]
    assert "uncertainty 0 … 0.67" in labels  # K = 3: the most a point can have is 1 - 1/3
    handle = renderer.view.legend_entries()[1][-1]
    diameters = np.array([line.get_markersize() for line in handle])
    areas = np.array([CERTAIN_AREA, UNCERTAIN_AREA])
    np.testing.assert_allclose(diameters**2, areas * renderer.look.scale**2)


def test_uncertainty_is_left_unused_by_the_raster_and_one_component_and_sizes_nothing_without_the_key() -> None:
    history = make_history()
    raster = FrameRenderer(
        make_points(n_samples=3000), history, options(max_points=1000, uncertainty=True), truth=TRUTH
    )
    assert not raster.view.sized_by_uncertainty
    assert raster.legend is not None
    assert not any("uncertainty" in text.get_text() for text in raster.legend.get_texts())
    one = Mixture(np.array([1.0]), np.array([[0.0, 0.0]]), np.eye(2)[None])
    single = FrameRenderer(make_points(one), make_history(one), options(uncertainty=True), truth=one)
    assert not single.view.sized_by_uncertainty  # one component: every point is certain
    plain = FrameRenderer(make_points(), history, options(), truth=TRUTH)
    plain.draw(2)
    assert plain.view.points is not None
    np.testing.assert_array_equal(plain.view.points.get_sizes(), [POINT_AREA * plain.look.scale**2])


# ---------------------------------------------------------------------------
# render.density: shaded log-spaced contours


def naive_log_density(points: np.ndarray, mixture: Mixture, dims: tuple[int, int]) -> np.ndarray:
    """log sum_k pi_k N(x | mu_k, S_k) of the (i, j) marginal, one point at a time with inv and det."""
    index = np.array(dims)
    out = []
    for point in points:
        total = 0.0
        for weight, mean, covariance in zip(mixture.weights, mixture.means, mixture.covariances):
            block, centred = covariance[np.ix_(index, index)], point - mean[index]
            quadratic = centred @ np.linalg.inv(block) @ centred
            total += weight * np.exp(-0.5 * quadratic) / (2 * np.pi * np.sqrt(np.linalg.det(block)))
        out.append(np.log(total))
    return np.array(out)


@pytest.mark.parametrize(("truth", "dims"), [(TRUTH, (0, 1)), (THREE_D, (0, 2)), (THREE_D, (2, 1))])
def test_log_density_is_the_exact_marginal(truth: Mixture, dims: tuple[int, int]) -> None:
    x, y = np.linspace(-6, 7, 9), np.linspace(-5, 6, 7)
    grid = np.stack(np.meshgrid(x, y), axis=-1).reshape(-1, 2)
    np.testing.assert_allclose(log_density(x, y, truth, dims).ravel(), naive_log_density(grid, truth, dims), rtol=1e-10)


def test_log_density_is_finite_far_from_every_component() -> None:
    far = log_density(np.array([1e4, -3e4]), np.array([5e4]), TRUTH, (0, 1))
    assert np.isfinite(far).all() and (far < -1e6).all()  # a naive sum of densities would give log 0
    collapsed = Mixture(
        np.array([0.5, 0.5, 0.0]), TRUTH.means, TRUTH.covariances * np.array([1, 1e-300, 1])[:, None, None]
    )
    assert np.isfinite(log_density(np.linspace(-5, 5, 11), np.linspace(-5, 5, 11), collapsed, (0, 1))).all()


def test_shading_bands_change_between_frames_and_stay_in_range() -> None:
    X, history = make_points(), make_history()
    opts = options(density=True)
    renderer = FrameRenderer(X, history, opts, truth=TRUTH)
    shading = renderer.view.shading
    assert shading is not None
    x, y = np.linspace(-7, 7, 60), np.linspace(-4, 8, 50)
    shown = []
    for frame in range(count_frames(history, opts)):
        renderer.update(frame)
        bands = shading.bands(x, y)
        assert bands.min() >= 0 and bands.max() <= N_BANDS
        shown.append(bands)
    assert all((a != b).any() for a, b in zip(shown, shown[1:]))
    # the fit's peak is the top level, which the grid's points come close to; far away: no shade
    assert shown[-1].max() >= N_BANDS - 1 and shown[-1].min() == 0
    at_means = shading.bands(TRUTH.means[:, 0], TRUTH.means[:, 1])
    assert at_means.max() == N_BANDS
    tall = np.linspace(-4, 8, 2 * STRIP_ROWS + 7)  # the colours come in strips of rows: seams change nothing
    np.testing.assert_array_equal(shading.colour_words(x, tall), shading._table[shading.bands(x, tall)])


def test_the_shading_is_painted_where_the_density_is() -> None:
    """Drawn alone over the background, each pixel is the band of the exact log-density at its centre.

    (Bar a few on band edges: between nodes the log-density is interpolated.)
    """
    history = make_history()
    renderer = FrameRenderer(make_points(), history, options(density=True), truth=TRUTH)
    shading = renderer.view.shading
    assert shading is not None
    shading.set_mixture(history.final)
    renderer.canvas.restore_region(renderer._background)
    shading.draw(renderer.canvas.get_renderer())
    pixels = np.asarray(renderer.canvas.buffer_rgba())[..., :3]
    box = renderer.axes.bbox
    columns = np.arange(int(np.ceil(box.x0)) + 1, int(box.x1) - 1)  # inside the spines
    ups = np.arange(int(np.ceil(box.y0)) + 1, int(box.y1) - 1)
    to_data = renderer.axes.transData.inverted()
    x = to_data.transform(np.column_stack([columns + 0.5, np.full(len(columns), box.y0)]))[:, 0]
    y = to_data.transform(np.column_stack([np.full(len(ups), box.x0), ups + 0.5]))[:, 1]
    exact = np.floor((log_density(x, y, history.final, (0, 1)) - shading.lowest) / shading.step) + 1
    shades = np.vstack([renderer.look.theme.background, band_colours(renderer.look.theme)])
    expected = np.round(shades[np.clip(exact, 0, N_BANDS).astype(int)] * 255)
    painted = pixels[pixels.shape[0] - 1 - ups][:, columns]
    wrong = (painted != expected).any(axis=-1)
    assert wrong.mean() < 0.01  # a flipped or shifted image gets most of them wrong
    assert len(np.unique(expected.reshape(-1, 3), axis=0)) >= N_BANDS  # the background and (nearly) every band


def test_shading_sits_behind_the_points_and_the_spines_over_it() -> None:
    renderer = FrameRenderer(make_points(), make_history(), options(density=True), truth=TRUTH)
    artists = renderer.view.animated_artists
    shading, points = artists.index(renderer.view.shading), artists.index(renderer.view.points)
    spines = [artists.index(spine) for spine in renderer.axes.spines.values()]
    assert shading < min(spines) and max(spines) < points
    assert renderer.view.shading.get_zorder() < min(s.get_zorder() for s in renderer.axes.spines.values())


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_band_shades_run_from_the_background_towards_the_foreground(theme: str) -> None:
    colours = band_colours(THEMES[theme])
    background, foreground = np.asarray(THEMES[theme].background), np.asarray(THEMES[theme].foreground)
    distance = np.abs(colours - background).sum(axis=1)
    assert (np.diff(distance) > 0).all() and len(colours) == N_BANDS
    np.testing.assert_allclose(colours[-1], background + DARKEST * (foreground - background), atol=0.5 / 255)
    np.testing.assert_array_equal(np.round(colours * 255) / 255, colours)  # on the pixel grid


@pytest.mark.parametrize(
    "fields",
    [
        {"density": True},
        {"density": True, "uncertainty": True, "sigmas": (1.0, 2.0)},
        {"density": True, "uncertainty": True, "max_points": 100},  # the shading under a density raster
    ],
)
def test_blitted_frames_equal_a_full_redraw_with_the_shading(fields: dict) -> None:
    X, history = make_points(), make_history()
    opts = options(**fields)
    blitted = FrameRenderer(X, history, opts, truth=TRUTH)
    redrawn = FrameRenderer(X, history, opts, truth=TRUTH)
    for frame in (0, 2, count_frames(history, opts) - 1):
        np.testing.assert_array_equal(blitted.draw(frame), full_redraw(redrawn, frame))


def test_the_gif_keeps_the_component_colours_exact_over_the_shading(tmp_path: Path) -> None:
    X, history = make_points(), make_history()
    opts = options(density=True, width=480, height=400)  # points a few pixels wide: their centres are not blended
    frames = list(render_frames(X, history, opts, truth=TRUTH))
    path = tmp_path / "shaded.gif"
    with path.open("wb") as fp:
        write_gif(iter([f.copy() for f in frames]), fp, [100] * len(frames), key_colours(history, opts))
    colours = np.round(component_colours(3) * 255).astype(np.uint8)
    renderer = FrameRenderer(X, history, opts, truth=TRUTH)
    checked = 0
    with Image.open(path) as gif:
        for index, frame in enumerate(frames):
            gif.seek(index)
            decoded = np.asarray(gif.convert("RGB"))
            for colour in colours:
                exact = (frame == colour).all(axis=-1)
                assert exact.any()
                assert (decoded[exact] == colour).all()
            # the pixel under each owned point's centre is its component's colour
            resp = responsibilities(X, history[index])
            owned = resp.max(axis=1) > 0.9999
            if owned.sum() < 20:
                continue
            checked += 1
            centres = renderer.axes.transData.transform(X[owned])
            rows, cols = (opts.height - centres[:, 1]).astype(int), centres[:, 0].astype(int)
            hits = (decoded[rows, cols] == colours[resp[owned].argmax(axis=1)]).all(axis=1)
            assert hits.mean() > 0.9  # the rest lie under an ellipse, a mean marker or another point
    assert checked >= 2


# ---------------------------------------------------------------------------
# The look, against a reference image

IMAGES = Path(__file__).resolve().parent / "images"
REFERENCE = IMAGES / "uncertainty_density.png"
TOLERANCE = 3.0  # RMS difference in 0..255 levels, as tests/test_render_images.py allows


def reference_frame() -> np.ndarray:
    """Frame 2 of a small render with render.uncertainty and render.density on.

    To redraw the reference after a deliberate change of the look, save this
    frame to tests/images/uncertainty_density.png and look at it first.
    """
    opts = options(width=360, height=270, uncertainty=True, density=True)
    renderer = FrameRenderer(make_points(), make_history(), opts, truth=TRUTH)
    return renderer.draw(2)


def test_the_shaded_sized_frame_matches_its_reference_image(tmp_path: Path) -> None:
    from matplotlib.testing.compare import compare_images

    actual = tmp_path / REFERENCE.name
    Image.fromarray(reference_frame()).save(actual)
    assert Image.open(actual).size == Image.open(REFERENCE).size
    assert compare_images(str(REFERENCE), str(actual), tol=TOLERANCE) is None


@pytest.mark.parametrize("format", ["pdf", "svg", "png"])
def test_the_shading_draws_through_every_backend(format: str) -> None:
    """Stills save views with savefig: vector backends embed the shading as an image, PNG at any dpi."""
    from io import BytesIO

    renderer = FrameRenderer(make_points(), make_history(), options(density=True), truth=TRUTH)
    renderer.update(2)
    for artist in renderer.animated_artists:
        artist.set_animated(False)
    buffer = BytesIO()
    renderer.figure.savefig(buffer, format=format, dpi=150)
    assert buffer.tell() > 1000
    if format == "svg":
        assert b"<image" in buffer.getvalue()
