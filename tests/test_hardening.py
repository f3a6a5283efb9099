"""Bad input through the command line, and fuzzing: only ConfigError ever escapes the loader.

Every file in tests/bad_configs/ states on its first three lines the field
its error names, the exact message, and the exit code (``# field:``,
``# message:``, ``# exit:``); ``{any}`` in a message stands for a machine's
figure and ``{here}`` for the corpus folder. Here each one goes through
``gmm-anim render`` with an existing output file, which must stay as it was.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import ROOT, SEED_CONFIG
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmm_anim import pipeline
from gmm_anim.cli import app
from gmm_anim.config.models import Config
from gmm_anim.errors import ConfigError

CORPUS = ROOT / "tests" / "bad_configs"
CASES = sorted(CORPUS.glob("*.yaml"))
PREVIOUS = b"GIF89a: the previous render, which a failed one must leave alone"

SMALL = {
    "seed": 3,
    "samples": 60,
    "weights": [0.5, 0.5],
    "means": [[0.0, 0.0], [3.0, 3.0]],
    "covariances": [1.0, [[1.0, 0.2], [0.2, 0.5]]],
    "iterations": 3,
    "em": {"init": "random", "covariance_type": "full", "reg_covar": 1e-6, "tol": None},
    "render": {"fps": 5, "hold": 0.5, "width": 96, "height": 80, "sigmas": [1.0, 2.0], "title": "it {iteration}"},
}


def header(path: Path) -> tuple[str, str, int]:
    """The field, the message (as a regular expression) and the exit code a corpus file states."""
    lines = path.read_bytes().split(b"\n", 3)
    assert lines[0].startswith(b"# field: ") and lines[1].startswith(b"# message: "), path.name
    assert lines[2].startswith(b"# exit: "), path.name
    field = lines[0].decode().removeprefix("# field: ")
    message = lines[1].decode().removeprefix("# message: ").replace("{here}", str(CORPUS))
    pattern = ".+".join(re.escape(part) for part in message.split("{any}"))
    return field, pattern, int(lines[2].decode().removeprefix("# exit: "))


def test_corpus_covers_configs_and_data_files():
    assert len(CASES) >= 100
    assert sum(header(path)[0] == "data" for path in CASES) >= 15
    assert {header(path)[2] for path in CASES} == {2}  # every one is a bad config or data file


@pytest.mark.parametrize("path", CASES, ids=lambda path: path.stem)
def test_cli_gives_its_exact_error_line_and_leaves_the_output_alone(runner, tmp_path, path):
    field, message, exit_code = header(path)
    output = tmp_path / "out.gif"
    output.write_bytes(PREVIOUS)
    result = runner.invoke(app, ["render", str(path), "-o", str(output)])
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == exit_code == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert re.fullmatch(re.escape(f"Error: {path}: {field}: ") + message, lines[0]), lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert output.read_bytes() == PREVIOUS
    assert list(tmp_path.iterdir()) == [output]  # no temporary file left beside it


def test_a_good_config_still_renders_over_the_output(runner, tmp_path):
    config = tmp_path / "good.yaml"
    config.write_text(yaml.safe_dump(SMALL))
    output = tmp_path / "out.gif"
    output.write_bytes(PREVIOUS)
    result = runner.invoke(app, ["render", str(config), "-o", str(output), "-q"])
    assert result.exit_code == 0, result.stderr
    assert output.read_bytes().startswith(b"GIF89a") and output.read_bytes() != PREVIOUS


# ---------------------------------------------------------------------------
# Fuzzing: random YAML documents and random mutations of a valid config.

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

KEYS = ["seed", "samples", "jitter", "weights", "means", "covariances", "iterations", "data", "em", "render"]
SECTION_KEYS = {
    "em": ["components", "init", "init_seed", "covariance_type", "reg_covar", "tol", "initial"],
    "render": ["output", "format", "fps", "hold", "width", "height", "sigmas", "title", "truth"],
}
# Plain scalars YAML resolves in surprising ways, and (rarer) text that is syntax.
TRICKY = [
    "1e-4",
    "1E5",
    ".5",
    "-.inf",
    ".nan",
    "~",
    "null",
    "yes",
    "on",
    "0x1F",
    "0o17",
    "1_000",
    "1:30",
    "2024-01-01",
    "'3'",
    '"\\u0000"',
    "''",
    "-1",
    "0",
    "1e400",
    "-0",
    "10000000000000000000000000",
    "true",
    "[]",
    "{}",
    "!!binary aGk=",
    "!!python/object:os.system",
    "!!set {a}",
    "!!float x",
    "!custom 1",
    "'{iteration}'",
    "'{{'",
    "data.csv",
    "../x.npy",
    "tab10",
    "full",
    "kmeans++",
    "gif",
]
SYNTAX = ["? [a]", "|", ">", "*", "&", "%YAML 1.1", "---", "...", "\t", "#", "@", "`", "<<"]


def yaml_texts() -> st.SearchStrategy[str]:
    """YAML text built from flow collections, anchors, aliases, merges, tags and tricky scalars."""
    scalars = st.one_of(
        st.sampled_from(TRICKY * 3 + SYNTAX),
        st.integers(-(10**25), 10**25).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.text(st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cs",)), max_size=10).map(json.dumps),
    )
    keys = st.one_of(st.sampled_from(KEYS), st.sampled_from(sum(SECTION_KEYS.values(), []) + ["<<"]), scalars)
    # At most one anchor or tag before a node (two in a row are a syntax error, not worth generating).
    prefixes = st.sampled_from(["", "", "", "", "&x ", "&x ", "!!seq ", "!!map ", "!!str ", "!x ", "!!python/tuple "])

    def extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        pairs = st.lists(st.tuples(keys, children), max_size=4)
        collections = st.one_of(
            st.lists(children, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
            pairs.map(lambda pairs: "{" + ", ".join(f"{key}: {value}" for key, value in pairs) + "}"),
        )
        return st.tuples(prefixes, collections).map("".join)

    leaves = st.one_of(st.tuples(prefixes, scalars).map("".join), st.just("*x"))
    values = st.recursive(leaves, extend, max_leaves=10)
    lines = st.lists(st.tuples(keys, values), max_size=6)
    return lines.map(lambda pairs: _name_anchors("".join(f"{key}: {value}\n" for key, value in pairs)))


def _name_anchors(text: str) -> str:
    """Give each anchor its own name and point each alias at an anchor met before it (else null).

    An alias may still point into its own anchor's node: a cycle the loader must refuse.
    """
    names: list[str] = []

    def rename(match: re.Match) -> str:
        if match.group(1) == "&":
            names.append(f"n{len(names)}")
            return f"&{names[-1]}"
        return f"*{names[len(names) // 2]}" if names else "null"

    return re.sub(r"([&*])x\b", rename, text)


def only_config_error(path: Path, overrides: dict | None = None) -> None:
    """Load with the resource limits; a ConfigError is one line naming a field."""
    try:
        cfg = pipeline.load_config(path, overrides)
    except ConfigError as error:
        assert error.field and error.message and "\n" not in str(error)
        assert str(error) == f"{path}: {error.field}: {error.message}"
        return
    assert isinstance(cfg, Config)


# Values a mutation puts in place: wrong types, edges of ranges, odd shapes.
odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.sampled_from([0, -1, 1, 63, 64, 4096, 4097, 10**7]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-300, 1e300, 5e-324]),
    st.text(max_size=8),
    st.sampled_from(["auto", "gif", "kmeans++", "explicit", "tied", "diag", "{log_likelihood:.2f}", 1e100, 1e201]),
    st.lists(st.floats(-5, 5), max_size=4),
    st.lists(st.lists(st.integers(-3, 3), max_size=3), max_size=3),
    st.dictionaries(st.sampled_from(["weights", "means", "covariances", "x"]), st.integers(0, 2), max_size=3),
)
paths = st.one_of(
    st.sampled_from(KEYS).map(lambda key: (key,)),
    st.sampled_from([(section, key) for section, keys in SECTION_KEYS.items() for key in keys]),
    st.tuples(st.sampled_from(["weights", "means", "covariances"]), st.integers(0, 2)),
    st.tuples(st.just("covariances"), st.integers(0, 1), st.integers(0, 1), st.integers(0, 1)),
    st.tuples(st.sampled_from(["em", "render", "bogus"]), st.text(max_size=6)),
)
mutations = st.lists(st.tuples(st.sampled_from(["set", "delete"]), paths, odd_values), min_size=1, max_size=3)


def mutate(document: dict, path: tuple, action: str, value: object) -> None:
    """Set or delete the value at ``path``; a path through a non-container replaces what is there."""
    target: object = document
    for part in path[:-1]:
        child = target[part] if _has(target, part) else None
        if not isinstance(child, (dict, list)):
            child = {} if isinstance(part, str) or not isinstance(target, list) else []
            _put(target, part, child)
        target = child
    if action == "delete" and _has(target, path[-1]):
        del target[path[-1]]
    else:
        _put(target, path[-1], value)


def _has(target: object, key: object) -> bool:
    if isinstance(target, dict):
        return key in target
    return isinstance(target, list) and isinstance(key, int) and key < len(target)


def _put(target: object, key: object, value: object) -> None:
    if isinstance(target, dict):
        target[key] = value
    elif isinstance(target, list) and isinstance(key, int):
        if key < len(target):
            target[key] = value
        else:
            target.append(value)


def mutated_valid(changes: list, as_overrides: bool) -> tuple[bytes, dict | None]:
    """SMALL with the changes made to the document, or the same changes as --set would make them."""
    document = json.loads(json.dumps(SMALL))
    if as_overrides:
        overrides = {".".join(map(str, key)): value for action, key, value in changes if action == "set"}
        overrides = {key: value for key, value in overrides.items() if "[" not in key and key}
        return yaml.safe_dump(document).encode(), overrides
    for action, key, value in changes:
        mutate(document, key, action, value)
    return yaml.safe_dump(document, allow_unicode=True).encode(), None


# Plain Python values for whole documents, and dotted keys given as overrides, on the seed config.
SEED_TEXT = SEED_CONFIG.read_text()
python_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
python_values = st.recursive(
    python_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
document_keys = st.sampled_from(
    KEYS
    + [
        "em.tol",
        "em.init",
        "em.initial",
        "em.components",
        "em.covariance_type",
        "render.fps",
        "render.title",
        "render.sigmas",
        "render.output",
        "bogus",
    ]
)


def seed_with(document: dict) -> tuple[bytes, dict]:
    """The seed config with the plain keys replaced and the dotted ones given as overrides."""
    base = yaml.safe_load(SEED_TEXT)
    base.update({key: value for key, value in document.items() if "." not in key})
    return yaml.safe_dump(base).encode(), {key: value for key, value in document.items() if "." in key}


def mutated_seed(position: int, junk: str, cut: int) -> tuple[bytes, None]:
    """The seed config's text with ``cut`` characters at ``position`` replaced by ``junk``."""
    return (SEED_TEXT[:position] + junk + SEED_TEXT[position + cut :]).encode(), None


# Each strategy gives the bytes of a config file and the overrides to load it with.
config_cases = st.one_of(
    # any text, and (through lone surrogates) bytes that are not UTF-8
    st.text(max_size=200).map(lambda text: (text.encode("utf-8", "surrogatepass"), None)),
    # YAML syntax: flow collections, anchors, aliases, merges, tags and tricky scalars
    yaml_texts().map(lambda text: (text.encode(), None)),
    # whole documents of plain values, some keys as --set overrides
    st.dictionaries(document_keys, python_values, max_size=4).map(seed_with),
    # text-level damage to the seed config
    st.builds(
        mutated_seed,
        st.integers(0, len(SEED_TEXT)),
        st.text(alphabet="[]{}:,-&*!|>'\"#%@` \n\t.0e", max_size=6),
        st.integers(0, 4),
    ),
    # edits of a small valid config, in the file or as --set overrides
    st.builds(mutated_valid, mutations, st.booleans()),
)


@pytest.mark.slow
@settings(FUZZ, max_examples=800)
@given(case=config_cases)
def test_fuzz_configs(tmp_path, case):
    content, overrides = case
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(content)
    only_config_error(path, overrides)


# CSV text from two alphabets: one rich in separators and special floats, one in headers and tabs.
csv_texts = st.one_of(
    st.text(alphabet='0123456789.,-+eEnaifNI# \t\n"x;', max_size=80),
    st.text(alphabet='0123456789.,-+e #x\n\t"nainf', max_size=60),
)


@pytest.mark.slow
@settings(FUZZ, max_examples=260)
@given(text=csv_texts, n_components=st.integers(1, 4))
def test_fuzz_data_files(tmp_path, text, n_components):
    (tmp_path / "points.csv").write_text(text)
    path = tmp_path / "fuzz.yaml"
    path.write_text(f"data: points.csv\nem: {{components: {n_components}}}\n")
    try:
        X, _ = pipeline.sample(pipeline.load_config(path))
    except ConfigError as error:
        assert error.field == "data" and "\n" not in str(error)
        return
    assert X.dtype == np.float64 and X.ndim == 2 and len(X) >= n_components
    assert all(math.isfinite(value) for value in X.ravel())


def valid_npy() -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.arange(12.0).reshape(6, 2))
    return buffer.getvalue()


NPY = valid_npy()


@pytest.mark.slow
@FUZZ
@given(
    changes=st.lists(st.tuples(st.integers(0, len(NPY) - 1), st.integers(0, 255)), max_size=4),
    length=st.integers(0, len(NPY)),
)
def test_fuzz_npy_files(tmp_path, changes, length):
    damaged = bytearray(NPY[:length])
    for position, value in changes:  # mostly in the header: its first 128 bytes
        if position < len(damaged):
            damaged[position] = value
    (tmp_path / "points.npy").write_bytes(bytes(damaged))
    path = tmp_path / "fuzz.yaml"
    path.write_text("data: points.npy\nem: {components: 2}\n")
    try:
        X, _ = pipeline.sample(pipeline.load_config(path))
    except ConfigError as error:
        assert error.field == "data" and "\n" not in str(error)
        return
    assert X.dtype == np.float64 and np.isfinite(X).all() and len(X) >= 2
