"""Collapsed components, and the one warning a fit gives about them.

A component has collapsed when its covariance is singular but for
``reg_covar`` (and any diagonal loading): EM then shrinks it onto its points
and the likelihood grows without meaning. Two signs, judged on the fitted
parameters:

- too few points: the component holds fewer effective points
  (n_samples * weight) than its covariance needs, D + 1 for a full one, 2 for
  a diagonal or spherical one (a tied covariance is pooled and cannot
  collapse);
- no spread: its own covariance (reg_covar taken out) has, in its thinnest
  direction, less variance than ten times reg_covar, and less than a
  thousandth of the data's variance (so that reg_covar larger than the
  data's whole spread does not count): the regulariser is what keeps it
  positive definite, its points are identical or (nearly) collinear.
  A collapsing component's own variance settles at about reg_covar; a tight
  but real cluster keeps its own. With reg_covar 0 a collapsed covariance is
  singular and needs diagonal loading, which is warned about in its place.

A component that holds less than half a point is unused rather than
collapsed: its weight is (nearly) zero and it does not shape the fit.
Pure numpy, arrays in, a message out.
"""

from __future__ import annotations

import numpy as np

__all__ = ["collapsed", "fit_warning"]

_UNUSED_POINTS = 0.5  # a component holding less is unused, not collapsed
_REG_FACTOR = 10.0  # own variance under this many reg_covar: the regulariser shapes the component
_REG_RELATIVE = 1e-3  # ... and under this fraction of the data's variance


def _points_needed(covariance_type: str, n_features: int) -> int:
    return {"full": n_features + 1, "diag": 2, "spherical": 2}.get(covariance_type, 0)


def _signs(
    points: np.ndarray, covariances: np.ndarray, reg_covar: float, feature_var: np.ndarray, covariance_type: str
) -> tuple[np.ndarray, np.ndarray]:
    """(too few points, no spread) per component: boolean arrays (K,) from points (K,), covariances (K, D, D)."""
    n_features = covariances.shape[1]
    few = points < _points_needed(covariance_type, n_features)
    own = covariances - reg_covar * np.eye(n_features)
    scale = np.sqrt(feature_var)
    own_relative = np.linalg.eigvalsh(own / (scale[:, None] * scale[None, :]))[:, 0]
    own_absolute = np.linalg.eigvalsh(own)[:, 0]
    flat = (own_absolute < _REG_FACTOR * reg_covar) & (own_relative < _REG_RELATIVE)
    return few, flat


def collapsed(
    weights: np.ndarray,
    covariances: np.ndarray,
    *,
    n_samples: int,
    reg_covar: float,
    feature_var: np.ndarray,
    covariance_type: str = "full",
) -> np.ndarray:
    """Which components of one mixture have collapsed: a boolean array (K,).

    weights (K,) and full covariances (K, D, D) as EM left them (reg_covar
    included); n_samples points whose per-feature variances are
    ``feature_var`` (D,) were fitted.
    """
    points = n_samples * np.asarray(weights, dtype=np.float64)
    few, flat = _signs(points, np.asarray(covariances, dtype=np.float64), reg_covar, feature_var, covariance_type)
    return (few | flat) & (points >= _UNUSED_POINTS)


def fit_warning(
    weights: np.ndarray,
    covariances: np.ndarray,
    loading: np.ndarray,
    *,
    n_samples: int,
    reg_covar: float,
    feature_var: np.ndarray,
    covariance_type: str,
    advice: str,
) -> str | None:
    """The one line to warn about a fit, or None when nothing went wrong.

    weights (T, K), covariances (T, K, D, D) and loading (T, K) per snapshot
    (entry 0: the initialisation). A covariance that needed diagonal loading
    is named first (the iteration where that first happened); otherwise the
    component collapsed at the end of the fit whose collapse began first (the
    start of its last unbroken run of collapsed iterations, from iteration 1:
    the initialisation is not a fit). Components are numbered from 1, as in
    the animation's legend.
    """
    loaded = np.argwhere(loading > 0)
    if len(loaded):
        iteration, component = loaded[0]
        return (
            f"the covariance of component {component + 1} was not positive definite at iteration {iteration} "
            f"(collapsed component, collinear or duplicated points); added diagonal loading up to "
            f"{loading.max():.3g} to keep the fit finite; {advice}"
        )
    last = len(weights) - 1
    if last < 1:
        return None
    args = (reg_covar, feature_var, covariance_type)
    points = n_samples * weights[last]
    few, flat = _signs(points, covariances[last], *args)
    ended = np.flatnonzero((few | flat) & (points >= _UNUSED_POINTS))
    if not len(ended):
        return None
    # Each one's last unbroken run of collapsed snapshots, over iterations 1 .. last.
    n_components, n_features = len(ended), covariances.shape[-1]
    few_before, flat_before = _signs(
        (n_samples * weights[1:last, ended]).ravel(),
        covariances[1:last, ended].reshape(-1, n_features, n_features),
        *args,
    )
    sound = ~(few_before | flat_before).reshape(last - 1, n_components)  # (iterations 1 .. last - 1, ended)
    start = np.ones(n_components, dtype=np.intp)
    if last > 1:  # after the last sound iteration, if any
        start = np.where(sound.any(axis=0), last - np.argmax(sound[::-1], axis=0), 1)
    first = int(np.argmin(start))  # the earliest start; ties: the lowest-numbered component
    component = int(ended[first])
    held = f"{points[component]:.3g}"
    if few[component]:
        noun = "point" if held == "1" else "points"
        needed = _points_needed(covariance_type, covariances.shape[-1])
        what = f"it holds {held} {noun}, fewer than the {needed} its covariance needs"
    else:
        what = f"its {held} points have almost no spread in some direction (identical or collinear points)"
    others = len(ended) - 1
    more = f" ({others} more component{'s' if others > 1 else ''} collapsed too)" if others else ""
    return f"component {component + 1} collapsed at iteration {start[first]}: {what}{more}; {advice}"
