"""Points and mixture parameters prepared for evaluation, and the E-step.

The data are centred once. Two evaluation paths give the same numbers:

- quadratic features (small D): with ``features = [1, x, upper(x x^T)]`` built
  once, every component's weighted log density is one matmul ``W @ features``
  and the M-step's sufficient statistics are one matmul ``resp_by_component @ features.T``,
  block by block so that the (K, block) log densities stay in cache;
- Cholesky (large D, or when expanding the quadratic form would cancel:
  a component narrow compared with its distance from the data centre):
  ``(x - mean) @ prec_chol`` per component.

The M-step and the loop are in gmm_anim.em.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..blas import SERIAL_PRODUCT
from .covariances import make_positive_definite, precision_cholesky

__all__ = [
    "Params", "Points", "e_step_cholesky", "e_step_quadratic", "evaluate", "expansion_is_accurate",
    "make_params", "prepare", "quadratic_features", "resp_buffer", "sample_blocks",
]  # fmt: skip

_LOG_2PI = math.log(2.0 * math.pi)
# Samples per block: a (K, block) array of log densities (1 MiB) stays in cache,
# and every matrix product of a block stays on one BLAS thread (SERIAL_PRODUCT).
_BLOCK_VALUES = 2**17
_QUADRATIC_MAX_FEATURES = 6  # above this D the expansion costs more than it saves
_QUADRATIC_MAX_BYTES = 256 * 2**20
# Expanding (x - mu)^T P (x - mu) loses about eps * a^T |P| a (a = |mu| + std,
# centred units) to cancellation; above this bound the Cholesky path is used.
_EXPANSION_LIMIT = 1e6


# ----------------------------------------------------------------------------
# Data and parameters


@dataclass
class Points:
    """The points prepared once per fit.

    X : array of shape (n_samples, n_features), centred on ``centre``
    features : array of shape (n_quadratic_features, n_samples), or None
    feature_var : array of shape (n_features,): per-feature variance (zeros replaced)
    """

    X: np.ndarray
    centre: np.ndarray
    features: np.ndarray | None
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


def quadratic_features(n_samples: int, n_features: int) -> int:
    """How many quadratic features ``prepare`` expands n points of D features into; 0 when it does not."""
    n_quadratic = 1 + n_features + n_features * (n_features + 1) // 2
    if n_features <= _QUADRATIC_MAX_FEATURES and n_quadratic * n_samples * 8 <= _QUADRATIC_MAX_BYTES:
        return n_quadratic
    return 0


def prepare(X: np.ndarray) -> Points:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"X must have shape (n_samples, n_features) with both >= 1, got {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X must be finite; remove the NaN or infinite values")
    centre = X.mean(axis=0)
    Xc = np.ascontiguousarray(X - centre)
    n_samples, n_features = Xc.shape
    feature_var = np.einsum("ij,ij->j", Xc, Xc) / n_samples
    positive = feature_var[feature_var > 0]
    feature_var[feature_var <= 0] = positive.max() if positive.size else 1.0
    n_quadratic = quadratic_features(n_samples, n_features)
    features = None
    if n_quadratic:
        features = np.empty((n_quadratic, n_samples))
        features[0] = 1.0
        features[1 : 1 + n_features] = Xc.T
        for row, (i, j) in enumerate(zip(*np.triu_indices(n_features)), start=1 + n_features):
            np.multiply(Xc[:, i], Xc[:, j], out=features[row])
    return Points(Xc, centre, features, feature_var)


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
    if data.features is None:
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


def e_step_quadratic(
    data: Points, params: Params, resp_by_component: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    """Log-likelihood and sufficient statistics (K, n_quadratic) via the expansion.

    -0.5 (x - mu)^T P (x - mu) = -0.5 x^T P x + (P mu)^T x - 0.5 mu^T P mu,
    so one row of W per component holds the constant, P mu and the upper
    triangle of -0.5 P (off-diagonal entries doubled). Fills ``resp_by_component`` (K, n)
    when given.
    """
    features = data.features
    assert features is not None, "the quadratic path runs only on expanded points"
    n_components, n_features = params.means.shape
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
    blocks = sample_blocks(features.shape[1], n_components, n_components * features.shape[0])
    buffer = np.empty((n_components, blocks[0].stop))
    stats = np.zeros((n_components, features.shape[0]))
    log_lik = 0.0
    for block in blocks:
        chunk = features[:, block]
        log_prob = buffer if chunk.shape[1] == buffer.shape[1] else np.empty((n_components, chunk.shape[1]))
        np.matmul(W, chunk, out=log_prob)
        log_lik += _normalise_block(log_prob)
        stats += log_prob @ chunk.T
        if resp_by_component is not None:
            resp_by_component[:, block] = log_prob
    return log_lik, stats


def e_step_cholesky(data: Points, params: Params, resp_by_component: np.ndarray) -> float:
    """Log-likelihood, filling ``resp_by_component`` (K, n_samples) with the responsibilities."""
    log_lik = 0.0
    n_features = data.X.shape[1]
    for block in sample_blocks(len(data.X), len(params.weights), n_features * n_features):
        X, log_prob = data.X[block], resp_by_component[:, block]
        for k, (mean, prec_chol) in enumerate(zip(params.means, params.prec_chol)):
            y = (X - mean) @ prec_chol
            np.einsum("ij,ij->i", y, y, out=log_prob[k])
        log_prob *= -0.5
        log_prob += params.log_norm[:, None]
        log_lik += _normalise_block(log_prob)
    return log_lik


def resp_buffer(data: Points, n_components: int) -> np.ndarray:
    if data.resp_by_component is None or data.resp_by_component.shape[0] != n_components:
        data.resp_by_component = np.empty((n_components, len(data.X)))
    return data.resp_by_component


def evaluate(data: Points, params: Params, resp_by_component: np.ndarray | None = None) -> float:
    """Total log-likelihood under ``params``; fills ``resp_by_component`` (K, n) when given."""
    if expansion_is_accurate(data, params):
        return e_step_quadratic(data, params, resp_by_component)[0]
    if resp_by_component is None:
        resp_by_component = resp_buffer(data, len(params.weights))
    return e_step_cholesky(data, params, resp_by_component)
