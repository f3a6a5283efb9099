"""The frames of an animation in order: the parameters each draws, what colours its points, its title.

Pure Python, no numpy: a plan is made from the iterations shown
(``render.frames``), ``render.tween`` and ``render.half_steps``, and both the
animation (``frames.FrameRenderer``) and the still figure (``stills``) draw
from it.

Every frame draws one of the shown snapshots, or a tween between two
consecutive ones (``step``, ``offset`` of ``tween + 1``), and colours the
points by the responsibilities under the snapshot ``coloured_by`` (None: not
yet assigned, the theme's neutral colour).

- Plain frames: each shown iteration, with ``tween`` frames between each two;
  the points are coloured by the parameters drawn.
- Half steps (SPEC section 6, Bishop's PRML Figure 9.8): the start (the first
  snapshot, points unassigned); then for each later shown snapshot j, the
  E-step (the points recoloured under snapshot j - 1, which is still drawn)
  and the M-step (snapshot j drawn, the colours kept), with the tween frames
  between them moving the parameters while the colours stay; and a last
  E-step under the last snapshot. S shown snapshots give 2 + (S - 1) x
  (tween + 2) frames: 2I + 2 for I iterations all shown. With
  ``render.frames`` choosing iterations apart, the E-step after shown
  iteration r is E-step r + 1 (under r's parameters) and the M-step that
  follows lands on the next shown iteration, so an M-step frame may pass
  over the iterations not shown, as a tween between them does.

Titles name the step after ``render.title``: ``..., start``, ``..., E-step``,
``..., M-step`` and ``..., final E-step``. ``{iteration}`` is the iteration
the step belongs to (E-step i recolours under the parameters of iteration
i - 1), ``a -> b`` on the tween frames of an M-step, and
``{log_likelihood}`` is always that of the parameters drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Between", "FramePlan", "Phase", "PlannedFrame", "frame_count"]

Phase = Literal["iteration", "start", "E", "M", "final"]
TITLE_STEPS: dict[Phase, str] = {
    "iteration": "",
    "start": ", start",
    "E": ", E-step",
    "M": ", M-step",
    "final": ", final E-step",
}


def frame_count(n_shown: int, *, tween: int, half_steps: bool) -> int:
    """Frames for ``n_shown`` shown iterations: (S - 1)(tween + 1) + 1, or 2 + (S - 1)(tween + 2) with half steps."""
    if half_steps:
        return 2 + (n_shown - 1) * (tween + 2)
    return (n_shown - 1) * (tween + 1) + 1


@dataclass(frozen=True)
class PlannedFrame:
    """One frame: the parameters drawn, those colouring the points, and which step it shows.

    step : index of the shown snapshot drawn; offset : tween frames past it, of tween + 1 (0: the snapshot)
    coloured_by : the (step, offset) whose responsibilities colour the points; None: not yet assigned
    phase : "iteration" (plain frames), or with half steps "start", "E", "M" (tween frames too), "final"
    """

    step: int
    offset: int
    coloured_by: tuple[int, int] | None
    phase: Phase


class Between:
    """``{iteration}`` in the title of a tween frame: ``3 -> 4``, a format spec applied to each number."""

    def __init__(self, start: int, end: int) -> None:
        self.start, self.end = start, end

    def __format__(self, spec: str) -> str:
        return f"{format(self.start, spec)} -> {format(self.end, spec)}"

    def __str__(self) -> str:
        return format(self, "")

    __repr__ = __str__


class FramePlan:
    """The frames drawn of the iterations ``shown``, in order (``frames``), and how each is labelled."""

    def __init__(self, shown: Sequence[int], *, tween: int, half_steps: bool) -> None:
        self.shown = tuple(shown)
        self.parts = tween + 1
        self.half_steps = half_steps
        self.frames = _half_step_frames(len(self.shown), tween) if half_steps else _plain_frames(len(self.shown), tween)

    def __len__(self) -> int:
        return len(self.frames)

    def fraction(self, offset: int) -> float:
        """How far ``offset`` tween frames lie towards the next snapshot."""
        return offset / self.parts

    def position(self, frame: PlannedFrame) -> tuple[int, float]:
        """Where the parameters drawn lie along the iterations: (iteration, fraction of the way to the next).

        A tween between shown iterations 5 and 10 moves evenly from 5 to 10;
        whole iterations and the remainder are split in integers, so between
        consecutive iterations the fraction is ``fraction``'s exactly.
        """
        start = self.shown[frame.step]
        if frame.offset == 0:
            return start, 0.0
        passed, remainder = divmod((self.shown[frame.step + 1] - start) * frame.offset, self.parts)
        return start + passed, remainder / self.parts

    def iteration(self, frame: PlannedFrame) -> int | Between:
        """``{iteration}`` of the frame's title: the iteration its step belongs to, ``a -> b`` between two."""
        drawn = self.shown[frame.step]
        if frame.offset:
            return Between(drawn, self.shown[frame.step + 1])
        return drawn + 1 if frame.phase == "E" else drawn

    def title(self, frame: PlannedFrame, template: str, log_likelihood: Sequence[float] | np.ndarray) -> str:
        """``template`` (render.title) for the frame, then its step; the log-likelihood of the parameters drawn."""
        drawn = self.shown[frame.step]
        text = template.format(iteration=self.iteration(frame), log_likelihood=float(log_likelihood[drawn]))
        return text + TITLE_STEPS[frame.phase]


def _plain_frames(n_shown: int, tween: int) -> list[PlannedFrame]:
    frames = []
    for step in range(n_shown):
        for offset in range(tween + 1 if step < n_shown - 1 else 1):
            frames.append(PlannedFrame(step, offset, (step, offset), "iteration"))
    return frames


def _half_step_frames(n_shown: int, tween: int) -> list[PlannedFrame]:
    frames = [PlannedFrame(0, 0, None, "start")]
    for step in range(1, n_shown):
        before = (step - 1, 0)
        frames.append(PlannedFrame(step - 1, 0, before, "E"))
        frames.extend(PlannedFrame(step - 1, offset, before, "M") for offset in range(1, tween + 1))
        frames.append(PlannedFrame(step, 0, before, "M"))
    frames.append(PlannedFrame(n_shown - 1, 0, (n_shown - 1, 0), "final"))
    return frames
