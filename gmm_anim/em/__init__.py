"""The EM stage: initialisation, E-step, M-step, the loop and fit summaries; arrays in, arrays out."""

from .covariances import COVARIANCE_TYPES, CovarianceType
from .loop import INITS, Init, Responsibilities, log_likelihood, responsibilities, run_em
from .summary import Match, aic, bic, match_components, n_parameters

__all__ = [
    "COVARIANCE_TYPES",
    "INITS",
    "CovarianceType",
    "Init",
    "Match",
    "Responsibilities",
    "aic",
    "bic",
    "log_likelihood",
    "match_components",
    "n_parameters",
    "responsibilities",
    "run_em",
]
