"""Config loading: safe YAML, strict validation, one ConfigError naming field, expected and got."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import SEED_CONFIG
from pydantic import ValidationError

from gmm_anim.config import load_config, parse_value
from gmm_anim.errors import ConfigError, GmmAnimWarning

TRUTH = """\
weights: [0.5, 0.5]
means: [[0, 0], [3, 3]]
covariances: [1.0, [[1.0, 0.2], [0.2, 0.5]]]
"""


def load_error(write_config, text: str, **overrides: object) -> ConfigError:
    path = write_config(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, overrides or None)
    assert str(caught.value) == f"{path}: {caught.value.field}: {caught.value.message}"
    return caught.value


def expect(write_config, text: str, field: str, message: str) -> None:
    error = load_error(write_config, text)
    assert (error.field, error.message) == (field, message)


# ---------------------------------------------------------------------------
# Valid configs


def test_seed_config_gives_the_notebooks_mixture():
    cfg = load_config(SEED_CONFIG)
    assert (cfg.seed, cfg.samples, cfg.jitter, cfg.iterations) == (1, 400, 0.02, 40)
    truth = cfg.truth
    np.testing.assert_array_equal(truth.weights, [0.4, 0.35, 0.25])
    np.testing.assert_array_equal(truth.means, [[0, 0], [4, 4], [-4, 4]])
    np.testing.assert_array_equal(
        truth.covariances,
        [[[0.8, 0.2], [0.2, 0.5]], [[0.6, -0.2], [-0.2, 0.6]], [[0.5, 0.0], [0.0, 0.9]]],
    )
    assert truth.weights.dtype == truth.means.dtype == truth.covariances.dtype == np.float64
    assert (cfg.n_components, cfg.init_seed, cfg.em.init, cfg.em.tol) == (3, 2, "random", None)
    assert cfg.source == SEED_CONFIG and cfg.data is None and cfg.initial_mixture is None


def test_defaults_follow_the_spec(write_config):
    cfg = load_config(write_config(TRUTH))
    assert (cfg.seed, cfg.samples, cfg.jitter, cfg.iterations) == (0, 400, 0.0, 40)
    assert cfg.em.model_dump() == {
        "components": None,
        "init": "random",
        "init_seed": None,
        "covariance_type": "full",
        "reg_covar": 1e-6,
        "tol": None,
        "initial": None,
    }
    render = cfg.render
    assert (render.output, render.format, render.fps, render.frame_rate, render.hold) == (None, "auto", None, 3.0, 1.0)
    assert render.frames == "all"
    assert (render.width, render.height, render.sigmas, render.truth) == (600, 600, (2.0,), True)
    assert render.title == "GMM fitting with EM: iteration {iteration}"


def test_a_number_covariance_means_v_times_identity(write_config):
    cfg = load_config(write_config("weights: [1]\nmeans: [[1, 2, 3]]\ncovariances: [2]\n"))
    np.testing.assert_array_equal(cfg.truth.covariances, [2 * np.eye(3)])


def test_one_dimensional_truth(write_config):
    cfg = load_config(write_config("weights: [0.3, 0.7]\nmeans: [[0], [5]]\ncovariances: [[[2.0]], 0.5]\n"))
    np.testing.assert_array_equal(cfg.truth.covariances, [[[2.0]], [[0.5]]])


def test_yaml_ints_are_fine_where_floats_belong(write_config):
    cfg = load_config(write_config(TRUTH + "jitter: 1\nrender: {fps: 10, hold: 0, sigmas: [1, 2]}\n"))
    assert isinstance(cfg.jitter, float) and isinstance(cfg.render.fps, float)
    assert cfg.render.sigmas == (1.0, 2.0) and all(isinstance(s, float) for s in cfg.render.sigmas)
    assert all(isinstance(w, float) for w in cfg.weights)


def test_exponents_without_a_dot_are_numbers(write_config):
    # PyYAML reads 1e-4 as a string; the config loader reads it as YAML 1.2 does.
    cfg = load_config(write_config(TRUTH + "em: {tol: 1e-4, reg_covar: 1E-3}\n"))
    assert (cfg.em.tol, cfg.em.reg_covar) == (1e-4, 1e-3)


def test_config_is_frozen(write_config):
    cfg = load_config(write_config(TRUTH))
    with pytest.raises(ValidationError, match="frozen"):
        cfg.seed = 3
    with pytest.raises(ValidationError, match="frozen"):
        cfg.render.fps = 3


def test_empty_sections_mean_defaults(write_config):
    cfg = load_config(write_config(TRUTH + "em:\nrender:\n"))
    assert cfg.em.init == "random" and cfg.render.frame_rate == 3.0


def test_merge_keys_and_anchors_are_plain_yaml(write_config):
    text = (
        "weights: [0.5, 0.5]\nmeans: [&m [0, 0], *m]\ncovariances: [1, 1]\nrender: {<<: {fps: 5, hold: 2}, hold: 3}\n"
    )
    cfg = load_config(write_config(text))
    assert cfg.means == [[0.0, 0.0], [0.0, 0.0]] and (cfg.render.fps, cfg.render.hold) == (5.0, 3.0)


def test_title_format_specs_are_allowed(write_config):
    cfg = load_config(write_config(TRUTH + "render: {title: 'EM {iteration:03d}: {log_likelihood:.1f} {{ok}}'}\n"))
    assert cfg.render.title.format(iteration=7, log_likelihood=-12.34) == "EM 007: -12.3 {ok}"


def test_output_stays_relative_to_the_working_directory(write_config):
    cfg = load_config(write_config(TRUTH + "render: {output: out/anim.gif}\n"))
    assert cfg.render.output == "out/anim.gif"
    cfg = load_config(write_config(TRUTH + "render: {output: renders/}\n"))
    assert cfg.render.output == "renders/"  # a folder to write into: the slash is kept


def test_data_is_resolved_against_the_config_folder(tmp_path):
    folder = tmp_path / "configs"
    folder.mkdir()
    (tmp_path / "points.csv").write_text("1,2\n3,4\n")
    path = folder / "c.yaml"
    path.write_text("data: ../points.csv\nem: {components: 2}\n")
    cfg = load_config(path)
    assert cfg.data is not None and cfg.data.path == (tmp_path / "points.csv").resolve()
    assert Path(cfg.data) == cfg.data.path and cfg.data.path.is_absolute()  # a data source is path-like
    assert cfg.truth is None and cfg.n_components == 2


def test_data_with_truth_needs_no_components(write_config, tmp_path):
    (tmp_path / "points.npy").write_bytes(b"")
    cfg = load_config(write_config("data: points.npy\n" + TRUTH))
    assert cfg.n_components == 2 and cfg.truth is not None


def test_init_seed_defaults_to_seed_plus_one(write_config):
    assert load_config(write_config(TRUTH + "seed: 7\n")).init_seed == 8
    assert load_config(write_config(TRUTH + "seed: 7\nem: {init_seed: 0}\n")).init_seed == 0


def test_config_error_is_a_value_error_with_exit_code_2(write_config):
    error = load_error(write_config, TRUTH + "seed: -1\n")
    assert isinstance(error, ValueError) and error.exit_code == 2


# ---------------------------------------------------------------------------
# Explicit initialisation: every accepted covariance form becomes full matrices

EXPLICIT = (
    "em:\n  init: explicit\n  covariance_type: {kind}\n  initial:\n    weights: [0.25, 0.75]\n"
    "    means: [[0, 0], [2, 2]]\n    covariances: {covariances}\n" + TRUTH
)


@pytest.mark.parametrize(
    ("kind", "covariances", "full"),
    [
        ("full", "[[[2, 0.5], [0.5, 1]], 3]", [[[2, 0.5], [0.5, 1]], [[3, 0], [0, 3]]]),
        ("diag", "[[1, 2], [3, 4]]", [[[1, 0], [0, 2]], [[3, 0], [0, 4]]]),
        ("spherical", "[1.5, 2]", [[[1.5, 0], [0, 1.5]], [[2, 0], [0, 2]]]),
        ("tied", "[[2, 0.5], [0.5, 1]]", [[[2, 0.5], [0.5, 1]], [[2, 0.5], [0.5, 1]]]),
        ("tied", "4", [[[4, 0], [0, 4]], [[4, 0], [0, 4]]]),
    ],
)
def test_initial_mixture_forms(write_config, kind, covariances, full):
    cfg = load_config(write_config(EXPLICIT.format(kind=kind, covariances=covariances)))
    mixture = cfg.initial_mixture
    np.testing.assert_array_equal(mixture.weights, [0.25, 0.75])
    np.testing.assert_array_equal(mixture.means, [[0, 0], [2, 2]])
    np.testing.assert_array_equal(mixture.covariances, full)
    assert mixture.covariances.shape == (2, 2, 2) and mixture.covariances.dtype == np.float64


@pytest.mark.parametrize(
    ("kind", "covariances", "field", "message"),
    [
        (
            "full",
            "[1]",
            "em.initial.covariances",
            "expected a list of 2 entries (one per component, covariance_type: full), got a list of 1 item",
        ),
        (
            "full",
            "[1, [[1, 2], [2, 1]]]",
            "em.initial.covariances[1]",
            "expected a positive-definite matrix, got one whose smallest eigenvalue is -1",
        ),
        (
            "full",
            "[1, [[1, 0, 0], [0, 1, 0], [0, 0, 1]]]",
            "em.initial.covariances[1]",
            "expected a 2x2 matrix (the points have 2 coordinates), got 3 rows",
        ),
        ("diag", "[[1, 2], [3, -4]]", "em.initial.covariances[1][1]", "expected a variance > 0, got -4"),
        (
            "diag",
            "[1, 2]",
            "em.initial.covariances[0]",
            "expected a list of 2 variances (covariance_type: diag), got 1",
        ),
        (
            "spherical",
            "[1, [[1, 0], [0, 1]]]",
            "em.initial.covariances[1]",
            "expected a variance > 0 (covariance_type: spherical), got a list of 2 items",
        ),
        ("tied", "[1, 2]", "em.initial.covariances[0]", "expected a row of 2 numbers, got 1"),
        ("tied", "0", "em.initial.covariances", "expected a number v > 0 (meaning v·I) or a square matrix, got 0"),
    ],
)
def test_initial_covariances_are_checked_per_type(write_config, kind, covariances, field, message):
    expect(write_config, EXPLICIT.format(kind=kind, covariances=covariances), field, message)


def test_initial_shapes_follow_components_and_dimension(write_config):
    spherical = EXPLICIT.format(kind="spherical", covariances="[1, 1]")
    text = spherical.replace("init: explicit", "init: explicit\n  components: 3")
    expect(write_config, text, "em.initial.weights", "expected 3 weights (em.components), got 2")
    text = spherical.replace("[[0, 0], [2, 2]]", "[[0, 0, 0], [2, 2, 2]]")
    expect(write_config, text, "em.initial.means", "expected points of dimension 2 (as the means), got 3")


def test_initial_without_explicit_init_is_an_error(write_config):
    text = EXPLICIT.format(kind="spherical", covariances="[1, 1]").replace("init: explicit", "init: kmeans++")
    message = "expected 'explicit' when em.initial is given (or remove em.initial), got 'kmeans++'"
    expect(write_config, text, "em.init", message)


def test_initial_needs_all_three_parts(write_config):
    text = "em:\n  init: explicit\n  initial: {weights: [0.5, 0.5], means: [[0, 0], [1, 1]]}\n" + TRUTH
    expect(
        write_config,
        text,
        "em.initial.covariances",
        "expected the initial covariances (init: explicit starts from them), got nothing",
    )


# ---------------------------------------------------------------------------
# Reading the file


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: (file): expected an existing config file, got no such file"


def test_directory(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert str(caught.value) == f"{tmp_path}: (file): expected a config file, got a directory"


def test_huge_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("# padding\n" * 200_000)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.field == "(file)"
    assert caught.value.message == "expected a config file of at most 1048576 bytes, got 2000000 bytes"


def test_utf8_with_bom_is_text(write_config, tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + TRUTH.encode() + "render: {title: 'caf\u00e9 {iteration}'}\n".encode())
    assert load_config(path).render.title == "caf\u00e9 {iteration}"


def test_alias_bomb_is_refused_before_anything_is_built(write_config, monkeypatch):
    import gmm_anim.config.yaml_reader as yaml_safe

    def never(*args: object) -> None:
        raise AssertionError("the document was expanded")

    monkeypatch.setattr(yaml_safe._NodeReader, "read", never)
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 12)]  # 10**12 values if expanded
    path = write_config("\n".join(lines) + "\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert (caught.value.field, caught.value.message) == (
        "(yaml)",
        "expected at most 1000000 values after expanding aliases, got more",
    )


def test_deep_nesting_is_refused(write_config):
    error = load_error(write_config, "a: " + "[" * 100 + "]" * 100 + "\n")
    assert error.field == "(yaml)" and "nesting" in error.message


def test_timestamps_stay_text(write_config):
    expect(write_config, TRUTH + "seed: 2024-01-01\n", "seed", "expected an integer >= 0, got the string '2024-01-01'")


def test_explicit_standard_tags_are_fine(write_config):
    cfg = load_config(write_config(TRUTH + "seed: !!int '5'\nrender: {title: !!str 'it {iteration}'}\n"))
    assert cfg.seed == 5 and cfg.render.title == "it {iteration}"


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        (
            "seed: !!set {1, 2}\n",
            "seed",
            "expected a plain YAML value, got the tag !!set (tags that build objects are refused)",
        ),
        ("seed: !!int abc\n", "seed", "expected a value that fits its tag !!int, got the string 'abc'"),
        (
            "seed: !!python/tuple [1, 2]\n",
            "seed",
            "expected a plain YAML value, got the tag !!python/tuple (tags that build objects are refused)",
        ),
        ("[a]: 1\n", "(yaml)", "expected a key name, got a list or mapping as a key (line 4)"),
    ],
)
def test_tags_and_keys(write_config, text, field, message):
    expect(write_config, TRUTH + text, field, message)


# ---------------------------------------------------------------------------
# Strict types and ranges not in the corpus


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("seed: 10000000000000000000000\n", None, None),
        ("jitter: '0.1'\n", "jitter", "expected a number >= 0, got the string '0.1'"),
        ("jitter: false\n", "jitter", "expected a number >= 0, got false (a boolean)"),
        ("iterations: -1\n", "iterations", "expected an integer from 0 to 10000, got -1"),
        ("iterations: 0\n", None, None),
        ("samples: 10000000\n", None, None),
        ("em: {init_seed: -3}\n", "em.init_seed", "expected an integer >= 0, or null, got -3"),
        ("em: {components: 2.0}\n", "em.components", "expected an integer >= 1, or null, got 2.0"),
        (
            "em: {covariance_type: Full}\n",
            "em.covariance_type",
            "expected one of 'full', 'diag', 'spherical', 'tied', got the string 'Full'",
        ),
        ("em: {reg_covar: .inf}\n", "em.reg_covar", "expected a finite number, got inf"),
        ("em: 3\n", "em", "expected a mapping of em keys, got 3"),
        ("render: [1]\n", "render", "expected a mapping of render keys, got a list of 1 item"),
        ("render: {fps: 50}\n", None, None),
        ("render: {fps: 1e-3}\n", None, None),
        ("render: {width: 4097}\n", "render.width", "expected an integer from 64 to 4096, got 4097"),
        ("render: {height: 63}\n", "render.height", "expected an integer from 64 to 4096, got 63"),
        ("render: {sigmas: 2}\n", "render.sigmas", "expected a non-empty list of sigma levels > 0, got 2"),
        ("render: {sigmas: [1, 0]}\n", "render.sigmas[1]", "expected a number > 0, got 0"),
        ("render: {sigmas: [1, .nan]}\n", "render.sigmas[1]", "expected a finite number, got nan"),
        ("render: {title: 5}\n", "render.title", "expected a string, got 5"),
        (
            "render: {title: '{}'}\n",
            "render.title",
            "expected only the fields {iteration} and {log_likelihood}, got {} in '{}'",
        ),
        (
            "render: {title: '{0}'}\n",
            "render.title",
            "expected only the fields {iteration} and {log_likelihood}, got {0} in '{0}'",
        ),
        (
            "render: {title: '{iteration.real}'}\n",
            "render.title",
            "expected only the fields {iteration} and {log_likelihood}, got {iteration.real} in '{iteration.real}'",
        ),
        (
            "render: {title: '{log_likelihood:d}'}\n",
            "render.title",
            "expected format specs that fit an integer iteration and a float log_likelihood, "
            "got '{log_likelihood:d}': Unknown format code 'd' for object of type 'float'",
        ),
        (
            "render: {title: '{iteration!z}'}\n",
            "render.title",
            "expected format specs that fit an integer iteration and a float log_likelihood, "
            "got '{iteration!z}': Unknown conversion specifier z",
        ),
        ("render: {output: 3}\n", "render.output", "expected a path, got 3"),
        ("render: {output: ''}\n", "render.output", "expected a path, got the string ''"),
        (
            "render: {format: GIF}\n",
            "render.format",
            "expected one of 'auto', 'gif', 'mp4', 'webp', 'png', 'html', got the string 'GIF'",
        ),
        (
            "data: 5\nem: {components: 2}\n",
            "data",
            "expected a path or a mapping of data keys (path, columns, delimiter, standardize, missing), got 5",
        ),
        ("data: ''\nem: {components: 2}\n", "data", "expected a path, got the string ''"),
        ("data: {path: 5}\nem: {components: 2}\n", "data.path", "expected a path, got 5"),
        (
            "render: {labels: []}\n",
            "render.labels",
            "expected [x] or [x, y]: a label per feature shown, got a list of 0 items",
        ),
    ],
)
def test_types_and_ranges(write_config, text, field, message):
    if field is None:
        load_config(write_config(TRUTH + text))
    else:
        expect(write_config, TRUTH + text, field, message)


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        (
            "weights: [1.0]\nmeans: [[0, 0]]\ncovariances: [[[1e-300, 0], [0, -1e-300]]]\n",
            "covariances[0]",
            "expected a positive-definite matrix, got one whose smallest eigenvalue is -1e-300",
        ),
        (
            "weights: [1.0]\nmeans: [[0, 0]]\ncovariances: [[[1, 1], [1, 1]]]\n",
            "covariances[0]",
            "expected a positive-definite matrix, got one whose smallest eigenvalue is 0",
        ),
        (
            "weights: [1.0]\nmeans: [[0, 0]]\ncovariances: [[[1, 'a'], ['a', 1]]]\n",
            "covariances[0][0][1]",
            "expected a finite number, got the string 'a'",
        ),
        (
            "weights: [1.0]\nmeans: [[0, 0]]\ncovariances: [[]]\n",
            "covariances[0]",
            "expected a number v > 0 (meaning v·I) or a square matrix (a list of rows), got a list of 0 items",
        ),
        (
            "weights: [1.0]\nmeans: [[0, 0]]\ncovariances: 1.0\n",
            "covariances",
            "expected a non-empty list of covariances (one per component), got 1.0",
        ),
        (
            "weights: [1.0]\nmeans: [[]]\ncovariances: [1]\n",
            "means[0]",
            "expected a point: a non-empty list of coordinates, got a list of 0 items",
        ),
        ("weights: [1.0]\nmeans: [0, 0]\ncovariances: [1]\n", "means", "expected 1 means (one per weight), got 2"),
        (
            "weights: [1.0]\nmeans: [0]\ncovariances: [1]\n",
            "means[0]",
            "expected a point: a non-empty list of coordinates, got 0",
        ),
        (
            "weights: [1.0]\nmeans: [[true]]\ncovariances: [1]\n",
            "means[0][0]",
            "expected a finite number, got true (a boolean)",
        ),
        (
            "weights: []\nmeans: []\ncovariances: []\n",
            "weights",
            "expected a non-empty list of weights, got a list of 0 items",
        ),
        ("weights: [0.5, 0.5000001]\nmeans: [[0], [1]]\ncovariances: [1, 1]\n", None, None),
        (
            "weights: [0.5, 0.500002]\nmeans: [[0], [1]]\ncovariances: [1, 1]\n",
            "weights",
            "expected weights summing to 1 (within 1e-06), got a sum of 1.000002",
        ),
        (
            "weights: [1.0]\nmeans: [[0, 0]]\n",
            "covariances",
            "expected covariances alongside weights and means (the true mixture), got nothing",
        ),
        (
            "weights: [1.0]\ncovariances: [1]\n",
            "means",
            "expected means alongside weights and covariances (the true mixture), got nothing",
        ),
    ],
)
def test_true_mixture_checks(write_config, text, field, message):
    if field is None:
        load_config(write_config(text))
    else:
        expect(write_config, text, field, message)


def test_nearly_symmetric_matrices_are_symmetrised(write_config):
    text = "weights: [1.0]\nmeans: [[0, 0]]\ncovariances: [[[1, 0.3], [0.30000000000000004, 1]]]\n"
    cfg = load_config(write_config(text))
    covariance = cfg.truth.covariances[0]
    np.testing.assert_array_equal(covariance, covariance.T)


def test_samples_must_cover_the_fitted_components(write_config):
    expect(
        write_config,
        TRUTH + "samples: 4\nem: {components: 5}\n",
        "samples",
        "expected at least 5 samples (one per component), got 4",
    )


# ---------------------------------------------------------------------------
# Overrides


def test_overrides_set_dotted_keys(write_config):
    path = write_config(TRUTH)
    cfg = load_config(path, {"iterations": 10, "em.tol": 1e-4, "render.fps": 12, "render.output": "x.mp4"})
    assert (cfg.iterations, cfg.em.tol, cfg.render.fps, cfg.render.output) == (10, 1e-4, 12.0, "x.mp4")
    assert load_config(path).iterations == 40


def test_overrides_replace_whole_sections_and_truth(write_config):
    cfg = load_config(write_config(TRUTH), {"render": {"width": 100}, "weights": [0.2, 0.8]})
    assert cfg.render.width == 100 and cfg.weights == [0.2, 0.8]


def test_overrides_are_validated(write_config):
    error = load_error(write_config, TRUTH, **{"em.reg_covar": -1})
    assert (error.field, error.message) == ("em.reg_covar", "expected a number >= 0, got -1")
    error = load_error(write_config, TRUTH, samples=True)
    assert (error.field, error.message) == ("samples", "expected an integer from 1 to 10000000, got true (a boolean)")
    error = load_error(write_config, TRUTH, jitter=float("nan"))
    assert (error.field, error.message) == ("jitter", "expected a finite number, got nan")


@pytest.mark.parametrize(
    ("key", "field", "message"),
    [
        ("em.tl", "em.tl", "unknown key; did you mean 'em.tol'? (in overrides)"),
        ("iteratoins", "iteratoins", "unknown key; did you mean 'iterations'? (in overrides)"),
        ("fps", "fps", "unknown key; did you mean 'render.fps'? (in overrides)"),
        ("rendr.fps", "rendr.fps", "unknown key; did you mean 'render'? (in overrides)"),
        ("seed.value", "seed.value", "unknown key (in overrides)"),
        (
            "em.\n",
            "em.\\n",
            "unknown key; expected one of components, init, init_seed, covariance_type, reg_covar, "
            "tol, initial (in overrides)",
        ),
        (
            "source",
            "source",
            "unknown key; expected one of seed, samples, jitter, weights, means, covariances, "
            "iterations, data, em, render, compare (in overrides)",
        ),
        (
            "",
            "",
            "unknown key; expected one of seed, samples, jitter, weights, means, covariances, "
            "iterations, data, em, render, compare (in overrides)",
        ),
    ],
)
def test_bad_override_keys_are_unknown_keys(write_config, key, field, message):
    error = load_error(write_config, TRUTH, **{key: 1})
    assert (error.field, error.message) == (field, message)


def test_override_into_a_non_mapping_section(write_config):
    error = load_error(write_config, TRUTH + "em: 3\n", **{"em.tol": 0.1})
    assert (error.field, error.message) == ("em", "expected a mapping of keys, got 3")


def test_override_data_is_relative_to_the_working_directory(write_config, tmp_path, monkeypatch):
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    (elsewhere / "mine.csv").write_text("1\n2\n")
    monkeypatch.chdir(elsewhere)
    cfg = load_config(write_config("em: {components: 2}\n"), {"data": "mine.csv"})
    assert cfg.data is not None and cfg.data.path == (elsewhere / "mine.csv").resolve()
    cfg = load_config(write_config("em: {components: 2}\n"), {"data.path": "mine.csv", "data.columns": [0]})
    assert cfg.data is not None and cfg.data.path == (elsewhere / "mine.csv").resolve()
    cfg = load_config(write_config("em: {components: 2}\n"), {"data": {"path": "mine.csv", "standardize": True}})
    assert cfg.data is not None and cfg.data.path == (elsewhere / "mine.csv").resolve() and cfg.standardized


def test_parse_value_reads_yaml_like_the_config():
    assert parse_value("1e-4", source="--set", field="em.tol") == 1e-4
    assert parse_value("[1, 2]", source="--set", field="render.sigmas") == [1, 2]
    assert parse_value("", source="--set", field="em.tol") is None
    assert parse_value("true", source="--set", field="samples") is True
    with pytest.raises(ConfigError) as caught:
        parse_value("!!python/name:os.system", source="--set", field="seed")
    assert str(caught.value) == (
        "--set: seed: expected a plain YAML value, got the tag !!python/name:os.system "
        "(tags that build objects are refused)"
    )
    with pytest.raises(ConfigError) as caught:
        parse_value("[1", source="--set", field="render.sigmas")
    assert (caught.value.field, caught.value.message) == (
        "render.sigmas",
        "expected valid YAML, got '[1': did not find expected ',' or ']' (while parsing a flow sequence)",
    )


def test_message_has_no_newlines_for_multiline_yaml_errors(write_config):
    error = load_error(write_config, "a:\n  - b\n c: d\n")
    assert "\n" not in str(error) and re.match(r"line \d+, column \d+: ", error.message)


def test_parse_value_errors_stay_one_line_whatever_the_key():
    with pytest.raises(ConfigError) as caught:
        parse_value("[1", source="--set", field="render.\nfps")
    assert caught.value.field == "render.\\nfps" and "\n" not in str(caught.value)


# ---------------------------------------------------------------------------
# data as a mapping: the header is read while validating; render.labels; keys unused with data

HEADER_CSV = "rownames,eruptions,waiting\n1,3.6,79\n2,1.8,54\n3,3.333,74\n"


@pytest.fixture
def faithful_csv(tmp_path: Path) -> Path:
    path = tmp_path / "faithful.csv"
    path.write_text(HEADER_CSV)
    return path


def test_data_path_and_mapping_mean_the_same(write_config, faithful_csv):
    plain = load_config(write_config("data: faithful.csv\nem: {components: 2}\n"))
    mapping = load_config(write_config("data: {path: faithful.csv}\nem: {components: 2}\n"))
    assert plain.data == mapping.data and plain.data is not None
    assert (plain.data.columns, plain.data.delimiter, plain.data.standardize, plain.data.missing) == (
        None,
        "auto",
        False,
        "error",
    )
    assert plain.feature_names == ("rownames", "eruptions", "waiting") and not plain.standardized


def test_columns_name_the_features(write_config, faithful_csv):
    text = "data: {path: faithful.csv, columns: [waiting, 1], standardize: true}\nem: {components: 2}\n"
    cfg = load_config(write_config(text))
    assert cfg.data is not None and cfg.data.columns == ("waiting", 1) and cfg.data.n_features == 2
    assert cfg.feature_names == ("waiting", "eruptions") and cfg.standardized
    assert cfg.axis_names(2) == ("waiting (z)", "eruptions (z)")
    assert cfg.axis_names(3) == ("feature 0 (z)", "feature 1 (z)", "feature 2 (z)")  # names that do not fit


def test_points_without_names(write_config, tmp_path):
    (tmp_path / "plain.csv").write_text("1,2\n3,4\n")
    np.save(tmp_path / "p.npy", np.zeros((4, 3)))
    for name in ("plain.csv", "p.npy"):
        cfg = load_config(write_config(f"data: {name}\nem: {{components: 2}}\n"))
        assert cfg.feature_names is None and cfg.axis_names(2) is None
    cfg = load_config(write_config("data: {path: p.npy, standardize: true}\nem: {components: 2}\n"))
    assert cfg.axis_names(3) == ("feature 0 (z)", "feature 1 (z)", "feature 2 (z)")
    assert load_config(SEED_CONFIG).feature_names is None and not load_config(SEED_CONFIG).standardized


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            "{path: faithful.csv, columns: [eruption]}",
            "data.columns",
            "expected a column of faithful.csv's header ('rownames', 'eruptions', 'waiting'), got 'eruption'; "
            "did you mean 'eruptions'?",
        ),
        (
            "{path: faithful.csv, columns: [3]}",
            "data.columns",
            "expected column indices from 0 to 2 (faithful.csv has 3 columns), got 3",
        ),
        (
            "{path: faithful.csv, columns: x}",
            "data.columns",
            "expected a non-empty list of columns (header names or 0-based indices), got the string 'x'",
        ),
        (
            "{path: faithful.csv, columns: [true]}",
            "data.columns[0]",
            "expected a column: a header name or an index >= 0, got true (a boolean)",
        ),
        (
            "{path: faithful.csv, columns: [1.5]}",
            "data.columns[0]",
            "expected a column: a header name or an index >= 0, got 1.5",
        ),
        ("{path: faithful.csv, colums: [1]}", "data.colums", "unknown key; did you mean 'data.columns'?"),
        (
            "{path: faithful.csv, sep: ','}",
            "data.sep",
            "unknown key; expected one of path, columns, delimiter, standardize, missing",
        ),
        (
            "{path: faithful.csv, delimiter: tab}",
            "data.delimiter",
            "expected one of 'auto', ',', ';', '\\t', 'whitespace', got the string 'tab'",
        ),
        (
            "{path: faithful.csv, missing: skip}",
            "data.missing",
            "expected one of 'error', 'drop', got the string 'skip'",
        ),
        ("{path: faithful.csv, standardize: 1}", "data.standardize", "expected true or false, got 1"),
        ("{columns: [1]}", "data.path", "expected a value (required), got nothing"),
        (
            "[faithful.csv]",
            "data",
            "expected a path or a mapping of data keys (path, columns, delimiter, standardize, "
            "missing), got a list of 1 item",
        ),
    ],
    ids=[
        "close-name",
        "index-past-the-end",
        "columns-not-a-list",
        "column-boolean",
        "column-float",
        "typo",
        "unknown-key",
        "delimiter-word",
        "missing-choice",
        "standardize-number",
        "no-path",
        "a-list",
    ],
)
def test_data_mapping_errors(write_config, faithful_csv, data, field, message):
    expect(write_config, f"data: {data}\nem: {{components: 2}}\n", field, message)


def test_column_names_are_checked_through_overrides(write_config, faithful_csv):
    path = write_config("data: faithful.csv\nem: {components: 2}\n")
    cfg = load_config(path, {"data.columns": [1, "waiting"]})
    assert cfg.data is not None and cfg.data.path == faithful_csv.resolve()  # the file's path, from the file
    assert cfg.feature_names == ("eruptions", "waiting")
    error = load_error(write_config, "data: faithful.csv\nem: {components: 2}\n", **{"data.columns": ["nope"]})
    assert error.field == "data.columns" and error.message.startswith("expected a column of faithful.csv's header")


def test_labels_one_per_feature_shown(write_config, faithful_csv):
    assert load_config(write_config(TRUTH + "render: {labels: ['$x_1$', y]}\n")).render.labels == ("$x_1$", "y")
    expect(
        write_config,
        TRUTH + "render: {labels: [x]}\n",
        "render.labels",
        "expected two labels, [x, y] (one per feature shown; the means have 2 coordinates), got 1",
    )
    expect(
        write_config,
        "data: {path: faithful.csv, columns: [waiting]}\nem: {components: 2}\nrender: {labels: [a, b]}\n",
        "render.labels",
        "expected one label, [x] (one per feature shown; data has 1 column to fit), got 2",
    )
    one = "weights: [1.0]\nmeans: [[0]]\ncovariances: [1.0]\nrender: {labels: [minutes]}\n"
    assert load_config(write_config(one)).render.labels == ("minutes",)


@pytest.mark.parametrize(
    ("text", "warned"),
    [
        ("samples: 300\njitter: 0.1\nseed: 2\n", "samples, jitter are unused with data; delete them"),
        (
            "samples: 300\nseed: 2\nem: {components: 2, init_seed: 5}\n",
            "samples, seed are unused with data; delete them",
        ),
        ("jitter: 0.0\n", "jitter is unused with data; delete it"),
        ("seed: 2\n", None),  # it seeds the initialisation (em.init_seed = seed + 1)
        ("", None),
    ],
    ids=["samples-jitter", "seed-with-init-seed", "jitter-at-its-default", "seed-seeds-the-start", "none"],
)
def test_keys_unused_with_data_warn_once(write_config, faithful_csv, text, warned):
    path = write_config("data: faithful.csv\n" + text + ("" if "em:" in text else "em: {components: 2}\n"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_config(path)
    assert [str(w.message) for w in caught if issubclass(w.category, GmmAnimWarning)] == (
        [f"{path}: {warned}"] if warned else []
    )


def test_keys_unused_with_data_set_by_overrides_warn_too(write_config, faithful_csv):
    path = write_config("data: faithful.csv\nem: {components: 2}\n")
    with pytest.warns(GmmAnimWarning, match="samples is unused with data; delete it"):
        load_config(path, {"samples": 10})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_config(write_config(TRUTH + "samples: 10\njitter: 0.1\n"))  # a draw uses them
