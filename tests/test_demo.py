"""`chainrule demo`: micrograd's recipe reaches 100% and the pictures are written."""

import os

import pytest

from nn.cli import main
from nn.cli.recipes import RECIPES


def test_moons_demo_reaches_100_percent_and_writes_its_files(tmp_path, capsys):
    code = main(["demo", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "MLP(2, [16, 16, 1]) with 337 parameters" in out
    assert "epoch  100/100" in out
    assert "training accuracy 100.0%" in out
    for name in ("decision_boundary.png", "loss.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")
    assert "skipped" not in out
    svg = (tmp_path / "neuron.svg").read_text(encoding="utf-8")
    assert "<svg" in svg
    # its caption says which neuron, on which point (the first of moons, seed 0)
    assert ">Neuron layers.0.neurons.0 (the first of the first layer) of the trained model" in svg
    assert (
        "first training point, x[0] = " in svg
        and ">x[1]<" in svg
        and "out = relu(w . x + b)" in svg
    )
    assert (tmp_path / "backward_steps.html").read_text().lstrip().startswith("<!")


def test_xor_demo_with_its_own_defaults(tmp_path, capsys):
    code = main(["demo", "--dataset", "xor", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "xor, 40 points" in out and "binary cross-entropy" in out
    assert "training accuracy 100.0%" in out
    assert code == 0


def test_a_run_short_of_its_target_exits_1(tmp_path, capsys):
    code = main(["demo", "--dataset", "xor", "--out", str(tmp_path), "--epochs", "1"])
    assert code == 1
    assert "stopped short of 100%" in capsys.readouterr().out


def test_unknown_engine_is_one_line_with_the_choices(tmp_path, capsys):
    import nn

    assert main(["demo", "--engine", "gpu", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid choice: 'gpu'" in err
    assert all(repr(name) in err for name in nn.train.ENGINES)


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--epochs", "0"], "--epochs 0 is outside 1 to 10000 (a run of no steps"),
        (["--epochs", "10001"], "--epochs 10001 is outside 1 to 10000"),
        (["--epochs", "0"], "moons needs about 100: leave --epochs out for that"),
        (["--seed", "-1"], "--seed -1 is outside 0 to 4294967295"),
        (["--seed", str(2**32)], "pass a whole number from 0 to 4294967295"),
        (["--seed", "9" * 500], "(500 digits) is outside 0 to 4294967295"),
    ],
)
def test_out_of_range_numbers_are_one_line_before_training(tmp_path, capsys, argv, words):
    assert main(["demo", *argv, "--out", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("chainrule demo: ")
    assert words in captured.err
    assert list(tmp_path.iterdir()) == []


def _assert_out_refused_before_training(capsys, words):
    captured = capsys.readouterr()
    assert captured.out == "", "nothing may be trained or printed before --out is checked"
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("chainrule demo: ")
    assert words in lines[0]


def test_out_that_is_a_file_is_refused_before_training(tmp_path, capsys):
    target = tmp_path / "pictures"
    target.write_text("keep me")
    assert main(["demo", "--out", str(target)]) == 2
    _assert_out_refused_before_training(capsys, f"--out {str(target)!r} is a file")
    assert target.read_text() == "keep me"


def test_out_below_a_file_is_refused_before_training(tmp_path, capsys):
    (tmp_path / "f").write_text("")
    target = tmp_path / "f" / "pictures"
    assert main(["demo", "--out", str(target)]) == 2
    _assert_out_refused_before_training(capsys, "Pass a folder you can write to")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX, not root")
def test_unwritable_out_is_refused_before_training(tmp_path, capsys):
    tmp_path.chmod(0o500)
    try:
        assert main(["demo", "--out", str(tmp_path / "pictures")]) == 2
    finally:
        tmp_path.chmod(0o700)
    _assert_out_refused_before_training(capsys, "cannot write into --out")


def test_a_missing_out_folder_is_created(tmp_path, capsys):
    target = tmp_path / "a" / "b"
    assert main(["demo", "--dataset", "xor", "--epochs", "1", "--out", str(target)]) == 1
    assert (target / "loss.png").exists()


def test_unknown_dataset_is_one_line_with_the_choices(capsys):
    assert main(["demo", "--dataset", "iris"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid choice: 'iris'" in err
    assert all(repr(name) in err for name in RECIPES)


def test_the_neuron_picture_shows_this_pass_gradients_only():
    import nn
    from nn.cli.demo import _neuron_graph

    model = nn.MLP(2, [3, 1], seed=0)
    for p in model.parameters():
        p.grad = 100.0  # left over from training
    out = _neuron_graph(model, [0.5, -0.25])
    neuron = model.layers[0].neurons[0]
    relu_slope = 1.0 if out.data > 0 else 0.0
    assert [w.grad for w in neuron.w] == [0.5 * relu_slope, -0.25 * relu_slope]
    assert neuron.b.grad == relu_slope


@pytest.mark.parametrize("dataset, about", [("spiral", "softmax cross-entropy"),
                                            ("circles", "two circles")])  # fmt: skip
def test_other_datasets_run_with_their_defaults(dataset, about, tmp_path, capsys):
    # Two steps only (the full runs take seconds each and are run by hand).
    code = main(["demo", "--dataset", dataset, "--out", str(tmp_path), "--epochs", "2"])
    out = capsys.readouterr().out
    assert about in out and "epoch    2/2" in out
    assert code == 1 and "stopped short" in out  # two steps do not reach the target
    assert (tmp_path / "loss.png").exists()
