"""Collapsed components: the criterion, one Warning: line per fit, none for the shipped configs or the drawing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SEED_CONFIG

from gmm_anim.em import Responsibilities, responsibilities, run_em
from gmm_anim.em.collapse import collapsed
from gmm_anim.errors import GmmAnimWarning
from gmm_anim.history import Mixture

GMM_ANIM = Path(sys.executable).parent / "gmm-anim"
WAIT = 120  # seconds a run may take on a loaded machine
ADVICE = "reduce em.components, increase em.reg_covar, or try em.init: kmeans++"
COLLAPSED = re.compile(r"Warning: component (\d+) collapsed at iteration (\d+): [^;\n]+; " + re.escape(ADVICE))

THREE_IDENTICAL = "data: points.csv\niterations: 5\nem:\n  components: 2\nrender:\n  width: 120\n  height: 100\n"


def gmm_anim(arguments: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "GMM_ANIM_DEBUG"}
    return subprocess.run(
        [str(GMM_ANIM), *arguments],
        cwd=cwd,
        env={**env, "MPLBACKEND": "Agg", "COLUMNS": "80"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )


def warning_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("Warning:")]


# ----------------------------------------------------------------------------
# The command line: one line for a collapsing fit, none for the shipped configs


@pytest.mark.parametrize("components", [15, 40])
def test_too_many_components_on_the_seed_config_warn_once(components: int) -> None:
    result = gmm_anim(["fit", str(SEED_CONFIG), "--set", f"em.components={components}"])
    assert result.returncode == 0, result.stderr
    lines = warning_lines(result.stderr)
    assert len(lines) == 1 and (match := COLLAPSED.fullmatch(lines[0])), result.stderr
    assert 1 <= int(match[1]) <= components and 1 <= int(match[2]) <= 40
    assert "Traceback" not in result.stderr and "GmmAnimWarning" not in result.stderr


def test_the_seed_config_with_fifteen_components_names_the_one_point_component() -> None:
    result = gmm_anim(["fit", str(SEED_CONFIG), "--set", "em.components=15"])
    assert warning_lines(result.stderr) == [
        f"Warning: component 13 collapsed at iteration 14: it holds 1 point, fewer than the 3 its covariance "
        f"needs; {ADVICE}"
    ]


def test_a_render_of_three_identical_points_with_two_components_warns_once(tmp_path: Path) -> None:
    (tmp_path / "points.csv").write_text("x,y\n" + "1.5,-2\n" * 3)
    (tmp_path / "three.yaml").write_text(THREE_IDENTICAL)
    result = gmm_anim(["render", "three.yaml", "-o", "three.gif"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[:-1] == [
        f"Warning: component 1 collapsed at iteration 1: it holds 1.5 points, fewer than the 3 its covariance "
        f"needs (1 more component collapsed too); {ADVICE}"
    ]
    assert result.stderr.splitlines()[-1].startswith("wrote three.gif (")


@pytest.mark.parametrize("config", sorted(ROOT.glob("configs/*.yaml")), ids=lambda path: path.stem)
def test_the_shipped_configs_do_not_warn(config: Path) -> None:
    result = gmm_anim(["fit", str(config)])
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr


# ----------------------------------------------------------------------------
# The criterion on hand-made parameters

REG = 1e-6
FEATURE_VAR = np.array([10.0, 10.0])
WELL_SEPARATED = np.repeat([np.eye(2) + REG * np.eye(2)], 3, axis=0)


def check(weights, covariances=WELL_SEPARATED, n_samples=300, **options) -> list[bool]:
    options = {"reg_covar": REG, "feature_var": FEATURE_VAR, **options}
    return collapsed(np.array(weights), covariances, n_samples=n_samples, **options).tolist()


def test_well_separated_components_have_not_collapsed() -> None:
    assert check([0.4, 0.35, 0.25]) == [False, False, False]


def test_fewer_than_d_plus_one_effective_points_is_a_collapse() -> None:
    assert check([0.495, 0.495, 0.01]) == [False, False, False]  # three points: enough for a 2-D covariance
    assert check([0.495, 0.4983, 0.0067]) == [False, False, True]  # two points: not
    assert check([0.499, 0.4997, 0.0033]) == [False, False, True]  # one point


def test_a_component_holding_no_point_is_unused_not_collapsed() -> None:
    assert check([0.5, 0.5 - 1e-12, 1e-12]) == [False, False, False]


def test_the_points_needed_follow_the_covariance_type() -> None:
    weights = [0.495, 0.4983, 0.0067]  # the third holds two points
    assert check(weights, covariance_type="diag") == [False, False, False]
    assert check(weights, covariance_type="spherical") == [False, False, False]
    assert check(weights, covariance_type="tied") == [False, False, False]
    assert check([0.499, 0.4997, 0.0033], covariance_type="diag") == [False, False, True]


def test_a_covariance_flat_but_for_reg_covar_is_a_collapse() -> None:
    flat = WELL_SEPARATED.copy()
    flat[1] = np.array([[4.0, 2.0], [2.0, 1.0]]) + REG * np.eye(2)  # singular: collinear points
    assert check([0.4, 0.35, 0.25], flat) == [False, True, False]
    flat[1] += 3 * REG * np.eye(2)  # a few times reg_covar still is
    assert check([0.4, 0.35, 0.25], flat) == [False, True, False]
    flat[1] += 1e-3 * np.eye(2)  # a thousand times is its own spread
    assert check([0.4, 0.35, 0.25], flat) == [False, False, False]


def test_a_tight_real_cluster_is_not_a_collapse() -> None:
    tight = np.repeat([1e-8 * np.eye(2) + 1e-12 * np.eye(2)], 2, axis=0)  # clusters far apart, 1e4 reg_covar wide
    assert check([0.5, 0.5], tight, n_samples=400, reg_covar=1e-12, feature_var=np.array([1e6, 1e-8])) == [False] * 2


def test_reg_covar_above_the_datas_spread_is_not_a_collapse() -> None:
    small = np.repeat([1e-9 * np.eye(2) + REG * np.eye(2)], 2, axis=0)  # data whose variance is 1e-8
    assert check([0.5, 0.5], small, feature_var=np.array([1e-8, 1e-8])) == [False, False]


# ----------------------------------------------------------------------------
# One warning per run_em call; none when drawing a History's snapshots

SPOTS = np.array([[1.0, 2.0]] * 5 + [[3.0, -1.0]] * 5)  # two spots of five identical points


def fit_recording_warnings(X: np.ndarray, calls: int = 1, **options) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")  # Python's own: once per message and place
        for _ in range(calls):
            run_em(X, rng=np.random.default_rng(0), **options)
    return [str(w.message) for w in caught if issubclass(w.category, GmmAnimWarning)]


def test_each_call_gives_its_warning_even_when_the_same() -> None:
    messages = fit_recording_warnings(SPOTS, calls=2, n_components=4, max_iter=3)
    assert len(messages) == 2 and messages[0] == messages[1]
    assert messages[0].startswith("component 1 collapsed at iteration 1: it holds 1.78 points, fewer than the 3")


def test_loading_and_collapse_make_one_warning_naming_the_component() -> None:
    (message,) = fit_recording_warnings(SPOTS, n_components=4, reg_covar=0.0, max_iter=3)
    assert re.fullmatch(
        r"the covariance of component 1 was not positive definite at iteration 1 \(collapsed component, collinear "
        r"or duplicated points\); added diagonal loading up to [0-9.e+-]+ to keep the fit finite; " + re.escape(ADVICE),
        message,
    )


def test_the_advice_follows_the_init() -> None:
    (message,) = fit_recording_warnings(SPOTS, n_components=4, init="kmeans++", max_iter=3)
    assert message.endswith("; reduce em.components, increase em.reg_covar, or try another em.init_seed")


def test_a_loaded_history_evaluates_without_warnings_and_unchanged() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GmmAnimWarning)
        history = run_em(SPOTS, n_components=4, reg_covar=0.0, rng=np.random.default_rng(0), max_iter=3)
    responsibilities_of = Responsibilities(SPOTS)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GmmAnimWarning)
        for i in range(len(history)):
            resp = responsibilities_of(history[i])
            assert np.isfinite(resp).all()
        blend = Mixture(
            0.5 * (history[1].weights + history[2].weights),
            0.5 * (history[1].means + history[2].means),
            0.5 * (history[1].covariances + history[2].covariances),
        )
        assert np.isfinite(responsibilities_of(blend)).all()


def test_a_users_own_singular_mixture_still_warns() -> None:
    singular = Mixture(np.array([0.5, 0.5]), np.array([[1.0, 2.0], [3.0, -1.0]]), np.zeros((2, 2, 2)))
    with pytest.warns(GmmAnimWarning, match=r"the covariance of component 1 is not positive definite"):
        resp = responsibilities(SPOTS, singular)
    assert np.isfinite(resp).all()


def test_a_fit_called_from_python_c_warns_on_every_call() -> None:
    code = (
        "import numpy as np; from gmm_anim.em import run_em\n"
        "for _ in range(2): run_em(np.ones((3, 2)), n_components=2, rng=np.random.default_rng(0), max_iter=2)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=WAIT)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("GmmAnimWarning: component 1 collapsed at iteration 1") == 2, result.stderr
