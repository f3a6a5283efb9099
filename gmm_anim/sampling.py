"""Draw points from a Gaussian mixture; pure numpy, vectorised."""

from __future__ import annotations

import numpy as np

from .history import Mixture

__all__ = ["sample"]


def sample(
    mixture: Mixture, n_samples: int, rng: np.random.Generator, *, jitter: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n_samples`` points and the component each came from.

    Each point is ``means[k] + L_k z`` with ``L_k`` the Cholesky factor of
    covariance k and ``z`` standard normal, so one batch of normals serves
    every component. ``jitter`` is the standard deviation of isotropic noise
    added afterwards (the notebook's measurement noise).

    Returns
    -------
    X : array of shape (n_samples, n_features)
    labels : array of shape (n_samples,), the true component of each point
    """
    labels = rng.choice(mixture.n_components, size=n_samples, p=mixture.weights)
    standard = rng.standard_normal((n_samples, mixture.n_features))
    cholesky = np.linalg.cholesky(mixture.covariances)
    X = np.empty_like(standard)
    for k in range(mixture.n_components):
        members = labels == k
        X[members] = mixture.means[k] + standard[members] @ cholesky[k].T
    if jitter > 0:
        X += jitter * rng.standard_normal(X.shape)
    return X, labels
