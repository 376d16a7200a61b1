"""crossgrad.serialization: safetensors checkpoints, round trips and refusal of bad files."""

import json
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest
import safetensors.numpy

import crossgrad
from crossgrad.core.errors import CheckpointError
from crossgrad.serialization import load, save
from crossgrad.testing.pytest_plugin import backend_names, unusable_reason

USABLE = [name for name in backend_names() if unusable_reason(name) is None]


def _state_dict():
    return {
        "fc1.weight": crossgrad.tensor([[1.5, -2.0], [0.25, 3.0]]),
        "fc1.bias": crossgrad.tensor([0.1, 0.2], dtype=crossgrad.float64),
        "num_batches": crossgrad.tensor(7),
        "mask": crossgrad.tensor([True, False, True]),
        "half": crossgrad.tensor([1.0, 0.5], dtype=crossgrad.float16),
        "empty": crossgrad.zeros(0, 3),
        "a/b~c": crossgrad.tensor([4, 5]),
    }


def _optimizer_state():
    return {
        "state": {
            0: {
                "step": 3,
                "exp_avg": crossgrad.tensor([0.5, -0.5]),
                "exp_avg_sq": crossgrad.tensor([0.25, 0.25], dtype=crossgrad.float64),
            },
            1: {"step": 3, "momentum_buffer": None},
        },
        "param_groups": [
            {
                "lr": 0.1,
                "betas": (0.9, 0.999),
                "params": [0, 1],
                "nesterov": False,
                "name": "main",
                "eps": 1e-8,
            }
        ],
    }


def _assert_same(actual, expected, on):
    if isinstance(expected, crossgrad.Tensor):
        assert isinstance(actual, crossgrad.Tensor)
        assert actual.dtype == expected.dtype and actual.shape == expected.shape
        assert actual.backend == on
        np.testing.assert_array_equal(actual.detach().numpy(), expected.detach().numpy())
    elif isinstance(expected, dict):
        assert list(actual) == list(expected)  # keys, their types and order
        for key in expected:
            _assert_same(actual[key], expected[key], on)
    elif isinstance(expected, (list, tuple)):
        assert type(actual) is type(expected) and len(actual) == len(expected)
        for a, e in zip(actual, expected, strict=True):
            _assert_same(a, e, on)
    else:
        assert type(actual) is type(expected) and actual == expected


@pytest.mark.parametrize("load_on", USABLE)
@pytest.mark.parametrize(
    "make",
    [
        _state_dict,
        _optimizer_state,
        lambda: {"model": _state_dict(), "optimizer": _optimizer_state(), "epoch": 3},
    ],
    ids=["state_dict", "optimizer", "combined"],
)
def test_round_trip_across_every_backend_pair(backend, load_on, make, tmp_path):
    for name in {backend, load_on}:
        if not crossgrad.get_backend(name).has_dtype(crossgrad.float16):
            pytest.skip(f"the checkpoint holds float16, which backend {name!r} has not")
    obj = make()
    path = tmp_path / "ckpt.safetensors"
    save(obj, path)
    _assert_same(load(path, backend=load_on), obj, load_on)


def test_load_defaults_to_the_current_backend(backend, tmp_path):
    save({"w": crossgrad.ones(2)}, tmp_path / "c.safetensors")
    assert load(tmp_path / "c.safetensors")["w"].backend == backend


def test_tensor_names_use_key_paths_with_escaping(tmp_path):
    path = tmp_path / "c.safetensors"
    save(
        {
            "model": {"fc1.weight": crossgrad.ones(1), "a/b~c": crossgrad.ones(1)},
            "optimizer": _optimizer_state(),
        },
        path,
    )
    names = set(safetensors.numpy.load_file(path))
    assert {"model/fc1.weight", "model/a~1b~0c", "optimizer/state/0/exp_avg"} <= names


def test_keys_that_render_alike_stay_distinct(tmp_path):
    obj = {1: crossgrad.tensor([1.0]), "1": crossgrad.tensor([2.0])}
    save(obj, tmp_path / "c.safetensors")
    _assert_same(load(tmp_path / "c.safetensors", backend="numpy"), obj, "numpy")


def test_requires_grad_and_transposed_tensors_survive(tmp_path):
    w = crossgrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    save({"w": w, "wt": w.detach().T}, tmp_path / "c.safetensors")
    out = load(tmp_path / "c.safetensors")
    assert out["w"].requires_grad and not out["wt"].requires_grad
    assert out["wt"].tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]


def test_loaded_numpy_tensors_can_be_updated_in_place(tmp_path):
    save({"w": crossgrad.zeros(2)}, tmp_path / "c.safetensors")
    w = load(tmp_path / "c.safetensors", backend="numpy")["w"]
    w += 1
    assert w.tolist() == [1.0, 1.0]


def test_a_bare_tensor_and_plain_values_round_trip(tmp_path):
    for obj in (crossgrad.arange(3), [1, "two", None, 3.5, True], {"nested": {"x": (1, 2)}}):
        save(obj, tmp_path / "c.safetensors")
        _assert_same(load(tmp_path / "c.safetensors", backend="numpy"), obj, "numpy")


def test_save_rejects_values_it_cannot_store_without_writing(tmp_path):
    with pytest.raises(TypeError, match="cannot store a value of type object at opt/x"):
        save({"opt": {"x": object()}}, tmp_path / "c.safetensors")
    with pytest.raises(TypeError, match="dict keys must be str or int"):
        save({(1, 2): 3}, tmp_path / "c.safetensors")
    assert os.listdir(tmp_path) == []


def test_foreign_safetensors_file_loads_as_a_flat_dict(backend, tmp_path):
    path = tmp_path / "foreign.safetensors"
    safetensors.numpy.save_file(
        {"layer.w": np.arange(4, dtype=np.float32), "layer.b": np.ones(2, dtype=np.int64)},
        path,
        metadata={"format": "pt"},
    )
    out = load(path)
    assert sorted(out) == ["layer.b", "layer.w"]
    assert out["layer.w"].dtype == crossgrad.float32 and out["layer.w"].backend == backend
    assert out["layer.b"].tolist() == [1, 1]


def test_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    save({"w": crossgrad.ones(2)}, path)
    before = path.read_bytes()

    def broken_save(tensors, filename, metadata=None):
        with open(filename, "wb") as f:
            f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(safetensors.numpy, "save_file", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save({"w": crossgrad.zeros(2)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]


def test_save_replaces_an_existing_checkpoint(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    save({"w": crossgrad.ones(2)}, path)
    save({"w": crossgrad.zeros(3)}, path)
    assert load(path)["w"].tolist() == [0.0, 0.0, 0.0]
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]


# --------------------------------------------------------------------------- bad files
@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.safetensors"
    save({"model": _state_dict(), "optimizer": _optimizer_state()}, path)
    return path


def _write(tmp_path, content):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    return path


def _header_file(tmp_path, header, data=b""):
    raw = json.dumps(header).encode()
    return _write(tmp_path, struct.pack("<Q", len(raw)) + raw + data)


def _checkpoint_error(path, match, **kwargs):
    with pytest.raises(CheckpointError, match=match) as info:
        load(path, **kwargs)
    message = str(info.value)
    assert repr(str(path)) in message and "\nhint: " in message
    advice = message.replace(repr(str(path)), "<path>").lower()
    assert "pickle" not in advice and "weights_only" not in advice
    return message


@pytest.mark.parametrize("cut", [1, 100, "header"])
def test_truncated_checkpoint_is_refused(good, tmp_path, cut):
    raw = good.read_bytes()
    header_end = 8 + int.from_bytes(raw[:8], "little")
    keep = header_end - 5 if cut == "header" else len(raw) - cut
    _checkpoint_error(_write(tmp_path, raw[:keep]), "truncated")


def test_random_bytes_are_refused(tmp_path):
    rng = np.random.default_rng(0)
    _checkpoint_error(_write(tmp_path, rng.bytes(4096)), "not a valid checkpoint")


def test_empty_file_is_refused(tmp_path):
    _checkpoint_error(_write(tmp_path, b""), "0 bytes long, too short")


def test_header_length_past_the_end_is_refused(tmp_path):
    path = _write(tmp_path, struct.pack("<Q", 10_000) + b'{"a": 1}')
    _checkpoint_error(path, "header of 10000 bytes, but the file is 16 bytes")


def test_header_that_is_not_json_is_refused(tmp_path):
    path = _write(tmp_path, struct.pack("<Q", 4) + b"\xff\xfe{[")
    _checkpoint_error(path, "header is not valid JSON")


def test_pickle_file_is_refused_without_suggesting_to_unpickle(tmp_path):
    path = _write(tmp_path, pickle.dumps({"w": [1.0, 2.0]}, protocol=4))
    message = _checkpoint_error(path, "not a valid checkpoint")
    assert "torch.save" in message and "safetensors.torch.save_file" in message


def test_zip_file_is_refused(tmp_path):
    path = tmp_path / "bad.safetensors"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
    _checkpoint_error(path, "not a valid checkpoint")


def test_oversized_file_is_refused_before_reading(good):
    message = _checkpoint_error(good, "larger than the limit max_bytes=100", max_bytes=100)
    assert "pass a larger max_bytes=" in message


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nope.safetensors")


def test_directory_is_refused(tmp_path):
    with pytest.raises(CheckpointError, match="is a directory"):
        load(tmp_path)


def test_unknown_dtype_is_refused(tmp_path):
    path = _header_file(
        tmp_path, {"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4
    )
    _checkpoint_error(path, "dtype BF16, which crossgrad has no dtype for")


def test_offsets_that_do_not_fit_the_shape_are_refused(tmp_path):
    path = _header_file(
        tmp_path, {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4
    )
    _checkpoint_error(path, "do not fit its shape")


def _tamper_metadata(good, tmp_path, change):
    arrays = safetensors.numpy.load_file(good)
    raw = good.read_bytes()
    header = json.loads(raw[8 : 8 + int.from_bytes(raw[:8], "little")])
    meta = header["__metadata__"]
    layout = json.loads(meta["crossgrad"])
    change(layout)
    meta["crossgrad"] = json.dumps(layout)
    path = tmp_path / "tampered.safetensors"
    safetensors.numpy.save_file(arrays, path, metadata=meta)
    return path


def test_tensor_listed_in_metadata_but_missing_is_refused(good, tmp_path):
    def rename(layout):
        layout["root"]["dict"][0][1]["dict"][0][1]["tensor"] = "nowhere"

    _checkpoint_error(_tamper_metadata(good, tmp_path, rename), "'nowhere' is listed")


def test_metadata_dtype_that_disagrees_with_the_data_is_refused(good, tmp_path):
    def retype(layout):
        layout["root"]["dict"][0][1]["dict"][0][1]["dtype"] = "int8"

    _checkpoint_error(_tamper_metadata(good, tmp_path, retype), "metadata says int8")


def test_newer_format_version_is_refused(good, tmp_path):
    def bump(layout):
        layout["version"] = 99

    message = _checkpoint_error(_tamper_metadata(good, tmp_path, bump), "version 99")
    assert "upgrade crossgrad" in message


def test_malformed_metadata_is_refused(good, tmp_path):
    def scramble(layout):
        layout["root"] = {"dict": [["a", {"mystery": 1}]]}

    _checkpoint_error(_tamper_metadata(good, tmp_path, scramble), "malformed entry")


def test_model_and_optimizer_state_resume_on_another_backend(tmp_path):
    model = crossgrad.nn.Linear(3, 2)
    opt = crossgrad.optim.Adam(model.parameters(), lr=0.1)
    model(crossgrad.ones(4, 3)).sum().backward()
    opt.step()
    save(
        {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 1},
        tmp_path / "c.safetensors",
    )
    for name in USABLE:
        ckpt = load(tmp_path / "c.safetensors", backend=name)
        restored = crossgrad.nn.Linear(3, 2).to(name)
        restored.load_state_dict(ckpt["model"])
        crossgrad.optim.Adam(restored.parameters(), lr=0.1).load_state_dict(ckpt["optimizer"])
        assert restored.weight.tolist() == model.weight.tolist() and ckpt["epoch"] == 1
