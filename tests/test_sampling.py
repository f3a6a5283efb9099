"""The sampler draws from the mixture it is given."""

import numpy as np
import pytest

from gmm_anim.history import Mixture
from gmm_anim.sampling import sample

TRUTH = Mixture(
    weights=np.array([0.4, 0.35, 0.25]),
    means=np.array([[0.0, 0.0], [4.0, 4.0], [-4.0, 4.0]]),
    covariances=np.array([[[0.8, 0.2], [0.2, 0.5]], [[0.6, -0.2], [-0.2, 0.6]], [[0.5, 0.0], [0.0, 0.9]]]),
)


def test_sample_moments_converge_to_the_truth():
    X, labels = sample(TRUTH, 200_000, np.random.default_rng(0))
    assert X.shape == (200_000, 2) and X.dtype == np.float64
    weights = np.bincount(labels, minlength=3) / len(labels)
    np.testing.assert_allclose(weights, TRUTH.weights, atol=0.005)
    for k in range(3):
        members = X[labels == k]
        np.testing.assert_allclose(members.mean(axis=0), TRUTH.means[k], atol=0.015)
        np.testing.assert_allclose(np.cov(members.T), TRUTH.covariances[k], atol=0.015)


def test_jitter_adds_isotropic_noise_of_that_scale():
    plain, _ = sample(TRUTH, 100_000, np.random.default_rng(3))
    noisy, _ = sample(TRUTH, 100_000, np.random.default_rng(3), jitter=0.5)
    noise = noisy - plain
    np.testing.assert_allclose(np.cov(noise.T), 0.25 * np.eye(2), atol=0.01)


@pytest.mark.parametrize("n_features", [1, 3])
def test_any_dimension(n_features):
    mixture = Mixture(
        np.array([0.5, 0.5]),
        np.stack([np.zeros(n_features), np.full(n_features, 10.0)]),
        np.stack([np.eye(n_features), 2 * np.eye(n_features)]),
    )
    X, labels = sample(mixture, 50_000, np.random.default_rng(1))
    assert X.shape == (50_000, n_features)
    np.testing.assert_allclose(X[labels == 1].var(axis=0), 2.0, rtol=0.05)


def test_same_seed_same_points():
    first, _ = sample(TRUTH, 100, np.random.default_rng(7), jitter=0.02)
    second, _ = sample(TRUTH, 100, np.random.default_rng(7), jitter=0.02)
    np.testing.assert_array_equal(first, second)
