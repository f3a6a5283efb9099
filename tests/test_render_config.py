"""The render keys of issue 5 in a config: defaults, accepted forms, and one clear error each."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gmm_anim.config import load_config
from gmm_anim.errors import ConfigError

TWO_D = """\
weights: [0.5, 0.3, 0.2]
means: [[0, 0], [3, 3], [-3, 3]]
covariances: [1, 1, 1]
render:
"""
COLOUR = "expected a matplotlib colour (a name such as 'teal', a hex string such as '#1f77b4', or [r, g, b] in 0..1)"
DIMS = "expected two distinct feature indices [i, j], integers >= 0"


def test_defaults(write_config) -> None:
    render = load_config(write_config(TWO_D)).render
    assert (render.loglik, render.tween, render.theme, render.palette) == (False, 0, "light", "tab10")
    assert (render.dims, render.max_points, render.truth) == ((0, 1), 20_000, True)


@pytest.mark.parametrize(
    "lines, expected",
    [
        ("palette: okabe-ito", "okabe-ito"),
        ("palette: [teal, '#FF7F0E', [0.1, 0.2, 0.3]]", ("#008080", "#ff7f0e", "#1a334c")),
        # more colours than components are fine
        ("palette: [C0, 'tab:orange', xkcd:sky blue, black]", ("#1f77b4", "#ff7f0e", "#75bbfd", "#000000")),
    ],
)
def test_palettes_are_kept_as_byte_hex_colours(write_config, lines: str, expected: object) -> None:
    assert load_config(write_config(TWO_D + "  " + lines + "\n")).render.palette == expected


def test_the_other_keys_accept_their_forms(write_config) -> None:
    text = TWO_D + "  loglik: true\n  tween: 100\n  theme: dark\n  dims: [1, 0]\n  max_points: 1\n"
    render = load_config(write_config(text)).render
    assert (render.loglik, render.tween, render.theme, render.dims, render.max_points) == (True, 100, "dark", (1, 0), 1)


THREE_D = """\
weights: [0.5, 0.5]
means: [[0, 0, 0], [3, 3, 3]]
covariances: [1, 1]
render:
  dims: [2, 0]
"""


def test_dims_may_name_any_two_features(write_config) -> None:
    assert load_config(write_config(THREE_D)).render.dims == (2, 0)
    one_d = "weights: [0.5, 0.5]\nmeans: [[0], [3]]\ncovariances: [1, 1]\n"
    assert load_config(write_config(one_d)).render.dims == (0, 1)  # one feature: dims are not used


@pytest.mark.parametrize(
    "line, field, message",
    [
        ("palette: [red, green, notacolour]", "render.palette[2]", f"{COLOUR}, got the string 'notacolour'"),
        ("palette: [red, green, [1, 0, 2]]", "render.palette[2]", f"{COLOUR}, got a list of 3 items"),
        ("palette: [red, green, 5]", "render.palette[2]", f"{COLOUR}, got 5"),
        (
            "palette: [red, green, none]",
            "render.palette[2]",
            f"{COLOUR} that is not fully transparent, got the string 'none'",
        ),
        ("palette: [red, green]", "render.palette", "expected at least 3 colours (one per component), got 2"),
        (
            "palette: [red, '#ff0000', blue]",
            "render.palette[1]",
            "expected a colour distinct from the others, got the string '#ff0000', the same colour as [0]",
        ),
        (
            "palette: viridis",
            "render.palette",
            "expected 'tab10', 'okabe-ito' or a list of matplotlib colours (one per component), "
            "got the string 'viridis'",
        ),
        (
            "dims: [0, 2]",
            "render.dims",
            "expected two distinct feature indices from 0 to 1 (the means have 2 coordinates), got [0, 2]",
        ),
        ("dims: [0, 1, 2]", "render.dims", f"{DIMS}, got a list of 3 items"),
        ("dims: [1, 1]", "render.dims", f"{DIMS}, got the same feature twice: [1, 1]"),
        ("dims: [0, -1]", "render.dims[1]", "expected a feature index, an integer >= 0, got -1"),
        ("dims: [0, 1.5]", "render.dims[1]", "expected a feature index, an integer >= 0, got 1.5"),
        ("theme: blue", "render.theme", "expected one of 'light', 'dark', got the string 'blue'"),
        ("tween: 101", "render.tween", "expected an integer from 0 to 100, got 101"),
        ("tween: -1", "render.tween", "expected an integer from 0 to 100, got -1"),
        ("max_points: 0", "render.max_points", "expected an integer >= 1, got 0"),
        ("loglik: maybe", "render.loglik", "expected true or false, got the string 'maybe'"),
    ],
)
def test_each_bad_value_gets_one_clear_error(write_config, line: str, field: str, message: str) -> None:
    path = write_config(TWO_D + "  " + line + "\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert (caught.value.field, caught.value.message) == (field, message)
    assert str(caught.value) == f"{path}: {field}: {message}"


def test_overrides_are_checked_like_the_file(write_config) -> None:
    path = write_config(TWO_D)
    with pytest.raises(ConfigError, match=r"render\.palette: expected at least 3 colours"):
        load_config(path, overrides={"render.palette": ["red", "blue"]})
    assert load_config(path, overrides={"render.tween": 3}).render.tween == 3


def test_validating_a_config_without_a_palette_list_does_not_import_matplotlib(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(TWO_D + "  theme: dark\n  palette: okabe-ito\n  loglik: true\n")
    script = (
        f"import sys; from gmm_anim.config import load_config; load_config({str(path)!r}); "
        "print('matplotlib' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
