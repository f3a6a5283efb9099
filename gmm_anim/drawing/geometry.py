"""Geometry of what is drawn: frames between iterations, ellipses, fixed limits, 1-D densities.

Pure numpy. Tween frames interpolate the parameters themselves (weights and
means linearly, covariances as matrices, which keeps them positive definite),
never the drawn width/height/angle, so an ellipse cannot flip or wobble
between iterations. The axis limits cover every frame, tween frames
included, whatever the number of tween frames: along each axis the reach of a
linearly interpolated ellipse, mean + nsig * sqrt(variance), is concave in the
interpolation fraction, and its extreme is found in closed form.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..history import History, Mixture

__all__ = [
    "MARGIN",
    "ellipse_geometry",
    "mixture_at",
    "path_extent",
    "plane",
    "span_limits",
    "weighted_densities",
]

MARGIN = 0.05  # fraction of the data range left free around everything drawn


# ---------------------------------------------------------------------------
# Frames between iterations


def mixture_at(history: History, iteration: int, fraction: float) -> Mixture:
    """The parameters ``fraction`` of the way from iteration to iteration + 1.

    Weights and means move linearly and covariances are mixed as matrices: a
    convex combination of positive-definite matrices is positive definite.
    Fraction 0 returns the history's own snapshot, bit for bit.
    """
    if fraction == 0.0:
        return history[iteration]
    start, end = history[iteration], history[iteration + 1]
    return Mixture(
        (1 - fraction) * start.weights + fraction * end.weights,
        (1 - fraction) * start.means + fraction * end.means,
        (1 - fraction) * start.covariances + fraction * end.covariances,
    )


# ---------------------------------------------------------------------------
# Ellipses in the plane of two features


def plane(means: np.ndarray, covariances: np.ndarray, dims: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """The exact marginal of features ``dims`` = (i, j).

    means : (..., D) -> (..., 2); covariances : (..., D, D) -> (..., 2, 2), the sub-blocks.
    """
    index = np.asarray(dims)
    return means[..., index], covariances[..., index[:, None], index[None, :]]


def ellipse_geometry(covariances: np.ndarray, nsig: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Width, height and angle (degrees) of the nsig ellipse of 2x2 covariances.

    The width lies along the leading eigenvector.

    covariances : array of shape (..., 2, 2)
    Returns three arrays of shape (...).
    """
    eigvals, eigvecs = np.linalg.eigh(covariances)
    # a near-singular covariance can come back with a tiny negative eigenvalue
    eigvals = np.clip(eigvals, 0.0, None)
    width = 2.0 * nsig * np.sqrt(eigvals[..., 1])
    height = 2.0 * nsig * np.sqrt(eigvals[..., 0])
    angle = np.degrees(np.arctan2(eigvecs[..., 1, 1], eigvecs[..., 0, 1]))
    return width, height, angle


# ---------------------------------------------------------------------------
# Fixed limits


def path_extent(means: np.ndarray, variances: np.ndarray, nsig: float) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest reach of mean -+ nsig * sd along each axis over every frame.

    means, variances : arrays of shape (T, ..., d): per snapshot, the mean and
        the variance along each of d axes (a covariance diagonal). Between
        consecutive snapshots both move linearly, as tween frames move them.
    Returns two arrays of shape (d,).
    """
    means = means.reshape(len(means), -1, means.shape[-1])
    variances = np.clip(variances.reshape(means.shape), 0.0, None)
    if len(means) > 1:
        m0, slope = means[:-1], np.diff(means, axis=0)
        v0, growth = variances[:-1], np.diff(variances, axis=0)
        # d/dt (m0 + slope t +- nsig sqrt(v0 + growth t)) = 0 at sqrt(v0 + growth t) = -+nsig growth / (2 slope)
        with np.errstate(divide="ignore", invalid="ignore"):
            turning = ((nsig * growth / (2 * slope)) ** 2 - v0) / growth
        turning = np.clip(np.nan_to_num(turning, nan=0.0, posinf=0.0, neginf=0.0), 0.0, 1.0)
        candidates = [
            m0 + slope * t + sign * nsig * np.sqrt(np.clip(v0 + growth * t, 0.0, None))
            for t in (0.0, 1.0, turning)
            for sign in (-1.0, 1.0)
        ]
        stacked = np.stack(candidates)
        low, high = stacked.min(axis=(0, 1, 2)), stacked.max(axis=(0, 1, 2))
    else:
        reach = nsig * np.sqrt(variances[0])
        low, high = (means[0] - reach).min(axis=0), (means[0] + reach).max(axis=0)
    return low, high


def span_limits(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """[[min, max], ...] from the lowest and highest values drawn, with a margin.

    A flat direction (identical points) still gets some room.
    """
    span = high - low
    span = np.where(span > 0, span, max(float(span.max()), 1.0))
    return np.column_stack([low - MARGIN * span, high + MARGIN * span])


# ---------------------------------------------------------------------------
# One feature


def weighted_densities(x: np.ndarray, weights: np.ndarray, means: np.ndarray, variances: np.ndarray) -> np.ndarray:
    """pi_k N(x | mu_k, sigma_k^2) for each component at each x.

    x : (m,); weights, means, variances : (..., K), e.g. (K,) or one row per snapshot
    Returns an array of shape (..., K, m).
    """
    variances = np.clip(variances, np.finfo(np.float64).tiny, None)[..., None]
    z = (x - means[..., None]) ** 2 / variances
    return weights[..., None] * np.exp(-0.5 * z) / np.sqrt(2 * np.pi * variances)
