"""Accuracy under each decision rule."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Value
from nn.metrics import predict, predictions


def test_rules():
    assert predict(Value(0.3), "sign") == 1 and predict(Value(-0.3), "sign") == -1
    assert predict(Value(0.3), "logit") == 1 and predict(Value(-0.3), "logit") == 0
    assert predict([Value(0.1), Value(2.0), Value(-1.0)], "argmax") == 1
    assert predict([0.5, 0.1], "argmax") == 0
    with pytest.raises(ValueError, match="unknown decision rule"):
        predict(Value(1.0), "vote")


def test_accuracy():
    assert nn.accuracy([Value(2.0), Value(-1.0), Value(0.5), Value(-3.0)], [1, 1, 1, -1]) == 0.75
    assert nn.accuracy([[1.0, 0.0], [0.0, 1.0]], [0, 0], rule="argmax") == 0.5
    with pytest.raises(nn.ShapeError, match="2 outputs and 1 targets"):
        nn.accuracy([Value(1.0), Value(2.0)], [1])


@given(st.lists(st.lists(st.sampled_from([-1.5, -0.0, 0.0, 0.25, 2.0]), min_size=3, max_size=3),
                min_size=1, max_size=8))  # fmt: skip
def test_predictions_of_a_batch_are_predict_of_each_output(rows):
    outputs = np.array(rows)  # ties included: argmax takes the first largest, as predict
    assert predictions(outputs, "argmax").tolist() == [predict(r, "argmax") for r in rows]
    for rule in ("sign", "logit"):
        column = outputs[:, 0]
        assert predictions(column, rule).tolist() == [predict(float(o), rule) for o in column]
