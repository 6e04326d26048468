"""Datasets: documented shapes, label sets, geometry and determinism."""

import math

import numpy as np
import pytest

from nn import data

BINARY = [data.moons, data.circles, data.xor]
ALL = [
    (data.moons, {}),
    (data.circles, {}),
    (data.xor, {"n": 40, "noise": 0.1}),
    (data.spiral, {}),
    (data.blobs, {}),
    (data.linear_regression, {}),
]


@pytest.mark.parametrize("make, kwargs", ALL)
def test_same_seed_same_data_other_seed_other_data(make, kwargs):
    X1, y1 = make(**kwargs, seed=3)
    X2, y2 = make(**kwargs, seed=3)
    X3, _ = make(**kwargs, seed=4)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert X1.dtype == np.float64 and X1.ndim == 2 and len(X1) == len(y1)


@pytest.mark.parametrize("make", BINARY)
def test_binary_labels_01_or_signed(make):
    _, y = make(40, seed=0)
    assert sorted(set(y.tolist())) == [0, 1]
    assert y.sum() == 20  # balanced
    _, ys = make(40, seed=0, signed=True)
    assert sorted(set(ys.tolist())) == [-1, 1]
    assert np.array_equal(ys, 2 * y - 1)


def test_as_lists_gives_plain_python_lists():
    X, y = data.moons(6, seed=0, as_lists=True)
    assert isinstance(X, list) and isinstance(X[0], list) and isinstance(X[0][0], float)
    assert isinstance(y, list) and isinstance(y[0], int)


def test_moons_without_noise_lie_on_the_two_arcs():
    X, y = data.moons(50, noise=0.0, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert np.allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert (upper[:, 1] >= -1e-12).all() and (lower[:, 1] <= 0.5 + 1e-12).all()
    assert X.shape == (50, 2)


def test_circles_radii():
    X, y = data.circles(40, noise=0.0, factor=0.3, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(r[y == 0], 1.0) and np.allclose(r[y == 1], 0.3)


def test_xor_truth_table():
    X, y = data.xor()
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]
    X, y = data.xor(400, noise=0.05, seed=1)
    corner = np.round(X).astype(int)
    assert np.array_equal(corner[:, 0] ^ corner[:, 1], y)


def test_spiral_and_blobs_class_indices():
    X, y = data.spiral(100, classes=4, seed=0)
    assert X.shape == (100, 2) and np.bincount(y).tolist() == [25, 25, 25, 25]
    assert np.hypot(X[:, 0], X[:, 1]).max() <= 1.0 + 5 * 0.2
    X, y = data.blobs(90, centers=3, dim=3, std=0.1, seed=0)
    assert X.shape == (90, 3) and sorted(set(y.tolist())) == [0, 1, 2]
    for c in range(3):
        assert X[y == c].std(axis=0).max() < 0.2  # tight clusters


def test_linear_regression_recovers_its_line():
    X, y, w, b = data.linear_regression(200, features=3, noise=0.0, seed=2, return_coef=True)
    assert X.shape == (200, 3) and y.shape == (200,)
    assert np.allclose(X @ w + b, y)
    assert (np.abs(X) <= 1).all()


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: data.moons(0), "n must be an int >= 2"),
        (lambda: data.moons(10, noise=-1), "noise must be a number >= 0"),
        (lambda: data.circles(10, factor=1.5), "factor must be between 0 and 1"),
        (lambda: data.spiral(10, classes=1), "classes must be an int >= 2"),
        (lambda: data.blobs(10, dim=0), "dim must be an int >= 1"),
    ],
)
def test_bad_arguments_are_explained(call, words):
    with pytest.raises(ValueError, match=words):
        call()


@pytest.mark.parametrize("seed", ["a", 1.5, None])
def test_a_seed_that_is_not_an_int_is_explained(seed):
    with pytest.raises(TypeError) as info:
        data.moons(10, seed=seed)
    assert str(info.value) == (
        f"seed must be an int, got {type(seed).__name__} {seed!r}: the same seed gives the "
        "same data every time. Pass e.g. seed=0"
    )


@pytest.mark.parametrize("box", [-1.0, "5", math.nan])
def test_blobs_box_must_be_a_positive_number(box):
    with pytest.raises(ValueError) as info:
        data.blobs(10, box=box)
    assert str(info.value) == (
        f"box must be a finite number > 0, got {box!r}: the centers are drawn in "
        "[-box, box] on each axis. Pass e.g. box=5.0"
    )


def test_split_holds_out_a_fraction_disjoint_and_deterministic():
    X, y = data.moons(50, seed=0)
    X_train, y_train, X_val, y_val = data.split(X, y, validation=0.2, seed=1)
    assert (len(X_train), len(y_train), len(X_val), len(y_val)) == (40, 40, 10, 10)
    rows = sorted(map(tuple, X_train.tolist() + X_val.tolist()))
    assert rows == sorted(map(tuple, X.tolist())), "every sample lands in exactly one part"
    pairs = {tuple(x): t for x, t in zip(X.tolist(), y.tolist(), strict=True)}
    for part_X, part_y in ((X_train, y_train), (X_val, y_val)):
        assert all(pairs[tuple(x)] == t for x, t in zip(part_X.tolist(), part_y.tolist()))
    again = data.split(X, y, validation=0.2, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(again, (X_train, y_train, X_val, y_val)))
    other = data.split(X, y, validation=0.2, seed=2)
    assert not np.array_equal(other[2], X_val)


def test_split_takes_a_count_and_gives_lists_for_lists():
    X, y = [[0.0], [1.0], [2.0], [3.0]], [0, 1, 0, 1]
    X_train, y_train, X_val, y_val = data.split(X, y, validation=1, seed=0)
    assert isinstance(X_train, list) and isinstance(y_val, list)
    assert (len(X_train), len(X_val)) == (3, 1)
    assert y_val[0] == int(X_val[0][0]) % 2  # each target stays with its sample
    assert data.split(X, y, validation=0.3)[2] == data.split(X, y, validation=1)[2]  # round(1.2)


@pytest.mark.parametrize(
    "validation, error, words",
    [
        (0.0, ValueError, "neither a fraction between 0 and 1 nor a whole number"),
        (1.0, ValueError, "neither a fraction"),
        (-3, ValueError, "holds out -3 of 10"),
        (0.01, ValueError, "holds out 0 of 10 samples"),
        (10, ValueError, r"a count from 1 to 9"),
        ("0.2", TypeError, "validation must be a fraction or a count"),
        (True, TypeError, "validation must be a fraction or a count"),
    ],
)
def test_split_refuses_a_part_left_empty(validation, error, words):
    X, y = data.moons(10, seed=0)
    with pytest.raises(error, match=words):
        data.split(X, y, validation=validation)


def test_split_refuses_x_and_y_of_different_lengths():
    with pytest.raises(ValueError, match="3 samples in X and 2 targets in y"):
        data.split([[0.0], [1.0], [2.0]], [0, 1])
