"""The EM engine: scikit-learn's equal iterate by iterate, and robust on degenerate data."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn import mixture as sklearn_mixture  # the oracle: a test dependency, so missing is a failure
from sklearn.exceptions import ConvergenceWarning

from gmm_anim import em
from gmm_anim.em import estep, initialise
from gmm_anim.em.loop import log_likelihood, responsibilities, run_em
from gmm_anim.errors import GmmAnimWarning
from gmm_anim.history import Mixture

COVARIANCE_TYPES = ["full", "diag", "spherical", "tied"]
ITERATIONS = 8


def blobs(n_samples: int, n_features: int, n_components: int, seed: int, spread: float = 3.0) -> np.ndarray:
    """Overlapping anisotropic Gaussian blobs, (n_samples, n_features)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_components, n_features)) * spread
    labels = rng.integers(n_components, size=n_samples)
    shapes = rng.normal(size=(n_components, n_features, n_features)) * 0.6
    return centres[labels] + np.einsum("ni,nij->nj", rng.normal(size=(n_samples, n_features)), shapes[labels])


# (name, X, n_components, init): D = 3 takes the quadratic-feature path, D = 8 the Cholesky path.
DATASETS = {
    "d1": (blobs(300, 1, 3, seed=1), 3, "random"),
    "d3": (blobs(400, 3, 3, seed=2), 3, "random"),
    "d3-kmeans": (blobs(400, 3, 4, seed=3), 4, "kmeans++"),
    "d8": (blobs(500, 8, 3, seed=4), 3, "random"),
}


def sklearn_precisions(covariances: np.ndarray, covariance_type: str) -> np.ndarray:
    """Our full covariances (K, D, D) as scikit-learn's ``precisions_init``."""
    if covariance_type == "full":
        precisions = np.linalg.inv(covariances)
        return 0.5 * (precisions + np.swapaxes(precisions, 1, 2))
    if covariance_type == "tied":
        precision = np.linalg.inv(covariances[0])
        return 0.5 * (precision + precision.T)
    variances = np.diagonal(covariances, axis1=1, axis2=2)
    return 1.0 / (variances if covariance_type == "diag" else variances[:, 0])


def sklearn_covariances(model, n_components: int, n_features: int) -> np.ndarray:
    """scikit-learn's ``covariances_`` as full matrices (K, D, D)."""
    covariances = model.covariances_
    if model.covariance_type == "full":
        return covariances
    if model.covariance_type == "tied":
        return np.repeat(covariances[None], n_components, axis=0)
    if model.covariance_type == "diag":
        return covariances[:, :, None] * np.eye(n_features)
    return covariances[:, None, None] * np.eye(n_features)


def reference_log_likelihood(X: np.ndarray, mixture: Mixture) -> float:
    """A naive log-likelihood: densities from inverse and determinant, then log-sum-exp."""
    diff = X[:, None, :] - mixture.means[None]
    quadratic = np.einsum("nki,kij,nkj->nk", diff, np.linalg.inv(mixture.covariances), diff)
    log_det = np.linalg.slogdet(mixture.covariances)[1]
    log_prob = np.log(mixture.weights) - 0.5 * (X.shape[1] * np.log(2 * np.pi) + log_det + quadratic)
    top = log_prob.max(axis=1)
    return float(np.sum(top + np.log(np.exp(log_prob - top[:, None]).sum(axis=1))))


def assert_close(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
    scale = max(np.abs(theirs).max(), 1e-300)
    np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-8 * scale, err_msg=what)


def assert_equals_sklearn(X: np.ndarray, history, n_components: int, covariance_type: str) -> None:
    """Every iterate of ``history`` equals scikit-learn's from the same start."""
    start = history[0]
    assert history.log_likelihood[0] == pytest.approx(reference_log_likelihood(X, start), rel=1e-10)
    for i in range(1, len(history)):
        model = sklearn_mixture.GaussianMixture(
            n_components,
            covariance_type=covariance_type,
            max_iter=i,
            tol=0,
            weights_init=start.weights,
            means_init=start.means,
            precisions_init=sklearn_precisions(start.covariances, covariance_type),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X)
        assert_close(history.weights[i], model.weights_, f"weights, iteration {i}")
        assert_close(history.means[i], model.means_, f"means, iteration {i}")
        covariances = sklearn_covariances(model, n_components, X.shape[1])
        assert_close(history.covariances[i], covariances, f"covariances, iteration {i}")
        # lower_bound_ predates the last M-step; score() evaluates the final parameters.
        assert_close(history.log_likelihood[i], model.score(X) * len(X), f"log-likelihood, iteration {i}")


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("dataset", DATASETS)
def test_every_iteration_equals_sklearn(dataset: str, covariance_type: str) -> None:
    X, n_components, init = DATASETS[dataset]
    history = run_em(
        X,
        n_components=n_components,
        covariance_type=covariance_type,
        init=init,
        rng=np.random.default_rng(7),
        max_iter=ITERATIONS,
    )
    assert len(history) == ITERATIONS + 1
    assert_equals_sklearn(X, history, n_components, covariance_type)


def test_datasets_cover_both_paths() -> None:
    assert estep.quadratic_features(DATASETS["d3"][0].shape[1]) == 1 + 3 + 6
    assert estep.quadratic_features(DATASETS["d8"][0].shape[1]) == 0


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_quadratic_and_cholesky_paths_agree(monkeypatch: pytest.MonkeyPatch, covariance_type: str) -> None:
    X = blobs(600, 2, 3, seed=5)
    fit = dict(n_components=3, covariance_type=covariance_type, max_iter=6)
    quadratic = run_em(X, rng=np.random.default_rng(0), **fit)
    monkeypatch.setattr(estep, "_EXPANSION_LIMIT", -1.0)  # every step through the Cholesky path
    cholesky = run_em(X, rng=np.random.default_rng(0), **fit)
    for name in ("weights", "means", "covariances", "log_likelihood"):
        assert_close(getattr(quadratic, name), getattr(cholesky, name), name)


def test_expansion_falls_back_when_it_would_cancel() -> None:
    """A narrow cluster far from the data centre is evaluated exactly."""
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(size=(200, 2)) * 1e-4 + [1e3, 0], rng.normal(size=(200, 2)) * 1e-4 - [1e3, 0]])
    history = run_em(X, n_components=2, rng=np.random.default_rng(1), reg_covar=1e-12, max_iter=5)
    assert history.log_likelihood[-1] == pytest.approx(reference_log_likelihood(X, history.final), rel=1e-10)


# ----------------------------------------------------------------------------
# Many blocks: the E-step builds each block's features as it comes

SMALL_BLOCKS = 2**10  # estep._BLOCK_VALUES: blocks of 341 samples at K = 3, of 256 (the floor) at K = 5


def count_blocks(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the blocks each E-step path evaluates from now on."""
    counts = {"quadratic": 0, "cholesky": 0}
    for path in counts:
        evaluate_blocks = getattr(estep, f"{path}_blocks")

        def counted(*args, evaluate_blocks=evaluate_blocks, path=path, **kwargs):
            for block in evaluate_blocks(*args, **kwargs):
                counts[path] += 1
                yield block

        monkeypatch.setattr(estep, f"{path}_blocks", counted)
    return counts


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_many_blocks_equal_one_block_and_sklearn(monkeypatch: pytest.MonkeyPatch, covariance_type: str) -> None:
    X = blobs(2500, 3, 3, seed=18)  # 2500 = 7 x 341 + 113: a short last block
    fit = dict(n_components=3, covariance_type=covariance_type, max_iter=ITERATIONS)
    one_block = run_em(X, rng=np.random.default_rng(0), **fit)
    monkeypatch.setattr(estep, "_BLOCK_VALUES", SMALL_BLOCKS)
    counts = count_blocks(monkeypatch)
    history = run_em(X, rng=np.random.default_rng(0), **fit)
    assert counts == {"quadratic": (ITERATIONS + 1) * 8, "cholesky": 0}
    for name in ("weights", "means", "covariances", "log_likelihood"):
        assert_close(getattr(history, name), getattr(one_block, name), name)
    assert_equals_sklearn(X, history, 3, covariance_type)


def test_log_likelihood_never_decreases_over_many_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain EM (reg_covar = 0) on points that take many blocks of features, none kept between steps."""
    X = blobs(20_000, 2, 5, seed=19)
    monkeypatch.setattr(estep, "_BLOCK_VALUES", SMALL_BLOCKS)
    counts = count_blocks(monkeypatch)
    history = run_em(X, n_components=5, rng=np.random.default_rng(1), reg_covar=0.0, max_iter=30)
    assert counts == {"quadratic": 31 * 79, "cholesky": 0}  # ceil(20000 / 256) blocks per E-step
    log_lik = history.log_likelihood
    assert np.all(np.diff(log_lik) >= -1e-10 * np.abs(log_lik[:-1]))
    assert log_lik[-1] - log_lik[0] > 1e3  # the fit moved
    assert log_lik[-1] == pytest.approx(reference_log_likelihood(X, history.final), rel=1e-10)


@pytest.mark.parametrize("dataset", ["d3", "d8"])  # the quadratic and the Cholesky path
def test_responsibility_blocks_cover_the_points_in_order(monkeypatch: pytest.MonkeyPatch, dataset: str) -> None:
    X = DATASETS[dataset][0]
    history = run_em(X, n_components=3, rng=np.random.default_rng(0), max_iter=4)
    responsibilities_of = em.Responsibilities(X)
    whole = responsibilities_of(history.final)
    monkeypatch.setattr(estep, "_BLOCK_VALUES", SMALL_BLOCKS)
    blocks = [
        (block, resp_by_component.copy()) for block, resp_by_component in responsibilities_of.blocks(history.final)
    ]
    assert len(blocks) == 2
    assert blocks[0][0].start == 0 and blocks[1][0].start == blocks[0][0].stop == 341
    assert blocks[1][0].stop >= len(X) and blocks[1][1].shape == (3, len(X) - 341)
    in_blocks = np.concatenate([resp_by_component for _, resp_by_component in blocks], axis=1).T
    np.testing.assert_allclose(in_blocks, whole, rtol=1e-12, atol=1e-300)


# ----------------------------------------------------------------------------
# Properties over random mixtures, degenerate ones included

KINDS = ["plain", "duplicated", "few_distinct", "collinear", "tiny", "huge", "offset"]


@st.composite
def fits(draw, reg_covar: float):
    """(X, keyword arguments of run_em) for a random, possibly degenerate, data set."""
    n_features = draw(st.integers(1, 3))
    n_components = draw(st.integers(1, 4))
    n_samples = draw(st.integers(1, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_true = int(rng.integers(1, 4))
    centres = rng.normal(size=(n_true, n_features)) * draw(st.sampled_from([0.5, 3.0, 10.0]))
    X = centres[rng.integers(n_true, size=n_samples)] + rng.normal(size=(n_samples, n_features))
    kind = draw(st.sampled_from(KINDS))
    if kind == "duplicated":
        X = X[rng.integers(n_samples, size=n_samples)]
    elif kind == "few_distinct":  # fewer distinct points than components
        X = X[rng.integers(max(1, n_components - 1), size=n_samples) % n_samples]
    elif kind == "collinear":
        X = X[:, :1] * rng.normal(size=n_features) + rng.normal(size=n_features)
    elif kind in ("tiny", "huge"):
        X = X * (1e-6 if kind == "tiny" else 1e6)
    elif kind == "offset":
        X = X + 1e6
    options = dict(
        n_components=n_components,
        covariance_type=draw(st.sampled_from(COVARIANCE_TYPES)),
        init=draw(st.sampled_from(["random", "kmeans++"])),
        rng=np.random.default_rng(int(rng.integers(2**32))),
        reg_covar=reg_covar,
        max_iter=10,
    )
    return X, options


def fit_recording_warnings(X: np.ndarray, options: dict):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GmmAnimWarning)
        history = run_em(X, **options)
    return history, [w for w in caught if issubclass(w.category, GmmAnimWarning)]


def assert_finite_and_normalised(X: np.ndarray, history) -> None:
    for name in ("weights", "means", "covariances", "log_likelihood"):
        assert np.isfinite(getattr(history, name)).all(), name
    np.testing.assert_allclose(history.weights.sum(axis=1), 1.0, rtol=1e-12)
    for i in (0, len(history) - 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GmmAnimWarning)
            resp = responsibilities(X, history[i])
        assert resp.shape == (len(X), history.weights.shape[1])
        assert np.isfinite(resp).all() and (resp >= 0).all()
        np.testing.assert_allclose(resp.sum(axis=1), 1.0, rtol=1e-12)


@pytest.mark.slow
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fits(reg_covar=1e-6))
def test_degenerate_data_stays_finite(case) -> None:
    X, options = case
    history, caught = fit_recording_warnings(X, options)
    assert_finite_and_normalised(X, history)
    assert len(caught) <= 1


@pytest.mark.slow
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fits(reg_covar=0.0))
def test_log_likelihood_never_decreases(case) -> None:
    """Plain EM (reg_covar = 0) is monotone; a step that needed diagonal loading is not EM.

    With reg_covar > 0 the M-step is no longer the likelihood's maximiser, and
    scikit-learn's log-likelihood drops by up to ~1e-3 relative on such data too.
    """
    X, options = case
    history, caught = fit_recording_warnings(X, options)
    assert_finite_and_normalised(X, history)
    if not caught:
        log_lik = history.log_likelihood
        assert np.all(np.diff(log_lik) >= -1e-10 * np.abs(log_lik[:-1]))


# ----------------------------------------------------------------------------
# Initialisations, convergence, warnings


def test_random_init_is_the_notebooks() -> None:
    X = blobs(200, 2, 3, seed=6)
    start = run_em(X, n_components=3, rng=np.random.default_rng(2), max_iter=0)[0]
    assert all(any(np.array_equal(mean, x) for x in X) for mean in start.means)
    assert len(np.unique(start.means, axis=0)) == 3
    np.testing.assert_allclose(start.covariances, np.repeat([np.cov(X.T) + 0.5 * np.eye(2)], 3, axis=0), rtol=1e-12)
    np.testing.assert_array_equal(start.weights, np.full(3, 1 / 3))


def test_random_init_survives_few_distinct_points_and_one_sample() -> None:
    X = np.array([[1.0, 2.0]] * 5 + [[3.0, -1.0]] * 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GmmAnimWarning)
        start = run_em(X, n_components=4, rng=np.random.default_rng(0), max_iter=3)
        single = run_em(np.array([[0.5, 0.5]]), n_components=2, rng=np.random.default_rng(0), max_iter=3)
    assert {tuple(m) for m in start[0].means} == {(1.0, 2.0), (3.0, -1.0)}
    assert np.isfinite(single.log_likelihood).all()
    np.testing.assert_allclose(single[0].covariances, np.repeat([0.5 * np.eye(2)], 2, axis=0))


def test_kmeans_init_finds_separated_clusters() -> None:
    rng = np.random.default_rng(3)
    centres = np.array([[0.0, 0.0], [20.0, 0.0], [0.0, 20.0]])
    X = np.concatenate([c + rng.normal(size=(100 + 50 * k, 2)) for k, c in enumerate(centres)])
    start = run_em(X, n_components=3, init="kmeans++", rng=np.random.default_rng(4), max_iter=0)[0]
    order = np.argsort(start.means[:, 0] + 2 * start.means[:, 1])
    np.testing.assert_allclose(start.means[order], centres, atol=0.3)
    np.testing.assert_allclose(start.weights[order], np.array([100, 150, 200]) / 450, rtol=1e-12)
    np.testing.assert_allclose(start.covariances[order], np.repeat([np.eye(2)], 3, axis=0), atol=0.35)


def test_kmeans_init_with_empty_clusters() -> None:
    X = np.array([[0.0, 0.0]] * 6 + [[1.0, 1.0]] * 4)  # two distinct points, four clusters
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GmmAnimWarning)
        history = run_em(X, n_components=4, init="kmeans++", rng=np.random.default_rng(0), max_iter=3)
    start = history[0]
    assert np.isfinite(history.log_likelihood).all()
    assert sorted(np.round(start.weights * 10, 9)) == [0, 0, 4, 6]
    assert {tuple(np.round(m, 12)) for m in start.means} == {(0.0, 0.0), (1.0, 1.0)}


def test_kmeans_plus_plus_draws_by_squared_distance_holding_two_arrays_of_n() -> None:
    X = blobs(200_000, 2, 5, seed=20)
    rng = np.random.default_rng(21)
    expected = [X[rng.integers(len(X))]]  # the textbook seeding, on whole arrays
    closest = ((X - expected[0]) ** 2).sum(axis=1)
    for _ in range(4):
        cumulative = np.cumsum(closest)
        expected.append(X[np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right")])
        closest = np.minimum(closest, ((X - expected[-1]) ** 2).sum(axis=1))
    tracemalloc.start()
    try:
        centres = initialise._kmeans_plus_plus(X, 5, np.random.default_rng(21))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(centres, expected)
    assert peak < 2.5 * 8 * len(X)  # the closest distances and one scratch array; no (n, D) differences


def test_kmeans_init_is_reproducible_from_the_generator() -> None:
    X = blobs(300, 2, 4, seed=8)
    first, second = (run_em(X, n_components=4, init="kmeans++", rng=np.random.default_rng(9), max_iter=0) for _ in "ab")
    np.testing.assert_array_equal(first.means, second.means)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_explicit_init_is_reduced_to_the_covariance_type(covariance_type: str) -> None:
    initial = Mixture(
        np.array([0.25, 0.75]),
        np.array([[-1.0, 0.0], [2.0, 1.0]]),
        np.array([[[2.0, 0.5], [0.5, 1.0]], [[1.0, -0.2], [-0.2, 3.0]]]),
    )
    start = run_em(
        blobs(100, 2, 2, seed=10),
        n_components=2,
        covariance_type=covariance_type,
        init="explicit",
        initial=initial,
        rng=np.random.default_rng(0),
        max_iter=0,
    )[0]
    expected = {
        "full": initial.covariances,
        "diag": np.array([np.diag([2.0, 1.0]), np.diag([1.0, 3.0])]),
        "spherical": np.array([1.5 * np.eye(2), 2.0 * np.eye(2)]),
        "tied": np.repeat([0.25 * initial.covariances[0] + 0.75 * initial.covariances[1]], 2, axis=0),
    }[covariance_type]
    np.testing.assert_allclose(start.covariances, expected, rtol=1e-14)
    np.testing.assert_allclose(start.means, initial.means, rtol=1e-14)
    np.testing.assert_array_equal(start.weights, initial.weights)


def test_explicit_init_checks_shapes() -> None:
    initial = Mixture(np.array([1.0]), np.zeros((1, 2)), np.eye(2)[None])
    with pytest.raises(ValueError, match="initial means must have shape"):
        run_em(np.zeros((5, 3)), n_components=1, init="explicit", initial=initial, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="needs `initial`"):
        run_em(np.zeros((5, 2)), n_components=1, init="explicit", rng=np.random.default_rng(0))


def test_tol_stops_and_sets_converged() -> None:
    X = blobs(500, 2, 3, seed=11)
    full = run_em(X, n_components=3, rng=np.random.default_rng(1), max_iter=200)
    stopped = run_em(X, n_components=3, rng=np.random.default_rng(1), max_iter=200, tol=1e-4)
    assert not full.converged and len(full) == 201
    assert stopped.converged and 2 <= len(stopped) < 201
    gains = np.diff(stopped.log_likelihood) / len(X)
    assert gains[-1] < 1e-4 and np.all(gains[:-1] >= 1e-4)
    np.testing.assert_array_equal(stopped.log_likelihood, full.log_likelihood[: len(stopped)])


def test_zero_iterations_give_the_initialisation_only() -> None:
    X = blobs(50, 2, 2, seed=12)
    history = run_em(X, n_components=2, rng=np.random.default_rng(0), max_iter=0, tol=1e-3)
    assert len(history) == 1 and history.n_iterations == 0 and not history.converged


def test_one_dimensional_data_and_public_evaluators() -> None:
    X = blobs(300, 1, 2, seed=13)
    history = run_em(X, n_components=2, rng=np.random.default_rng(0), max_iter=20)
    mixture = history.final
    assert log_likelihood(X, mixture) == pytest.approx(history.log_likelihood[-1], rel=1e-12)
    assert log_likelihood(X, mixture) == pytest.approx(reference_log_likelihood(X, mixture), rel=1e-10)
    resp = responsibilities(X, mixture)
    density = mixture.weights * np.exp(-0.5 * (X - mixture.means[:, 0]) ** 2 / mixture.covariances[:, 0, 0])
    density /= np.sqrt(2 * np.pi * mixture.covariances[:, 0, 0])
    np.testing.assert_allclose(resp, density / density.sum(axis=1, keepdims=True), rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("dataset", ["d3", "d8"])  # the quadratic and the Cholesky path
def test_responsibilities_of_prepared_points_equal_the_one_off_call(dataset: str) -> None:
    X = DATASETS[dataset][0].copy()
    history = run_em(X, n_components=3, rng=np.random.default_rng(0), max_iter=4)
    responsibilities_of = em.Responsibilities(X)
    expected = [responsibilities(X, history[i]) for i in range(len(history))]
    X[:] = 0.0  # the prepared points are a copy
    for i, resp in enumerate(expected):
        np.testing.assert_array_equal(responsibilities_of(history[i]), resp)
        np.testing.assert_allclose(resp.sum(axis=1), 1.0, rtol=1e-12)


def test_collapse_warns_once_with_advice() -> None:
    X = np.repeat(blobs(6, 2, 2, seed=14), 10, axis=0)  # six distinct points, each ten times
    history, caught = fit_recording_warnings(
        X, dict(n_components=6, reg_covar=0.0, rng=np.random.default_rng(0), max_iter=30)
    )
    assert len(caught) == 1
    assert "not positive definite" in str(caught[0].message) and "increase em.reg_covar" in str(caught[0].message)
    assert np.isfinite(history.log_likelihood).all()


def test_healthy_fit_does_not_warn() -> None:
    _, caught = fit_recording_warnings(blobs(300, 2, 3, seed=15), dict(n_components=3, rng=np.random.default_rng(0)))
    assert caught == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(n_components=0), "n_components"),
        (dict(n_components=2, covariance_type="banded"), "covariance_type"),
        (dict(n_components=2, init="kmeans"), "init"),
        (dict(n_components=2, reg_covar=-1.0), "reg_covar"),
        (dict(n_components=2, tol=float("nan")), "tol"),
        (dict(n_components=2, max_iter=-1), "max_iter"),
    ],
)
def test_bad_arguments_name_the_parameter(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        run_em(np.zeros((5, 2)), rng=np.random.default_rng(0), **options)


def test_non_finite_data_is_rejected() -> None:
    with pytest.raises(ValueError, match="finite"):
        run_em(np.array([[0.0], [np.nan]]), n_components=1, rng=np.random.default_rng(0))


def test_a_component_whose_responsibilities_vanish_stays_finite() -> None:
    X = blobs(200, 2, 2, seed=16)
    initial = Mixture(
        np.array([0.5, 0.49, 0.01]),
        np.array([X[0], X[1], [1e4, -1e4]]),
        np.repeat([np.eye(2) * 1e-2], 3, axis=0),
    )
    history, caught = fit_recording_warnings(
        X, dict(n_components=3, init="explicit", initial=initial, rng=np.random.default_rng(0), max_iter=10)
    )
    assert caught == []
    assert_finite_and_normalised(X, history)
    assert history.weights[-1, 2] < 1e-15


def test_an_indefinite_explicit_covariance_is_loaded_and_warned_about() -> None:
    X = blobs(100, 2, 1, seed=17)
    initial = Mixture(np.array([1.0]), np.zeros((1, 2)), np.array([[[1.0, 2.0], [2.0, 1.0]]]))
    history, caught = fit_recording_warnings(
        X, dict(n_components=1, init="explicit", initial=initial, rng=np.random.default_rng(0), max_iter=2)
    )
    assert len(caught) == 1 and "iteration 0" in str(caught[0].message)
    assert np.linalg.eigvalsh(history.covariances[0]).min() > 0
    assert np.isfinite(history.log_likelihood).all()
