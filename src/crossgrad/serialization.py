"""Checkpoints: ``save`` and ``load`` state dicts as safetensors files, never pickle.

A checkpoint is one safetensors file. Each tensor is stored under the path of keys that
leads to it, joined by ``/`` (``model/fc1.weight``, ``optimizer/state/0/exp_avg``); in a
key, ``~`` is written ``~0`` and ``/`` is written ``~1`` (JSON Pointer's escaping), so
names are unique. Everything else - the nesting of dicts, lists and tuples, the type of
each key, numbers, strings, bools, None, and each tensor's dtype and ``requires_grad`` -
is JSON in the file's metadata under ``"crossgrad"``, next to ``"format": "crossgrad"``.

Loading reads only data, so a file from anywhere is safe to open; it is checked (size,
header, our metadata, every listed tensor present with its dtype and shape) before any
tensor is made. A safetensors file written by another tool loads as a flat
``{name: Tensor}`` dict.
"""

from __future__ import annotations

import json
import os
import secrets
from typing import Any

import numpy as np
import safetensors
import safetensors.numpy

from crossgrad._tensor import Tensor
from crossgrad.core import dtypes
from crossgrad.core.errors import CheckpointError
from crossgrad.ops.creation import as_tensor

__all__ = ["save", "load", "FORMAT_VERSION", "DEFAULT_MAX_BYTES"]

#: The version of the metadata layout this module writes; it reads this one and older.
FORMAT_VERSION = 1
#: Files larger than this are refused by ``load`` unless ``max_bytes`` says otherwise.
DEFAULT_MAX_BYTES = 16 * 2**30

_MARKER = "crossgrad"
# safetensors' own cap on the JSON header; a larger length field is corrupt or hostile.
_MAX_HEADER_BYTES = 100 * 2**20
# safetensors dtype codes crossgrad has a dtype for.
_SAFETENSORS_DTYPES = {
    "BOOL": "bool",
    "U8": "uint8",
    "I8": "int8",
    "I16": "int16",
    "I32": "int32",
    "I64": "int64",
    "F16": "float16",
    "F32": "float32",
    "F64": "float64",
}
_SAFE_HINT = "re-save it from the program that made it with crossgrad.save, or restore a copy"


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write ``obj`` (a state dict, or nested dicts/lists of tensors and plain values) to
    ``path`` as a safetensors checkpoint.

    The file is written to a temporary file beside ``path`` and moved into place in one
    step, so a crash never leaves a half-written checkpoint at ``path``.

    >>> import os, tempfile, crossgrad
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
    >>> save({"model": {"w": crossgrad.ones(2)}, "epoch": 3}, path)
    >>> ckpt = load(path)
    >>> ckpt["model"]["w"].tolist(), ckpt["epoch"]
    ([1.0, 1.0], 3)
    """
    arrays: dict[str, np.ndarray] = {}
    structure = _encode(obj, [], arrays)
    metadata = {
        "format": _MARKER,
        _MARKER: json.dumps({"version": FORMAT_VERSION, "root": structure}),
    }
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(8)}.tmp")
    # O_EXCL: never write through a file or link someone else placed there; mode 0o666 lets
    # the umask decide the permissions, as for any new file.
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    try:
        safetensors.numpy.save_file(arrays, tmp, metadata=metadata)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _encode(value: Any, keys: list[str], arrays: dict[str, np.ndarray]) -> Any:
    """The JSON form of ``value``; its tensors go into ``arrays`` under their key path."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"value": value}
    if isinstance(value, Tensor):
        name = "/".join(_escape(k) for k in keys) if keys else "~"
        if name in arrays:  # only keys 1 and "1" of one dict collide; "~2" cannot be escaped
            n = 2
            while f"{name}~{n}" in arrays:
                n += 1
            name = f"{name}~{n}"
        data = value.detach().numpy()
        # safetensors writes the raw buffer, so views (x.T) must be made contiguous first.
        arrays[name] = data if data.flags.c_contiguous else data.copy(order="C")
        return {
            "tensor": name,
            "dtype": value.dtype.name,
            "shape": list(value.shape),
            "requires_grad": value.requires_grad,
        }
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise TypeError(
                    f"save: dict keys must be str or int, received key {key!r} "
                    f"of type {type(key).__name__} at {_where(keys)}\n"
                    f"hint: convert the key to a str"
                )
            items.append([key, _encode(item, [*keys, str(key)], arrays)])
        return {"dict": items}
    if isinstance(value, (list, tuple)):
        kind = "tuple" if isinstance(value, tuple) else "list"
        return {kind: [_encode(item, [*keys, str(i)], arrays) for i, item in enumerate(value)]}
    raise TypeError(
        f"save: cannot store a value of type {type(value).__name__} at "
        f"{_where(keys)}; checkpoints hold tensors, numbers, strings, bools, None "
        f"and dicts/lists/tuples of them\nhint: convert it to one of these, e.g. "
        f"a tensor or a str"
    )


def _where(keys: list[str]) -> str:
    return "/".join(keys) if keys else "the top level"


def load(
    path: str | os.PathLike[str], backend: Any = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Any:
    """Read a checkpoint written by ``save``, creating its tensors on ``backend``.

    ``backend`` defaults to the current default backend; a checkpoint written on one
    backend loads on any other. A safetensors file from another tool loads as a flat
    ``{name: Tensor}`` dict.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        CheckpointError: the file is larger than ``max_bytes``, truncated, corrupt, or not
            a safetensors file.

    >>> import os, tempfile, crossgrad
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
    >>> save({"w": crossgrad.tensor([1, 2])}, path)
    >>> w = load(path, backend="numpy")["w"]
    >>> w.tolist(), w.dtype, w.backend
    ([1, 2], crossgrad.int64, 'numpy')
    """
    path = os.fspath(path)
    header = _read_header(path, max_bytes)
    arrays = _read_arrays(path)
    meta = header.get("__metadata__") or {}
    if meta.get("format") != _MARKER or _MARKER not in meta:
        return {
            name: _to_tensor(path, name, arrays[name], backend, None, False)
            for name in header
            if name != "__metadata__"
        }
    layout = _layout(path, meta[_MARKER])
    try:
        return _decode(path, layout["root"], arrays, backend)
    except RecursionError:
        raise _corrupt(path, "its metadata is nested too deeply") from None


def _corrupt(path: str, problem: str, hint: str = _SAFE_HINT) -> CheckpointError:
    return CheckpointError(f"load: {path!r} is not a valid checkpoint: {problem}", hint=hint)


def _read_header(path: str, max_bytes: int) -> dict[str, Any]:
    """The file's JSON header, after checking that the file can hold what it describes."""
    if os.path.isdir(path):
        raise CheckpointError(
            f"load: {path!r} is a directory, not a checkpoint file",
            hint="pass the path of the .safetensors file",
        )
    size = os.stat(path).st_size  # FileNotFoundError for a missing path, as in PyTorch
    if size > max_bytes:
        raise CheckpointError(
            f"load: {path!r} is {size} bytes, larger than the limit max_bytes={max_bytes}",
            hint="if you trust this file's size, pass a larger max_bytes= to load",
        )
    with open(path, "rb") as f:
        head = f.read(8)
        if size < 8:
            raise _corrupt(
                path,
                f"it is {size} bytes long, too short for a safetensors "
                f"header (8 bytes of length, then JSON)",
                _foreign_hint(head),
            )
        header_len = int.from_bytes(head, "little")
        if header_len > _MAX_HEADER_BYTES or 8 + header_len > size:
            raise _corrupt(
                path,
                f"its first 8 bytes give a header of {header_len} bytes, "
                f"but the file is {size} bytes long (truncated, or not a "
                f"safetensors file)",
                _foreign_hint(head),
            )
        text = f.read(header_len)
    try:
        header = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _corrupt(
            path,
            "its header is not valid JSON (corrupt, or not a safetensors file)",
            _foreign_hint(head),
        ) from None
    if not isinstance(header, dict):
        raise _corrupt(path, "its header is not a JSON object")
    _check_entries(path, header, data_bytes=size - 8 - header_len)
    return header


def _foreign_hint(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04") or head[:1] == b"\x80":
        return (
            "this looks like a torch.save file; convert it where you trust it, with "
            "safetensors.torch.save_file(state_dict, path), and load that file"
        )
    return "pass a file written by crossgrad.save or another safetensors writer"


def _check_entries(path: str, header: dict[str, Any], data_bytes: int) -> None:
    """Each tensor entry has a known dtype and offsets inside the data that follows."""
    end = 0
    for name, entry in header.items():
        if name == "__metadata__":
            if entry is not None and not isinstance(entry, dict):
                raise _corrupt(path, "its __metadata__ is not a JSON object")
            continue
        try:
            dtype, shape, (start, stop) = entry["dtype"], entry["shape"], entry["data_offsets"]
            count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        except (TypeError, KeyError, ValueError):
            raise _corrupt(
                path, f"the header entry of tensor {name!r} is malformed: {entry!r}"
            ) from None
        if dtype not in _SAFETENSORS_DTYPES:
            raise CheckpointError(
                f"load: {path!r}: tensor {name!r} has dtype {dtype}, which crossgrad has no "
                f"dtype for; known: {', '.join(_SAFETENSORS_DTYPES)}",
                hint="convert the tensor to float32 (or another listed dtype) and save again",
            )
        itemsize = np.dtype(_SAFETENSORS_DTYPES[dtype]).itemsize
        if not 0 <= start <= stop or stop - start != count * itemsize:
            raise _corrupt(
                path,
                f"tensor {name!r} has data_offsets={[start, stop]}, which "
                f"do not fit its shape={shape} and dtype {dtype}",
            )
        end = max(end, stop)
    if end > data_bytes:
        raise _corrupt(
            path,
            f"its header lists {end} bytes of tensor data, but only "
            f"{data_bytes} follow the header (the file is truncated)",
        )


def _read_arrays(path: str) -> dict[str, np.ndarray]:
    try:
        return safetensors.numpy.load_file(path)
    except Exception as error:  # safetensors' error types differ between its versions
        raise _corrupt(path, f"safetensors could not read it: {error}") from None


def _layout(path: str, text: Any) -> dict[str, Any]:
    try:
        layout = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        raise _corrupt(path, "its crossgrad metadata is not valid JSON") from None
    if (
        not isinstance(layout, dict)
        or "root" not in layout
        or not isinstance(layout.get("version"), int)
    ):
        raise _corrupt(path, "its crossgrad metadata lacks a format version or root")
    if layout["version"] > FORMAT_VERSION:
        raise CheckpointError(
            f"load: {path!r} has checkpoint format version {layout['version']}; this "
            f"crossgrad reads versions up to {FORMAT_VERSION}",
            hint="upgrade crossgrad to load it",
        )
    return layout


def _decode(path: str, node: Any, arrays: dict[str, np.ndarray], backend: Any) -> Any:
    if not isinstance(node, dict) or len(node) == 0:
        raise _corrupt(path, f"its crossgrad metadata has a malformed entry: {node!r}")
    if "value" in node:
        return node["value"]
    if "tensor" in node:
        name = node["tensor"]
        if name not in arrays:
            raise _corrupt(
                path, f"tensor {name!r} is listed in the metadata but missing from the file"
            )
        array = arrays[name]
        if node.get("dtype") not in dtypes.BY_NAME or list(array.shape) != node.get("shape"):
            raise _corrupt(
                path,
                f"tensor {name!r} is stored as {array.dtype}{list(array.shape)}"
                f" but the metadata says {node.get('dtype')}{node.get('shape')}",
            )
        return _to_tensor(
            path, name, array, backend, node["dtype"], node.get("requires_grad") is True
        )
    if "dict" in node and isinstance(node["dict"], list):
        out = {}
        for item in node["dict"]:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], (str, int))):
                raise _corrupt(path, f"its crossgrad metadata has a malformed dict item: {item!r}")
            out[item[0]] = _decode(path, item[1], arrays, backend)
        return out
    for kind, make in (("list", list), ("tuple", tuple)):
        if kind in node and isinstance(node[kind], list):
            return make(_decode(path, item, arrays, backend) for item in node[kind])
    raise _corrupt(path, f"its crossgrad metadata has a malformed entry: {node!r}")


def _to_tensor(
    path: str, name: str, array: np.ndarray, backend: Any, dtype: str | None, requires_grad: bool
) -> Tensor:
    if dtype is not None and dtypes.from_native(array.dtype) is not dtypes.BY_NAME[dtype]:
        raise _corrupt(
            path, f"tensor {name!r} is stored as {array.dtype} but the metadata says {dtype}"
        )
    # load_file returns fresh arrays; as_tensor keeps them on NumPy without a second copy.
    out = as_tensor(array, backend=backend)
    if requires_grad:
        out.requires_grad_(True)
    return out
