"""Per-iteration snapshots of an EM run: parameters and log-likelihood only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Mixture", "History"]


@dataclass(frozen=True)
class Mixture:
    """A Gaussian mixture with full covariance matrices.

    weights : array of shape (n_components,)
    means : array of shape (n_components, n_features)
    covariances : array of shape (n_components, n_features, n_features)
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray

    @property
    def n_components(self) -> int:
        return self.means.shape[0]

    @property
    def n_features(self) -> int:
        return self.means.shape[1]

    def permuted(self, order: np.ndarray) -> Mixture:
        """The same mixture with its components reordered as ``order``."""
        return Mixture(self.weights[order], self.means[order], self.covariances[order])

    def to_json(self) -> dict[str, Any]:
        return {
            "weights": self.weights.tolist(),
            "means": self.means.tolist(),
            "covariances": self.covariances.tolist(),
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Mixture:
        return cls(
            np.asarray(document["weights"], dtype=np.float64),
            np.asarray(document["means"], dtype=np.float64),
            np.asarray(document["covariances"], dtype=np.float64),
        )


@dataclass(frozen=True)
class History:
    """The parameters after each EM step and the log-likelihood they give.

    Entry i holds the parameters after i EM steps (entry 0 is the
    initialisation) and the total log-likelihood of the data under exactly
    those parameters. Covariances are stored as full matrices whatever the
    covariance type, so memory is O(iterations * n_components * n_features**2).

    weights : array of shape (n_iterations + 1, n_components)
    means : array of shape (n_iterations + 1, n_components, n_features)
    covariances : array of shape (n_iterations + 1, n_components, n_features, n_features)
    log_likelihood : array of shape (n_iterations + 1,)
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    log_likelihood: np.ndarray
    covariance_type: str = "full"
    converged: bool = False

    def __len__(self) -> int:
        return len(self.log_likelihood)

    @property
    def n_iterations(self) -> int:
        """EM steps taken: one less than the number of snapshots."""
        return len(self) - 1

    def __getitem__(self, iteration: int) -> Mixture:
        return Mixture(self.weights[iteration], self.means[iteration], self.covariances[iteration])

    @property
    def final(self) -> Mixture:
        return self[-1]

    def to_json(self) -> list[dict[str, Any]]:
        """The ``iterations`` list of ``gmm-anim fit --json``."""
        return [
            {"iteration": i, "log_likelihood": float(self.log_likelihood[i]), **self[i].to_json()}
            for i in range(len(self))
        ]

    @classmethod
    def from_json(
        cls, iterations: list[dict[str, Any]], *, covariance_type: str = "full", converged: bool = False
    ) -> History:
        snapshots = [Mixture.from_json(entry) for entry in iterations]
        return cls(
            weights=np.stack([m.weights for m in snapshots]),
            means=np.stack([m.means for m in snapshots]),
            covariances=np.stack([m.covariances for m in snapshots]),
            log_likelihood=np.array([entry["log_likelihood"] for entry in iterations], dtype=np.float64),
            covariance_type=covariance_type,
            converged=converged,
        )
