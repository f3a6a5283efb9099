"""Animate the EM algorithm fitting a Gaussian mixture.

>>> import gmm_anim
>>> cfg = gmm_anim.load_config("configs/seed.yaml", overrides={"iterations": 10})
>>> X, labels = gmm_anim.sample(cfg)          # X: (n_samples, n_features)
>>> history = gmm_anim.fit(X, cfg)            # parameters after each EM step
>>> gmm_anim.render(X, history, cfg, "out.gif")  # doctest: +SKIP
>>> gmm_anim.animate(cfg)                     # doctest: +SKIP  (inline in Jupyter)
>>> gmm_anim.animate(X, components=3)         # doctest: +SKIP  (your own points)

The names below are imported on first use, not with the package: the
command line imports ``gmm_anim.cli`` (and so this package) for every call,
and ``gmm-anim --help`` should not pay for pydantic, numpy or matplotlib.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .animation import Animation, animate
    from .config import Config, config_schema
    from .errors import ConfigError, GmmAnimError, GmmAnimWarning, OutputError
    from .history import History, Mixture
    from .pipeline import config_from_dict, fit, load_config, render, sample, summarize

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
    "config_from_dict",
    "config_schema",
    "fit",
    "load_config",
    "render",
    "sample",
    "summarize",
    "__version__",
]

_HOMES = {
    "Config": "config",
    "load_config": "pipeline",  # validation, then the resource limits of the run
    "ConfigError": "errors",
    "GmmAnimError": "errors",
    "GmmAnimWarning": "errors",
    "OutputError": "errors",
    "History": "history",
    "Mixture": "history",
    "Animation": "animation",
    "animate": "animation",
    "config_from_dict": "pipeline",
    "fit": "pipeline",
    "render": "pipeline",
    "sample": "pipeline",
    "summarize": "pipeline",
    "config_schema": "config",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first access (PEP 562)."""
    if name == "__version__":
        from importlib.metadata import version

        value: Any = version("gmm-anim")
    elif name in _HOMES:
        value = getattr(import_module(f".{_HOMES[name]}", __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
