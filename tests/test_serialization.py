"""crossgrad.serialization: safetensors checkpoints, round trips and refusal of bad files."""

import errno
import hashlib
import json
import os
import pickle
import signal
import stat
import struct
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest
import safetensors.numpy
from hypothesis import given, settings
from hypothesis import strategies as st

import crossgrad
from crossgrad import serialization
from crossgrad.core.errors import CheckpointError, CheckpointWriteError
from crossgrad.serialization import _DIGEST_KEY, load, save
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


def test_disk_full_is_a_checkpoint_error_that_leaves_the_old_file_and_no_temp_file(
    tmp_path, monkeypatch
):
    path = tmp_path / "ckpt.safetensors"
    save({"w": crossgrad.ones(2)}, path)
    before = path.read_bytes()
    real_write = os.write

    def write_half_then_fill_the_disk(fd, data):
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", write_half_then_fill_the_disk)
    with pytest.raises(CheckpointWriteError, match="the disk is full") as info:
        save({"w": crossgrad.zeros(2)}, path)
    monkeypatch.undo()
    assert isinstance(info.value, OSError) and info.value.errno == errno.ENOSPC
    assert str(path) in str(info.value) and "\nhint: " in str(info.value)
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


def _header_of(path):
    raw = path.read_bytes()
    return json.loads(raw[8 : 8 + int.from_bytes(raw[:8], "little")])


def _tamper_metadata(good, tmp_path, change, sign=True):
    """A copy of ``good`` with its layout changed by ``change``, digest made anew (as a
    writer with a bug would), or left out when ``sign`` is False."""
    arrays = safetensors.numpy.load_file(good)
    meta = _header_of(good)["__metadata__"]
    layout = json.loads(meta["crossgrad"])
    change(layout)
    meta["crossgrad"] = json.dumps(layout)
    del meta[_DIGEST_KEY]
    path = tmp_path / "tampered.safetensors"
    if not sign:
        safetensors.numpy.save_file(arrays, path, metadata=meta)
        return path
    meta[_DIGEST_KEY] = "0" * 64
    content = bytearray(safetensors.numpy.save(arrays, metadata=meta))
    at = serialization._digest_offset(content)
    content[at : at + 64] = hashlib.sha256(content).hexdigest().encode()
    path.write_bytes(content)
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


# --------------------------------------------------------------------------- integrity
def _flip(path, tmp_path, position, bit):
    raw = bytearray(path.read_bytes())
    raw[position] ^= 1 << bit
    return _write(tmp_path, bytes(raw))


def test_every_checkpoint_carries_a_digest_of_its_contents(good):
    digest = _header_of(good)["__metadata__"][_DIGEST_KEY]
    assert len(digest) == 64 and int(digest, 16) > 0


@pytest.mark.parametrize("region", ["header", "data"])
def test_any_flipped_bit_is_refused(good, tmp_path, region):
    raw = good.read_bytes()
    header_end = 8 + int.from_bytes(raw[:8], "little")
    low, high = (8, header_end) if region == "header" else (header_end, len(raw))
    rng = np.random.default_rng(0)
    for position in rng.integers(low, high, size=30):
        bad = _flip(good, tmp_path, int(position), int(rng.integers(8)))
        with pytest.raises(CheckpointError):
            load(bad)


def test_changed_data_fails_the_integrity_check(good, tmp_path):
    raw = good.read_bytes()
    bad = _flip(good, tmp_path, len(raw) - 1, 0)
    _checkpoint_error(bad, "failed its integrity check")


def test_checkpoint_of_format_1_without_a_digest_loads_with_a_warning(good, tmp_path):
    def downgrade(layout):
        layout["version"] = 1

    old = _tamper_metadata(good, tmp_path, downgrade, sign=False)
    with pytest.warns(UserWarning, match="format version 1 checkpoint.*cannot be checked"):
        ckpt = load(old)
    assert ckpt["model"]["fc1.weight"].tolist() == [[1.5, -2.0], [0.25, 3.0]]


def test_current_format_without_its_digest_is_refused(good, tmp_path):
    stripped = _tamper_metadata(good, tmp_path, lambda layout: None, sign=False)
    _checkpoint_error(stripped, "has no 'crossgrad_sha256' digest")


def test_a_malformed_digest_is_refused(good, tmp_path):
    arrays = safetensors.numpy.load_file(good)
    meta = _header_of(good)["__metadata__"]
    meta[_DIGEST_KEY] = "not hex"
    path = tmp_path / "bad.safetensors"
    safetensors.numpy.save_file(arrays, path, metadata=meta)
    _checkpoint_error(path, "'crossgrad_sha256' field is malformed")


# --------------------------------------------------------------------------- malformed headers
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 2**66) | st.floats() | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=5,
)
_ENTRY = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}


def _malformed(tmp_path, header):
    path = _header_file(tmp_path, header, b"\0" * 8)
    try:
        out = load(path)
    except CheckpointError:
        return
    assert isinstance(out, dict)  # the mutation happened to leave a valid file


@settings(max_examples=150, derandomize=True, deadline=None)
@given(field=st.sampled_from(["dtype", "shape", "data_offsets", None]), value=_JSON)
def test_any_malformed_tensor_entry_is_a_checkpoint_error(tmp_path_factory, field, value):
    entry = dict(_ENTRY) if field else value
    if field:
        entry[field] = value
    _malformed(tmp_path_factory.mktemp("h"), {"w": entry})


@settings(max_examples=150, derandomize=True, deadline=None)
@given(key=st.sampled_from(["format", "crossgrad", _DIGEST_KEY, None]), value=_JSON)
def test_any_malformed_metadata_is_a_checkpoint_error(tmp_path_factory, key, value):
    meta = {"format": "crossgrad", "crossgrad": '{"version": 1, "root": {"value": 1}}'}
    if key is None:
        meta = value
    else:
        meta[key] = value
    _malformed(tmp_path_factory.mktemp("m"), {"__metadata__": meta, "w": dict(_ENTRY)})


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("dtype", ["F32"], "field dtype is not a string"),
        ("shape", "2", "field shape is not a list of non-negative integers"),
        ("shape", [True], "field shape is not a list of non-negative integers"),
        ("data_offsets", ["0", "8"], "field data_offsets is not two non-negative integers"),
        ("data_offsets", [0], "field data_offsets is not two non-negative integers"),
    ],
)
def test_malformed_field_is_named(tmp_path, field, value, match):
    entry = {**_ENTRY, field: value}
    _checkpoint_error(_header_file(tmp_path, {"w": entry}, b"\0" * 8), match)


def test_metadata_of_the_wrong_type_is_named(tmp_path):
    header = {"__metadata__": {"format": ["crossgrad"]}, "w": dict(_ENTRY)}
    _checkpoint_error(_header_file(tmp_path, header, b"\0" * 8), r"__metadata__\['format'\]")


def test_header_over_the_size_cap_is_not_called_truncated(tmp_path):
    length = serialization._MAX_HEADER_BYTES + 1
    path = _write(tmp_path, struct.pack("<Q", length) + b"{}")
    message = _checkpoint_error(path, f"header of {length} bytes, over the limit")
    assert "truncated" not in message


def test_too_many_tensors_fail_fast(tmp_path):
    entry = {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}
    path = _header_file(tmp_path, {f"t{i}": entry for i in range(20)})
    message = _checkpoint_error(path, "lists 20 tensors, more than the limit", max_tensors=10)
    assert "max_tensors=" in message
    assert len(load(path, max_tensors=20)) == 20


def _run(script, timeout=60, **kwargs):
    """Run ``script`` in a fresh interpreter; a hang fails the test at ``timeout``."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )


def _load_in_a_subprocess(path):
    """Load ``path`` in a fresh interpreter with a 30 s timeout (a hang fails the test);
    it prints the first line of the CheckpointError."""
    return _run(
        f"""
        import crossgrad
        try:
            crossgrad.load({str(path)!r})
        except crossgrad.CheckpointError as e:
            print(str(e).splitlines()[0])
        """,
        timeout=30,
    )


def test_a_million_empty_tensors_are_refused_quickly(tmp_path):
    entry = b'"dtype":"F32","shape":[0],"data_offsets":[0,0]'
    body = b",".join(b'"t%d":{%s}' % (i, entry) for i in range(1_000_000))
    path = _write(tmp_path, struct.pack("<Q", len(body) + 2) + b"{" + body + b"}")
    done = _load_in_a_subprocess(path)
    assert "lists 1000000 tensors, more than the limit" in done.stdout, done.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="this platform has no FIFOs")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    done = _load_in_a_subprocess(fifo)
    assert "is not a regular file" in done.stdout, done.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_is_refused():
    assert stat.S_ISCHR(os.stat("/dev/zero").st_mode)
    with pytest.raises(CheckpointError, match="is not a regular file"):
        load("/dev/zero")


# --------------------------------------------------------------------------- killed saves
_SAVER = """
import crossgrad, sys
state = {"w": crossgrad.zeros(4_000_000)}
print("ready", flush=True)
while True:
    crossgrad.save(state, sys.argv[1])
"""


def _temporaries(directory):
    return [name for name in os.listdir(directory) if name.endswith(".crossgrad-tmp")]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="this platform has no SIGKILL")
def test_temporary_files_of_killed_saves_are_removed_by_the_next_save(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    rng = np.random.default_rng(0)
    for _ in range(5):
        saver = subprocess.Popen(
            [sys.executable, "-c", _SAVER, str(path)], stdout=subprocess.PIPE, text=True
        )
        try:
            assert saver.stdout.readline() == "ready\n"
            try:
                saver.wait(timeout=0.2 + rng.random() * 0.5)
            except subprocess.TimeoutExpired:
                pass
        finally:
            saver.kill()
            saver.wait(timeout=30)
            saver.stdout.close()
    save({"w": crossgrad.ones(3)}, path)
    assert _temporaries(tmp_path) == []
    assert load(path)["w"].tolist() == [1.0, 1.0, 1.0]


def test_a_live_savers_temporary_file_is_left_alone(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    live = serialization._temporary_name(str(path), os.getpid())
    open(live, "wb").close()
    save({"w": crossgrad.ones(1)}, path)
    assert _temporaries(tmp_path) == [os.path.basename(live)]


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="no file size limits here")
def test_a_write_over_the_file_size_limit_keeps_the_old_checkpoint(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    done = _run(
        f"""
        import resource, signal, os, crossgrad
        path = {str(path)!r}
        crossgrad.save({{"w": crossgrad.ones(3)}}, path)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
        try:
            crossgrad.save({{"w": crossgrad.zeros(1_000_000)}}, path)
        except crossgrad.CheckpointWriteError as e:
            print(isinstance(e, OSError), str(e).splitlines()[0])
        print(crossgrad.load(path)["w"].tolist())
        print(sorted(os.listdir(os.path.dirname(path))))
        """
    )
    lines = done.stdout.splitlines()
    assert lines[0].startswith("True save: could not write"), done.stderr
    assert lines[1:] == ["[1.0, 1.0, 1.0]", "['ckpt.safetensors']"]


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="permissions are not enforced for root (or this platform)",
)
def test_an_unwritable_directory_is_a_checkpoint_write_error(tmp_path):
    directory = tmp_path / "locked"
    directory.mkdir()
    path = directory / "ckpt.safetensors"
    save({"w": crossgrad.ones(1)}, path)
    directory.chmod(0o500)
    try:
        with pytest.raises(CheckpointWriteError, match="permission denied") as info:
            save({"w": crossgrad.zeros(1)}, path)
        assert isinstance(info.value, PermissionError) or info.value.errno == errno.EACCES
    finally:
        directory.chmod(0o700)
    assert load(path)["w"].tolist() == [1.0]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda layout: layout["root"]["dict"].__setitem__(0, [True, {"value": 1}]), "dict item"),
        (lambda layout: layout.__setitem__("version", True), "lacks a format version"),
        (lambda layout: layout["root"]["dict"].__setitem__(0, ["a", {"value": [1]}]), "value"),
        (
            lambda layout: layout["root"]["dict"][0][1]["dict"][0][1].__setitem__(
                "requires_grad", "yes"
            ),
            "requires_grad is not a bool",
        ),
    ],
    ids=["bool-key", "bool-version", "list-value", "string-requires-grad"],
)
def test_metadata_of_the_wrong_type_is_refused_even_with_a_matching_digest(
    good, tmp_path, change, match
):
    _checkpoint_error(_tamper_metadata(good, tmp_path, change), match)


def test_a_file_without_a_digest_from_another_tool_loads_with_a_warning(tmp_path):
    path = tmp_path / "other.safetensors"
    safetensors.numpy.save_file({"w": np.ones(2, np.float32)}, path)
    with pytest.warns(UserWarning, match="carries no crossgrad digest"):
        assert load(path)["w"].tolist() == [1.0, 1.0]
