"""Gradient clipping: the norm is bounded and the direction kept."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Value

GRAD = st.floats(-1e6, 1e6, allow_nan=False)


def _with_grads(grads):
    params = [Value(0.0) for _ in grads]
    for p, g in zip(params, grads, strict=False):
        p.grad = g
    return params


@settings(max_examples=60)
@given(st.lists(GRAD, min_size=1, max_size=8), st.floats(1e-3, 1e3))
def test_clip_grad_norm_bounds_the_norm_and_keeps_the_direction(grads, max_norm):
    params = _with_grads(grads)
    before = nn.clip_grad_norm(params, max_norm)
    assert before == pytest.approx(math.sqrt(sum(g * g for g in grads)))
    after = math.sqrt(sum(p.grad**2 for p in params))
    assert after <= max_norm
    if before <= max_norm:
        assert [p.grad for p in params] == grads
    else:
        # PyTorch's margin: the scale is max_norm / (norm + 1e-6), a hair under max_norm.
        assert after == pytest.approx(max_norm * before / (before + 1e-6), rel=1e-6)
        scale = params[0].grad / grads[0] if grads[0] else None
        for p, g in zip(params, grads, strict=False):
            if scale is not None:
                assert p.grad == pytest.approx(g * scale, rel=1e-9, abs=1e-300)


@settings(max_examples=60)
@given(st.lists(GRAD, min_size=1, max_size=8), st.floats(1e-3, 1e3))
def test_clip_grad_value_clamps_each_gradient(grads, clip):
    params = _with_grads(grads)
    nn.clip_grad_value(params, clip)
    assert [p.grad for p in params] == [min(max(g, -clip), clip) for g in grads]


def test_clip_rejects_bad_limits_and_nan_norms():
    with pytest.raises(ValueError, match="max_norm must be a number > 0"):
        nn.clip_grad_norm(_with_grads([1.0]), 0)
    with pytest.raises(ValueError, match="clip must be a number > 0"):
        nn.clip_grad_value(_with_grads([1.0]), -1)
    with pytest.raises(ValueError, match="gradient norm is nan.*detect_anomaly"):
        nn.clip_grad_norm(_with_grads([1.0, math.nan]), 1.0)


@pytest.mark.parametrize(
    "name, call",
    [
        ("clip_grad_norm", lambda m: nn.clip_grad_norm(m, 1.0)),
        ("clip_grad_value", lambda m: nn.clip_grad_value(m, 1.0)),
        ("l2", lambda m: nn.l2(m)),
    ],
)
def test_a_model_in_place_of_its_parameters_is_explained(name, call):
    with pytest.raises(TypeError) as info:
        call(nn.MLP(2, [1], seed=0))
    assert str(info.value) == (
        f"{name} got the MLP itself, where its parameters go: it works on each parameter's "
        "Value. Pass model.parameters()"
    )
