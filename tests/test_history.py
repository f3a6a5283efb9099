"""History and Mixture: the JSON round trip gives back the same parameters, exactly."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gmm_anim import pipeline
from gmm_anim.cli import app
from gmm_anim.em.loop import run_em
from gmm_anim.history import History, Mixture

ARRAYS = ("weights", "means", "covariances", "log_likelihood")


def through_json_text(history: History) -> History:
    """``history`` written as JSON text and read back, as a reader of ``gmm-anim fit --json`` would."""
    iterations = json.loads(json.dumps(history.to_json()))
    return History.from_json(iterations, covariance_type=history.covariance_type, converged=history.converged)


def assert_same_history(actual: History, expected: History) -> None:
    for name in ARRAYS:
        got, want = getattr(actual, name), getattr(expected, name)
        assert got.dtype == np.float64 and got.shape == want.shape, name
        np.testing.assert_array_equal(got, want, err_msg=name)
    assert (actual.covariance_type, actual.converged) == (expected.covariance_type, expected.converged)


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical", "tied"])
@pytest.mark.parametrize("tol", [None, 1e-3])
def test_an_em_history_survives_json(covariance_type, tol):
    rng = np.random.default_rng(4)
    X = np.concatenate([rng.normal(size=(60, 2)), rng.normal(size=(40, 2)) + [5.0, 1.0]])
    history = run_em(X, n_components=2, covariance_type=covariance_type, rng=rng, max_iter=30, tol=tol)
    assert history.converged == (tol is not None)  # both values of the flag are exercised
    back = through_json_text(history)
    assert_same_history(back, history)
    assert len(back) == len(history) and back.n_iterations == history.n_iterations
    assert [entry["iteration"] for entry in history.to_json()] == list(range(len(history)))


finite = st.floats(-1e300, 1e300, allow_subnormal=True)  # repr() gives each one back exactly


@st.composite
def histories(draw) -> History:
    snapshots, n_components, n_features = (draw(st.integers(1, 4)) for _ in range(3))
    return History(
        weights=draw(arrays(np.float64, (snapshots, n_components), elements=finite)),
        means=draw(arrays(np.float64, (snapshots, n_components, n_features), elements=finite)),
        covariances=draw(arrays(np.float64, (snapshots, n_components, n_features, n_features), elements=finite)),
        log_likelihood=draw(arrays(np.float64, (snapshots,), elements=finite)),
        covariance_type=draw(st.sampled_from(["full", "diag", "spherical", "tied"])),
        converged=draw(st.booleans()),
    )


@settings(max_examples=60, deadline=None)
@given(history=histories())
def test_any_history_survives_json_bit_for_bit(history):
    back = through_json_text(history)
    assert_same_history(back, history)
    for name in ARRAYS:  # not merely equal: -0.0 stays -0.0
        assert getattr(back, name).tobytes() == getattr(history, name).tobytes(), name


def test_a_mixture_survives_json():
    mixture = Mixture(np.array([0.25, 0.75]), np.array([[0.1, -3.0], [2.0, 1e-300]]), np.stack([np.eye(2)] * 2))
    back = Mixture.from_json(json.loads(json.dumps(mixture.to_json())))
    for name in ("weights", "means", "covariances"):
        np.testing.assert_array_equal(getattr(back, name), getattr(mixture, name))
        assert getattr(back, name).dtype == np.float64


def test_fit_json_rebuilds_the_fitted_history(runner, small_config):
    result = runner.invoke(app, ["fit", str(small_config), "--json", "--set", "em.covariance_type=diag"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    back = History.from_json(
        document["iterations"], covariance_type=document["covariance_type"], converged=document["converged"]
    )
    cfg = pipeline.load_config(small_config, {"em.covariance_type": "diag"})
    X, _ = pipeline.sample(cfg)
    assert_same_history(back, pipeline.fit(X, cfg))
    assert back.covariance_type == "diag"
