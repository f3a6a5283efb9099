"""The log-likelihood panel of runs side by side: one curve per run, growing frame by frame.

Each curve shows the run's log-likelihood per sample up to the frame's
position (the tween fraction interpolated), a dot where the run is now; a
run that stopped early keeps its whole curve. The curves are told apart by
shade and dash (``run_styles``), away from the component colours, and a
legend beside them names the runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .style import THEMES, Theme

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D

__all__ = ["RunCurves", "curve_to", "run_styles"]

_RUN_DASHES = ("-", "--", ":", "-.")
_RUN_SHADES = (0.0, 0.4, 0.65)  # how far each group of four curves is mixed from the foreground to the background


def run_styles(n_runs: int, theme_name: str) -> list[tuple[np.ndarray, str]]:
    """(colour, line style) per run for the log-likelihood curves: apart from the component colours, in
    the theme's foreground and two greys towards its background, each with four dash patterns."""
    theme = THEMES[theme_name]
    foreground, background = np.asarray(theme.foreground), np.asarray(theme.background)
    styles = []
    for run in range(n_runs):
        shade = _RUN_SHADES[run // len(_RUN_DASHES) % len(_RUN_SHADES)]
        colour = np.round(((1 - shade) * foreground + shade * background) * 255) / 255
        styles.append((colour, _RUN_DASHES[run % len(_RUN_DASHES)]))
    return styles


class RunCurves:
    """The curves on ``axes``; ``update(iteration, fraction)`` moves them to a frame.

    log_likelihoods : per run, an array of shape (T_run,), the total log-likelihood per snapshot
    last : the last iteration shown (the x axis' end)
    """

    curves: list[Line2D]

    def __init__(
        self,
        axes: Axes,
        log_likelihoods: Sequence[np.ndarray],
        labels: Sequence[str],
        n_samples: int,
        *,
        last: int,
        theme: Theme,
        theme_name: str,
        scale: float,
        font: float,
    ) -> None:
        from matplotlib.ticker import MaxNLocator

        self.values = [np.asarray(values, dtype=np.float64) / n_samples for values in log_likelihoods]
        low = min(float(values.min()) for values in self.values)
        high = max(float(values.max()) for values in self.values)
        span = high - low if high > low else max(abs(high), 1.0) * 0.1
        last = max(last, 1)
        axes.set_xlim(-0.04 * last, 1.04 * last)
        axes.set_ylim(low - 0.08 * span, high + 0.08 * span)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel("iteration")
        axes.set_title("log-likelihood per sample", fontsize=8 * font, color=theme.foreground)
        styles = run_styles(len(self.values), theme_name)
        width = 1.5 * scale
        self.curves = []
        for colour, dashes in styles:
            curve = axes.plot([], [], color=colour, linestyle=dashes, linewidth=width, animated=True)[0]
            curve.set(marker="o", markersize=4 * scale)  # a dot where the run is now, on its last point
            self.curves.append(curve)
        handles = [axes.plot([], [], color=colour, linestyle=dashes, linewidth=width)[0] for colour, dashes in styles]
        axes.legend(
            handles=handles,
            labels=list(labels),
            fontsize=7 * font,
            frameon=False,
            labelcolor=theme.foreground,
            loc="center left",
            bbox_to_anchor=(1.01, 0.5),  # beside the curves, never over them; the layout makes room
            ncols=2 if len(labels) > 6 else 1,
        ).set_in_layout(True)

    @property
    def animated_artists(self) -> list:
        return list(self.curves)

    def update(self, iteration: int, fraction: float) -> None:
        """Every curve up to ``fraction`` of the way from ``iteration`` to the next, a dot at its end."""
        for values, curve in zip(self.values, self.curves):
            xs, ys = curve_to(values, iteration, fraction)
            curve.set_data(xs, ys)
            curve.set_markevery([len(xs) - 1])


def curve_to(values: np.ndarray, iteration: int, fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """A run's curve up to ``fraction`` past ``iteration``, held at its last value past its end."""
    last = len(values) - 1
    if iteration >= last:
        return np.arange(last + 1, dtype=np.float64), values
    xs, ys = np.arange(iteration + 1, dtype=np.float64), values[: iteration + 1]
    if fraction > 0:
        value = (1 - fraction) * values[iteration] + fraction * values[iteration + 1]
        xs, ys = np.append(xs, iteration + fraction), np.append(ys, value)
    return xs, ys
