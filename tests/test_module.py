"""nn.Module: dotted names and labels, scope tags, state_dict, custom modules."""

import math

import pytest

import nn
from autograd import Value, topological_order
from nn import MLP, Module, Neuron


def test_named_parameters_are_dotted_paths_and_become_labels():
    model = MLP(2, [3, 2, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert names[-1] == "layers.2.neurons.0.b"
    assert len(names) == len(set(names)) == 3 * 3 + 2 * 4 + 1 * 3
    assert [p.label for p in model.parameters()] == names
    assert model.parameters() == [p for _, p in model.named_parameters()]


def test_named_modules_and_children_in_attribute_order():
    model = MLP(2, [2, 1], seed=0)
    assert [name for name, _ in model.named_children()] == ["layers.0", "layers.1"]
    assert [name for name, _ in model.named_modules()] == [
        "",
        "layers.0",
        "layers.0.neurons.0",
        "layers.0.neurons.1",
        "layers.1",
        "layers.1.neurons.0",
    ]


def test_calling_tags_created_values_with_the_module_path():
    model = MLP(2, [2, 1], seed=0)
    x = [Value(1.0), Value(-2.0)]
    out = model(x)
    loss = (out - 1.0) ** 2
    scopes = {n.scope for n in topological_order(loss) if not n.is_leaf}
    assert scopes == {"layers.0.neurons.0", "layers.0.neurons.1", "layers.1.neurons.0", None}
    assert loss.scope is None  # made outside any module
    assert out.scope == "layers.1.neurons.0"
    assert Value(3.0).scope is None  # the tag is gone after the call


def test_scope_is_restored_after_an_error_inside_forward():
    model = MLP(2, [2, 1], seed=0)
    with pytest.raises(nn.ShapeError):
        model([1.0, 2.0, 3.0])
    assert Value(1.0).scope is None


def test_a_standalone_module_is_the_root_and_is_renamed_when_nested():
    neuron = Neuron(2, seed=0)
    assert [p.label for p in neuron.parameters()] == ["w.0", "w.1", "b"]
    assert neuron([1.0, 1.0]).scope == ""

    class Pair(Module):
        def __init__(self):
            self.first = Neuron(1, seed=1)
            self.second = neuron

        def forward(self, x):
            return self.second([self.first(x), x])

    pair = Pair()
    assert [p.label for p in pair.parameters()] == [
        "first.w.0",
        "first.b",
        "second.w.0",
        "second.w.1",
        "second.b",
    ]
    out = pair(2.0)
    assert out.scope == "second"
    assert {n.scope for n in topological_order(out) if not n.is_leaf} == {"first", "second"}


def test_shared_parameters_are_listed_once():
    class Tied(Module):
        def __init__(self):
            self.a = Neuron(2, seed=0)
            self.b = self.a

    assert len(Tied().parameters()) == 3


def test_zero_grad_resets_every_parameter():
    model = MLP(2, [2, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trip_between_models():
    a, b = MLP(2, [4, 1], seed=1), MLP(2, [4, 1], seed=2)
    assert a.state_dict() != b.state_dict()
    b.load_state_dict(a.state_dict())
    assert a.state_dict() == b.state_dict()
    assert list(a.state_dict()) == [name for name, _ in a.named_parameters()]


@pytest.mark.parametrize(
    "change, error, words",
    [
        (lambda s: s.pop("layers.0.neurons.0.b"), nn.ShapeError, "1 missing"),
        (lambda s: s.update({"layers.9.w": 1.0}), nn.ShapeError, "1 unexpected"),
        (lambda s: s.update({"layers.1.neurons.0.b": math.nan}), nn.CheckpointError, "nan"),
        (lambda s: s.update({"layers.1.neurons.0.b": "0.5"}), nn.CheckpointError, "not a number"),
    ],
)
def test_load_state_dict_rejects_bad_weights_and_changes_nothing(change, error, words):
    model = MLP(2, [4, 1], seed=1)
    before = model.state_dict()
    state = MLP(2, [4, 1], seed=2).state_dict()
    change(state)
    with pytest.raises(error, match=words):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_micrograd_style_subclass_with_its_own_call_still_works():
    class Old(Module):
        def __init__(self):
            self.w = Value(3.0)

        def __call__(self, x):
            return self.w * x

        def parameters(self):
            return [self.w]

    old = Old()
    old(2.0).backward()
    assert old.w.grad == 2.0
    old.zero_grad()
    assert old.w.grad == 0.0


def test_forward_missing_says_how_to_fix_it():
    with pytest.raises(NotImplementedError, match="def forward"):
        Module()(1.0)


def test_repr_shows_the_tree():
    text = repr(MLP(2, [2, 1], seed=0))
    assert text.startswith("MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)]")
    assert "LinearNeuron(2)" in text


@pytest.mark.parametrize("state", [None, [1.0, 2.0], 3.0])
def test_load_state_dict_of_a_non_mapping_is_explained(state):
    model = MLP(2, [1], seed=0)
    with pytest.raises(TypeError) as info:
        model.load_state_dict(state)
    assert str(info.value) == (
        f"load_state_dict needs a dict of {{name: weight}}, got {type(state).__name__} "
        f"{state!r}: it sets each parameter by its dotted name. Pass the output of "
        "model.state_dict()"
    )


def test_train_and_eval_set_the_mode_of_every_module_inside():
    model = MLP(2, [3, 1], seed=0, dropout=0.5)
    modules = [m for _, m in model.named_modules()]
    assert len(modules) == 1 + 2 + 3 + 1 + 1  # MLP, 2 layers, 4 neurons, 1 dropout
    assert all(m.training for m in modules)  # training mode at first, as in PyTorch
    assert model.eval() is model
    assert not any(m.training for m in modules)
    assert model.train() is model and all(m.training for m in modules)
    model.train(False)
    assert not any(m.training for m in modules)
    assert "training" not in model.state_dict()


def test_train_refuses_anything_but_a_bool():
    with pytest.raises(TypeError, match=r"train\(\) takes True or False, got str 'eval'"):
        MLP(2, [1], seed=0).train("eval")


def test_a_micrograd_style_module_has_a_mode_too():
    class Scale(Module):
        def __init__(self):
            self.k = Value(2.0)

        def __call__(self, x):
            return self.k * x

        def parameters(self):
            return [self.k]

    scale = Scale()
    assert scale.training and not scale.eval().training
