"""The animation in memory, for Python and Jupyter: ``animate`` and the ``Animation`` it returns.

``animate`` runs the pipeline's steps (pipeline.py) on a config, a config
file, or the caller's own points, and holds the file it renders in memory;
the ``Animation`` shows itself inline in a notebook and saves itself.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .config import Config, check_config
from .config import config_from_dict as _config_from_dict
from .errors import ConfigError
from .formats import INLINE_TYPES
from .pipeline import fit, load_config, render, sample

__all__ = ["Animation", "animate"]


@dataclass(frozen=True, repr=False)
class Animation:
    """A rendered animation held in memory that shows itself inline in Jupyter.

    ``data`` holds the file's bytes in ``format`` ("html", the player page;
    "gif", "webp" or "mp4"), ``n_frames`` frames of ``width`` x ``height`` pixels.
    """

    data: bytes
    format: str = "html"
    width: int = 0
    height: int = 0
    n_frames: int = 0

    def __repr__(self) -> str:
        # One line: a notebook shows it as the text/plain form beside the HTML,
        # where a copy of the bytes would double the notebook's size.
        return f"<Animation {self.format} {self.width}x{self.height}, {self.n_frames} frames, {len(self.data):,} bytes>"

    def _repr_html_(self) -> str:
        if self.format == "html":
            return self._player_iframe()
        encoded = base64.b64encode(self.data).decode("ascii")
        source = f"data:{INLINE_TYPES[self.format]};base64,{encoded}"
        if self.format == "mp4":
            return f'<video src="{source}" controls autoplay loop muted playsinline></video>'
        return f'<img src="{source}" alt="EM iterations"/>'

    def _player_iframe(self) -> str:
        """The player page in an iframe of its own (srcdoc), so several players in a notebook never share state.

        Works alike in JupyterLab, the classic notebook and VS Code, none of
        which need to trust the output: the page runs in the iframe's sandbox.
        """
        page = html.escape(self.data.decode("utf-8"), quote=True)
        # the page's controls, caption and log-likelihood curve sit below the frame
        width, height = max(self.width, 560) + 20, self.height + 230
        return (
            f'<iframe srcdoc="{page}" width="{width}" height="{height}" style="border: 0; max-width: 100%;" '
            f'sandbox="allow-scripts" title="EM iterations, {self.n_frames} frames"></iframe>'
        )

    def save(self, path: str | Path) -> Path:
        """Write the animation to ``path`` atomically (parent folders are created) and return the path.

        The path's suffix must name the animation's format (ConfigError otherwise).
        """
        from .write import resolve_format, write_file

        path = Path(path)
        resolve_format(path, self.format, source=path, path_field="path", format_field="format")
        return write_file(path, self.data)


def animate(
    source: Config | str | Path | Any,
    *,
    components: int | None = None,
    format: str = "html",
    **overrides: Any,
) -> Animation:
    """Sample (or take), fit and render into memory, for Jupyter.

    ``source`` is a config (a ``Config`` or a config file), or the points
    themselves: an array of shape (n_samples, n_features) or (n_samples,),
    or a DataFrame-like object (anything with ``columns`` and
    ``to_numpy()``), whose column names label the axes. Own points need
    ``components``, the number of components to fit. Keyword ``overrides``
    set config keys, a double underscore standing for the dot:
    ``iterations=80``, ``em__tol=1e-4``, ``render__theme="dark"``.

    ``format`` is "html" (the player: play, pause, step and scrub the
    iterations, in an iframe of its own), "gif" or "webp" (shown as an
    image), or "mp4" (shown as a ``<video>`` with controls).
    """
    import tempfile

    from .drawing import count_frames

    if format not in INLINE_TYPES:
        raise ValueError(f"format: expected one of {', '.join(INLINE_TYPES)}, got {format!r}")
    dotted = {key.replace("__", "."): value for key, value in overrides.items()}
    if components is not None:
        dotted["em.components"] = components
    if isinstance(source, Config) and dotted:
        raise ValueError("overrides: expected none with a Config (load_config takes overrides)")
    if isinstance(source, (Config, str, Path)):
        cfg = source if isinstance(source, Config) else load_config(source, dotted)
        X, _ = sample(cfg)
    else:
        X, names = _own_points(source)
        cfg = _config_from_dict({}, dotted, own_points=names)
        check_config(cfg)
    history = fit(X, cfg)
    with tempfile.TemporaryDirectory() as folder:
        path = render(X, history, cfg, Path(folder) / f"animation.{format}", format=format)
        n_frames = count_frames(history, cfg.render)
        return Animation(path.read_bytes(), format, cfg.render.width, cfg.render.height, n_frames)


def _own_points(points: Any) -> tuple[np.ndarray, tuple[str, ...]]:
    """A caller's points as float64 (n, D) and their column names (none for a plain array).

    A DataFrame-like object gives its ``columns`` as names; pandas itself is
    never imported here.
    """
    source = "<array>"
    names: tuple[str, ...] = ()
    if hasattr(points, "columns") and hasattr(points, "to_numpy"):
        names = tuple(str(name) for name in points.columns)
        points = points.to_numpy()
    try:
        X = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ConfigError(source, "X", f"expected numbers, got {type(points).__name__} that is not ({error})") from None
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    if X.ndim != 2 or X.size == 0:
        raise ConfigError(source, "X", f"expected an array of shape (n_samples, n_features), got shape {X.shape}")
    bad = np.argwhere(~np.isfinite(X))
    if len(bad):
        row, column = bad[0]
        raise ConfigError(source, "X", f"expected finite numbers, got {X[row, column]} at row {row}, column {column}")
    if names and len(names) != X.shape[1]:
        names = ()
    return np.ascontiguousarray(X), names
