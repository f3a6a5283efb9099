"""Fit summaries: scikit-learn's parameter counts, BIC, AIC, and matching to the truth."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..history import Mixture

__all__ = ["Match", "n_parameters", "bic", "aic", "match_components"]


def n_parameters(covariance_type: str, n_components: int, n_features: int) -> int:
    """Free parameters of a mixture, counted as scikit-learn's ``_n_parameters``."""
    per_matrix = n_features * (n_features + 1) // 2
    covariance_params = {
        "full": n_components * per_matrix,
        "diag": n_components * n_features,
        "tied": per_matrix,
        "spherical": n_components,
    }
    if covariance_type not in covariance_params:
        raise ValueError(f"covariance_type must be one of {tuple(covariance_params)}, got {covariance_type!r}")
    return covariance_params[covariance_type] + n_components * n_features + n_components - 1


def bic(log_likelihood_total: float, n_samples: int, n_params: int) -> float:
    """Bayesian information criterion, -2 log L + p log n (lower is better)."""
    return -2.0 * log_likelihood_total + n_params * math.log(n_samples)


def aic(log_likelihood_total: float, n_params: int) -> float:
    """Akaike information criterion, -2 log L + 2 p (lower is better)."""
    return -2.0 * log_likelihood_total + 2.0 * n_params


@dataclass(frozen=True)
class Match:
    """Fitted components paired with true ones.

    permutation : list of length n_true; ``permutation[j]`` is the index of the
        fitted component paired with true component j, or None when there are
        fewer fitted than true components and j is left unpaired.
    max_mean_error : largest Euclidean distance between paired means.
    max_weight_error : largest absolute difference between paired weights.
    """

    permutation: list[int | None]
    max_mean_error: float
    max_weight_error: float


def match_components(fitted: Mixture, truth: Mixture) -> Match:
    """Pair fitted with true components, minimising the summed distance between means.

    With K_fit != K_true, min(K_fit, K_true) pairs are made (the assignment
    with the least total distance); the extra components on the larger side
    are left out of the pairing and of the errors.
    """
    fitted_means = np.asarray(fitted.means, dtype=np.float64)
    true_means = np.asarray(truth.means, dtype=np.float64)
    if fitted_means.shape[1] != true_means.shape[1]:
        raise ValueError(f"fitted means have {fitted_means.shape[1]} features, true means {true_means.shape[1]}")
    distance = np.linalg.norm(true_means[:, None, :] - fitted_means[None, :, :], axis=2)  # (K_true, K_fit)
    if len(true_means) <= len(fitted_means):
        permutation: list[int | None] = list(_assign(distance))
    else:
        permutation = [None] * len(true_means)
        for fit_index, true_index in enumerate(_assign(distance.T)):
            permutation[true_index] = fit_index
    pairs = [(j, k) for j, k in enumerate(permutation) if k is not None]
    fitted_weights = np.asarray(fitted.weights, dtype=np.float64)
    true_weights = np.asarray(truth.weights, dtype=np.float64)
    return Match(
        permutation=permutation,
        max_mean_error=max((float(distance[j, k]) for j, k in pairs), default=0.0),
        max_weight_error=max((abs(float(fitted_weights[k] - true_weights[j])) for j, k in pairs), default=0.0),
    )


def _assign(cost: np.ndarray) -> list[int]:
    """Minimum-cost assignment of every row to a distinct column (rows <= columns).

    The Hungarian algorithm with potentials (O(rows^2 columns)): returns the
    column given to each row.
    """
    n_rows, n_cols = cost.shape
    # Index 0 is a sentinel row/column; rows and columns are 1-based below.
    row_potential = [0.0] * (n_rows + 1)
    col_potential = [0.0] * (n_cols + 1)
    owner = [0] * (n_cols + 1)  # owner[c]: the row assigned to column c
    for row in range(1, n_rows + 1):
        owner[0] = row
        col = 0
        slack = [math.inf] * (n_cols + 1)
        previous = [0] * (n_cols + 1)
        used = [False] * (n_cols + 1)
        while owner[col] != 0:
            used[col] = True
            current_row, delta, next_col = owner[col], math.inf, 0
            for c in range(1, n_cols + 1):
                if used[c]:
                    continue
                reduced = cost[current_row - 1, c - 1] - row_potential[current_row] - col_potential[c]
                if reduced < slack[c]:
                    slack[c], previous[c] = reduced, col
                if slack[c] < delta:
                    delta, next_col = slack[c], c
            for c in range(n_cols + 1):
                if used[c]:
                    row_potential[owner[c]] += delta
                    col_potential[c] -= delta
                else:
                    slack[c] -= delta
            col = next_col
        while col != 0:  # flip the augmenting path back to the start
            owner[col] = owner[previous[col]]
            col = previous[col]
    assignment = [0] * n_rows
    for c in range(1, n_cols + 1):
        if owner[c] != 0:
            assignment[owner[c] - 1] = c - 1
    return assignment
