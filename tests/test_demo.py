"""``crossgrad demo``: training on the digits, checkpoints, plots and the CLI path."""

import argparse

import pytest

import crossgrad
from crossgrad import cli, demo

pytest.importorskip("sklearn", reason="the demo needs scikit-learn (crossgrad[examples])")
pytest.importorskip("tqdm", reason="the demo needs tqdm (crossgrad[examples])")


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    demo.add_arguments(parser)
    return parser.parse_args(["--epochs", "1", "--no-progress", *argv])


def test_one_epoch_beats_chance_on_every_backend(backend, capsys):
    result = demo.run(_args("--backend", backend))
    assert result["backend"] == backend
    assert result["accuracy"] > 0.3
    assert len(result["history"]) == 1
    assert f"({backend} backend," in capsys.readouterr().out


def test_save_writes_a_checkpoint_that_loads_into_a_fresh_model(tmp_path):
    path = tmp_path / "model.safetensors"
    demo.run(_args("--save", str(path)))
    model = demo.build_model("mlp")
    model.load_state_dict(crossgrad.load(path))
    assert model[0].weight.shape == (128, 64)


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib", reason="--plot needs matplotlib (crossgrad[examples])")
    path = tmp_path / "curve.png"
    demo.run(_args("--plot", str(path)))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_same_seed_gives_the_same_history():
    first = demo.run(_args("--seed", "3"))["history"]
    assert demo.run(_args("--seed", "3"))["history"] == first


def test_cli_demo_returns_0(capsys):
    assert cli.main(["demo", "--epochs", "1", "--no-progress"]) == 0
    assert "test accuracy" in capsys.readouterr().out


def test_cli_demo_unknown_backend_exits_2(capsys):
    assert cli.main(["demo", "--epochs", "1", "--no-progress", "--backend", "nope"]) == 2
    assert "nope" in capsys.readouterr().err


def test_cnn_without_conv2d_is_a_clear_error(capsys):
    if hasattr(crossgrad.nn, "Conv2d"):
        pytest.skip("crossgrad.nn has Conv2d, so --model cnn runs")
    assert cli.main(["demo", "--epochs", "1", "--no-progress", "--model", "cnn"]) == 2
    assert "Conv2d" in capsys.readouterr().err


def test_missing_extra_names_the_pip_command(monkeypatch, capsys):
    def missing(module, package, why):
        raise demo.MissingExtraError(
            f"crossgrad demo: {why} needs {package}\nhint: {demo._EXTRA_HINT}"
        )

    monkeypatch.setattr(demo, "_require", missing)
    assert cli.main(["demo", "--epochs", "1"]) == 2
    assert "pip install 'crossgrad[examples]'" in capsys.readouterr().err
