"""The Python API end to end, and the config's JSON Schema checked against the loader."""

from __future__ import annotations

import base64
import html
import importlib
import io
import math
import pkgutil
import re
from importlib.metadata import version
from typing import Any

import imageio_ffmpeg
import numpy as np
import pytest
import yaml
from conftest import ROOT, SEED_CONFIG
from jsonschema.validators import validator_for
from PIL import Image

import gmm_anim
from gmm_anim.config.schema import SCHEMA_DIALECT, config_schema, schema_keys

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

    animation = gmm_anim.animate(cfg, format="gif")
    gif_bytes = decoded_data_uri(animation._repr_html_(), "image/gif")
    assert gif_bytes == animation.data == written.read_bytes()  # same config, same bytes
    saved = animation.save(tmp_path / "deeper" / "again.gif")
    with Image.open(saved) as gif:
        assert gif.n_frames == 4


def test_animate_shows_the_html_player_in_an_iframe_of_its_own(small_config, tmp_path):
    cfg = gmm_anim.load_config(small_config, overrides=TINY)
    X, _ = gmm_anim.sample(cfg)
    written = gmm_anim.render(X, gmm_anim.fit(X, cfg), cfg, tmp_path / "em.html")
    animation = gmm_anim.animate(cfg)
    assert animation.format == "html" and animation.data == written.read_bytes()
    shown = animation._repr_html_()
    match = re.fullmatch(r'<iframe srcdoc="([^"]*)" [^>]*sandbox="allow-scripts"[^>]*></iframe>', shown)
    assert match, shown[:300]
    assert html.unescape(match.group(1)).encode() == animation.data


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
    with pytest.raises(ValueError, match="format: expected one of html, gif, webp, mp4, got 'png'"):
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
    homes = gmm_anim._HOMES
    assert set(gmm_anim.__all__) == set(homes) | {"__version__"}  # each exported name has a home, and no more
    for name, home in homes.items():
        assert getattr(gmm_anim, name) is getattr(importlib.import_module(f"gmm_anim.{home}"), name), name
    assert gmm_anim.__version__ == version("gmm-anim")
    with pytest.raises(AttributeError):
        gmm_anim.no_such_name  # noqa: B018


def test_no_submodule_shadows_a_public_name():
    # Importing a submodule sets it as an attribute of its package: a module named like a public
    # function (once gmm_anim/render/) replaced the function after its first import.
    modules = [info.name for info in pkgutil.walk_packages(gmm_anim.__path__, "gmm_anim.")]
    assert {"gmm_anim.drawing.frames", "gmm_anim.pipeline", "gmm_anim.__main__"} <= set(modules)
    for module in modules:
        importlib.import_module(module)
    for name, home in gmm_anim._HOMES.items():
        assert getattr(gmm_anim, name) is getattr(importlib.import_module(f"gmm_anim.{home}"), name), name
    assert gmm_anim.render is gmm_anim.pipeline.render and callable(gmm_anim.render)


# ---------------------------------------------------------------------------
# The schema, checked with jsonschema for its declared dialect


def schema_errors(document: Any, schema: dict[str, Any]) -> list[str]:
    """Every way ``document`` breaks ``schema``, as ``"<JSON path> <keyword>: <message>"``.

    The alternatives an ``anyOf`` or ``oneOf`` tried are listed after it, so
    the error inside the branch that was meant is among them.
    """
    validator = validator_for(schema)(schema)
    found: list[str] = []

    def walk(errors) -> None:
        for error in errors:
            found.append(f"{error.json_path} {error.validator}: {error.message}")
            walk(error.context)

    walk(validator.iter_errors(document))
    return found


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


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return config_schema()


def test_schema_is_well_formed_json_schema(schema):
    assert schema["$schema"] == SCHEMA_DIALECT and schema["type"] == "object"
    validator_for(schema, default=None).check_schema(schema)  # against the dialect's metaschema
    for at, sub in subschemas(schema):
        if "enum" in sub:
            assert sub["enum"], at
        if "$ref" in sub:
            assert sub["$ref"].startswith("#/$defs/") and sub["$ref"][8:] in schema["$defs"], at
        if "required" in sub:
            assert set(sub["required"]) <= set(sub.get("properties", {})), at
        if "default" in sub:
            alone = {**sub, "$defs": schema.get("$defs", {})}  # its $refs still resolve
            assert not schema_errors(sub["default"], alone), f"{at}: its default breaks it"


def test_schema_errors_names_where_and_why():
    schema = {"$schema": SCHEMA_DIALECT, "type": "object", "properties": {"n": {"type": "integer"}}}
    assert schema_errors({"n": "x"}, schema) == ["$.n type: 'x' is not of type 'integer'"]
    assert schema_errors({"n": 1}, schema) == []


def test_schema_documents_every_key_and_leaves_out_source(schema):
    keys = dict(schema_keys(schema))
    assert "source" not in keys and "source" not in schema.get("required", [])
    assert {"seed", "em.covariance_type", "em.initial.covariances", "render.fps"} <= set(keys)
    undocumented = [key for key, prop in keys.items() if not prop.get("description")]
    assert not undocumented, f"add a description to gmm_anim/schema.py DESCRIPTIONS for {undocumented}"
    assert all(prop["title"] == key for key, prop in keys.items())


@pytest.mark.parametrize("path", EXAMPLE_CONFIGS, ids=lambda path: path.name)
def test_schema_accepts_every_example_config(schema, path):
    assert schema_errors(yaml.safe_load(path.read_text()), schema) == []


def test_schema_accepts_the_init_template_and_an_empty_section(schema):
    from importlib.resources import files

    template = yaml.safe_load(files("gmm_anim").joinpath("example.yaml").read_text())
    assert schema_errors(template, schema) == []
    assert schema_errors({"data": "points.csv", "em": {"components": 2}, "render": None}, schema) == []


SEED = yaml.safe_load(SEED_CONFIG.read_text())
# Each change, and the start of the error jsonschema gives (after its JSON path and keyword).
BAD_CHANGES = {
    "unknown top-level key": ({"iteratons": 40}, "$ additionalProperties: Additional properties are not allowed ("),
    "unknown section key": ({"em": {"bogus": 1}}, "$.em additionalProperties: Additional properties are not allowed"),
    "wrong type": ({"samples": "many"}, "$.samples type: 'many' is not of type 'integer'"),
    "below a bound": ({"iterations": -1}, "$.iterations minimum: -1 is less than the minimum of 0"),
    "not a choice": ({"em": {"covariance_type": "banded"}}, "$.em.covariance_type enum: 'banded' is not one of"),
    "a boolean for a number": ({"render": {"fps": True}}, "$.render.fps type: True is not of type 'number'"),
    "fps not > 0": ({"render": {"fps": 0}}, "$.render.fps exclusiveMinimum: 0 is less than or equal to"),
    "unknown theme": ({"render": {"theme": "neon"}}, "$.render.theme enum: 'neon' is not one of"),
    "frames every 0": ({"render": {"frames": {"every": 0}}}, "$.render.frames.every minimum: 0 is less than"),
    "frames unknown word": ({"render": {"frames": "some"}}, "$.render.frames enum: 'some' is not one of"),
    "frames negative": ({"render": {"frames": [3, -1]}}, "$.render.frames[1] minimum: -1 is less than"),
    "one feature index": ({"render": {"dims": [0]}}, "$.render.dims minItems: [0] is too short"),
    "colour channel above 1": (
        {"render": {"palette": ["red", "blue", [0, 2, 0]]}},
        "$.render.palette[2][1] maximum: 2 is greater than the maximum of 1",
    ),
}


@pytest.mark.parametrize("change", BAD_CHANGES, ids=str)
def test_schema_rejects_what_the_loader_rejects(schema, write_config, change):
    update, expected = BAD_CHANGES[change]
    document = {
        **SEED,
        **{key: {**SEED.get(key, {}), **value} if isinstance(value, dict) else value for key, value in update.items()},
    }
    errors = schema_errors(document, schema)
    assert any(error.startswith(expected) for error in errors), errors
    with pytest.raises(gmm_anim.ConfigError):
        gmm_anim.load_config(write_config(yaml.safe_dump(document)))


def test_descriptions_name_only_real_keys(schema):
    from gmm_anim.config.schema import DESCRIPTIONS

    stale = sorted(set(DESCRIPTIONS) - {key for key, _ in schema_keys(schema)})
    assert not stale, f"remove or rename these in gmm_anim/schema.py DESCRIPTIONS: {stale}"


GOOD_CHANGES = {
    "an empty render section": {"render": None},
    "explicit initial mixture": {
        "em": {
            "init": "explicit",
            "initial": {
                "weights": [0.5, 0.3, 0.2],
                "means": [[0, 0], [1, 1], [2, 2]],
                "covariances": [1.0, [[1, 0], [0, 1]], 2],
            },
        }
    },
    "every render key": {
        "render": {
            "output": "x.webp",
            "format": "webp",
            "fps": 50,
            "hold": 0,
            "sigmas": [1, 2.5],
            "title": "{iteration}: {log_likelihood:.1f}",
            "truth": False,
        }
    },
    "a palette of names, hex strings and rgb lists": {"render": {"palette": ["teal", "#1f77b4", [0.2, 0.4, 0.6]]}},
    "the other render keys": {
        "render": {
            "loglik": True,
            "tween": 2,
            "theme": "dark",
            "palette": "okabe-ito",
            "dims": [1, 0],
            "max_points": 10,
        }
    },
}


@pytest.mark.parametrize("change", GOOD_CHANGES, ids=str)
def test_schema_accepts_what_the_loader_accepts(schema, write_config, change):
    document = {**SEED, **GOOD_CHANGES[change]}
    assert schema_errors(document, schema) == []
    gmm_anim.load_config(write_config(yaml.safe_dump(document)))


def test_an_animation_is_one_line_and_saves_only_under_its_own_suffix(small_config, tmp_path):
    animation = gmm_anim.animate(gmm_anim.load_config(small_config, overrides=TINY))
    assert repr(animation) == f"<Animation html 96x80, 4 frames, {len(animation.data):,} bytes>"
    for name in ("x.gif", "x.mp4", "x.webp", "frames", "x.png"):
        with pytest.raises(gmm_anim.ConfigError, match=r"path|format"):
            animation.save(tmp_path / name)
    assert list(tmp_path.iterdir()) == [small_config]
    assert animation.save(tmp_path / "x.HTML").read_bytes() == animation.data


def test_render_refuses_a_format_its_path_does_not_name(small_config, tmp_path):
    cfg = gmm_anim.load_config(small_config, overrides=TINY)
    X, _ = gmm_anim.sample(cfg)
    history = gmm_anim.fit(X, cfg)
    with pytest.raises(gmm_anim.ConfigError, match="expected an output ending in .mp4 for -f mp4, got -o"):
        gmm_anim.render(X, history, cfg, tmp_path / "x.gif", format="mp4")
    assert list(tmp_path.iterdir()) == [small_config]


class FrameLike:
    """A minimal DataFrame stand-in: column names and to_numpy(), as pandas and polars offer."""

    def __init__(self, columns: list[str], values: np.ndarray) -> None:
        self.columns = columns
        self._values = values

    def to_numpy(self) -> np.ndarray:
        return self._values


def two_clusters(n: int = 60) -> np.ndarray:
    rng = np.random.default_rng(3)
    return np.vstack([rng.normal([0, 0], 0.5, (n // 2, 2)), rng.normal([4, 1], 0.7, (n - n // 2, 2))])


def test_config_from_dict_validates_as_a_file_does(small_config):
    import yaml

    document = yaml.safe_load(small_config.read_text())
    from_dict = gmm_anim.config_from_dict(document, {"iterations": 2})
    from_file = gmm_anim.load_config(small_config, {"iterations": 2})
    assert from_dict.model_dump() == from_file.model_dump()
    assert str(from_dict.source) == "<dict>"
    arrays = {**document, "means": np.array(document["means"]), "weights": tuple(document["weights"])}
    assert gmm_anim.config_from_dict(arrays).means == from_file.means
    with pytest.raises(gmm_anim.ConfigError) as caught:
        gmm_anim.config_from_dict({**document, "render": {"fsp": 3}})
    assert str(caught.value) == "<dict>: render.fsp: unknown key; did you mean 'render.fps'?"
    with pytest.raises(gmm_anim.ConfigError, match=r"^<dict>: \(document\): expected a mapping"):
        gmm_anim.config_from_dict([1, 2])


def test_animate_own_points_from_an_array_and_a_frame_like_object(tmp_path):
    X = two_clusters()
    tiny = {"iterations": 3, "render__width": 160, "render__height": 120}
    from_array = gmm_anim.animate(X, components=2, format="gif", **tiny)
    assert repr(from_array).startswith("<Animation gif 160x120, 4 frames, ")
    frame = gmm_anim.animate(FrameLike(["height", "weight"], X), components=2, format="gif", **tiny)
    assert frame.data != from_array.data  # the same fit, now with labelled axes
    with Image.open(io.BytesIO(frame.data)) as gif:
        assert gif.n_frames == 4
    with pytest.raises(gmm_anim.ConfigError, match="em.components: expected the number of components"):
        gmm_anim.animate(X)
    with pytest.raises(gmm_anim.ConfigError, match=r"X: expected finite numbers, got nan at row 2, column 1"):
        gmm_anim.animate(np.where(np.arange(X.size).reshape(X.shape) == 5, np.nan, X), components=2)


def test_frame_like_column_names_label_the_axes():
    from gmm_anim.animation import _own_points
    from gmm_anim.config import config_from_dict

    X, names = _own_points(FrameLike(["height", "weight"], two_clusters()))
    assert names == ("height", "weight") and X.dtype == np.float64 and X.shape == (60, 2)
    cfg = config_from_dict({"em": {"components": 2}}, own_points=names)
    assert cfg.axis_names(2) == ("height", "weight")
    assert config_from_dict({"em": {"components": 2}}, own_points=()).axis_names(2) is None
    assert _own_points(np.arange(5.0))[0].shape == (5, 1)
