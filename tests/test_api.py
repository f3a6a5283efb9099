"""The Python API end to end, and the config's JSON Schema checked against the loader."""

from __future__ import annotations

import base64
import io
import math
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import numpy as np
import pytest
import yaml
from PIL import Image

import gmm_anim
from gmm_anim.config.schema import SCHEMA_DIALECT, config_schema, schema_keys

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))
TINY = {"iterations": 3, "render.width": 96, "render.height": 80}


def decoded_data_uri(html: str, mime: str) -> bytes:
    match = re.search(rf'src="data:{re.escape(mime)};base64,([A-Za-z0-9+/=]+)"', html)
    assert match, html[:200]
    return base64.b64decode(match.group(1), validate=True)


# ---------------------------------------------------------------------------
# The API


def test_load_sample_fit_render_animate(small_config, tmp_path):
    cfg = gmm_anim.load_config(small_config, overrides=TINY)
    assert isinstance(cfg, gmm_anim.Config) and cfg.iterations == 3
    X, labels = gmm_anim.sample(cfg)
    assert X.shape == (120, 2) and X.dtype == np.float64 and labels.shape == (120,)
    history = gmm_anim.fit(X, cfg)
    assert isinstance(history, gmm_anim.History) and len(history) == 4
    assert isinstance(history.final, gmm_anim.Mixture)
    written = gmm_anim.render(X, history, cfg, tmp_path / "em.gif")
    with Image.open(written) as gif:
        assert (gif.size, gif.n_frames) == ((96, 80), 4)
    document = gmm_anim.summarize(X, history, cfg)
    assert len(document["iterations"]) == 4 and math.isfinite(document["bic"])

    animation = gmm_anim.animate(cfg)
    gif_bytes = decoded_data_uri(animation._repr_html_(), "image/gif")
    assert gif_bytes == animation.data == written.read_bytes()  # same config, same bytes
    saved = animation.save(tmp_path / "deeper" / "again.gif")
    with Image.open(saved) as gif:
        assert gif.n_frames == 4


def test_animate_mp4_is_a_video_element(small_config, tmp_path):
    cfg = gmm_anim.load_config(small_config, overrides={**TINY, "render.hold": 0})
    animation = gmm_anim.animate(cfg, format="mp4")
    html = animation._repr_html_()
    assert html.startswith("<video") and "controls" in html
    saved = animation.save(tmp_path / "em.mp4")
    assert saved.read_bytes() == decoded_data_uri(html, "video/mp4")
    n_frames, _ = imageio_ffmpeg.count_frames_and_secs(str(saved))
    assert n_frames == 4


def test_animate_takes_a_config_path(write_config, small_config):
    text = small_config.read_text().replace("iterations: 4", "iterations: 1")
    animation = gmm_anim.animate(write_config(text, "one.yaml"), format="webp")
    with Image.open(io.BytesIO(decoded_data_uri(animation._repr_html_(), "image/webp"))) as webp:
        assert webp.n_frames == 2


def test_animate_refuses_formats_it_cannot_show(small_config):
    with pytest.raises(ValueError, match="format: expected one of gif, webp, mp4, got 'png'"):
        gmm_anim.animate(small_config, format="png")


def test_animation_save_failure_is_an_output_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(gmm_anim.OutputError, match="cannot write"):
        gmm_anim.Animation(b"GIF89a", "gif").save(blocker / "em.gif")


def test_bad_override_raises_a_config_error(small_config):
    with pytest.raises(gmm_anim.ConfigError) as raised:
        gmm_anim.load_config(small_config, overrides={"em.bogus": 1})
    assert raised.value.field == "em.bogus" and raised.value.message.startswith("unknown key")


def test_every_exported_name_resolves_and_the_version_is_the_installed_one():
    for name in gmm_anim.__all__:
        assert getattr(gmm_anim, name) is not None, name
    assert gmm_anim.__version__ == version("gmm-anim")
    assert set(gmm_anim.__all__) <= set(dir(gmm_anim))
    with pytest.raises(AttributeError):
        gmm_anim.no_such_name  # noqa: B018


def test_render_is_the_function_after_the_drawing_stage_is_imported():
    import gmm_anim.drawing  # noqa: F401

    assert gmm_anim.render is gmm_anim.pipeline.render


# ---------------------------------------------------------------------------
# A small JSON Schema checker: the keywords pydantic emits (jsonschema is not
# a dependency). An unknown keyword fails loudly rather than passing silently.

ANNOTATIONS = {"title", "description", "default", "format", "examples", "$schema", "$defs"}
TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}


def type_matches(value: Any, kind: str) -> bool:
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, {"object": dict, "array": list, "string": str}[kind])


def schema_errors(value: Any, schema: dict[str, Any], root: dict[str, Any], at: str = "") -> list[str]:
    """Every way ``value`` breaks ``schema`` (empty when it conforms), each prefixed by its path."""
    errors: list[str] = []
    for keyword, rule in schema.items():
        if keyword in ANNOTATIONS:
            continue
        if keyword == "$ref":
            errors += schema_errors(value, root["$defs"][rule.rsplit("/", 1)[-1]], root, at)
        elif keyword == "type":
            if not any(type_matches(value, kind) for kind in ([rule] if isinstance(rule, str) else rule)):
                errors.append(f"{at}: expected {rule}, got {value!r}")
        elif keyword == "enum":
            errors += [] if value in rule else [f"{at}: expected one of {rule}, got {value!r}"]
        elif keyword == "const":
            errors += [] if value == rule else [f"{at}: expected {rule!r}"]
        elif keyword in ("anyOf", "oneOf"):
            failures = [schema_errors(value, choice, root, at) for choice in rule]
            passing = failures.count([])
            if passing == 0:  # every choice's complaints: one of them says what is wrong
                errors += [f"{at}: matches none of the {keyword} choices"] + sum(failures, [])
            elif keyword == "oneOf" and passing > 1:
                errors.append(f"{at}: matches {passing} of the oneOf choices")
        elif keyword == "allOf":
            errors += [error for choice in rule for error in schema_errors(value, choice, root, at)]
        else:
            errors += keyword_errors(keyword, rule, value, schema, root, at)
    return errors


def keyword_errors(keyword: str, rule: Any, value: Any, schema: dict, root: dict, at: str) -> list[str]:
    """The keywords that apply to one kind of value only (numbers, strings, arrays, objects)."""
    numeric = type_matches(value, "number")
    compare = {
        "minimum": lambda: value >= rule, "maximum": lambda: value <= rule,
        "exclusiveMinimum": lambda: value > rule, "exclusiveMaximum": lambda: value < rule,
        "multipleOf": lambda: math.isclose(value / rule, round(value / rule)),
    }
    if keyword in compare:
        return [] if not numeric or compare[keyword]() else [f"{at}: expected {keyword} {rule}, got {value!r}"]
    if keyword in ("minLength", "maxLength", "pattern"):
        if not isinstance(value, str):
            return []
        ok = {"minLength": len(value) >= rule, "maxLength": len(value) <= rule}.get(keyword)
        ok = re.search(rule, value) is not None if ok is None else ok
        return [] if ok else [f"{at}: expected {keyword} {rule!r}, got {value!r}"]
    if isinstance(value, list) and keyword in ("items", "prefixItems", "minItems", "maxItems", "uniqueItems"):
        return array_errors(keyword, rule, value, schema, root, at)
    if isinstance(value, dict) and keyword in ("properties", "required", "additionalProperties"):
        return object_errors(keyword, rule, value, schema, root, at)
    if keyword in ("items", "prefixItems", "minItems", "maxItems", "uniqueItems", "properties", "required",
                   "additionalProperties"):
        return []
    raise AssertionError(f"the test's schema checker does not know the keyword {keyword!r} (at {at}); extend it")


def array_errors(keyword: str, rule: Any, value: list, schema: dict, root: dict, at: str) -> list[str]:
    if keyword == "minItems":
        return [] if len(value) >= rule else [f"{at}: expected at least {rule} items"]
    if keyword == "maxItems":
        return [] if len(value) <= rule else [f"{at}: expected at most {rule} items"]
    if keyword == "uniqueItems":
        return [] if not rule or len({repr(v) for v in value}) == len(value) else [f"{at}: expected unique items"]
    if keyword == "prefixItems":
        return [e for i, (v, s) in enumerate(zip(value, rule)) for e in schema_errors(v, s, root, f"{at}[{i}]")]
    start = len(schema.get("prefixItems", []))
    if rule is False:
        return [] if len(value) <= start else [f"{at}: expected at most {start} items"]
    return [e for i, v in enumerate(value[start:], start) for e in schema_errors(v, rule, root, f"{at}[{i}]")]


def object_errors(keyword: str, rule: Any, value: dict, schema: dict, root: dict, at: str) -> list[str]:
    prefix = f"{at}." if at else ""
    if keyword == "required":
        return [f"{prefix}{name}: required" for name in rule if name not in value]
    if keyword == "properties":
        return [e for k, v in value.items() if k in rule for e in schema_errors(v, rule[k], root, prefix + k)]
    extra = [key for key in value if key not in schema.get("properties", {})]
    if rule is False:
        return [f"{prefix}{key}: unknown key" for key in extra]
    return [e for key in extra for e in schema_errors(value[key], rule, root, prefix + key)]


def subschemas(schema: Any, at: str = "#") -> list[tuple[str, dict]]:
    """Every schema object inside ``schema`` (itself included), with a JSON-pointer-like location."""
    found = [(at, schema)]
    for keyword in ("properties", "$defs"):
        for name, child in schema.get(keyword, {}).items():
            found += subschemas(child, f"{at}/{keyword}/{name}")
    for keyword in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for index, child in enumerate(schema.get(keyword, [])):
            found += subschemas(child, f"{at}/{keyword}/{index}")
    for keyword in ("items", "additionalProperties"):
        if isinstance(schema.get(keyword), dict):
            found += subschemas(schema[keyword], f"{at}/{keyword}")
    return found


# ---------------------------------------------------------------------------
# The schema


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return config_schema()


def test_schema_is_well_formed_json_schema(schema):
    assert schema["$schema"] == SCHEMA_DIALECT and schema["type"] == "object"
    for at, sub in subschemas(schema):
        assert isinstance(sub, dict), at
        kinds = sub.get("type", [])
        assert set([kinds] if isinstance(kinds, str) else kinds) <= TYPES, at
        if "enum" in sub:
            assert isinstance(sub["enum"], list) and sub["enum"], at
        if "$ref" in sub:
            assert sub["$ref"].startswith("#/$defs/") and sub["$ref"][8:] in schema["$defs"], at
        if "required" in sub:
            assert set(sub["required"]) <= set(sub.get("properties", {})), at
        for bound in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            assert isinstance(sub.get(bound, 0), (int, float)), at
        if "default" in sub:
            assert not schema_errors(sub["default"], sub, schema, at), f"{at}: its default breaks it"


def test_schema_documents_every_key_and_leaves_out_source(schema):
    keys = dict(schema_keys(schema))
    assert "source" not in keys and "source" not in schema.get("required", [])
    assert {"seed", "em.covariance_type", "em.initial.covariances", "render.fps"} <= set(keys)
    undocumented = [key for key, prop in keys.items() if not prop.get("description")]
    assert not undocumented, f"add a description to gmm_anim/schema.py DESCRIPTIONS for {undocumented}"
    assert all(prop["title"] == key for key, prop in keys.items())


@pytest.mark.parametrize("path", EXAMPLE_CONFIGS, ids=lambda path: path.name)
def test_schema_accepts_every_example_config(schema, path):
    assert schema_errors(yaml.safe_load(path.read_text()), schema, schema) == []


def test_schema_accepts_the_init_template_and_an_empty_section(schema):
    from importlib.resources import files

    template = yaml.safe_load(files("gmm_anim").joinpath("example.yaml").read_text())
    assert schema_errors(template, schema, schema) == []
    assert schema_errors({"data": "points.csv", "em": {"components": 2}, "render": None}, schema, schema) == []


SEED = yaml.safe_load((ROOT / "configs" / "seed.yaml").read_text())
BAD_CHANGES = {
    "unknown top-level key": ({"iteratons": 40}, "iteratons: unknown key"),
    "unknown section key": ({"em": {"bogus": 1}}, "em.bogus: unknown key"),
    "wrong type": ({"samples": "many"}, "samples: expected integer"),
    "below a bound": ({"iterations": -1}, "iterations: expected minimum 0"),
    "not a choice": ({"em": {"covariance_type": "banded"}}, "em.covariance_type: expected one of"),
    "a boolean for a number": ({"render": {"fps": True}}, "render.fps: expected number"),
    "fps not > 0": ({"render": {"fps": 0}}, "render.fps: expected exclusiveMinimum 0"),
    "unknown theme": ({"render": {"theme": "neon"}}, "render.theme: expected one of"),
    "one feature index": ({"render": {"dims": [0]}}, "render.dims: expected at least 2 items"),
    "colour channel above 1": ({"render": {"palette": ["red", "blue", [0, 2, 0]]}}, "render.palette[2][1]: "),
}


@pytest.mark.parametrize("change", BAD_CHANGES, ids=str)
def test_schema_rejects_what_the_loader_rejects(schema, write_config, change):
    update, expected = BAD_CHANGES[change]
    document = {**SEED, **{key: {**SEED.get(key, {}), **value} if isinstance(value, dict) else value
                           for key, value in update.items()}}
    errors = schema_errors(document, schema, schema)
    assert any(error.startswith(expected) for error in errors), errors
    with pytest.raises(gmm_anim.ConfigError):
        gmm_anim.load_config(write_config(yaml.safe_dump(document)))


def test_descriptions_name_only_real_keys(schema):
    from gmm_anim.config.schema import DESCRIPTIONS

    stale = sorted(set(DESCRIPTIONS) - {key for key, _ in schema_keys(schema)})
    assert not stale, f"remove or rename these in gmm_anim/schema.py DESCRIPTIONS: {stale}"


GOOD_CHANGES = {
    "an empty render section": {"render": None},
    "explicit initial mixture": {"em": {"init": "explicit", "initial": {
        "weights": [0.5, 0.3, 0.2], "means": [[0, 0], [1, 1], [2, 2]], "covariances": [1.0, [[1, 0], [0, 1]], 2]}}},
    "every render key": {"render": {"output": "x.webp", "format": "webp", "fps": 50, "hold": 0, "sigmas": [1, 2.5],
                                    "title": "{iteration}: {log_likelihood:.1f}", "truth": False}},
    "a palette of names, hex strings and rgb lists": {"render": {"palette": ["teal", "#1f77b4", [0.2, 0.4, 0.6]]}},
    "the other render keys": {"render": {"loglik": True, "tween": 2, "theme": "dark", "palette": "okabe-ito",
                                         "dims": [1, 0], "max_points": 10}},
}


@pytest.mark.parametrize("change", GOOD_CHANGES, ids=str)
def test_schema_accepts_what_the_loader_accepts(schema, write_config, change):
    document = {**SEED, **GOOD_CHANGES[change]}
    assert schema_errors(document, schema, schema) == []
    gmm_anim.load_config(write_config(yaml.safe_dump(document)))
