"""Read a YAML config safely, validate it, and return a frozen Config.

SKELETON: field names and types are fixed; validation is still to be written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional, Union

import numpy as np
from pydantic import BaseModel, ConfigDict

from .history import Mixture

Matrix = list[list[float]]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class InitialMixture(_Section):
    weights: list[float]
    means: list[list[float]]
    covariances: Union[float, Matrix, list[Union[float, list[float], Matrix]]]


class EmConfig(_Section):
    components: Optional[int] = None
    init: Literal["random", "kmeans++", "explicit"] = "random"
    init_seed: Optional[int] = None
    covariance_type: Literal["full", "diag", "spherical", "tied"] = "full"
    reg_covar: float = 1e-6
    tol: Optional[float] = None
    initial: Optional[InitialMixture] = None


class RenderConfig(_Section):
    output: Optional[Path] = None
    format: Literal["auto", "gif", "mp4", "webp", "png"] = "auto"
    fps: float = 3.0
    hold: float = 1.0
    width: int = 600
    height: int = 600
    sigmas: tuple[float, ...] = (2.0,)
    title: str = "GMM fitting with EM: iteration {iteration}"
    truth: bool = True


class Config(_Section):
    source: Path  # the config file itself; set by load_config, not a YAML key
    seed: int = 0
    samples: int = 400
    jitter: float = 0.0
    weights: Optional[list[float]] = None
    means: Optional[list[list[float]]] = None
    covariances: Optional[list[Union[float, Matrix]]] = None
    iterations: int = 40
    data: Optional[Path] = None  # resolved relative to the config file
    em: EmConfig = EmConfig()
    render: RenderConfig = RenderConfig()

    @property
    def truth(self) -> Mixture | None:
        """The true mixture as arrays, or None when it is not given."""
        if self.weights is None:
            return None
        means = np.asarray(self.means, dtype=np.float64)
        n_features = means.shape[1]
        covariances = np.stack(
            [
                c * np.eye(n_features) if isinstance(c, (int, float)) else np.asarray(c, dtype=np.float64)
                for c in self.covariances
            ]
        )
        return Mixture(np.asarray(self.weights, dtype=np.float64), means, covariances)

    @property
    def n_components(self) -> int:
        """K of the fitted model: em.components, else the number of true components."""
        return self.em.components if self.em.components is not None else len(self.weights)

    @property
    def init_seed(self) -> int:
        return self.em.init_seed if self.em.init_seed is not None else self.seed + 1


def load_config(path: str | Path, overrides: dict[str, object] | None = None) -> Config:
    import yaml

    path = Path(path)
    document = yaml.safe_load(path.read_text()) or {}
    return Config(source=path, **document)
