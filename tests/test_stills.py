"""``gmm-anim stills``: chosen frames as the panels of one PDF, SVG or PNG figure."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import ONE_D, SMALL_CONFIG, TRUTH, make_history, make_points, options
from PIL import Image

from gmm_anim import pipeline
from gmm_anim.drawing.stills import PNG_DPI, Still, default_stills, parse_at, still_bytes, still_figure
from gmm_anim.errors import ConfigError

GMM_ANIM = Path(sys.executable).parent / "gmm-anim"


def run(*arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    """The console script, as a user runs it."""
    return subprocess.run([str(GMM_ANIM), *arguments], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def half_step_config(write_config) -> Path:
    document = yaml.safe_load(SMALL_CONFIG)
    document["render"]["half_steps"] = True
    return write_config(yaml.safe_dump(document), "half.yaml")


# ---------------------------------------------------------------------------
# Choosing the frames


def test_at_takes_iterations_and_with_half_steps_e_and_m_steps():
    assert parse_at("0, 1,5,1", half_steps=False, source="c") == (Still(0), Still(1), Still(5))
    assert parse_at("0,E1,m1,2", half_steps=True, source="c") == (Still(0), Still(1, "E"), Still(1, "M"), Still(2))
    assert [still.title for still in parse_at("5,E1,M1", half_steps=True, source="c")] == [
        "L = 5",
        "E-step 1",
        "M-step 1",
    ]


@pytest.mark.parametrize(
    "text, half_steps, says",
    [
        ("", False, "expected iteration numbers separated by commas, e.g. 0,1,2,5,20; got ''"),
        ("1,x", False, "got 'x' in '1,x'"),
        ("-1", False, "got '-1'"),
        ("E3", False, "expected iteration numbers, got 'E3' (E-steps and M-steps need render.half_steps: true)"),
        ("E0", True, "expected E-steps and M-steps from 1 (iteration 0 is the start), got 'E0'"),
    ],
)
def test_a_bad_at_names_the_option(text, half_steps, says):
    with pytest.raises(ConfigError) as caught:
        parse_at(text, half_steps=half_steps, source="c.yaml")
    assert (caught.value.source, caught.value.field) == ("c.yaml", "--at")
    assert says in caught.value.message


def test_the_default_is_0_1_2_5_20_and_the_last_those_that_exist():
    assert [still.iteration for still in default_stills(40)] == [0, 1, 2, 5, 20, 40]
    assert [still.iteration for still in default_stills(4)] == [0, 1, 2, 4]
    assert [still.iteration for still in default_stills(0)] == [0]


def test_a_frame_past_the_fit_is_refused():
    with pytest.raises(ConfigError, match=r"--at: expected frames of iterations 0 to 4 \(the fit's last"):
        still_figure(make_points(), make_history(), options(), parse_at("2,7", half_steps=False, source="c"))


# ---------------------------------------------------------------------------
# The figure


def test_every_panel_has_the_same_limits_and_its_title():
    stills = parse_at("0,E1,M1,4", half_steps=True, source="c")
    figure = still_figure(make_points(), make_history(), options(half_steps=True), stills, truth=TRUTH)
    still_bytes(figure, "png")  # lay it out as written
    panels = figure.axes
    assert [axes.get_title() for axes in panels] == ["L = 0", "E-step 1", "M-step 1", "L = 4"]
    assert len({(axes.get_xlim(), axes.get_ylim()) for axes in panels}) == 1
    assert len(figure.legends) == 1
    assert "not yet assigned" in [text.get_text() for text in figure.legends[0].get_texts()]


def test_half_step_panels_colour_and_move_as_the_animation_does():
    stills = parse_at("0,E1,M1", half_steps=True, source="c")
    figure = still_figure(make_points(), make_history(), options(half_steps=True), stills, truth=TRUTH)
    start, e_step, m_step = (axes.collections[0].get_facecolor() for axes in figure.axes)
    assert len(np.unique(start, axis=0)) == 1  # one neutral colour
    np.testing.assert_array_equal(e_step, m_step)
    assert not np.array_equal(start, e_step)
    e_means, m_means = (np.asarray(axes.collections[-1].get_offsets()) for axes in figure.axes[1:])
    assert not np.allclose(e_means, m_means)


def test_one_feature_panels_and_columns():
    stills = parse_at("0,1,2,3,4", half_steps=False, source="c")
    figure = still_figure(make_points(ONE_D), make_history(ONE_D), options(), stills, columns=2, truth=ONE_D)
    still_bytes(figure, "png")
    rows = sorted({round(axes.get_position().y0, 3) for axes in figure.axes})
    columns = sorted({round(axes.get_position().x0, 3) for axes in figure.axes})
    assert (len(rows), len(columns)) == (3, 2)


def test_the_same_figure_gives_the_same_bytes():
    def draw(format: str) -> bytes:
        stills = parse_at("0,2", half_steps=False, source="c")
        return still_bytes(still_figure(make_points(), make_history(), options(), stills, truth=TRUTH), format)

    for format in ("pdf", "svg", "png"):
        assert draw(format) == draw(format)


# ---------------------------------------------------------------------------
# Writing the figure: pipeline.stills


def fitted(config: Path, **overrides):
    cfg = pipeline.load_config(config, overrides)
    X, _ = pipeline.sample(cfg)
    return X, pipeline.fit(X, cfg), cfg


def test_the_suffix_picks_the_format(small_config, tmp_path):
    X, history, cfg = fitted(small_config)
    pdf = pipeline.stills(X, history, cfg, tmp_path / "a.pdf", at="0,4").read_bytes()
    assert pdf.startswith(b"%PDF-") and len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    svg = pipeline.stills(X, history, cfg, tmp_path / "a.svg", at="0,4")
    assert ElementTree.parse(svg).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    png = pipeline.stills(X, history, cfg, tmp_path / "a.png", at="0,4", columns=1)
    with Image.open(png) as image:
        assert image.size[0] == round(2.4 * PNG_DPI)


def test_the_default_output_is_the_config_stem_in_the_working_directory(small_config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    X, history, cfg = fitted(small_config)
    assert pipeline.stills(X, history, cfg) == Path("small-stills.pdf")
    assert pipeline.stills_target(cfg, f"{tmp_path / 'figures'}/") == (tmp_path / "figures" / "small-stills.pdf", "pdf")


@pytest.mark.parametrize(
    "output, at, says",
    [
        ("out.gif", "0", "-o: expected a file name ending in .pdf, .svg or .png, got 'out.gif'"),
        ("out.pdf", "0,9", "--at: expected frames of iterations 0 to 4 (the fit's last iteration), got '9'"),
        ("out.pdf", "E1", "--at: expected iteration numbers, got 'E1'"),
    ],
)
def test_a_bad_output_or_at_writes_nothing(small_config, tmp_path, output, at, says):
    X, history, cfg = fitted(small_config)
    with pytest.raises(ConfigError) as caught:
        pipeline.stills(X, history, cfg, tmp_path / output, at=at)
    assert f"{caught.value.field}: {caught.value.message}".startswith(
        says.replace("'out.gif'", repr(str(tmp_path / output)))
    )
    assert list(tmp_path.iterdir()) == [small_config]


def test_an_input_is_never_overwritten(write_config):
    config = write_config(SMALL_CONFIG, "odd-name.svg")  # a config may have any name
    X, history, cfg = fitted(config)
    with pytest.raises(ConfigError, match="-o: expected an output that is not read by this run"):
        pipeline.stills(X, history, cfg, config)
    assert config.read_text() == SMALL_CONFIG


# ---------------------------------------------------------------------------
# Through the console script


def test_stills_writes_a_one_page_pdf(small_config, tmp_path):
    result = run("stills", str(small_config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = tmp_path / "small-stills.pdf"  # the default name, in the working directory
    assert result.stderr == f"wrote {written.name}\n"
    data = written.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1
    assert len(re.findall(rb"/Type\s*/Pages\b", data)) == 1


def test_stills_writes_svg_that_parses(half_step_config, tmp_path):
    output = tmp_path / "figs" / "bishop.svg"
    result = run("stills", str(half_step_config), "--at", "0,E1,M1,2,4", "-o", str(output), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    root = ElementTree.parse(output).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_stills_writes_a_png_of_the_stated_size(small_config, tmp_path):
    output = tmp_path / "stills.png"
    result = run("stills", str(small_config), "--at", "0,1,4", "--columns", "2", "-o", str(output), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with Image.open(output) as image:
        # two panels of 2.4 inches to a row; the height follows the rows and the legend
        assert image.size[0] == round(2 * 2.4 * PNG_DPI)
        assert image.info["dpi"] == pytest.approx((PNG_DPI, PNG_DPI), abs=0.01)


@pytest.mark.parametrize(
    "arguments, error",
    [
        (["--at", "1,99"], "--at: expected frames of iterations 0 to 4 (the fit's last iteration), got '99'"),
        (["--at", "one"], "--at: expected iteration numbers separated by commas, e.g. 0,1,2,5,20; got 'one' in 'one'"),
        (
            ["--at", "M2"],
            "--at: expected iteration numbers, got 'M2' (E-steps and M-steps need render.half_steps: true)",
        ),
        (["-o", "out.gif"], "-o: expected a file name ending in .pdf, .svg or .png, got 'out.gif'"),
    ],
)
def test_a_bad_choice_is_one_error_line_exit_2_and_nothing_written(small_config, tmp_path, arguments, error):
    before = sorted(tmp_path.iterdir())
    result = run("stills", str(small_config), *arguments, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"Error: {small_config}: {error}\n"
    assert sorted(tmp_path.iterdir()) == before


def test_stills_never_overwrites_an_input(write_config, tmp_path):
    config = write_config(SMALL_CONFIG, "odd-name.svg")  # a config may have any name
    result = run("stills", str(config), "-o", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert "-o: expected an output that is not read by this run" in result.stderr
    assert config.read_text() == SMALL_CONFIG


def test_an_existing_folder_receives_the_default_name(small_config, tmp_path):
    folder = tmp_path / "figures"
    folder.mkdir()
    result = run("stills", str(small_config), "--at", "0", "-o", str(folder), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (folder / "small-stills.pdf").is_file()
