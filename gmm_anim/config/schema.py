"""The config's JSON Schema: for editors, ``gmm-anim schema`` and the README key table.

Pydantic derives the types, bounds, choices and defaults from the models in
models.py; this module adds what a reader needs beside them: a title (the
dotted key) and a one-sentence description per key.

The schema checks a config's shape (keys, types, bounds, choices), which is
what an editor can complete and flag while typing. The loader checks what a
schema cannot say: weights summing to 1, positive-definite covariances,
lengths that agree, a data file that exists.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .models import Config

__all__ = ["DESCRIPTIONS", "SCHEMA_DIALECT", "config_schema", "schema_json", "schema_keys"]

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Sections a YAML file may leave empty (`render:` with every key commented
# out reads as null); Config._empty_section turns null into {}.
_NULLABLE_SECTIONS = ("em", "render")

DESCRIPTIONS: dict[str, str] = {
    "seed": (
        "Seed of the random draw of the points: the same seed gives the same points "
        "(with data, it seeds only the initialisation, through em.init_seed)."
    ),
    "samples": "Number of points drawn from the true mixture (unused with data).",
    "jitter": "Standard deviation of isotropic noise added to every drawn point (unused with data).",
    "weights": "True mixing weights, one per component, each > 0, summing to 1.",
    "means": "True means: one point (a list of D coordinates) per component.",
    "covariances": (
        "True covariances, one per component: a D x D symmetric positive-definite matrix, "
        "or a number v > 0 meaning v·I."
    ),
    "iterations": "EM steps to run (fewer when em.tol stops early); the animation shows the start and every step.",
    "data": (
        "Your own points instead of a draw: a .csv, .tsv, .txt or .npy file (relative to the config file), "
        "or a mapping of path and how to read it. Without weights, means and covariances, set em.components."
    ),
    "data.path": "The data file, relative to the config file: .csv, .tsv, .txt (a table) or .npy (an (n, D) array).",
    "data.columns": (
        "The columns to fit, in order: header names or 0-based indices (default: every column). "
        "Others, such as ids and labels, are ignored."
    ),
    "data.delimiter": (
        "What separates a table's cells: auto (sniffed from the first rows: comma, semicolon, tab or "
        "whitespace), ',', ';', '\\t' or whitespace."
    ),
    "data.standardize": (
        "Z-score each fitted column (mean 0, population standard deviation 1) before fitting; the axes say (z)."
    ),
    "data.missing": (
        "A cell that is empty, NA, NaN or not a number: error (name its row and column) "
        "or drop (drop its row, with one warning saying how many)."
    ),
    "em": "How the mixture is fitted.",
    "em.components": "Number of components to fit (default: as many as the true mixture).",
    "em.init": (
        "Starting point: random (K distinct data points as means, the data's covariance + 0.5·I, "
        "equal weights), kmeans++ (k-means++ seeding and a few k-means steps) or explicit (em.initial)."
    ),
    "em.init_seed": "Seed of the initialisation (default: seed + 1).",
    "em.covariance_type": (
        "Form of the fitted covariances: full, diag (axis-aligned), spherical (v·I) "
        "or tied (one full matrix shared by every component)."
    ),
    "em.reg_covar": "Added to the diagonal of every fitted covariance, keeping it positive-definite.",
    "em.tol": (
        "Stop once an EM step raises the mean log-likelihood per point by less than this "
        "(default: run every iteration)."
    ),
    "em.initial": "The starting mixture for init: explicit.",
    "em.initial.weights": "Initial weights, one per fitted component, summing to 1.",
    "em.initial.means": "Initial means, one point per fitted component.",
    "em.initial.covariances": (
        "Initial covariances in the form of em.covariance_type: full, one matrix (or v meaning v·I) "
        "per component; diag, one list of D variances per component; spherical, one variance per "
        "component; tied, one matrix (or v) for all."
    ),
    "render": "What the frames look like and where they go.",
    "compare": (
        "Runs drawn side by side on the same points (1 to 12), each a mapping of label (its panel's title), "
        "em (keys overriding the em section) and iterations; each run fits exactly as a config with its "
        "overrides would. fit prints one row per run, with the lowest BIC and AIC marked."
    ),
    "render.output": (
        "Output path, relative to the working directory (default: the config's name with the "
        "format's suffix). No suffix means a folder of PNG frames; an existing folder or a path ending "
        "in / receives <config stem>.<suffix>; -o overrides it."
    ),
    "render.format": (
        "auto takes the format from render.output's suffix (a GIF when there is no output); "
        "or gif, mp4, webp, png (a folder of frames), html (an interactive player page)."
    ),
    "render.fps": (
        "Frames per second (default: 3·(tween + 1), at most 50, so tween frames smooth the motion "
        "without slowing the iterations down)."
    ),
    "render.hold": "Extra seconds the last frame stays on screen.",
    "render.width": "Frame width in pixels.",
    "render.height": "Frame height in pixels.",
    "render.sigmas": "Draw each component's ellipse at these numbers of standard deviations.",
    "render.title": (
        "Title of every frame; {iteration} and {log_likelihood} are filled in, "
        "format specs allowed ({log_likelihood:.1f}). On a tween frame {iteration} reads 3 -> 4 "
        "and {log_likelihood} is that of the iteration it leaves (3)."
    ),
    "render.truth": "Draw the true components as dashed ellipses, when they are known.",
    "render.loglik": (
        "Add a panel beside the points: the log-likelihood per point against iteration, growing frame by frame."
    ),
    "render.tween": (
        "Interpolated frames between consecutive iterations shown: S iterations shown give "
        "(S - 1)·(tween + 1) + 1 frames."
    ),
    "render.theme": "Colours of the background, text and axes: light or dark.",
    "render.palette": (
        "Component colours: tab10, okabe-ito (colour-blind safe), or a list of at least K matplotlib colours "
        "('teal', '#1f77b4', [r, g, b] in 0..1)."
    ),
    "render.dims": "The two features [i, j] (counted from 0) drawn when the points have more than two.",
    "render.max_points": "Above this many points a density raster coloured by responsibility replaces the scatter.",
    "render.labels": (
        "Axis labels of the features shown, [x] or [x, y] (default: the data's header names, else feature i); "
        "matplotlib mathtext between $ signs."
    ),
    "render.half_steps": (
        "Show the E-step and the M-step of every iteration as separate frames: I iterations give 2I + 2 "
        "frames (the start with points unassigned, then E-step i recolours the points, M-step i moves "
        "the ellipses, means and weights, and a last E-step), as Bishop's PRML Figure 9.8."
    ),
    "render.uncertainty": (
        "Size each point by its uncertainty, 1 - its largest responsibility (mclust's uncertainty plot); "
        "the legend explains the sizes."
    ),
    "render.density": (
        "Shade the fitted mixture's density behind the points, as log-spaced filled contours recomputed every frame."
    ),
    "render.frames": (
        "Which iterations become frames: all; log (every iteration up to 10, then each the one before plus "
        "a quarter, rounded up: 13, 17, 22, 28, ...); {every: N} (0, N, 2N, ...); or a list of iteration "
        "numbers (sorted, repeats dropped, those past the last computed iteration dropped). The last "
        "computed iteration is always shown."
    ),
}

# Forms a file may hold that a validator turns into the field's type before
# pydantic's own check (so its schema is too narrow): a palette colour may be
# [r, g, b] or [r, g, b, a] in 0..1 as well as a name or hex string.
_COLOUR = {
    "anyOf": [
        {"type": "string"},
        {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 1}, "minItems": 3, "maxItems": 4},
    ]
}
_INPUT_ITEMS = {"render.palette": _COLOUR}


def _section_name(prop: dict[str, Any]) -> str | None:
    """The $defs name a property refers to (directly or as the non-null choice), else None."""
    for choice in [prop, *prop.get("anyOf", [])]:
        if "$ref" in choice:
            return str(choice["$ref"]).rsplit("/", 1)[-1]
    return None


def schema_keys(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every key of a config schema as ``(dotted key, property schema)``, sections before their keys."""
    definitions = schema.get("$defs", {})

    def walk(properties: dict[str, Any], prefix: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for name, prop in properties.items():
            yield prefix + name, prop
            section = _section_name(prop)
            if section is not None:
                yield from walk(definitions[section].get("properties", {}), f"{prefix}{name}.")

    yield from walk(schema.get("properties", {}), "")


def config_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a config file, with a title and description per key."""
    schema = Config.model_json_schema()
    for name in _NULLABLE_SECTIONS:
        prop = schema["properties"][name]
        prop.pop("default", None)  # each key inside carries its own default
        if "$ref" in prop:
            prop["anyOf"] = [{"$ref": prop.pop("$ref")}, {"type": "null"}]
    for dotted, prop in schema_keys(schema):
        prop["title"] = dotted
        for choice in [prop, *prop.get("anyOf", [])]:
            if dotted in _INPUT_ITEMS and choice.get("type") == "array":
                choice["items"] = _INPUT_ITEMS[dotted]
        if dotted in DESCRIPTIONS:
            prop["description"] = DESCRIPTIONS[dotted]
        section = _section_name(prop)
        if section is not None:
            schema["$defs"][section]["title"] = dotted
            schema["$defs"][section]["description"] = prop.get("description", "")
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "gmm-anim config",
        "description": (
            "A Gaussian mixture to sample points from (or a data file of your own), how EM fits it, "
            "and how the animation is drawn. See `gmm-anim init` for a commented example."
        ),
        **{key: value for key, value in schema.items() if key not in ("title", "description")},
    }


def schema_json() -> str:
    """``config_schema()`` as the text ``gmm-anim schema`` prints (2-space indent, final newline)."""
    return json.dumps(config_schema(), indent=2, ensure_ascii=False) + "\n"
