"""save / load: bit-identical round trip, atomic writes, every corrupted-file case."""

import errno
import json
import math
import os
import stat
import threading

import pytest

import nn
from autograd import Value
from nn.serialize import FORMAT_VERSION


@pytest.fixture
def model():
    m = nn.MLP(2, [5, 3, 1], activation=["tanh", "relu", "linear"], seed=4)
    m.layers[0].neurons[0].b.data = -0.0
    m.layers[1].neurons[2].b.data = 1e-310  # a subnormal survives too
    return m


def _outputs(model, points=((0.1, -0.2), (1.5, 3.0), (-7.25, 0.003))):
    return [model(list(p)).data.hex() for p in points]


def test_round_trip_is_bit_identical(model, tmp_path):
    path = tmp_path / "model.json"
    model.save(path)
    loaded = nn.load(path)
    assert type(loaded) is nn.MLP
    assert [p.data.hex() for p in loaded.parameters()] == [p.data.hex() for p in model.parameters()]
    assert _outputs(loaded) == _outputs(model)
    assert [p.label for p in loaded.parameters()] == [p.label for p in model.parameters()]
    other = nn.MLP(2, [5, 3, 1], activation=["tanh", "relu", "linear"], seed=9)
    other.load(path)
    assert _outputs(other) == _outputs(model)


def test_file_is_readable_json_with_version_and_architecture(model, tmp_path):
    path = tmp_path / "model.json"
    nn.save(model, path)
    document = json.loads(path.read_text())
    assert document["format"] == "chainrule.nn" and document["version"] == FORMAT_VERSION
    assert document["architecture"] == {
        "type": "MLP",
        "config": {"nin": 2, "nouts": [5, 3, 1], "activation": ["tanh", "relu", "linear"]},
    }
    assert list(document["weights"]) == [name for name, _ in model.named_parameters()]
    assert oct(os.stat(path).st_mode & 0o777) != oct(0o600)  # not mkstemp's private mode


@pytest.mark.parametrize("build", [lambda: nn.Neuron(3, activation="sigmoid", seed=1),
                                   lambda: nn.Layer(3, 2, activation="tanh", seed=1)])  # fmt: skip
def test_neurons_and_layers_round_trip(build, tmp_path):
    original = build()
    original.save(tmp_path / "m.json")
    loaded = nn.load(tmp_path / "m.json")
    assert type(loaded) is type(original)
    x = [0.3, -0.7, 1.1]
    a, b = original(x), loaded(x)
    assert [v.data for v in (a if isinstance(a, list) else [a])] == [
        v.data for v in (b if isinstance(b, list) else [b])
    ]


def test_an_interrupted_save_keeps_the_previous_file(model, tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    model.save(path)
    before = path.read_bytes()
    model.layers[0].neurons[0].w[0].data = 123.0

    def crash(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        model.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.json"]  # no temporary file left behind


def test_save_refuses_nan_weights(model, tmp_path):
    model.layers[2].neurons[0].b.data = math.nan
    with pytest.raises(nn.CheckpointError, match="cannot save.*nan"):
        model.save(tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def _corrupt(tmp_path, model, edit):
    path = tmp_path / "bad.json"
    model.save(path)
    text = path.read_text()
    result = edit(text)
    if isinstance(result, bytes):
        path.write_bytes(result)
    else:
        path.write_text(result)
    return path


def _edit_json(change):
    def edit(text):
        document = json.loads(text)
        change(document)
        return json.dumps(document)

    return edit


def _raw_weight(raw):
    """Write `raw` as the text of one weight, where json.dumps could not put it."""

    def edit(text):
        start = text.index('"layers.1.neurons.1.w.2": ') + 26
        end = text.index(",", start)
        return text[:start] + raw + text[end:]

    return edit


def _set_weight(value):
    def change(document):
        document["weights"]["layers.1.neurons.1.w.2"] = value

    return change


CORRUPTIONS = [
    ("truncated", lambda t: t[: len(t) // 2], "is truncated"),
    ("truncated at the very end", lambda t: t.rstrip()[:-1], "is truncated"),
    ("empty", lambda t: "", "is empty"),
    ("not JSON", lambda t: "weights: [1, 2, 3]\n" + t, "is not JSON"),
    ("binary", lambda t: b"\x89PNG\r\n\x1a\n\xff\xfe", "is not JSON"),
    ("other JSON", lambda t: '{"hello": 1}', "not a chainrule model file"),
    ("wrong version", _edit_json(lambda d: d.update(version=0)), "format version 0"),
    ("newer version", _edit_json(lambda d: d.update(version=99)), "upgrade chainrule"),
    (
        "missing weight",
        _edit_json(lambda d: d["weights"].pop("layers.0.neurons.4.b")),
        "shape mismatch.*1 missing",
    ),  # fmt: skip
    (
        "extra weight",
        _edit_json(lambda d: d["weights"].update({"layers.3.neurons.0.b": 1.0})),
        "shape mismatch.*1 unexpected",
    ),  # fmt: skip
    (
        "architecture",
        _edit_json(lambda d: d["architecture"]["config"].update(nouts=[5, 4, 1])),
        "shape mismatch",
    ),  # fmt: skip
    (
        "NaN weight",
        lambda t: t.replace(
            t[t.index('"layers.1.neurons.1.w.2": ') + 26 :].split(",")[0], "NaN", 1
        ),
        "is nan",
    ),  # fmt: skip
    ("infinite weight", _edit_json(_set_weight(math.inf)), "is inf"),
    ("string weight", _edit_json(_set_weight("0.5")), "not a number"),
    ("no weights", _edit_json(lambda d: d.pop("weights")), 'no "weights"'),
    ("version true", _edit_json(lambda d: d.update(version=True)), "format version True"),
    (
        "repeated key",
        lambda t: t.replace('"version": 1', '"version": 1, "version": 2', 1),
        "repeats the key 'version'",
    ),  # fmt: skip
    (
        "nested 100,000 deep",
        lambda t: t.replace('"weights"', '"x": ' + "[" * 100_000 + "]" * 100_000 + ', "weights"'),
        "nests its JSON deeper",
    ),  # fmt: skip
    ("401-digit weight", _raw_weight("9" * 401), "integer of 401 digits \\(999999999999"),
    ("5,000-digit weight", _raw_weight("-" + "1" * 5000), "integer of 5000 digits"),
]


@pytest.mark.parametrize("case, edit, words", CORRUPTIONS, ids=[c[0] for c in CORRUPTIONS])
def test_load_rejects_each_corruption_and_leaves_the_model_untouched(
    case, edit, words, model, tmp_path
):
    path = _corrupt(tmp_path, model, edit)
    with pytest.raises(nn.CheckpointError, match=words) as info:
        nn.load(path)
    assert "bad.json" in str(info.value)
    target = nn.MLP(2, [5, 3, 1], activation=["tanh", "relu", "linear"], seed=11)
    before = target.state_dict()
    with pytest.raises(nn.CheckpointError, match=words):
        target.load(path)
    assert target.state_dict() == before


def test_a_tiny_file_declaring_a_billion_inputs_is_refused_before_anything_is_built(
    tmp_path, monkeypatch
):
    config = {"nin": 10**9, "nouts": [1], "activation": ["linear"]}
    document = {
        "format": "chainrule.nn",
        "version": FORMAT_VERSION,
        "architecture": {"type": "MLP", "config": config},
        "weights": {"layers.0.neurons.0.b": 0.0},
    }
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(document))
    assert path.stat().st_size < 300

    def never(*args, **kwargs):
        raise AssertionError("load built the model before checking its size")

    monkeypatch.setattr("nn.serialize.MLP", never)
    with pytest.raises(nn.CheckpointError, match="has 1000000001 weights, and the file holds 1"):
        nn.load(path)


def test_save_keeps_the_errno_of_a_full_disk_and_the_previous_file(model, tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    model.save(path)
    before = path.read_bytes()
    model.layers[0].neurons[0].w[0].data = 123.0

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError, match="cannot save to .*No space left") as info:
        model.save(path)
    assert info.value.errno == errno.ENOSPC and ".tmp" not in str(info.value)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.json"]


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX")
def test_save_to_a_fifo_writes_into_it_and_leaves_the_fifo(model, tmp_path):
    fifo = tmp_path / "pipe"  # like /dev/null or /dev/stdout: not a file to replace
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    model.save(fifo)
    reader.join(timeout=30)
    assert json.loads(received[0])["weights"] == model.state_dict()
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX")
def test_save_through_a_dangling_link_says_where_it_points(model, tmp_path):
    (tmp_path / "link.json").symlink_to(tmp_path / "missing" / "m.json")
    with pytest.raises(FileNotFoundError, match="symbolic link to .*does not exist"):
        model.save(tmp_path / "link.json")


def test_loading_into_a_different_architecture_is_a_shape_mismatch(model, tmp_path):
    model.save(tmp_path / "m.json")
    other = nn.MLP(2, [4, 1], seed=0)
    before = other.state_dict()
    with pytest.raises(nn.CheckpointError, match="shape mismatch.*nouts.*\\[5, 3, 1\\]"):
        other.load(tmp_path / "m.json")
    assert other.state_dict() == before


def test_a_custom_module_saves_and_loads_into_itself(tmp_path):
    class Line(nn.Module):
        def __init__(self, w):
            self.w = Value(w)

        def forward(self, x):
            return self.w * x

    Line(2.5).save(tmp_path / "line.json")
    with pytest.raises(nn.CheckpointError, match="cannot rebuild.*model.load"):
        nn.load(tmp_path / "line.json")
    line = Line(0.0)
    line.load(tmp_path / "line.json")
    assert line.w.data == 2.5


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file"):
        nn.load(tmp_path / "nothing.json")


def test_every_truncation_is_reported_as_truncated(tmp_path):
    path = tmp_path / "n.json"
    nn.Neuron(2, seed=0).save(path)
    text = path.read_text()
    for cut in range(1, len(text.rstrip())):
        path.write_text(text[:cut])
        with pytest.raises(nn.CheckpointError, match="truncated"):
            nn.load(path)


@pytest.mark.parametrize("text", ["hello", "<html>", "True", "abc def", "tr", '"abc', "-"])
def test_short_text_that_is_not_a_json_object_is_not_json_not_truncated(tmp_path, text):
    path = tmp_path / "n.json"
    path.write_text(text)
    with pytest.raises(nn.CheckpointError, match="is not JSON") as info:
        nn.load(path)
    assert "truncated" not in str(info.value)


def test_save_into_a_missing_folder_names_the_path_and_what_to_do(tmp_path):
    target = tmp_path / "no" / "such" / "m.json"
    with pytest.raises(FileNotFoundError) as info:
        nn.Neuron(2, seed=0).save(target)
    message = str(info.value)
    assert repr(str(target)) in message and "does not exist" in message
    assert "os.makedirs" in message and ".tmp" not in message
    assert not (tmp_path / "no").exists()


def test_save_onto_a_folder_says_give_a_file_name(tmp_path):
    with pytest.raises(IsADirectoryError, match="it is a folder.*file name inside it") as info:
        nn.save(nn.Neuron(2, seed=0), tmp_path)
    assert repr(str(tmp_path)) in str(info.value) and ".tmp" not in str(info.value)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX, not root")
def test_save_into_an_unwritable_folder_names_the_users_path(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(PermissionError) as info:
            nn.Neuron(2, seed=0).save(folder / "m.json")
    finally:
        folder.chmod(0o700)
    message = str(info.value)
    assert repr(str(folder / "m.json")) in message and ".tmp" not in message
    assert "save somewhere else" in message


def test_loading_a_folder_says_it_is_a_folder(tmp_path):
    for load in (nn.load, nn.Neuron(2, seed=0).load):
        with pytest.raises(IsADirectoryError, match="it is a folder.*path of the file") as info:
            load(tmp_path)
        assert repr(str(tmp_path)) in str(info.value)


def test_loading_a_missing_file_names_it_and_says_what_to_do(tmp_path):
    target = tmp_path / "nothing.json"
    with pytest.raises(FileNotFoundError, match="no model file.*model.save") as info:
        nn.Neuron(2, seed=0).load(target)
    assert repr(str(target)) in str(info.value)
