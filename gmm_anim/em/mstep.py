"""The M-step: weights, means and covariances from the E-step's sufficient statistics.

The statistics come either from the quadratic features' matmul
(``moments_from_features``) or from two exact passes over the points
(``moments_exact``, after the Cholesky E-step).
"""

from __future__ import annotations

import numpy as np

from .covariances import restrict
from .estep import sample_blocks

__all__ = ["NK_FLOOR", "Moments", "m_step", "moments_exact", "moments_from_features"]

# Added to every component's responsibility sum, as scikit-learn does, so a
# component that owns no point keeps finite means and weights.
NK_FLOOR = 10.0 * np.finfo(np.float64).eps


def m_step(
    r_sum: np.ndarray, means: np.ndarray, scatter: np.ndarray, reg_covar: float, covariance_type: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights, means and covariances from responsibility sums and scatter.

    scatter : array of shape (K, D, D), sum_i resp_ik (x_i - mean_k)(x_i - mean_k)^T
    """
    nk = r_sum + NK_FLOOR
    covariances = restrict(scatter / nk[:, None, None], nk, covariance_type)
    covariances += reg_covar * np.eye(means.shape[1])
    return nk / nk.sum(), means, covariances


Moments = tuple[np.ndarray, np.ndarray, np.ndarray]  # responsibility sums (K,), means (K, D), scatter (K, D, D)


def moments_from_features(stats: np.ndarray, n_features: int) -> Moments:
    """Responsibility sums, means and scatter from ``resp_by_component @ features.T``."""
    r_sum, sums = stats[:, 0], stats[:, 1 : 1 + n_features]
    rows, cols = np.triu_indices(n_features)
    second = np.empty((len(stats), n_features, n_features))
    second[:, rows, cols] = stats[:, 1 + n_features :]
    second[:, cols, rows] = stats[:, 1 + n_features :]
    means = sums / (r_sum + NK_FLOOR)[:, None]
    cross = sums[:, :, None] * means[:, None, :]
    scatter = second - cross - np.swapaxes(cross, 1, 2) + r_sum[:, None, None] * means[:, :, None] * means[:, None, :]
    return r_sum, means, scatter


def moments_exact(X: np.ndarray, resp_by_component: np.ndarray) -> Moments:
    """Responsibility sums, means and scatter in two passes; ``resp_by_component`` is (K, n)."""
    r_sum = resp_by_component.sum(axis=1)
    means = (resp_by_component @ X) / (r_sum + NK_FLOOR)[:, None]
    scatter = np.zeros((len(resp_by_component), X.shape[1], X.shape[1]))
    for block in sample_blocks(len(X), len(resp_by_component), X.shape[1] * X.shape[1]):
        for k, mean in enumerate(means):
            diff = X[block] - mean
            scatter[k] += (diff * resp_by_component[k, block, None]).T @ diff
    return r_sum, means, scatter
