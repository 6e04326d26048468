"""Plots: each writes a real PNG or SVG; without matplotlib the error names the extra."""

import sys

import pytest

import nn
from autograd import Value

pytest.importorskip("matplotlib")

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def trained():
    X, y = nn.data.spiral(30, classes=3, seed=0)
    model = nn.MLP(2, [6, 3], seed=0)
    history = nn.fit(model, X, y, loss="softmax_cross_entropy", epochs=3, log_every=0,
                     optimizer=nn.Adam(model.parameters(), lr=0.05))  # fmt: skip
    return model, X, y, history


def test_decision_boundary_for_k_classes_and_for_a_score(trained, tmp_path):
    model, X, y, _ = trained
    fig = nn.plot.decision_boundary(model, X, y, path=tmp_path / "b.png", resolution=8)
    assert (tmp_path / "b.png").read_bytes().startswith(PNG)
    assert fig.axes[0].get_title() == "decision boundary (3 classes)"
    Xb, yb = nn.data.moons(20, seed=0, signed=True)
    fig = nn.plot.decision_boundary(nn.MLP(2, [4, 1], seed=0), Xb, yb, resolution=8)
    assert len(fig.axes[0].collections) >= 2  # regions, the zero line, the points


def test_decision_boundary_names_its_axes_and_its_classes(trained):
    model, X, y, _ = trained
    ax = nn.plot.decision_boundary(model, X, y, resolution=8).axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x[0], the first input", "x[1], the second input")
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["class 0", "class 1", "class 2"]
    # each class's points in its region's colour, and the key says so
    regions = ax.collections[0].get_facecolors()[:, :3].round(3).tolist()
    for points, key, region in zip(ax.collections[1:], legend.legend_handles, regions):
        assert points.get_facecolors()[0, :3].round(3).tolist() == region
        assert key.get_facecolors()[0, :3].round(3).tolist() == region
    Xb, yb = nn.data.moons(20, seed=0, signed=True)
    score = nn.plot.decision_boundary(nn.MLP(2, [4, 1], seed=0), Xb, yb, resolution=8).axes[0]
    keys = [t.get_text() for t in score.get_legend().get_texts()]
    assert keys == ["class -1", "class 1", "boundary: score 0"]
    first = [c for c in score.collections if c.get_label() == "class -1"][0]
    assert len(first.get_offsets()) == int((yb == -1).sum())


def test_loss_curve_and_grad_norms(trained, tmp_path):
    *_, history = trained
    fig = nn.plot.loss_curve(history, path=tmp_path / "loss.svg")
    assert b"<svg" in (tmp_path / "loss.svg").read_bytes()[:400]
    assert [line.get_ydata().tolist() for line in fig.axes[0].lines] == [history.loss]
    fig = nn.plot.grad_norms(history, path=tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes().startswith(PNG)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["layers.0", "layers.1"]


def test_decision_boundary_needs_2d_points(trained):
    model, *_ = trained
    with pytest.raises(ValueError, match="2 coordinates"):
        nn.plot.decision_boundary(model, [[1.0, 2.0, 3.0]], [0])


def test_without_matplotlib_the_error_names_the_extra(trained, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    *_, history = trained
    with pytest.raises(nn.MissingExtraError, match=r"pip install 'chainrule\[plot\]'"):
        nn.plot.loss_curve(history)


def test_a_plot_saved_through_a_symlink_replaces_the_picture_and_keeps_the_link(trained, tmp_path):
    *_, history = trained
    picture = tmp_path / "pictures" / "loss.png"
    picture.parent.mkdir()
    picture.write_bytes(b"old")
    (tmp_path / "latest.png").symlink_to(picture)
    nn.plot.loss_curve(history, path=tmp_path / "latest.png")
    assert picture.read_bytes().startswith(PNG)
    assert (tmp_path / "latest.png").is_symlink()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["latest.png", "loss.png", "pictures"]


class _ModeRecorder(nn.Module):
    """A model whose score is x[0] - x[1], writing down the mode of every call."""

    def __init__(self):
        self.seen = []

    def forward(self, x):
        self.seen.append(self.training)
        return Value(x[0] - x[1])


def _regions(fig):
    return [path.vertices.tolist() for path in fig.axes[0].collections[0].get_paths()]


def test_decision_boundary_asks_the_model_in_evaluation_mode_and_puts_its_mode_back():
    X, y = nn.data.moons(20, seed=0, signed=True)
    recorder = _ModeRecorder()
    nn.plot.decision_boundary(recorder, X, y, resolution=4)
    assert recorder.seen == [False] * 16, "every grid point scored in evaluation mode"
    assert recorder.training, "and the model is back in training mode"
    recorder.eval()
    nn.plot.decision_boundary(recorder, X, y, resolution=4)
    assert not recorder.training, "a model in evaluation mode stays in it"


def test_decision_boundary_of_a_model_with_dropout_is_the_same_on_every_call():
    X, y = nn.data.moons(20, seed=0, signed=True)
    model = nn.MLP(2, [16, 1], dropout=0.5, seed=0)
    model.dropouts[0].eval()  # mixed modes: the model training, its dropout layer not
    first = _regions(nn.plot.decision_boundary(model, X, y, resolution=8))
    model.train()
    second = _regions(nn.plot.decision_boundary(model, X, y, resolution=8))
    assert model.training and model.dropouts[0].training, "training mode is put back"
    model.eval()
    in_eval = _regions(nn.plot.decision_boundary(model, X, y, resolution=8))
    assert first == second == in_eval, "dropout is off while the regions are computed"
    model.train()
    model.dropouts[0].eval()
    nn.plot.decision_boundary(model, X, y, resolution=8)
    assert model.training and not model.dropouts[0].training, "each module's own mode comes back"
