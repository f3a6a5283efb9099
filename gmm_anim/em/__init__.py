"""The EM stage: initialisation, E-step, M-step, the loop and fit summaries; arrays in, arrays out."""

from .loop import log_likelihood, responsibilities, responsibilities_for, run_em
from .summary import Match, aic, bic, match_components, n_parameters

__all__ = [
    "Match",
    "aic",
    "bic",
    "log_likelihood",
    "match_components",
    "n_parameters",
    "responsibilities",
    "responsibilities_for",
    "run_em",
]
