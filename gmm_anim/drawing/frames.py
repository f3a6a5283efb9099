"""Draw the frames of the EM animation from the data and a History.

One explicit matplotlib Figure on an Agg canvas is laid out and drawn once
(``layout``); its static parts (axes, ticks, the histogram of 1-D
data) are kept as a pixel background, and per frame only the changing
artists are updated in place and blitted over it: the view of the data
(``plane_view`` for two or more features, ``line_view`` for one), the
log-likelihood panel (``loglik_panel``), the title and the legend with its live
weights. The frames show the iterations ``render.frames`` chooses (every
one by default: frame f shows the parameters after f EM steps), with
``tween`` N the parameters interpolated between consecutive ones
(``geometry``), with the responsibilities they give recomputed for that
frame only, so memory does not grow with the number of iterations. A tween
frame's title says which two iterations it lies between (``3 -> 4``).
With ``render.half_steps`` the E-step and the M-step of every iteration are
frames of their own (``frame_plan`` orders the frames and titles them).
Nothing is written to disk here.

Once the fit has finished (the last frame) the true components take the
colours of the fitted components matched to them (``em.match_components``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ConfigError
from ..history import History, Mixture
from .frame_plan import FramePlan, PlannedFrame, frame_count
from .geometry import mixture_at
from .style import THEMES, Look, component_colours, level_colours, size_scale, to_bytes

if TYPE_CHECKING:
    from matplotlib.legend import Legend
    from matplotlib.text import Text

    from ..config import RenderConfig
    from .line_view import LineView
    from .live_text import FrameTitle
    from .loglik_panel import LogLikelihoodPanel
    from .plane_view import PlaneView

__all__ = ["FrameRenderer", "axis_labels", "check_options", "count_frames", "key_colours", "render_frames"]

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sigma_levels(options: RenderConfig) -> np.ndarray:
    """The sigma levels drawn, innermost first, without repeats."""
    return np.unique(np.asarray(options.sigmas, dtype=np.float64))


def check_options(options: RenderConfig, n_features: int, n_components: int, *, source: object = "render") -> None:
    """Refuse options the data cannot honour: dims beyond its features, labels not one per feature shown,
    too few palette colours.

    The config validator checks these when it knows the dimension and the
    number of components; points read from a data file are checked here.
    """
    from ..config import render_mismatch

    have = f"the data has {n_features} feature{'' if n_features == 1 else 's'}"
    problem = render_mismatch(options.dims, options.palette, n_features, n_components, have, labels=options.labels)
    if problem is not None:
        field, message = problem
        raise ConfigError(source, ".".join(map(str, field)), message)


def check_history(options: RenderConfig, history: History, source: object) -> None:
    """Refuse options the fit cannot honour: check_options, and frames listing no iteration it computed.

    The limits check refuses a list past ``iterations`` before the fit; here
    the list of a fit that em.tol stopped before every iteration listed.
    """
    from ..config.field_checks import frames_missed

    check_options(options, history.means.shape[2], history.weights.shape[1], source=source)
    last = history.n_iterations
    reason = f"em.tol stopped the fit at iteration {last}" if history.converged else "the fit's last iteration"
    missed = frames_missed(options.frames, last, reason)
    if missed is not None:
        raise ConfigError(source, "render.frames", missed)


def look_for(history: History, options: RenderConfig, truth: Mixture | None) -> Look:
    from ..em import match_components

    theme = THEMES[options.theme]
    colours = component_colours(history.weights.shape[1], options.palette)
    levels = _sigma_levels(options)
    owner = () if truth is None else tuple(match_components(history.final, truth).permutation)
    return Look(
        theme,
        colours,
        levels,
        level_colours(colours, len(levels), theme.background),
        size_scale(options.width, options.height),
        owner,
    )


class FrameRenderer:
    """One figure drawn once; ``draw(f)`` blits frame f and returns its pixels.

    The changing artists are public so that callers and tests can inspect
    them: ``view`` (a PlaneView or LineView), ``panel`` (None without
    ``render.loglik``), ``title`` (a FrameTitle) and ``legend`` (None when the
    frame is too small for it). ``axes`` is the view's axes.
    """

    legend: Legend | None
    title: FrameTitle

    def __init__(
        self,
        X: np.ndarray,
        history: History,
        options: RenderConfig,
        *,
        truth: Mixture | None = None,
        source: object = "render",
        feature_names: Sequence[str] | None = None,
    ) -> None:
        from ..em import Responsibilities
        from .layout import FrameLayout
        from .live_text import FrameTitle

        n_features = history.means.shape[2]
        if X.ndim != 2 or X.shape[1] != n_features:
            raise ValueError(f"X must have shape (n_samples, {n_features}) to match the history, got {X.shape}")
        check_history(options, history, source)
        self._responsibilities = Responsibilities(X)  # the points prepared once for every frame
        self._X, self._history, self._options = X, history, options
        self._shown = options.shown_iterations(history.n_iterations)
        self.plan = FramePlan(self._shown, tween=options.tween, half_steps=options.half_steps)
        # the snapshots shown, in order: the views fix their limits over them and the tweens between them
        self._path = snapshots(history, self._shown)
        self._coloured: tuple[tuple[int, int] | None, np.ndarray | None] = (None, None)
        shown_truth = truth if options.truth else None
        self.look = look_for(history, options, shown_truth)
        self.colours = self.look.colours
        self.view = view_class(n_features)(X, self._path, options, self.look, truth=shown_truth)
        self.layout = FrameLayout(
            options.width,
            options.height,
            self.look.theme,
            self.look.scale,
            panel=self._panel_side() if options.loglik else None,
            data_aspect=self.view.data_aspect,
        )
        self.figure, self.canvas, self.axes = self.layout.figure, self.layout.canvas, self.layout.main
        self.view.draw_on(self.axes, labels=axis_labels(options, n_features, feature_names))
        self.panel = self._add_panel() if options.loglik else None
        self._titles = [self.plan.title(frame, options.title, history.log_likelihood) for frame in self.plan.frames]
        measured = self._widest_titles()
        title = self.layout.add_title(measured)
        self._add_legend()
        self.layout.settle()
        self.legend = self.layout.legend  # None when the frame was too small for it
        self.weight_texts = self._weight_texts()
        self.view.after_layout()
        if self.panel is not None:
            self.panel.fit_note()
        self.title = FrameTitle(self.canvas, title, self._titles, measured)
        self._draw_background()

    def _draw_background(self) -> None:
        """Draw the figure once without its changing artists and keep the pixels.

        The legend is part of the background but for its weight labels, which
        are hidden while it is drawn: they keep their place in its layout and
        are drawn per frame like every other changing artist, pasted from
        pixels kept per string (``live_text.TextStamps``).
        """
        from matplotlib.transforms import Bbox

        from .live_text import TextStamps

        for text in self.weight_texts:
            text.set_visible(False)
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        for text in self.weight_texts:
            text.set_visible(True)
        title = self.title.get_window_extent(self.canvas.get_renderer())
        title_band = Bbox([[0, title.y0], [self.figure.bbox.width, title.y1]])
        keep_clear = [axes.get_window_extent() for axes in self.layout.axes] + [title_band]
        self._stamps = TextStamps(self.canvas, self.weight_texts, keep_clear)

    def _weight_texts(self) -> list[Text]:
        """The legend label of each component, its weight, in component order (empty without a legend)."""
        if self.legend is None:
            return []
        texts = self.legend.get_texts()
        return [texts[self.layout.legend_order.index(k)] for k in range(len(self.colours))]

    def _panel_side(self) -> str:
        """Beside a landscape frame, below a portrait one; a square frame follows the data's shape."""
        width, height = self._options.width, self._options.height
        if width != height:
            return "right" if width > height else "below"
        return "right" if self.view.data_aspect < 1 else "below"

    def _add_panel(self) -> LogLikelihoodPanel:
        from .loglik_panel import LogLikelihoodPanel

        panel = self.layout.panel
        assert panel is not None, "the layout has a panel when render.loglik is set"
        return LogLikelihoodPanel(
            panel,
            self._history.log_likelihood,
            len(self._X),
            converged=self._history.converged,
            theme=self.look.theme,
            scale=self.look.scale,
        )

    def _add_legend(self) -> None:
        """Entries: each component with its weight (digits are equally wide, so any weight fits), then the rest."""
        components, others, labels, title = self.view.legend_entries()
        weights = [self._weight_label(k, w) for k, w in enumerate(self._history.weights[0])]
        self.layout.add_legend([*components, *others], [*weights, *labels], title)

    @staticmethod
    def _weight_label(k: int, weight: float) -> str:
        return f"π{str(k + 1).translate(_SUBSCRIPTS)} = {weight:.2f}"

    # -- frames ----------------------------------------------------------------

    def _widest_titles(self) -> list[str]:
        """The first frame's title, then the longest few, which bound the widest one drawn.

        Candidates: the titles of the frames that draw a snapshot, then the
        first tween frame's of each step (the others repeat it).
        """
        frames = self.plan.frames
        texts = [self._titles[f] for f, frame in enumerate(frames) if frame.offset == 0]
        texts += [self._titles[f] for f, frame in enumerate(frames) if frame.offset == 1]
        longest = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)[:3]
        return [self._titles[0], *(texts[i] for i in longest)]

    @property
    def animated_artists(self) -> list:
        """The artists redrawn every frame, in drawing order."""
        panel = self.panel.animated_artists if self.panel is not None else []
        return [*self.view.animated_artists, *panel, self.title.rest, *self.weight_texts]

    def update(self, frame: int) -> None:
        """Set every changing artist to show frame ``frame``.

        The log-likelihood panel's marker sits at the parameters drawn: on an
        E-step frame at the iteration before (the E-step evaluates it), on an
        M-step frame at the new one.
        """
        planned = self.plan.frames[frame]
        final = frame == len(self.plan) - 1
        mixture = mixture_at(self._path, planned.step, self.plan.fraction(planned.offset))
        self.view.update(mixture, self._resp(planned, mixture), final=final)
        if self.panel is not None:
            self.panel.update(*self.plan.position(planned), final=final)
        self.title.set_text(self._titles[frame])
        for k, text in enumerate(self.weight_texts):
            text.set_text(self._weight_label(k, mixture.weights[k]))

    def _resp(self, planned: PlannedFrame, drawn: Mixture) -> np.ndarray | None:
        """What colours the frame's points (None: not yet assigned; ``view.colouring``), kept while it repeats.

        Half steps colour the E-step, the M-step and the tween frames between
        them alike, so they are computed once for the three.
        """
        key = planned.coloured_by
        if key is None:
            return None
        if self._coloured[0] != key:
            step, offset = key
            same = key == (planned.step, planned.offset)
            colouring = drawn if same else mixture_at(self._path, step, self.plan.fraction(offset))
            self._coloured = (key, self.view.colouring(self._responsibilities, colouring))
        return self._coloured[1]

    def draw(self, frame: int) -> np.ndarray:
        """Frame ``frame`` as an array of shape (height, width, 3), dtype uint8, owning its memory.

        The frame is the RGB view of a copy of the canvas's RGBA pixels: one
        plain copy (30x faster than gathering RGB into a contiguous array),
        and the GIF writer reads the pixels as whole RGBA words anyway.
        """
        self.update(frame)
        self.canvas.restore_region(self._background)
        for artist in self.animated_artists:
            self._stamps.draw(self.figure, artist)
        return np.asarray(self.canvas.buffer_rgba()).copy()[..., :3]


def axis_labels(
    options: RenderConfig, n_features: int, feature_names: Sequence[str] | None = None
) -> tuple[str, ...] | None:
    """The labels of the features shown (x, or x and y): render.labels, else their names, else ``feature i``.

    ``feature_names`` names every feature of the points (header names);
    their ``$`` signs are shown as they are, not as mathtext. Unnamed points
    label their axes only when ``render.dims`` matters (more than two
    features) or is not the default.
    """
    shown = (0,) if n_features == 1 else tuple(options.dims)
    if options.labels is not None:
        return tuple(options.labels)
    if feature_names is not None and len(feature_names) == n_features:
        return tuple(feature_names[i].replace("$", r"\$") for i in shown)
    if n_features > 2 or tuple(options.dims) != (0, 1):
        return tuple(f"feature {i}" for i in shown)
    return None


def snapshots(history: History, shown: Sequence[int]) -> History:
    """The snapshots at the iterations ``shown`` as a history of their own (``history`` itself when all)."""
    if len(shown) == len(history):
        return history
    index = np.asarray(shown)
    return History(
        history.weights[index],
        history.means[index],
        history.covariances[index],
        history.log_likelihood[index],
        covariance_type=history.covariance_type,
        converged=history.converged,
    )


def view_class(n_features: int) -> type[PlaneView] | type[LineView]:
    """The view for the data's dimension, its module alone imported."""
    if n_features == 1:
        from .line_view import LineView

        return LineView
    from .plane_view import PlaneView

    return PlaneView


# ---------------------------------------------------------------------------
# Public entry points


def count_frames(history: History, options: RenderConfig) -> int:
    """Frames in the animation: one per iteration shown (``render.frames``), and ``tween`` between each two.

    With ``render.half_steps``: the start, an E-step and an M-step (with the
    tween frames between them) per shown iteration after the first, and a
    last E-step (``frame_plan.frame_count``).
    """
    n_shown = len(options.shown_iterations(history.n_iterations))
    return frame_count(n_shown, tween=options.tween, half_steps=options.half_steps)


def key_colours(history: History, options: RenderConfig) -> np.ndarray:
    """The colours the GIF palette must contain exactly, as bytes.

    The theme's background, foreground, mean-marker outline, truth, (one
    feature) histogram and (half steps) unassigned colours, (density) the
    shading's bands, and each component colour at each sigma level.

    Returns an array of shape (n_colours, 3), dtype uint8, without repeats.
    """
    theme = THEMES[options.theme]
    colours = component_colours(history.weights.shape[1], options.palette)
    one_feature = history.means.shape[2] == 1
    # one feature draws curves, no sigma levels
    levels = level_colours(colours, 1 if one_feature else len(_sigma_levels(options)), theme.background)
    parts = [np.array([theme.background, theme.foreground, theme.marker_edge]), levels.reshape(-1, 3)]
    if options.truth:
        parts.append(np.array([theme.truth]))
    if one_feature:
        parts.append(np.array([theme.histogram]))
    if options.half_steps:
        parts.append(np.array([theme.unassigned]))
    if options.density and not one_feature:
        from .density_contours import band_colours

        parts.append(band_colours(theme))
    return to_bytes(np.concatenate(parts))


def render_frames(
    X: np.ndarray,
    history: History,
    options: RenderConfig,
    *,
    truth: Mixture | None = None,
    source: object = "render",
    feature_names: Sequence[str] | None = None,
) -> Iterator[np.ndarray]:
    """Yield the frames one at a time, each of shape (height, width, 3), dtype uint8.

    X : array of shape (n_samples, n_features), the data EM was run on.
    feature_names : the name of each feature, which labels the axes unless
    ``render.labels`` is given (see ``axis_labels``).
    Options the data cannot honour raise ConfigError (naming ``source``, the
    config file) at once; nothing is drawn until the first frame is asked for.
    """
    check_history(options, history, source)
    return _frames(X, history, options, truth, feature_names)


def _frames(
    X: np.ndarray,
    history: History,
    options: RenderConfig,
    truth: Mixture | None,
    feature_names: Sequence[str] | None,
) -> Iterator[np.ndarray]:
    renderer = FrameRenderer(X, history, options, truth=truth, feature_names=feature_names)
    for frame in range(count_frames(history, options)):
        yield renderer.draw(frame)
