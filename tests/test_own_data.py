"""The user's own table end to end: Old Faithful's published fit, every file layout fitting alike, the axes named.

Points come from R's datasets::faithful (configs/data/faithful.csv), written
here in other layouts; the command line runs as the installed console script.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SEED_CONFIG, make_history, make_points, options

from gmm_anim import pipeline
from gmm_anim.drawing.frames import FrameRenderer, axis_labels
from gmm_anim.errors import GmmAnimWarning
from gmm_anim.history import Mixture

GMM_ANIM = Path(sys.executable).parent / "gmm-anim"
FAITHFUL_CONFIG = ROOT / "configs" / "faithful.yaml"
FAITHFUL_CSV = ROOT / "configs" / "data" / "faithful.csv"
with FAITHFUL_CSV.open(newline="") as _stream:
    FAITHFUL_ROWS = list(csv.reader(_stream))  # [rownames, eruptions, waiting], the header first
FAITHFUL = np.array([[float(row[1]), float(row[2])] for row in FAITHFUL_ROWS[1:]])


def gmm_anim(arguments: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "GMM_ANIM_DEBUG"}
    return subprocess.run(
        [str(GMM_ANIM), *arguments],
        cwd=cwd,
        env={**env, "MPLBACKEND": "Agg"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line on stderr of a command that failed with exit code 2."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1 and result.stdout == "", result.stderr
    assert lines[0].startswith("Error: ") and "Traceback" not in result.stderr
    return lines[0]


def fitted(config: Path, overrides: dict[str, object] | None = None) -> tuple[np.ndarray, Mixture, float]:
    """(X, the final mixture, its log-likelihood) of a config."""
    cfg = pipeline.load_config(config, overrides, render=False)
    X, _ = pipeline.sample(cfg)
    history = pipeline.fit(X, cfg)
    return X, history.final, float(history.log_likelihood[-1])


# ---------------------------------------------------------------------------
# The shipped example against the published fit (mclust; scikit-learn agrees)


def test_faithful_data_is_rs_dataset():
    assert FAITHFUL_ROWS[0] == ["rownames", "eruptions", "waiting"] and FAITHFUL.shape == (272, 2)
    assert FAITHFUL_ROWS[1] == ["1", "3.6", "79"] and FAITHFUL_ROWS[-1] == ["272", "4.467", "74"]


def test_faithful_fit_matches_the_published_one():
    result = gmm_anim(["fit", "configs/faithful.yaml", "--json"])
    assert result.returncode == 0 and result.stderr == "", result.stderr
    document = json.loads(result.stdout)
    final = document["iterations"][-1]
    assert document["converged"] is True and document["n_samples"] == 272
    assert document["feature_names"] == ["eruptions", "waiting"] and document["standardized"] is False
    assert round(final["log_likelihood"], 3) == -1130.264
    assert (round(document["bic"], 2), round(document["aic"], 2)) == (2322.19, 2282.53)
    order = np.argsort(final["weights"])
    assert [round(final["weights"][k], 3) for k in order] == [0.356, 0.644]
    means = [final["means"][k] for k in order]
    assert [round(means[0][0], 3), round(means[0][1], 2)] == [2.036, 54.48]
    assert [round(means[1][0], 3), round(means[1][1], 2)] == [4.290, 79.97]


def test_faithful_frame_is_labelled_with_the_header_names():
    cfg = pipeline.load_config(FAITHFUL_CONFIG, {"iterations": 2, "render.width": 240, "render.height": 200})
    X, _ = pipeline.sample(cfg)
    renderer = FrameRenderer(X, pipeline.fit(X, cfg), cfg.render, feature_names=cfg.axis_names(2))
    assert (renderer.axes.get_xlabel(), renderer.axes.get_ylabel()) == ("eruptions", "waiting")


# ---------------------------------------------------------------------------
# Every layout of the same table fits alike


def write_table(path: Path, delimiter: str, *, header: bool, quoted: bool = False, newline: str = "\n") -> Path:
    """Faithful's rows (rownames, eruptions, waiting) in another layout."""
    rows = FAITHFUL_ROWS if header else FAITHFUL_ROWS[1:]
    quote = '"' if quoted else ""
    with path.open("w", newline="") as stream:
        for row in rows:
            stream.write(delimiter.join(f"{quote}{cell}{quote}" for cell in row) + newline)
    return path


LAYOUTS = {
    "comma": ("csv", ",", True, False, "\n"),
    "comma-no-header": ("csv", ",", False, False, "\n"),
    "semicolon": ("csv", ";", True, False, "\n"),
    "tab": ("tsv", "\t", True, False, "\n"),
    "tab-no-header": ("tsv", "\t", False, False, "\n"),
    "whitespace": ("txt", "   ", True, False, "\n"),
    "whitespace-no-header": ("txt", " ", False, False, "\n"),
    "quoted": ("csv", ",", True, True, "\n"),
    "quoted-whitespace": ("txt", " ", True, True, "\n"),
    "crlf": ("csv", ",", True, False, "\r\n"),
    "crlf-semicolon-no-header": ("csv", ";", False, True, "\r\n"),
}


@pytest.fixture(scope="module")
def faithful_fit() -> tuple[np.ndarray, Mixture, float]:
    return fitted(FAITHFUL_CONFIG)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_fits_like_the_shipped_file(tmp_path, write_config, faithful_fit, layout):
    suffix, delimiter, header, quoted, newline = LAYOUTS[layout]
    write_table(tmp_path / f"points.{suffix}", delimiter, header=header, quoted=quoted, newline=newline)
    columns = "[eruptions, waiting]" if header else "[1, 2]"
    config = write_config(
        f"data: {{path: points.{suffix}, columns: {columns}}}\niterations: 100\nem: {{components: 2, tol: 1.0e-8}}\n"
    )
    X, final, log_likelihood = fitted(config)
    np.testing.assert_array_equal(X, faithful_fit[0])
    np.testing.assert_array_equal(final.means, faithful_fit[1].means)
    assert log_likelihood == faithful_fit[2]


def test_explicit_delimiter_and_columns_by_index_fit_alike(faithful_fit):
    by_index = {"data.columns": [1, 2], "data.delimiter": ","}
    X, final, log_likelihood = fitted(FAITHFUL_CONFIG, by_index)
    np.testing.assert_array_equal(X, faithful_fit[0])
    assert log_likelihood == faithful_fit[2] and np.array_equal(final.weights, faithful_fit[1].weights)


def test_standardize_equals_fitting_a_standardized_file(tmp_path, write_config):
    z = (FAITHFUL - FAITHFUL.mean(axis=0)) / FAITHFUL.std(axis=0)
    np.savetxt(tmp_path / "z.csv", z, delimiter=",", fmt="%.17g", header="eruptions,waiting", comments="")
    ours = fitted(FAITHFUL_CONFIG, {"data.standardize": True})
    theirs = fitted(write_config("data: z.csv\niterations: 100\nem: {components: 2, tol: 1.0e-8}\n"))
    np.testing.assert_allclose(ours[0], theirs[0], rtol=0, atol=1e-14)
    np.testing.assert_allclose(ours[1].means, theirs[1].means, rtol=0, atol=1e-9)
    assert ours[2] == pytest.approx(theirs[2], rel=1e-12)


def test_missing_drop_fits_the_remaining_rows_and_warns_once(tmp_path, write_config):
    rows = [row[:] for row in FAITHFUL_ROWS]
    rows[5][1], rows[9][2], rows[20][1] = "NA", "", "n/a"  # file rows 6, 10 and 21
    with (tmp_path / "gaps.csv").open("w", newline="") as stream:
        csv.writer(stream).writerows(rows)
    kept = np.delete(FAITHFUL, [4, 8, 19], axis=0)
    np.savetxt(tmp_path / "kept.csv", kept, delimiter=",", fmt="%.17g", header="eruptions,waiting", comments="")
    em = "iterations: 100\nem: {components: 2, tol: 1.0e-8}\n"
    gaps = write_config(f"data: {{path: gaps.csv, columns: [eruptions, waiting], missing: drop}}\n{em}", "gaps.yaml")
    with pytest.warns(GmmAnimWarning) as caught:
        X, final, log_likelihood = fitted(gaps)
    assert [str(w.message) for w in caught] == [
        f"{gaps}: data: dropped 3 of 272 rows of gaps.csv with an empty, NA, NaN or non-numeric cell "
        "(data.missing: drop): rows 6, 10, 21"
    ]
    reference = fitted(write_config(f"data: kept.csv\n{em}", "kept.yaml"))
    np.testing.assert_array_equal(X, reference[0])
    assert log_likelihood == reference[2] and np.array_equal(final.means, reference[1].means)
    result = gmm_anim(["fit", str(gaps)])
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("Warning:")] == [
        f"Warning: {caught[0].message}"
    ]


# ---------------------------------------------------------------------------
# One Error: line for a table the config cannot fit, one Warning: line for unused keys


def test_text_column_is_one_error_naming_data_and_the_column(tmp_path, write_config):
    (tmp_path / "people.csv").write_text("id,name,x,y\n1,Ann,0.5,1.0\n2,Bo,3.0,4.0\n3,Cy,1.5,2.0\n")
    config = write_config("data: people.csv\nem: {components: 2}\n")
    assert error_line(gmm_anim(["fit", str(config)])) == (
        f"Error: {config}: data: expected numbers, got text in column 2 (name): 'Ann' on row 2 (in people.csv); "
        "choose the numeric columns with data.columns"
    )
    result = gmm_anim(["fit", str(config), "--set", "data.columns=[x, y]", "--json"])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["feature_names"] == ["x", "y"]


def test_validate_catches_a_column_the_header_lacks():
    result = gmm_anim(["validate", "configs/faithful.yaml", "--set", "data.columns=[eruptions, wait]"])
    assert error_line(result) == (
        "Error: configs/faithful.yaml: data.columns: expected a column of faithful.csv's header "
        "('rownames', 'eruptions', 'waiting'), got 'wait'; did you mean 'waiting'?"
    )


def test_constant_column_with_standardize_is_one_error(tmp_path, write_config):
    (tmp_path / "flat.tsv").write_text("a\tb\n1\t7\n2\t7\n3\t7\n")
    config = write_config("data: {path: flat.tsv, standardize: true}\nem: {components: 2}\n")
    assert error_line(gmm_anim(["render", str(config), "-o", str(tmp_path / "out.gif")])) == (
        f"Error: {config}: data.standardize: expected columns that vary, got column 2 (b) with every value 7 "
        "(in flat.tsv); leave it out of data.columns or set data.standardize: false"
    )
    assert not (tmp_path / "out.gif").exists()


def test_keys_unused_with_data_are_one_warning_line():
    result = gmm_anim(["validate", "configs/faithful.yaml", "--set", "samples=100", "--set", "jitter=0.1"])
    assert result.returncode == 0 and result.stdout == "ok: configs/faithful.yaml\n", result.stderr
    assert result.stderr == "Warning: configs/faithful.yaml: samples, jitter are unused with data; delete them\n"


# ---------------------------------------------------------------------------
# Axis labels: render.labels, else header names (with "(z)" when standardized), else feature i


def labels_of(renderer: FrameRenderer) -> tuple[str, str]:
    return renderer.axes.get_xlabel(), renderer.axes.get_ylabel()


def test_sampled_points_keep_their_labels():
    X, history = make_points(), make_history()
    assert labels_of(FrameRenderer(X, history, options())) == ("", "")  # the default plane needs none
    assert labels_of(FrameRenderer(X, history, options(dims=(1, 0)))) == ("feature 1", "feature 0")
    cfg = pipeline.load_config(SEED_CONFIG)
    assert cfg.axis_names(2) is None and axis_labels(cfg.render, 2, cfg.axis_names(2)) is None


def test_names_and_render_labels_on_the_plane():
    X, history = make_points(), make_history()
    names = ("eruptions", "waiting")
    assert labels_of(FrameRenderer(X, history, options(), feature_names=names)) == names
    assert labels_of(FrameRenderer(X, history, options(dims=(1, 0)), feature_names=names)) == names[::-1]
    overridden = FrameRenderer(X, history, options(labels=("minutes", "$t_{wait}$")), feature_names=names)
    assert labels_of(overridden) == ("minutes", "$t_{wait}$")
    dollars = FrameRenderer(X, history, options(), feature_names=("cost $", "price $US$"))
    assert labels_of(dollars) == (r"cost \$", r"price \$US\$")  # shown as typed, not as mathtext


def test_names_on_the_line_and_on_chosen_dims():
    from conftest import ONE_D, THREE_D

    line = FrameRenderer(make_points(ONE_D), make_history(ONE_D), options(), feature_names=("waiting",))
    assert line.axes.get_xlabel() == "waiting" and line.axes.get_ylabel() == "density"
    assert FrameRenderer(make_points(ONE_D), make_history(ONE_D), options()).axes.get_xlabel() == ""
    three = FrameRenderer(
        make_points(THREE_D), make_history(THREE_D), options(dims=(2, 0)), feature_names=("a", "b", "c")
    )
    assert labels_of(three) == ("c", "a")


def test_render_passes_the_axis_names(tmp_path, monkeypatch):
    import gmm_anim.drawing

    seen: list[object] = []
    real = gmm_anim.drawing.render_frames

    def spy(*args, **kwargs):
        seen.append(kwargs.get("feature_names"))
        return real(*args, **kwargs)

    monkeypatch.setattr(gmm_anim.drawing, "render_frames", spy)
    small = {"iterations": 1, "render.width": 160, "render.height": 120, "data.standardize": True}
    cfg = pipeline.load_config(FAITHFUL_CONFIG, small)
    X, _ = pipeline.sample(cfg)
    pipeline.render(X, pipeline.fit(X, cfg), cfg, tmp_path / "faithful.gif")
    assert seen == [("eruptions (z)", "waiting (z)")]


def test_fit_json_names_drawn_features():
    cfg = pipeline.load_config(SEED_CONFIG, {"iterations": 1})
    X, _ = pipeline.sample(cfg)
    document = pipeline.summarize(X, pipeline.fit(X, cfg), cfg)
    assert document["feature_names"] == ["feature 0", "feature 1"] and document["standardized"] is False
