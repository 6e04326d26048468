"""Toy datasets for teaching, made with numpy (no scikit-learn), seeded.

Every function returns `(X, y)`: X is an (n, d) float array of points and y an
(n,) array of labels, or Python lists with `as_lists=True`. The same seed
always gives the same data.

Label conventions:
- binary datasets (moons, circles, xor) give labels 0 and 1; with
  `signed=True` they give -1 and +1, which the hinge loss needs
  (micrograd's demo does y = 2*y - 1);
- spiral and blobs give class indices 0 .. k-1 (for softmax_cross_entropy);
- linear_regression gives real targets (for mse).

    moons(n, noise)          two interleaving half circles (micrograd's demo)
    circles(n, noise)        a circle inside a circle
    xor(n, noise)            the four corners of the unit square, label x1 XOR x2
    spiral(n, classes)       k arms of a spiral (CS231n's example)
    blobs(n, centers)        Gaussian clusters
    linear_regression(n)     y = X w + b + noise

and `split(X, y, validation=0.2)` holds out part of any of them for validation.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = ["moons", "circles", "xor", "spiral", "blobs", "linear_regression", "split"]

Dataset = tuple[Any, Any]


def _count(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(
            f"{name} must be an int >= {minimum}, got {value!r:.40}: it counts points or "
            f"classes. Pass e.g. {name}={max(minimum, 100 if name == 'n' else 3)}"
        )
    return int(value)


def _noise(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(
            f"noise must be a number >= 0, got {value!r:.40}: it is the standard deviation "
            "of the Gaussian jitter added to each point. Pass e.g. noise=0.1, or 0 for none"
        )
    return float(value)


def _rng(seed: Any) -> np.random.Generator:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"seed must be an int, got {type(seed).__name__} {seed!r:.40}: the same seed gives "
            "the same data every time. Pass e.g. seed=0"
        )
    return np.random.default_rng(int(seed))


def _finish(
    X: np.ndarray, y: np.ndarray, rng: np.random.Generator, shuffle: bool, as_lists: bool
) -> Dataset:
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    if as_lists:
        return X.tolist(), y.tolist()
    return X, y


def _signed(y: np.ndarray, signed: bool) -> np.ndarray:
    return 2 * y - 1 if signed else y


def moons(
    n: int = 100,
    noise: float = 0.1,
    *,
    seed: int = 0,
    signed: bool = False,
    as_lists: bool = False,
) -> Dataset:
    """Two interleaving half circles: label 0 on the upper, 1 on the lower.

    The upper moon is (cos t, sin t), the lower (1 - cos t, 0.5 - sin t), for t
    in [0, pi]; then Gaussian noise of standard deviation `noise`, then a shuffle.

    >>> X, y = moons(100, seed=1)
    >>> X.shape, sorted(set(y.tolist()))
    ((100, 2), [0, 1])
    """
    n = _count("n", n, 2)
    noise = _noise(noise)
    rng = _rng(seed)
    upper, lower = n // 2, n - n // 2
    t_up = np.linspace(0, np.pi, upper)
    t_lo = np.linspace(0, np.pi, lower)
    X = np.concatenate(
        [
            np.stack([np.cos(t_up), np.sin(t_up)], axis=1),
            np.stack([1 - np.cos(t_lo), 0.5 - np.sin(t_lo)], axis=1),
        ]
    )
    y = np.concatenate([np.zeros(upper, dtype=np.int64), np.ones(lower, dtype=np.int64)])
    X = X + rng.normal(scale=noise, size=X.shape)
    return _finish(X, _signed(y, signed), rng, True, as_lists)


def circles(
    n: int = 100,
    noise: float = 0.05,
    *,
    factor: float = 0.5,
    seed: int = 0,
    signed: bool = False,
    as_lists: bool = False,
) -> Dataset:
    """A circle of radius `factor` (label 1) inside one of radius 1 (label 0).

    No straight line separates them; a hidden layer can.

    >>> X, y = circles(10, noise=0.0, seed=0)
    >>> sorted({round(float(np.hypot(*p)), 6) for p in X})
    [0.5, 1.0]
    """
    n = _count("n", n, 2)
    noise = _noise(noise)
    if not isinstance(factor, numbers.Real) or not 0 < factor < 1:
        raise ValueError(
            f"factor must be between 0 and 1, got {factor!r:.40}: it is the inner circle's "
            "radius relative to the outer one. Pass e.g. factor=0.5"
        )
    rng = _rng(seed)
    outer, inner = n // 2, n - n // 2
    t_out = np.linspace(0, 2 * np.pi, outer, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, inner, endpoint=False)
    X = np.concatenate(
        [
            np.stack([np.cos(t_out), np.sin(t_out)], axis=1),
            factor * np.stack([np.cos(t_in), np.sin(t_in)], axis=1),
        ]
    )
    y = np.concatenate([np.zeros(outer, dtype=np.int64), np.ones(inner, dtype=np.int64)])
    X = X + rng.normal(scale=noise, size=X.shape)
    return _finish(X, _signed(y, signed), rng, True, as_lists)


def xor(
    n: int = 4,
    noise: float = 0.0,
    *,
    seed: int = 0,
    signed: bool = False,
    as_lists: bool = False,
) -> Dataset:
    """Points at the corners of the unit square, labelled x1 XOR x2.

    Point i sits at corner i % 4 of (0,0), (0,1), (1,0), (1,1), plus noise; the
    defaults give the four-row truth table. No network without a hidden layer
    can learn it, because no straight line separates the two labels.

    >>> X, y = xor()
    >>> X.tolist(), y.tolist()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    n = _count("n", n)
    noise = _noise(noise)
    rng = _rng(seed)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    which = np.arange(n) % 4
    X = corners[which] + (rng.normal(scale=noise, size=(n, 2)) if noise else 0.0)
    y = np.array([0, 1, 1, 0], dtype=np.int64)[which]
    return _finish(X, _signed(y, signed), rng, False, as_lists)


def spiral(
    n: int = 150,
    classes: int = 3,
    noise: float = 0.2,
    *,
    seed: int = 0,
    as_lists: bool = False,
) -> Dataset:
    """`classes` arms of a spiral, label = arm, for softmax_cross_entropy.

    Arm c has radius r in [0, 1] and angle 4c + 4r, plus noise on the angle;
    the point is (r sin angle, r cos angle). The n points are split evenly.

    >>> X, y = spiral(90, classes=3)
    >>> X.shape, np.bincount(y).tolist()
    ((90, 2), [30, 30, 30])
    """
    n = _count("n", n)
    classes = _count("classes", classes, 2)
    noise = _noise(noise)
    rng = _rng(seed)
    sizes = [n // classes + (1 if c < n % classes else 0) for c in range(classes)]
    points, labels = [], []
    for c, m in enumerate(sizes):
        r = np.linspace(0.0, 1.0, m)
        angle = np.linspace(4.0 * c, 4.0 * (c + 1), m) + rng.normal(scale=noise, size=m)
        points.append(np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1))
        labels.append(np.full(m, c, dtype=np.int64))
    return _finish(np.concatenate(points), np.concatenate(labels), rng, True, as_lists)


def blobs(
    n: int = 100,
    centers: int = 3,
    std: float = 1.0,
    *,
    dim: int = 2,
    box: float = 5.0,
    seed: int = 0,
    as_lists: bool = False,
) -> Dataset:
    """Gaussian clusters of standard deviation `std` around centers drawn in [-box, box].

    >>> X, y = blobs(60, centers=3, dim=4)
    >>> X.shape, np.bincount(y).tolist()
    ((60, 4), [20, 20, 20])
    """
    n = _count("n", n)
    centers = _count("centers", centers)
    dim = _count("dim", dim)
    std = _noise(std)
    if isinstance(box, bool) or not isinstance(box, numbers.Real) or not 0 < box < np.inf:
        raise ValueError(
            f"box must be a finite number > 0, got {box!r:.40}: the centers are drawn in "
            "[-box, box] on each axis. Pass e.g. box=5.0"
        )
    rng = _rng(seed)
    middle = rng.uniform(-box, box, size=(centers, dim))
    y = np.arange(n, dtype=np.int64) % centers
    X = middle[y] + rng.normal(scale=std, size=(n, dim))
    return _finish(X, y, rng, True, as_lists)


def linear_regression(
    n: int = 100,
    features: int = 1,
    noise: float = 0.1,
    *,
    seed: int = 0,
    as_lists: bool = False,
    return_coef: bool = False,
) -> Any:
    """Points X ~ U(-1, 1) and targets y = X w + b + noise, with w, b ~ N(0, 1).

    With return_coef=True it returns (X, y, w, b), the true line to recover.

    >>> X, y, w, b = linear_regression(50, features=2, noise=0.0, return_coef=True)
    >>> bool(np.allclose(X @ w + b, y))
    True
    """
    n = _count("n", n)
    features = _count("features", features)
    noise = _noise(noise)
    rng = _rng(seed)
    w = rng.normal(size=features)
    b = float(rng.normal())
    X = rng.uniform(-1.0, 1.0, size=(n, features))
    y = X @ w + b + rng.normal(scale=noise, size=n)
    X, y = _finish(X, y, rng, False, as_lists)
    if return_coef:
        return X, y, (w.tolist() if as_lists else w), b
    return X, y


def split(X: Any, y: Any, validation: float = 0.2, *, seed: int = 0) -> tuple[Any, Any, Any, Any]:
    """Hold out part of the samples: (X_train, y_train, X_val, y_val), shuffled, seeded.

    `validation` is the fraction held out (rounded to a whole number of
    samples) or, as an int, their number; both parts keep at least one
    sample. Arrays give arrays and lists give lists. The same seed always
    holds out the same samples.

    >>> X, y = moons(100, seed=0)
    >>> X_train, y_train, X_val, y_val = split(X, y, validation=0.2, seed=0)
    >>> X_train.shape, X_val.shape
    ((80, 2), (20, 2))
    """
    n = len(X)
    if len(y) != n:
        raise ValueError(
            f"split got {n} samples in X and {len(y)} targets in y: each sample needs its "
            "target, and both are split the same way. Pass X and y of the same length"
        )
    if n < 2:
        raise ValueError(
            f"split got {n} sample(s): a training part and a validation part need at least "
            "one sample each. Pass at least 2 samples"
        )
    if isinstance(validation, bool) or not isinstance(validation, numbers.Real):
        raise TypeError(
            f"validation must be a fraction or a count, got {type(validation).__name__} "
            f"{validation!r:.40}. Pass e.g. validation=0.2 to hold out a fifth"
        )
    if isinstance(validation, numbers.Integral):
        held = int(validation)
    elif 0 < validation < 1:
        held = round(validation * n)
    else:
        raise ValueError(
            f"validation={validation!r} is neither a fraction between 0 and 1 nor a whole "
            "number of samples: it says how much of the data to hold out. Pass e.g. "
            "validation=0.2 for a fifth"
        )
    if not 1 <= held <= n - 1:
        raise ValueError(
            f"validation={validation!r} holds out {held} of {n} samples: both the "
            "training and the validation part need at least one. Pass a fraction between "
            f"0 and 1, or a count from 1 to {n - 1}"
        )
    order = _rng(seed).permutation(n)
    train, val = order[held:], order[:held]
    return _take(X, train), _take(y, train), _take(X, val), _take(y, val)


def _take(data: Any, indices: np.ndarray) -> Any:
    """The items of data at indices: an array for an array, a list otherwise."""
    if isinstance(data, np.ndarray):
        return data[indices]
    return [data[i] for i in indices.tolist()]
