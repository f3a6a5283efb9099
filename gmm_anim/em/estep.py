"""Points and mixture parameters prepared for evaluation, and the E-step.

The data are centred once. Two evaluation paths give the same numbers:

- quadratic features (small D): with ``features = [1, x, upper(x x^T)]``,
  every component's weighted log density is one matmul ``W @ features`` and
  the M-step's sufficient statistics are one matmul ``resp_by_component @ features.T``,
  block by block so that the (K, block) log densities stay in cache. Each
  block's features are built from the centred points as the block comes
  (``quadratic_blocks``), so memory stays O(block) whatever n. Building them
  takes 2.4 ms an iteration at n = 1e6, K = 10, D = 2, partly repaid by
  features read from cache: an EM iteration went from 40.3 to 40.7 ms
  (medians of alternating runs). Keeping all of them took 8 n (1 + D + D (D
  + 1) / 2) bytes (480 MB at 1e7 points) and, past a 256 MiB budget, sent
  large data to the Cholesky path, 6x slower per point: at 1e7 points, K = 3,
  an iteration took 933 ms and now about 150 ms;
- Cholesky (large D, or when expanding the quadratic form would cancel:
  a component narrow compared with its distance from the data centre):
  ``(x - mean) @ prec_chol`` per component.

``responsibility_blocks`` gives the responsibilities a block at a time, so a
caller that reduces them (the density raster) never holds the (K, n) array.
The M-step and the loop are in gmm_anim.em.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..blas import SERIAL_PRODUCT
from .covariances import make_positive_definite, precision_cholesky

__all__ = [
    "Params", "Points", "cholesky_blocks", "e_step_cholesky", "e_step_quadratic", "evaluate",
    "expansion_is_accurate", "make_params", "prepare", "quadratic_blocks", "quadratic_features", "resp_buffer",
    "responsibility_blocks", "sample_blocks",
]  # fmt: skip

_LOG_2PI = math.log(2.0 * math.pi)
# Samples per block: a (K, block) array of log densities (1 MiB) stays in cache,
# and every matrix product of a block stays on one BLAS thread (SERIAL_PRODUCT).
_BLOCK_VALUES = 2**17
_QUADRATIC_MAX_FEATURES = 6  # above this D the expansion costs more than it saves
# Expanding (x - mu)^T P (x - mu) loses about eps * a^T |P| a (a = |mu| + std,
# centred units) to cancellation; above this bound the Cholesky path is used.
_EXPANSION_LIMIT = 1e6


# ----------------------------------------------------------------------------
# Data and parameters


@dataclass
class Points:
    """The points prepared once per fit.

    X : array of shape (n_samples, n_features), centred on ``centre``
    feature_var : array of shape (n_features,): per-feature variance (zeros replaced)
    """

    X: np.ndarray
    centre: np.ndarray
    feature_var: np.ndarray
    resp_by_component: np.ndarray | None = None  # (n_components, n_samples) buffer of the Cholesky path


@dataclass(frozen=True)
class Params:
    """One mixture in centred coordinates, with what the E-step needs.

    weights (K,), means (K, D), covariances, prec_chol, precisions (K, D, D),
    log_norm (K,): log weight + log det(prec_chol) - D/2 log(2 pi),
    loading (K,): the largest diagonal loading added to make each covariance usable (0 when none).
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    prec_chol: np.ndarray
    precisions: np.ndarray
    log_norm: np.ndarray
    loading: np.ndarray


def quadratic_features(n_features: int) -> int:
    """How many quadratic features the E-step expands points of D features into; 0 when it does not."""
    if n_features > _QUADRATIC_MAX_FEATURES:
        return 0
    return 1 + n_features + n_features * (n_features + 1) // 2


def prepare(X: np.ndarray) -> Points:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"X must have shape (n_samples, n_features) with both >= 1, got {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X must be finite; remove the NaN or infinite values")
    centre = X.mean(axis=0)
    Xc = np.ascontiguousarray(X - centre)
    feature_var = np.einsum("ij,ij->j", Xc, Xc) / len(Xc)
    positive = feature_var[feature_var > 0]
    feature_var[feature_var <= 0] = positive.max() if positive.size else 1.0
    return Points(Xc, centre, feature_var)


def make_params(weights: np.ndarray, means: np.ndarray, covariances: np.ndarray, data: Points) -> Params:
    covariances = 0.5 * (covariances + np.swapaxes(covariances, 1, 2))
    covariances, loading = make_positive_definite(covariances, data.feature_var)
    prec_chol, log_det = precision_cholesky(covariances)
    n_features = means.shape[1]
    log_weights = np.log(np.maximum(weights, np.finfo(np.float64).tiny))
    return Params(
        weights=weights,
        means=means,
        covariances=covariances,
        prec_chol=prec_chol,
        precisions=prec_chol @ np.swapaxes(prec_chol, 1, 2),
        log_norm=log_weights + log_det - 0.5 * n_features * _LOG_2PI,
        loading=loading,
    )


def expansion_is_accurate(data: Points, params: Params) -> bool:
    if not quadratic_features(data.X.shape[1]):
        return False
    spread = np.abs(params.means) + np.sqrt(np.diagonal(params.covariances, axis1=1, axis2=2))
    bound = np.einsum("ki,kij,kj->k", spread, np.abs(params.precisions), spread)
    return bool(np.all(bound <= _EXPANSION_LIMIT))


# ----------------------------------------------------------------------------
# E-step


def sample_blocks(n_samples: int, n_components: int, product_width: int) -> list[slice]:
    """Slices of at most _BLOCK_VALUES / K samples, and SERIAL_PRODUCT / product_width.

    product_width : m * n * k of a block's matrix products divided by the block size.
    """
    size = max(256, min(_BLOCK_VALUES // n_components, SERIAL_PRODUCT // product_width))
    return [slice(start, start + size) for start in range(0, n_samples, size)]


def _normalise_block(log_prob: np.ndarray) -> float:
    """Turn weighted log densities (K, m) into responsibilities in place.

    Returns the block's total log-likelihood (a log-sum-exp per column).
    """
    top = log_prob.max(axis=0)
    log_prob -= top
    np.exp(log_prob, out=log_prob)
    total = log_prob.sum(axis=0)
    log_prob /= total
    return float(top.sum() + np.log(total).sum())


def quadratic_blocks(data: Points, params: Params) -> Iterator[tuple[slice, np.ndarray, np.ndarray, float]]:
    """Per block of points: its slice, features (n_quadratic, m), resp_by_component (K, m) and log-likelihood.

    -0.5 (x - mu)^T P (x - mu) = -0.5 x^T P x + (P mu)^T x - 0.5 mu^T P mu,
    so one row of W per component holds the constant, P mu and the upper
    triangle of -0.5 P (off-diagonal entries doubled). The features and
    responsibilities are buffers used again for the next block.
    """
    n_components, n_features = params.means.shape
    n_samples = len(data.X)
    rows, cols = np.triu_indices(n_features)
    precisions_mean = np.einsum("kij,kj->ki", params.precisions, params.means)
    W = np.concatenate(
        [
            (params.log_norm - 0.5 * np.einsum("ki,ki->k", params.means, precisions_mean))[:, None],
            precisions_mean,
            np.where(rows == cols, -0.5, -1.0) * params.precisions[:, rows, cols],
        ],
        axis=1,
    )
    blocks = sample_blocks(n_samples, n_components, n_components * W.shape[1])
    size = min(blocks[0].stop, n_samples)
    features, resp_by_component = np.empty((W.shape[1], size)), np.empty((n_components, size))
    features[0] = 1.0
    for block in blocks:
        X = data.X[block]
        if len(X) < size:  # the last block
            features, resp_by_component = features[:, : len(X)], np.empty((n_components, len(X)))
        features[1 : 1 + n_features] = X.T
        for row, (i, j) in enumerate(zip(rows, cols), start=1 + n_features):
            np.multiply(features[1 + i], features[1 + j], out=features[row])
        np.matmul(W, features, out=resp_by_component)
        yield block, features, resp_by_component, _normalise_block(resp_by_component)


def cholesky_blocks(
    data: Points, params: Params, resp_by_component: np.ndarray | None = None
) -> Iterator[tuple[slice, np.ndarray, float]]:
    """Per block of points: its slice, resp_by_component (K, m) and log-likelihood, by Cholesky factors.

    The responsibilities are written into the block's columns of
    ``resp_by_component`` (K, n_samples) when given, else into a buffer used
    again for the next block.
    """
    n_components, n_features = params.means.shape
    blocks = sample_blocks(len(data.X), n_components, n_features * n_features)
    size = min(blocks[0].stop, len(data.X))
    out = np.empty((n_components, size)) if resp_by_component is None else resp_by_component
    for block in blocks:
        X = data.X[block]
        log_prob = out[:, : len(X)] if resp_by_component is None else out[:, block]
        for k, (mean, prec_chol) in enumerate(zip(params.means, params.prec_chol)):
            y = (X - mean) @ prec_chol
            np.einsum("ij,ij->i", y, y, out=log_prob[k])
        log_prob *= -0.5
        log_prob += params.log_norm[:, None]
        yield block, log_prob, _normalise_block(log_prob)


def responsibility_blocks(data: Points, params: Params) -> Iterator[tuple[slice, np.ndarray, float]]:
    """Per block of points: its slice, resp_by_component (K, m) (a buffer used again) and log-likelihood."""
    if expansion_is_accurate(data, params):
        for block, _, resp_by_component, log_lik in quadratic_blocks(data, params):
            yield block, resp_by_component, log_lik
    else:
        yield from cholesky_blocks(data, params)


def e_step_quadratic(data: Points, params: Params) -> tuple[float, np.ndarray]:
    """Log-likelihood and sufficient statistics ``resp_by_component @ features.T`` (K, n_quadratic)."""
    n_components, n_features = params.means.shape
    stats = np.zeros((n_components, quadratic_features(n_features)))
    log_lik = 0.0
    for _, features, resp_by_component, block_log_lik in quadratic_blocks(data, params):
        log_lik += block_log_lik
        stats += resp_by_component @ features.T
    return log_lik, stats


def e_step_cholesky(data: Points, params: Params, resp_by_component: np.ndarray) -> float:
    """Log-likelihood, filling ``resp_by_component`` (K, n_samples) with the responsibilities."""
    return sum(log_lik for _, _, log_lik in cholesky_blocks(data, params, resp_by_component))


def resp_buffer(data: Points, n_components: int) -> np.ndarray:
    if data.resp_by_component is None or data.resp_by_component.shape[0] != n_components:
        data.resp_by_component = np.empty((n_components, len(data.X)))
    return data.resp_by_component


def evaluate(data: Points, params: Params, resp_by_component: np.ndarray | None = None) -> float:
    """Total log-likelihood under ``params``; fills ``resp_by_component`` (K, n) when given."""
    log_lik = 0.0
    for block, block_resp, block_log_lik in responsibility_blocks(data, params):
        log_lik += block_log_lik
        if resp_by_component is not None:
            resp_by_component[:, block] = block_resp
    return log_lik
