"""What a player shows beside each frame: its title, where it lies along the iterations, the weights drawn.

Pure bookkeeping from the frame plan (``frame_plan``) and the history, no
drawing: the HTML player (``write.html``) labels its frames with these, and
draws the log-likelihood so far and the current weights itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .frame_plan import FramePlan
from .style import THEMES, component_colours

if TYPE_CHECKING:
    from ..config import RenderConfig
    from ..history import History

__all__ = ["Captions", "frame_captions"]


def _hex(rgb: Sequence[float]) -> str:
    """RGB in [0, 1] -> '#rrggbb'."""
    red, green, blue = (round(float(channel) * 255) for channel in rgb)
    return f"#{red:02x}{green:02x}{blue:02x}"


@dataclass(frozen=True)
class Captions:
    """Per frame: ``titles``, ``steps`` (start, E-step, M-step, final E-step; "" for plain frames),
    ``tweens`` (``tween 1/3``: the frame's place between two snapshots, "" on a snapshot),
    ``positions`` (iteration + fraction of the way to the next, of the parameters
    drawn) and ``weights`` (one tuple of n_components per frame); for the whole
    run: ``log_likelihood`` per iteration, ``converged``, the component
    ``colours`` and the theme's ``background`` and ``foreground``, as '#rrggbb'.
    """

    titles: tuple[str, ...]
    steps: tuple[str, ...]
    tweens: tuple[str, ...]
    positions: tuple[float, ...]
    weights: tuple[tuple[float, ...], ...]
    log_likelihood: tuple[float, ...]
    converged: bool
    colours: tuple[str, ...]
    background: str
    foreground: str

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict of plain lists, numbers rounded to what a reader sees."""
        return {
            "titles": list(self.titles),
            "steps": list(self.steps),
            "tweens": list(self.tweens),
            "positions": [round(position, 6) for position in self.positions],
            "weights": [[round(weight, 4) for weight in frame] for frame in self.weights],
            "logLikelihood": [round(value, 6) for value in self.log_likelihood],
            "converged": self.converged,
            "colours": list(self.colours),
            "background": self.background,
            "foreground": self.foreground,
        }


_STEPS = {"iteration": "", "start": "start", "E": "E-step", "M": "M-step", "final": "final E-step"}


def frame_captions(history: History, options: RenderConfig) -> Captions:
    """The captions of every frame ``render_frames`` draws for ``history`` with ``options``, in order."""
    shown = options.shown_iterations(history.n_iterations)
    plan = FramePlan(shown, tween=options.tween, half_steps=options.half_steps)
    titles, steps, tweens, positions, weights = [], [], [], [], []
    for frame in plan.frames:
        titles.append(plan.title(frame, options.title, history.log_likelihood))
        steps.append(_STEPS[frame.phase])
        tweens.append(f"tween {frame.offset}/{plan.parts}" if frame.offset else "")
        iteration, fraction = plan.position(frame)
        positions.append(iteration + fraction)
        # the weights drawn move linearly between shown snapshots, as geometry.mixture_at moves them
        drawn = history.weights[shown[frame.step]]
        if frame.offset:
            part = plan.fraction(frame.offset)
            drawn = (1 - part) * drawn + part * history.weights[shown[frame.step + 1]]
        weights.append(tuple(float(weight) for weight in drawn))
    theme = THEMES[options.theme]
    colours = component_colours(history.weights.shape[1], options.palette)
    return Captions(
        titles=tuple(titles),
        steps=tuple(steps),
        tweens=tuple(tweens),
        positions=tuple(positions),
        weights=tuple(weights),
        log_likelihood=tuple(float(value) for value in history.log_likelihood),
        converged=bool(history.converged),
        colours=tuple(_hex(colour) for colour in colours),
        background=_hex(theme.background),
        foreground=_hex(theme.foreground),
    )
