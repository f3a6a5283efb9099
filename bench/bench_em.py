"""EM per-iteration time of scikit-learn's GaussianMixture divided by gmm-anim's.

Both fit the same points (n = 1e6, K = 10, D = 2, full covariances) from the
same explicit initialisation for the same number of EM steps; the timings are
the median of alternating runs in one process. Also reports the peak memory
(tracemalloc) of our fit.

    .venv/bin/python bench/bench_em.py [--samples N] [--iterations I] [--repeats R]
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
import warnings

import numpy as np

from gmm_anim.em.loop import run_em
from gmm_anim.history import Mixture

__all__ = ["make_points", "measure", "main"]


def make_points(n_samples: int, n_components: int, n_features: int, seed: int = 0) -> np.ndarray:
    """Points (n_samples, n_features) from a random mixture of anisotropic Gaussians."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(n_components, n_features))
    shapes = rng.normal(size=(n_components, n_features, n_features)) * 0.7
    labels = rng.integers(n_components, size=n_samples)
    noise = rng.normal(size=(n_samples, n_features))
    return centres[labels] + np.einsum("ni,nij->nj", noise, shapes[labels])


def _fit_ours(X: np.ndarray, initial: Mixture, iterations: int) -> float:
    start = time.perf_counter()
    run_em(
        X,
        n_components=initial.n_components,
        init="explicit",
        initial=initial,
        rng=np.random.default_rng(0),
        max_iter=iterations,
    )
    return time.perf_counter() - start


def _fit_sklearn(X: np.ndarray, initial: Mixture, iterations: int) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    precisions = np.linalg.inv(initial.covariances)
    model = GaussianMixture(
        initial.n_components,
        covariance_type="full",
        max_iter=iterations,
        tol=0,
        weights_init=initial.weights,
        means_init=initial.means,
        precisions_init=0.5 * (precisions + np.swapaxes(precisions, 1, 2)),
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    return time.perf_counter() - start


def _peak_memory(X: np.ndarray, initial: Mixture, iterations: int) -> int:
    """Peak bytes allocated (tracemalloc) during one of our fits."""
    tracemalloc.start()
    try:
        _fit_ours(X, initial, iterations)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure(
    n_samples: int = 1_000_000,
    n_components: int = 10,
    n_features: int = 2,
    iterations: int = 10,
    repeats: int = 3,
    seed: int = 0,
) -> dict[str, float]:
    """Per-iteration seconds of both fits (median of ``repeats`` alternating runs), their ratio, our peak memory."""
    X = make_points(n_samples, n_components, n_features, seed)
    initial = run_em(X, n_components=n_components, rng=np.random.default_rng(seed + 1), max_iter=0)[0]
    ours, theirs = [], []
    for _ in range(repeats):
        theirs.append(_fit_sklearn(X, initial, iterations) / iterations)
        ours.append(_fit_ours(X, initial, iterations) / iterations)
    return {
        "ours_s": statistics.median(ours),
        "sklearn_s": statistics.median(theirs),
        "ratio": statistics.median(theirs) / statistics.median(ours),
        "peak_bytes": float(_peak_memory(X, initial, iterations)),
        "n_by_k_bytes": float(n_samples * n_components * 8),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args, _ = parser.parse_known_args(argv)  # bench/bench.py calls main() with its own options in sys.argv
    result = measure(args.samples, iterations=args.iterations, repeats=args.repeats)
    print(
        f"EM per iteration, n = {args.samples:.0e}, K = 10, D = 2, full covariances "
        f"(median of {args.repeats} alternating runs, {args.iterations} iterations each):"
    )
    print(f"  scikit-learn GaussianMixture: {result['sklearn_s'] * 1e3:8.1f} ms")
    print(f"  gmm-anim:                     {result['ours_s'] * 1e3:8.1f} ms")
    print(f"  ratio (scikit-learn / gmm-anim): {result['ratio']:.1f}x")
    print(
        f"  peak memory of our fit: {result['peak_bytes'] / 2**20:.0f} MiB "
        f"(one n x K float64 array: {result['n_by_k_bytes'] / 2**20:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
