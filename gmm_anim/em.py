"""The EM engine: initialisation, E-step, M-step and the loop; arrays in, arrays out.

The data are centred once, and the numbers equal scikit-learn's
``GaussianMixture`` step by step. Two evaluation paths give them:

- quadratic features (small D): with ``features = [1, x, upper(x x^T)]`` built
  once, every component's weighted log density is one matmul ``W @ features``
  and the M-step's sufficient statistics are one matmul ``resp @ features.T``,
  block by block so that the (K, block) log densities stay in cache;
- Cholesky (large D, or when expanding the quadratic form would cancel:
  a component narrow compared with its distance from the data centre):
  ``(x - mean) @ prec_chol`` per component, and a two-pass M-step.

Covariances are kept as full (K, D, D) matrices whatever the covariance type
(gmm_anim.covariances); the starting points are in gmm_anim.initialise.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from .covariances import COVARIANCE_TYPES, make_positive_definite, precision_cholesky, restrict
from .errors import GmmAnimWarning
from .history import History, Mixture
from .initialise import explicit_start, kmeans_clusters, random_start

__all__ = ["COVARIANCE_TYPES", "INITS", "run_em", "responsibilities", "log_likelihood"]

INITS = ("random", "kmeans++", "explicit")

_LOG_2PI = math.log(2.0 * math.pi)
# Added to every component's responsibility sum, as scikit-learn does, so a
# component that owns no point keeps finite means and weights.
_NK_FLOOR = 10.0 * np.finfo(np.float64).eps
# Samples per block: a (K, block) array of log densities (1 MiB) stays in cache,
# and every matrix product of a block has m * n * k below _SERIAL_PRODUCT.
# OpenBLAS shares a product between threads from 2 * 2**18 on; for products
# this small the hand-off costs more than it saves, and on a busy machine a
# thread waiting for its partner stalls each call for a time slice (an EM
# iteration at n = 1e6, K = 10 took 0.7-1.3 s instead of 0.05 s on 2 loaded cores).
_BLOCK_VALUES = 2**17
_SERIAL_PRODUCT = 2**18
_QUADRATIC_MAX_FEATURES = 6  # above this D the expansion costs more than it saves
_QUADRATIC_MAX_BYTES = 256 * 2**20
# Expanding (x - mu)^T P (x - mu) loses about eps * a^T |P| a (a = |mu| + std,
# centred units) to cancellation; above this bound the Cholesky path is used.
_EXPANSION_LIMIT = 1e6


# ----------------------------------------------------------------------------
# Data and parameters


@dataclass
class _Data:
    """The points prepared once per fit.

    X : array of shape (n_samples, n_features), centred on ``centre``
    features : array of shape (n_quadratic_features, n_samples), or None
    feature_var : array of shape (n_features,): per-feature variance (zeros replaced)
    """

    X: np.ndarray
    centre: np.ndarray
    features: np.ndarray | None
    feature_var: np.ndarray
    resp: np.ndarray | None = None  # (n_components, n_samples) buffer of the Cholesky path


@dataclass(frozen=True)
class _Params:
    """One mixture in centred coordinates, with what the E-step needs.

    weights (K,), means (K, D), covariances, prec_chol, precisions (K, D, D),
    log_norm (K,): log weight + log det(prec_chol) - D/2 log(2 pi),
    loading: the largest diagonal loading added to make a covariance usable.
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    prec_chol: np.ndarray
    precisions: np.ndarray
    log_norm: np.ndarray
    loading: float


def _prepare(X: np.ndarray) -> _Data:
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
    n_quadratic = 1 + n_features + n_features * (n_features + 1) // 2
    features = None
    if n_features <= _QUADRATIC_MAX_FEATURES and n_quadratic * n_samples * 8 <= _QUADRATIC_MAX_BYTES:
        features = np.empty((n_quadratic, n_samples))
        features[0] = 1.0
        features[1 : 1 + n_features] = Xc.T
        for row, (i, j) in enumerate(zip(*np.triu_indices(n_features)), start=1 + n_features):
            np.multiply(Xc[:, i], Xc[:, j], out=features[row])
    return _Data(Xc, centre, features, feature_var)


def _make_params(weights: np.ndarray, means: np.ndarray, covariances: np.ndarray, data: _Data) -> _Params:
    covariances = 0.5 * (covariances + np.swapaxes(covariances, 1, 2))
    covariances, loading = make_positive_definite(covariances, data.feature_var)
    prec_chol, log_det = precision_cholesky(covariances)
    n_features = means.shape[1]
    log_weights = np.log(np.maximum(weights, np.finfo(np.float64).tiny))
    return _Params(
        weights=weights,
        means=means,
        covariances=covariances,
        prec_chol=prec_chol,
        precisions=prec_chol @ np.swapaxes(prec_chol, 1, 2),
        log_norm=log_weights + log_det - 0.5 * n_features * _LOG_2PI,
        loading=loading,
    )


def _expansion_is_accurate(data: _Data, params: _Params) -> bool:
    if data.features is None:
        return False
    spread = np.abs(params.means) + np.sqrt(np.diagonal(params.covariances, axis1=1, axis2=2))
    bound = np.einsum("ki,kij,kj->k", spread, np.abs(params.precisions), spread)
    return bool(np.all(bound <= _EXPANSION_LIMIT))


# ----------------------------------------------------------------------------
# E-step


def _blocks(n_samples: int, n_components: int, product_width: int) -> list[slice]:
    """Slices of at most _BLOCK_VALUES / K samples, and _SERIAL_PRODUCT / product_width.

    product_width : m * n * k of a block's matrix products divided by the block size.
    """
    size = max(256, min(_BLOCK_VALUES // n_components, _SERIAL_PRODUCT // product_width))
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


def _e_step_quadratic(data: _Data, params: _Params, resp: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """Log-likelihood and sufficient statistics (K, n_quadratic) via the expansion.

    -0.5 (x - mu)^T P (x - mu) = -0.5 x^T P x + (P mu)^T x - 0.5 mu^T P mu,
    so one row of W per component holds the constant, P mu and the upper
    triangle of -0.5 P (off-diagonal entries doubled). Fills ``resp`` (K, n)
    when given.
    """
    features = data.features
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
    blocks = _blocks(features.shape[1], n_components, n_components * features.shape[0])
    buffer = np.empty((n_components, blocks[0].stop))
    stats = np.zeros((n_components, features.shape[0]))
    log_lik = 0.0
    for block in blocks:
        chunk = features[:, block]
        log_prob = buffer if chunk.shape[1] == buffer.shape[1] else np.empty((n_components, chunk.shape[1]))
        np.matmul(W, chunk, out=log_prob)
        log_lik += _normalise_block(log_prob)
        stats += log_prob @ chunk.T
        if resp is not None:
            resp[:, block] = log_prob
    return log_lik, stats


def _e_step_cholesky(data: _Data, params: _Params, resp: np.ndarray) -> float:
    """Log-likelihood, filling ``resp`` (K, n_samples) with the responsibilities."""
    log_lik = 0.0
    n_features = data.X.shape[1]
    for block in _blocks(len(data.X), len(params.weights), n_features * n_features):
        X, log_prob = data.X[block], resp[:, block]
        for k, (mean, prec_chol) in enumerate(zip(params.means, params.prec_chol)):
            y = (X - mean) @ prec_chol
            np.einsum("ij,ij->i", y, y, out=log_prob[k])
        log_prob *= -0.5
        log_prob += params.log_norm[:, None]
        log_lik += _normalise_block(log_prob)
    return log_lik


def _resp_buffer(data: _Data, n_components: int) -> np.ndarray:
    if data.resp is None or data.resp.shape[0] != n_components:
        data.resp = np.empty((n_components, len(data.X)))
    return data.resp


# ----------------------------------------------------------------------------
# M-step


def _m_step(
    r_sum: np.ndarray, means: np.ndarray, scatter: np.ndarray, reg_covar: float, covariance_type: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights, means and covariances from responsibility sums and scatter.

    scatter : array of shape (K, D, D), sum_i resp_ik (x_i - mean_k)(x_i - mean_k)^T
    """
    nk = r_sum + _NK_FLOOR
    covariances = restrict(scatter / nk[:, None, None], nk, covariance_type)
    covariances += reg_covar * np.eye(means.shape[1])
    return nk / nk.sum(), means, covariances


def _moments_from_features(stats: np.ndarray, n_features: int) -> tuple[np.ndarray, ...]:
    """Responsibility sums, means and scatter from ``resp @ features.T``."""
    r_sum, sums = stats[:, 0], stats[:, 1 : 1 + n_features]
    rows, cols = np.triu_indices(n_features)
    second = np.empty((len(stats), n_features, n_features))
    second[:, rows, cols] = stats[:, 1 + n_features :]
    second[:, cols, rows] = stats[:, 1 + n_features :]
    means = sums / (r_sum + _NK_FLOOR)[:, None]
    cross = sums[:, :, None] * means[:, None, :]
    scatter = second - cross - np.swapaxes(cross, 1, 2) + r_sum[:, None, None] * means[:, :, None] * means[:, None, :]
    return r_sum, means, scatter


def _moments_exact(X: np.ndarray, resp: np.ndarray) -> tuple[np.ndarray, ...]:
    """Responsibility sums, means and scatter in two passes (resp is (K, n))."""
    r_sum = resp.sum(axis=1)
    means = (resp @ X) / (r_sum + _NK_FLOOR)[:, None]
    scatter = np.zeros((len(resp), X.shape[1], X.shape[1]))
    for block in _blocks(len(X), len(resp), X.shape[1] * X.shape[1]):
        for k, mean in enumerate(means):
            diff = X[block] - mean
            scatter[k] += (diff * resp[k, block, None]).T @ diff
    return r_sum, means, scatter


# ----------------------------------------------------------------------------
# One EM step and the log-likelihood alone


def _em_step(data: _Data, params: _Params, reg_covar: float, covariance_type: str) -> tuple[float, _Params]:
    """The log-likelihood under ``params`` and the parameters one EM step later."""
    n_features = params.means.shape[1]
    if _expansion_is_accurate(data, params):
        log_lik, stats = _e_step_quadratic(data, params)
        moments = _moments_from_features(stats, n_features)
        updated = _make_params(*_m_step(*moments, reg_covar, covariance_type), data)
        if _expansion_is_accurate(data, updated):
            return log_lik, updated
    # The expansion would cancel for these parameters: redo the step exactly.
    resp = _resp_buffer(data, len(params.weights))
    log_lik = _e_step_cholesky(data, params, resp)
    moments = _moments_exact(data.X, resp)
    return log_lik, _make_params(*_m_step(*moments, reg_covar, covariance_type), data)


def _evaluate(data: _Data, params: _Params, resp: np.ndarray | None = None) -> float:
    """Total log-likelihood under ``params``; fills ``resp`` (K, n) when given."""
    if _expansion_is_accurate(data, params):
        return _e_step_quadratic(data, params, resp)[0]
    return _e_step_cholesky(data, params, resp if resp is not None else _resp_buffer(data, len(params.weights)))


# ----------------------------------------------------------------------------
# Initialisation (centred coordinates; the starting points are in gmm_anim.initialise)


def _initial_params(
    data: _Data, n_components: int, covariance_type: str, init: str,
    rng: np.random.Generator, reg_covar: float, initial: Mixture | None,
) -> _Params:
    if init == "random":
        weights, means, covariances = random_start(data.X, n_components, rng)
    elif init == "kmeans++":
        # The clusters' counts, means and scatter make an M-step: an empty
        # cluster keeps its centre as its mean and gets reg_covar * I.
        clusters = kmeans_clusters(data.X, n_components, rng)
        weights, means, covariances = _m_step(*clusters, reg_covar, covariance_type)
    else:
        weights, means, covariances = explicit_start(initial, n_components, data.X.shape[1], data.centre)
    return _make_params(weights, means, restrict(covariances, weights, covariance_type), data)


# ----------------------------------------------------------------------------
# The loop and the public functions


def _check_arguments(
    n_components: int, covariance_type: str, init: str, reg_covar: float, tol: float | None, max_iter: int
) -> None:
    if not isinstance(n_components, (int, np.integer)) or n_components < 1:
        raise ValueError(f"n_components must be an integer >= 1, got {n_components!r}")
    if covariance_type not in COVARIANCE_TYPES:
        raise ValueError(f"covariance_type must be one of {COVARIANCE_TYPES}, got {covariance_type!r}")
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    if not (math.isfinite(reg_covar) and reg_covar >= 0):
        raise ValueError(f"reg_covar must be a finite number >= 0, got {reg_covar!r}")
    if tol is not None and not (math.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be None or a finite number >= 0, got {tol!r}")
    if not isinstance(max_iter, (int, np.integer)) or max_iter < 0:
        raise ValueError(f"max_iter must be an integer >= 0, got {max_iter!r}")


def run_em(
    X: np.ndarray,
    *,
    n_components: int,
    covariance_type: str = "full",
    init: str = "random",
    rng: np.random.Generator,
    reg_covar: float = 1e-6,
    tol: float | None = None,
    max_iter: int = 40,
    initial: Mixture | None = None,
) -> History:
    """Fit a Gaussian mixture to ``X`` (n_samples, n_features) by EM.

    Entry i of the History holds the parameters after i EM steps (entry 0:
    the initialisation) and the total log-likelihood of ``X`` under exactly
    those parameters: ``max_iter + 1`` entries, fewer when ``tol`` stops the
    run once the mean per-sample log-likelihood gains less than ``tol``
    (``converged`` is then True). ``init`` is "random" (the notebook's),
    "kmeans++" (seeded from ``rng``) or "explicit" (``initial``, full
    matrices reduced to ``covariance_type``). A covariance that is not
    usefully positive definite gets the smallest diagonal loading that makes
    it so, and one GmmAnimWarning says so.
    """
    _check_arguments(n_components, covariance_type, init, reg_covar, tol, max_iter)
    data = _prepare(X)
    params = _initial_params(data, n_components, covariance_type, init, rng, reg_covar, initial)
    snapshots, log_liks, converged = [params], [], False
    for iteration in range(max_iter + 1):
        if iteration < max_iter:
            log_lik, updated = _em_step(data, params, reg_covar, covariance_type)
        else:
            log_lik, updated = _evaluate(data, params), None
        log_liks.append(log_lik)
        if tol is not None and iteration >= 1 and (log_lik - log_liks[-2]) / len(data.X) < tol:
            converged = True
            break
        if updated is None:
            break
        snapshots.append(updated)
        params = updated
    _warn_if_loaded(snapshots, "increase em.reg_covar or reduce em.components")
    return History(
        weights=np.stack([p.weights for p in snapshots]),
        means=np.stack([p.means for p in snapshots]) + data.centre,
        covariances=np.stack([p.covariances for p in snapshots]),
        log_likelihood=np.array(log_liks),
        covariance_type=covariance_type,
        converged=converged,
    )


def _warn_if_loaded(snapshots: list[_Params], advice: str) -> None:
    loaded = [i for i, params in enumerate(snapshots) if params.loading > 0]
    if loaded:
        largest = max(snapshots[i].loading for i in loaded)
        warnings.warn(
            f"a component covariance was not positive definite at iteration {loaded[0]} (collapsed "
            f"component, collinear or duplicated points); added diagonal loading up to {largest:.3g} "
            f"to keep the fit finite; {advice}",
            GmmAnimWarning,
            stacklevel=3,
        )


def _mixture_params(X: np.ndarray, mixture: Mixture) -> tuple[_Data, _Params]:
    data = _prepare(X)
    means = np.asarray(mixture.means, dtype=np.float64)
    if means.shape[1] != data.X.shape[1]:
        raise ValueError(f"mixture has {means.shape[1]} features but X has {data.X.shape[1]}")
    weights = np.asarray(mixture.weights, dtype=np.float64)
    covariances = np.asarray(mixture.covariances, dtype=np.float64)
    params = _make_params(weights, means - data.centre, covariances, data)
    _warn_if_loaded([params], "give the mixture positive-definite covariances")
    return data, params


def responsibilities(X: np.ndarray, mixture: Mixture) -> np.ndarray:
    """Posterior probability of each component for each point.

    X : array of shape (n_samples, n_features); mixture with full covariances.
    Returns an array of shape (n_samples, n_components) whose rows sum to 1.
    """
    data, params = _mixture_params(X, mixture)
    resp = np.empty((len(params.weights), len(data.X)))
    _evaluate(data, params, resp)
    return resp.T


def log_likelihood(X: np.ndarray, mixture: Mixture) -> float:
    """Total log-likelihood of ``X`` (n_samples, n_features) under ``mixture``."""
    data, params = _mixture_params(X, mixture)
    return _evaluate(data, params)
