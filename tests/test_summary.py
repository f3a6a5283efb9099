"""Fit summaries: BIC and AIC as scikit-learn computes them, and matching to the truth."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from sklearn import mixture as sklearn_mixture  # the oracle: a test dependency, so missing is a failure

from gmm_anim.em.loop import run_em
from gmm_anim.em.summary import aic, bic, match_components, n_parameters
from gmm_anim.history import Mixture


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical", "tied"])
def test_bic_and_aic_equal_sklearn(covariance_type: str) -> None:
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(size=(150, 3)) + shift for shift in (0.0, 4.0)])
    model = sklearn_mixture.GaussianMixture(2, covariance_type=covariance_type, random_state=0).fit(X)
    n_samples, n_features = X.shape
    total = model.score(X) * n_samples
    n_params = n_parameters(covariance_type, 2, n_features)
    assert n_params == model._n_parameters()
    assert bic(total, n_samples, n_params) == pytest.approx(model.bic(X), rel=1e-12)
    assert aic(total, n_params) == pytest.approx(model.aic(X), rel=1e-12)


def test_bic_of_our_fit_equals_sklearn_on_the_same_parameters() -> None:
    rng = np.random.default_rng(1)
    X = np.concatenate([rng.normal(size=(100, 2)) + shift for shift in ([0, 0], [5, 1], [-3, 4])])
    history = run_em(X, n_components=3, rng=np.random.default_rng(2), max_iter=15)
    final = history.final
    model = sklearn_mixture.GaussianMixture(
        3,
        max_iter=1,
        weights_init=final.weights,
        means_init=final.means,
        precisions_init=np.linalg.inv(final.covariances),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X)
    model.weights_, model.means_, model.covariances_ = final.weights, final.means, final.covariances
    model.precisions_cholesky_ = np.linalg.cholesky(np.linalg.inv(final.covariances))
    assert bic(history.log_likelihood[-1], len(X), n_parameters("full", 3, 2)) == pytest.approx(model.bic(X), rel=1e-10)


def mixture(weights, means) -> Mixture:
    means = np.asarray(means, dtype=np.float64)
    covariances = np.repeat([np.eye(means.shape[1])], len(means), axis=0)
    return Mixture(np.asarray(weights, dtype=np.float64), means, covariances)


def test_match_recovers_a_known_permutation() -> None:
    truth = mixture([0.5, 0.3, 0.2], [[0, 0], [4, 4], [-4, 4]])
    fitted = truth.permuted(np.array([1, 2, 0]))  # fitted component k is true component [1, 2, 0][k]
    fitted = Mixture(fitted.weights + [0.01, -0.02, 0.01], fitted.means + 0.05, fitted.covariances)
    found = match_components(fitted, truth)
    assert found.permutation == [2, 0, 1]  # true j is fitted permutation[j]
    assert found.max_mean_error == pytest.approx(0.05 * np.sqrt(2))
    assert found.max_weight_error == pytest.approx(0.02)


def test_match_minimises_total_distance_not_greedily() -> None:
    # Greedy nearest-first would pair true 0 with fitted 0 (distance 1) and leave 9 + 9.
    truth = mixture([0.5, 0.5], [[0.0], [10.0]])
    fitted = mixture([0.5, 0.5], [[1.0], [-8.0]])
    assert match_components(fitted, truth).permutation == [1, 0]


def total_distance(truth: Mixture, fitted: Mixture, permutation) -> float:
    """The summed distance of each true mean to the fitted mean ``permutation`` pairs it with."""
    return sum(np.linalg.norm(truth.means[j] - fitted.means[p]) for j, p in enumerate(permutation))


def test_match_is_optimal_on_random_cases() -> None:
    rng = np.random.default_rng(3)
    for _ in range(30):
        k = int(rng.integers(1, 6))
        truth = mixture(np.full(k, 1 / k), rng.normal(size=(k, 2)))
        fitted = mixture(np.full(k, 1 / k), rng.normal(size=(k, 2)))
        found = match_components(fitted, truth)
        costs = [total_distance(truth, fitted, p) for p in itertools.permutations(range(k))]
        assert total_distance(truth, fitted, found.permutation) == pytest.approx(min(costs))


def test_match_with_more_fitted_than_true_components() -> None:
    truth = mixture([0.6, 0.4], [[0, 0], [5, 5]])
    fitted = mixture([0.1, 0.4, 0.5], [[9, 9], [5, 5.1], [0.2, 0]])
    found = match_components(fitted, truth)
    assert found.permutation == [2, 1]
    assert found.max_mean_error == pytest.approx(0.2)
    assert found.max_weight_error == pytest.approx(0.1)


def test_match_with_fewer_fitted_than_true_components() -> None:
    truth = mixture([0.3, 0.3, 0.4], [[0, 0], [5, 5], [10, 0]])
    fitted = mixture([0.5, 0.5], [[10, 0.5], [0, 0.5]])
    found = match_components(fitted, truth)
    assert found.permutation == [1, None, 0]
    assert found.max_mean_error == pytest.approx(0.5)
    assert found.max_weight_error == pytest.approx(0.2)


def test_n_parameters_rejects_an_unknown_type() -> None:
    with pytest.raises(ValueError, match="covariance_type"):
        n_parameters("banded", 2, 2)
