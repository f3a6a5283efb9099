"""Covariance matrices for the EM engine: the covariance types, positive definiteness, precisions.

Pure numpy on stacks of full (K, D, D) matrices, whatever the covariance type.
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np

__all__ = ["COVARIANCE_TYPES", "CovarianceType", "make_positive_definite", "precision_cholesky", "restrict"]

CovarianceType = Literal["full", "diag", "spherical", "tied"]
COVARIANCE_TYPES: tuple[str, ...] = get_args(CovarianceType)

# A usable covariance has a correlation matrix whose smallest eigenvalue is
# above _CONDITION_FLOOR (a hundred times float64 rounding noise, so Cholesky
# is accurate), and variances above _VARIANCE_FLOOR times the data's (far below
# what float64 coordinates can resolve, yet far from overflowing). Loading
# lifts a matrix to _MARGIN times the floors, so that a loaded matrix passes
# the check when it is evaluated again (a History's snapshot, drawn frame by
# frame, or a blend of two) and gets no second loading.
_CONDITION_FLOOR = 1e-13
_VARIANCE_FLOOR = 1e-24
_MARGIN = 2.0


def restrict(covariances: np.ndarray, weights: np.ndarray, covariance_type: str) -> np.ndarray:
    """Full covariances (K, D, D) reduced to the covariance type, kept full.

    diag keeps the diagonals, spherical the mean of each diagonal, tied the
    weights-weighted average of the matrices (scikit-learn's M-step rules).
    """
    if covariance_type == "full":
        return covariances.copy()
    if covariance_type == "tied":
        pooled = np.einsum("k,kij->ij", weights, covariances) / weights.sum()
        return np.repeat(pooled[None], len(covariances), axis=0)
    variances = np.diagonal(covariances, axis1=1, axis2=2)
    if covariance_type == "spherical":
        variances = np.repeat(variances.mean(axis=1, keepdims=True), variances.shape[1], axis=1)
    return variances[:, :, None] * np.eye(variances.shape[1])


def make_positive_definite(covariances: np.ndarray, feature_var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add a small diagonal loading to each covariance (K, D, D) that is not usable, to make it so.

    Usable: every variance at least _VARIANCE_FLOOR times the data's variance
    of that feature, and the correlation matrix's smallest eigenvalue at least
    _CONDITION_FLOOR (Cholesky is invariant to diagonal scaling, so this is
    what decides whether it succeeds). A matrix short of either floor gets its
    low variances lifted to _MARGIN times the variance floor, then
    tau * diag(covariance) added with the smallest tau that lifts the
    correlation's eigenvalue to _MARGIN times its floor; a usable matrix is
    returned unchanged. Returns the covariances and, per component (K,), the
    largest amount added to a diagonal entry (zeros when none was needed).
    """
    eye = np.eye(covariances.shape[1])
    variances = np.diagonal(covariances, axis1=1, axis2=2)
    low = variances < _VARIANCE_FLOOR * feature_var
    lift = np.where(low, _MARGIN * _VARIANCE_FLOOR * feature_var - variances, 0.0)
    variances = variances + lift
    scale = np.sqrt(variances)
    correlations = (covariances + lift[:, :, None] * eye) / (scale[:, :, None] * scale[:, None, :])
    smallest = np.linalg.eigvalsh(correlations)[:, 0]
    # Adding tau * diag turns the correlation's eigenvalue l into (l + tau) / (1 + tau).
    target = _MARGIN * _CONDITION_FLOOR
    tau = np.where(smallest < _CONDITION_FLOOR, (target - smallest) / (1.0 - target), 0.0)
    loading = lift + tau[:, None] * variances
    if not loading.any():
        return covariances, np.zeros(len(covariances))
    covariances = covariances + loading[:, :, None] * eye
    for k in np.flatnonzero(loading.any(axis=1)):
        while True:  # rounding can leave the matrix a hair short of positive definite
            try:
                np.linalg.cholesky(covariances[k])
                break
            except np.linalg.LinAlgError:
                covariances[k] += np.diag(loading[k] + _CONDITION_FLOOR * variances[k])
                loading[k] = 2.0 * loading[k] + _CONDITION_FLOOR * variances[k]
    return covariances, loading.max(axis=1)


def precision_cholesky(covariances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cholesky factors of the precisions (K, D, D) and their log determinants (K,).

    With the Cholesky factor L of a covariance, prec_chol = L^-T, so that
    prec_chol @ prec_chol.T is the precision, and -0.5 log det(covariance)
    becomes +log det(prec_chol) = -sum log diag(L).
    """
    cov_chol = np.linalg.cholesky(covariances)
    eye = np.broadcast_to(np.eye(covariances.shape[1]), cov_chol.shape)
    prec_chol = np.swapaxes(np.linalg.solve(cov_chol, eye), 1, 2)
    log_det = -np.log(np.diagonal(cov_chol, axis1=1, axis2=2)).sum(axis=1)
    return prec_chol, log_det
