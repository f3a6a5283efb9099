"""Starting points of EM: the notebook's random start, k-means++ clusters, a given mixture.

Pure numpy on the centred data (n_samples, n_features); the EM engine turns
what these return into its first parameters (``gmm_anim.em``).
"""

from __future__ import annotations

import numpy as np

from ..blas import SERIAL_PRODUCT
from ..history import Mixture

__all__ = ["explicit_start", "kmeans_clusters", "random_start"]

_LLOYD_STEPS = 10
# Points per block of the nearest-centre search: a (block, K) distance array
# stays small, and the block's product on one BLAS thread (SERIAL_PRODUCT).
_BLOCK_ROWS = 2**14


def random_start(X: np.ndarray, n_components: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """The notebook's start: K distinct data points as means, cov(X) + 0.5 I, equal weights.

    Returns weights (K,), means (K, D) and covariances (K, D, D).
    """
    n_samples, n_features = X.shape
    means = X[rng.choice(n_samples, size=min(n_components, n_samples), replace=False)]
    if len(np.unique(means, axis=0)) < n_components:
        distinct = np.unique(X, axis=0)
        if len(distinct) >= n_components:
            means = distinct[rng.choice(len(distinct), size=n_components, replace=False)]
        else:  # too few distinct points: every one of them, then repeats
            extra = rng.choice(len(distinct), size=n_components - len(distinct))
            means = np.concatenate([distinct, distinct[extra]])
    spread = X.T @ X / (n_samples - 1) if n_samples > 1 else np.zeros((n_features, n_features))
    covariances = np.repeat((spread + 0.5 * np.eye(n_features))[None], n_components, axis=0)
    return np.full(n_components, 1.0 / n_components), means.copy(), covariances


def _nearest(X: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre for every point (ties: the lowest index)."""
    labels = np.empty(len(X), dtype=np.intp)
    centre_norms = np.einsum("ij,ij->i", centres, centres)
    rows = max(256, min(_BLOCK_ROWS, SERIAL_PRODUCT // centres.size))
    for start in range(0, len(X), rows):
        block = slice(start, start + rows)
        labels[block] = np.argmin(centre_norms - 2.0 * X[block] @ centres.T, axis=1)
    return labels


def _squared_distances(X: np.ndarray, centre: np.ndarray, out: np.ndarray) -> np.ndarray:
    """|x - centre|^2 of every point into ``out`` (n_samples,), a block at a time.

    Blocks, and one scratch array for the cumulative sums and distances of
    k-means++, took the seeding's peak from 8 n (2 D + 2) bytes to 16 n: at
    1e7 points and D = 2, from 610 MiB to 153 MiB.
    """
    for start in range(0, len(X), _BLOCK_ROWS):
        diff = X[start : start + _BLOCK_ROWS] - centre
        np.einsum("ij,ij->i", diff, diff, out=out[start : start + _BLOCK_ROWS])
    return out


def _kmeans_plus_plus(X: np.ndarray, n_components: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding: each new centre drawn with probability proportional to D(x)^2."""
    centres = np.empty((n_components, X.shape[1]))
    centres[0] = X[rng.integers(len(X))]
    closest = _squared_distances(X, centres[0], np.empty(len(X)))
    scratch = np.empty(len(X))  # the cumulative sums, then the distances to the new centre
    for j in range(1, n_components):
        cumulative = np.cumsum(closest, out=scratch)
        if cumulative[-1] > 0:
            index = np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right")
        else:  # every point is already a centre
            index = rng.integers(len(X))
        centres[j] = X[min(index, len(X) - 1)]
        np.minimum(closest, _squared_distances(X, centres[j], scratch), out=closest)
    return centres


def kmeans_clusters(
    X: np.ndarray, n_components: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """k-means++ then Lloyd steps; returns the clusters' counts (K,), means (K, D), scatter (K, D, D).

    scatter[k] is sum over the members of (x - mean)(x - mean)^T. An empty
    cluster keeps its centre as its mean, with count and scatter zero.
    """
    centres = _kmeans_plus_plus(X, n_components, rng)
    labels = _nearest(X, centres)
    for _ in range(_LLOYD_STEPS):
        counts = np.bincount(labels, minlength=n_components)
        sums = np.stack([np.bincount(labels, weights=x, minlength=n_components) for x in X.T], axis=1)
        filled = counts > 0
        centres[filled] = sums[filled] / counts[filled, None]
        updated = _nearest(X, centres)
        if np.array_equal(updated, labels):
            break
        labels = updated
    counts = np.bincount(labels, minlength=n_components).astype(np.float64)
    scatter = np.zeros((n_components, X.shape[1], X.shape[1]))
    for k in np.flatnonzero(counts):
        members = X[labels == k]
        centres[k] = members.mean(axis=0)
        diff = members - centres[k]
        scatter[k] = diff.T @ diff
    return counts, centres, scatter


def explicit_start(
    initial: Mixture | None, n_components: int, n_features: int, centre: np.ndarray
) -> tuple[np.ndarray, ...]:
    """The given mixture, checked, in the coordinates of data centred on ``centre`` (D,).

    Returns weights (K,) normalised to sum 1, means (K, D) and covariances (K, D, D).
    """
    if initial is None:
        raise ValueError("init='explicit' needs `initial`, the starting Mixture")
    weights = np.asarray(initial.weights, dtype=np.float64)
    means = np.asarray(initial.means, dtype=np.float64)
    covariances = np.asarray(initial.covariances, dtype=np.float64)
    K, D = n_components, n_features
    for name, array, shape in (
        ("weights", weights, (K,)),
        ("means", means, (K, D)),
        ("covariances", covariances, (K, D, D)),
    ):
        if array.shape != shape:
            raise ValueError(
                f"initial {name} must have shape {shape} (n_components={K}, n_features={D}), got {array.shape}"
            )
        if not np.isfinite(array).all():
            raise ValueError(f"initial {name} must be finite")
    if np.any(weights <= 0):
        raise ValueError(f"initial weights must be positive, got {weights.tolist()}")
    return weights / weights.sum(), means - centre, covariances
