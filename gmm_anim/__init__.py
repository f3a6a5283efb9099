"""Animate the EM algorithm fitting a Gaussian mixture.

>>> import gmm_anim
>>> cfg = gmm_anim.load_config("configs/seed.yaml", overrides={"iterations": 10})
>>> X, labels = gmm_anim.sample(cfg)
>>> history = gmm_anim.fit(X, cfg)
>>> gmm_anim.render(X, history, cfg, "out.gif")  # doctest: +SKIP
"""

from .config import Config, load_config
from .errors import ConfigError, GmmAnimError, GmmAnimWarning, OutputError
from .history import History, Mixture
from .pipeline import Animation, animate, fit, render, sample, summarize

__version__ = "0.1.0"

__all__ = [
    "Animation",
    "Config",
    "ConfigError",
    "GmmAnimError",
    "GmmAnimWarning",
    "History",
    "Mixture",
    "OutputError",
    "animate",
    "fit",
    "load_config",
    "render",
    "sample",
    "summarize",
    "__version__",
]
