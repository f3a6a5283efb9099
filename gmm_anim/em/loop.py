"""The EM loop and the public functions of the engine; arrays in, arrays out.

The numbers equal scikit-learn's ``GaussianMixture`` step by step. The
E-step (estep.py) runs on centred data, a block of points at a time, by
quadratic features or by Cholesky factors; the M-step (mstep.py) takes its
sufficient statistics from the features' matmul, or in two exact passes after
the Cholesky path.

Covariances are kept as full (K, D, D) matrices whatever the covariance type
(covariances.py); the starting points are in initialise.py.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Iterator
from typing import Literal, get_args

import numpy as np

from ..errors import GmmAnimWarning
from ..history import History, Mixture
from .collapse import fit_warning
from .covariances import COVARIANCE_TYPES, restrict
from .estep import (
    Params,
    Points,
    e_step_cholesky,
    e_step_quadratic,
    evaluate,
    expansion_is_accurate,
    make_params,
    prepare,
    resp_buffer,
    responsibility_blocks,
)  # fmt: skip
from .initialise import explicit_start, kmeans_clusters, random_start
from .mstep import m_step, moments_exact, moments_from_features

__all__ = [
    "INITS", "Init", "Responsibilities", "log_likelihood", "responsibilities", "run_em",
]  # fmt: skip

Init = Literal["random", "kmeans++", "explicit"]
INITS: tuple[str, ...] = get_args(Init)

# ----------------------------------------------------------------------------
# One EM step


def _em_step(data: Points, params: Params, reg_covar: float, covariance_type: str) -> tuple[float, Params]:
    """The log-likelihood under ``params`` and the parameters one EM step later."""
    n_features = params.means.shape[1]
    if expansion_is_accurate(data, params):
        log_lik, stats = e_step_quadratic(data, params)
        moments = moments_from_features(stats, n_features)
        updated = make_params(*m_step(*moments, reg_covar, covariance_type), data)
        if expansion_is_accurate(data, updated):
            return log_lik, updated
    # The expansion would cancel for these parameters: redo the step exactly.
    resp_by_component = resp_buffer(data, len(params.weights))
    log_lik = e_step_cholesky(data, params, resp_by_component)
    moments = moments_exact(data.X, resp_by_component)
    return log_lik, make_params(*m_step(*moments, reg_covar, covariance_type), data)


# ----------------------------------------------------------------------------
# Initialisation (centred coordinates; the starting points are in initialise.py)


def _initial_params(
    data: Points,
    n_components: int,
    covariance_type: str,
    init: str,
    rng: np.random.Generator,
    reg_covar: float,
    initial: Mixture | None,
) -> Params:
    if init == "random":
        weights, means, covariances = random_start(data.X, n_components, rng)
    elif init == "kmeans++":
        # The clusters' counts, means and scatter make an M-step: an empty
        # cluster keeps its centre as its mean and gets reg_covar * I.
        clusters = kmeans_clusters(data.X, n_components, rng)
        weights, means, covariances = m_step(*clusters, reg_covar, covariance_type)
    else:
        weights, means, covariances = explicit_start(initial, n_components, data.X.shape[1], data.centre)
    return make_params(weights, means, restrict(covariances, weights, covariance_type), data)


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
    usefully positive definite gets a small diagonal loading that makes it
    so. One GmmAnimWarning per call, issued however many calls gave the same
    one, names the first iteration and component that needed loading or
    collapsed (gmm_anim.em.collapse) and what to change.
    """
    _check_arguments(n_components, covariance_type, init, reg_covar, tol, max_iter)
    data = prepare(X)
    params = _initial_params(data, n_components, covariance_type, init, rng, reg_covar, initial)
    snapshots, log_liks, converged = [params], [], False
    for iteration in range(max_iter + 1):
        if iteration < max_iter:
            log_lik, updated = _em_step(data, params, reg_covar, covariance_type)
        else:
            log_lik, updated = evaluate(data, params), None
        log_liks.append(log_lik)
        if tol is not None and iteration >= 1 and (log_lik - log_liks[-2]) / len(data.X) < tol:
            converged = True
            break
        if updated is None:
            break
        snapshots.append(updated)
        params = updated
    history = History(
        weights=np.stack([p.weights for p in snapshots]),
        means=np.stack([p.means for p in snapshots]) + data.centre,
        covariances=np.stack([p.covariances for p in snapshots]),
        log_likelihood=np.array(log_liks),
        covariance_type=covariance_type,
        converged=converged,
    )
    message = fit_warning(
        history.weights,
        history.covariances,
        np.stack([p.loading for p in snapshots]),
        n_samples=len(data.X),
        reg_covar=reg_covar,
        feature_var=data.feature_var,
        covariance_type=covariance_type,
        advice=_ADVICE[init],
    )
    if message is not None:
        _warn_every_call(message)
    return history


_ADVICE = {
    "random": "reduce em.components, increase em.reg_covar, or try em.init: kmeans++",
    "kmeans++": "reduce em.components, increase em.reg_covar, or try another em.init_seed",
    "explicit": "reduce em.components, increase em.reg_covar, or start from another em.initial",
}


def _warn_every_call(message: str) -> None:
    """Warn as ``warnings.warn(message, GmmAnimWarning, stacklevel=2)`` in run_em would, but on every call.

    The default filter shows a warning once per message and place, so a
    second fit that collapsed alike (another config, a --compare run) would
    say nothing; without the registry that remembers it, each call shows its
    own (filters such as "ignore", "once" or "error" still apply).
    """
    caller = sys._getframe(2)  # 0: here, 1: run_em, 2: who called run_em
    warnings.warn_explicit(
        message,
        GmmAnimWarning,
        caller.f_code.co_filename,
        caller.f_lineno,
        module=caller.f_globals.get("__name__", "<string>"),
        registry=None,
    )


def _mixture_params(data: Points, mixture: Mixture) -> Params:
    means = np.asarray(mixture.means, dtype=np.float64)
    if means.shape[1] != data.X.shape[1]:
        raise ValueError(f"mixture has {means.shape[1]} features but X has {data.X.shape[1]}")
    weights = np.asarray(mixture.weights, dtype=np.float64)
    covariances = np.asarray(mixture.covariances, dtype=np.float64)
    params = make_params(weights, means - data.centre, covariances, data)
    if params.loading.any():  # a History's snapshots and their blends pass as they are: no warning per frame
        component = int(np.flatnonzero(params.loading)[0])
        warnings.warn(
            f"the covariance of component {component + 1} is not positive definite; added diagonal loading up "
            f"to {params.loading.max():.3g} to evaluate the mixture; give it positive-definite covariances",
            GmmAnimWarning,
            stacklevel=3,
        )
    return params


class Responsibilities:
    """The responsibilities of points prepared once, under any mixture: whole, or a block of points at a time.

    X (n_samples, n_features) is centred into a copy once, so each call only
    evaluates: for a renderer's frames, where preparing a million points took
    half of every call.
    """

    def __init__(self, X: np.ndarray) -> None:
        self._data = prepare(X)

    def __call__(self, mixture: Mixture) -> np.ndarray:
        """``responsibilities(X, mixture)``: an array of shape (n_samples, n_components)."""
        params = _mixture_params(self._data, mixture)
        resp_by_component = np.empty((len(params.weights), len(self._data.X)))
        evaluate(self._data, params, resp_by_component)
        return resp_by_component.T

    def blocks(self, mixture: Mixture) -> Iterator[tuple[slice, np.ndarray]]:
        """The same responsibilities, in order, as (slice of the points, resp_by_component of shape (K, m)).

        A block's array is a buffer that the next block overwrites: reduce it
        before asking for the next. Memory stays O(K x block) instead of
        the 8 n K bytes of the whole array (240 MB at 1e7 points, K = 3).
        """
        params = _mixture_params(self._data, mixture)
        for block, resp_by_component, _ in responsibility_blocks(self._data, params):
            yield block, resp_by_component


def responsibilities(X: np.ndarray, mixture: Mixture) -> np.ndarray:
    """Posterior probability of each component for each point.

    X : array of shape (n_samples, n_features); mixture with full covariances.
    Returns an array of shape (n_samples, n_components) whose rows sum to 1.
    A covariance that is not usefully positive definite is evaluated with a
    small diagonal loading, and a GmmAnimWarning says so; the snapshots of a
    History from run_em, and blends of two, need none (run_em warned once).
    """
    return Responsibilities(X)(mixture)


def log_likelihood(X: np.ndarray, mixture: Mixture) -> float:
    """Total log-likelihood of ``X`` (n_samples, n_features) under ``mixture`` (loading as ``responsibilities``)."""
    data = prepare(X)
    return evaluate(data, _mixture_params(data, mixture))
