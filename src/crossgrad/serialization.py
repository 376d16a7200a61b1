"""Checkpoints: ``save`` and ``load`` state dicts as safetensors files, never pickle.

A checkpoint is one safetensors file. Each tensor is stored under the path of keys that
leads to it, joined by ``/`` (``model/fc1.weight``, ``optimizer/state/0/exp_avg``); in a
key, ``~`` is written ``~0`` and ``/`` is written ``~1`` (JSON Pointer's escaping), so
names are unique. Everything else - the nesting of dicts, lists and tuples, the type of
each key, numbers, strings, bools, None, and each tensor's dtype and ``requires_grad`` -
is JSON in the file's metadata under ``"crossgrad"``, next to ``"format": "crossgrad"``.

Every checkpoint carries a SHA-256 of its whole file (the digest's own 64 characters
counted as zeros) in the metadata under ``"crossgrad_sha256"``; ``load`` verifies it, so a
flipped bit anywhere, header or data, is a CheckpointError. Files of format version 1 have
no digest and still load, with a warning.

Loading reads only data, so a file from anywhere is safe to open: only regular files are
opened; the header's size, its number of tensors and each entry's fields are checked
before the rest is parsed, and every listed tensor's dtype and shape before any tensor is
made. A safetensors file written by another tool loads as a flat ``{name: Tensor}`` dict.

A save writes a temporary file beside the destination (``.<name>.<pid>.crossgrad-tmp``)
and moves it into place in one step; one left by a killed process is removed by the next
save to the same destination.
"""

from __future__ import annotations

import errno
import glob
import hashlib
import json
import os
import secrets
import stat
import warnings
from typing import Any

import numpy as np
import safetensors
import safetensors.numpy

from crossgrad._tensor import Tensor
from crossgrad.core import dtypes
from crossgrad.core.errors import CheckpointError, CheckpointWriteError
from crossgrad.ops.creation import as_tensor

__all__ = ["save", "load", "FORMAT_VERSION", "DEFAULT_MAX_BYTES", "DEFAULT_MAX_TENSORS"]

#: The version of the metadata layout this module writes; it reads this one and older.
#: Version 2 added the file digest.
FORMAT_VERSION = 2
#: Files larger than this are refused by ``load`` unless ``max_bytes`` says otherwise.
DEFAULT_MAX_BYTES = 16 * 2**30
#: Files listing more tensors are refused by ``load`` unless ``max_tensors`` says otherwise
#: (a header of a million empty tensors would take seconds and gigabytes to parse).
DEFAULT_MAX_TENSORS = 100_000

_MARKER = "crossgrad"
_DIGEST_KEY = "crossgrad_sha256"
_DIGEST_PLACEHOLDER = "0" * 64
_TMP_SUFFIX = ".crossgrad-tmp"
# safetensors' own cap on the JSON header; a larger length field is corrupt or hostile.
_MAX_HEADER_BYTES = 100_000_000
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
        _DIGEST_KEY: _DIGEST_PLACEHOLDER,
    }
    content = safetensors.numpy.save(arrays, metadata=metadata)
    at = _digest_offset(content)
    assert at is not None, "save wrote no digest placeholder"
    # The digest of the file with the placeholder, written in the placeholder's place.
    view = memoryview(content)
    pieces = (view[:at], hashlib.sha256(content).hexdigest().encode(), view[at + 64 :])
    path = os.fspath(path)
    _remove_stale_temporaries(path)
    tmp = _temporary_name(path, os.getpid())
    try:
        # O_EXCL: never write through a file or link someone else placed there; mode 0o666
        # lets the umask decide the permissions, as for any new file.
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        try:
            for piece in pieces:
                while piece:
                    piece = piece[os.write(fd, piece) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.remove(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError):
            raise _write_error(path, exc) from exc
        raise


def _digest_offset(content: bytes | bytearray, digest: str = _DIGEST_PLACEHOLDER) -> int | None:
    """Where the 64 characters of ``digest`` stand in the header, or None if not once."""
    header_len = int.from_bytes(content[:8], "little")
    needle = f'"{_DIGEST_KEY}":"{digest}"'.encode()
    header = bytes(content[8 : 8 + header_len])
    at = header.find(needle)
    if at < 0 or header.find(needle, at + 1) >= 0:
        return None
    return 8 + at + len(needle) - 65


def _temporary_name(path: str, pid: int) -> str:
    directory, name = os.path.split(os.path.abspath(path))
    return os.path.join(directory, f".{name}.{pid}.{secrets.token_hex(4)}{_TMP_SUFFIX}")


def _remove_stale_temporaries(path: str) -> None:
    """Remove temporary files of earlier saves to ``path`` whose process has died."""
    directory, name = os.path.split(os.path.abspath(path))
    for tmp in glob.glob(
        os.path.join(glob.escape(directory), f".{glob.escape(name)}.*{_TMP_SUFFIX}")
    ):
        pid = os.path.basename(tmp)[len(name) + 2 :].split(".")[0]
        if pid.isdigit() and not _alive(int(pid)):
            try:
                os.remove(tmp)
            except OSError:
                pass  # removed by a concurrent save, or not ours to remove


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, under another user
    return True


def _write_error(path: str, exc: OSError) -> CheckpointWriteError:
    reason = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EFBIG: "the file is larger than this process may write",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the file system is read-only",
    }.get(exc.errno or 0, exc.strerror or type(exc).__name__)
    return CheckpointWriteError(
        f"save: could not write {path!r}: {reason} ({type(exc).__name__}: {exc}); the file "
        "that was there is unchanged",
        hint="free space or choose a writable directory, then save again",
        errno=exc.errno,
    )


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
    path: str | os.PathLike[str],
    backend: Any = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_tensors: int = DEFAULT_MAX_TENSORS,
) -> Any:
    """Read a checkpoint written by ``save``, creating its tensors on ``backend``.

    ``backend`` defaults to the current default backend; a checkpoint written on one
    backend loads on any other. A safetensors file from another tool loads as a flat
    ``{name: Tensor}`` dict.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        CheckpointError: the file is not a regular file, is larger than ``max_bytes`` or
            lists more than ``max_tensors`` tensors, fails its digest, or is truncated,
            corrupt, or not a safetensors file.

    >>> import os, tempfile, crossgrad
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
    >>> save({"w": crossgrad.tensor([1, 2])}, path)
    >>> w = load(path, backend="numpy")["w"]
    >>> w.tolist(), w.dtype, w.backend
    ([1, 2], crossgrad.int64, 'numpy')
    """
    path = os.fspath(path)
    content = _read_regular_file(path, max_bytes)
    header = _read_header(path, content, max_tensors)
    meta = header.get("__metadata__") or {}
    digest = meta.get(_DIGEST_KEY)
    if digest is not None:
        _verify_digest(path, content, digest)
    ours = meta.get("format") == _MARKER and _MARKER in meta
    if not ours and digest is None:
        warnings.warn(
            f"load: {path!r} carries no crossgrad digest (a safetensors file from another "
            "tool): it cannot be checked for corruption",
            stacklevel=2,
        )
        return {
            name: _to_tensor(path, name, array, backend, None, False)
            for name, array in _read_arrays(path, content).items()
        }
    layout = _layout(path, meta.get(_MARKER))
    if digest is None:
        if layout["version"] >= 2:
            raise _corrupt(path, f"its metadata has no {_DIGEST_KEY!r} digest")
        warnings.warn(
            f"load: {path!r} is a format version {layout['version']} checkpoint, written "
            "before checkpoints carried a digest: it cannot be checked for corruption",
            stacklevel=2,
        )
    arrays = _read_arrays(path, content)
    try:
        return _decode(path, layout["root"], arrays, backend)
    except RecursionError:
        raise _corrupt(path, "its metadata is nested too deeply") from None


def _corrupt(path: str, problem: str, hint: str = _SAFE_HINT) -> CheckpointError:
    return CheckpointError(f"load: {path!r} is not a valid checkpoint: {problem}", hint=hint)


def _read_regular_file(path: str, max_bytes: int) -> bytes:
    """The bytes of ``path``, which must be a regular file of at most ``max_bytes``.

    Opened without blocking and checked on the open descriptor, so a FIFO or a device is
    refused at once and cannot be swapped in after the check.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise CheckpointError(
                f"load: {path!r} is {kind} (a FIFO, device or socket is never opened as a "
                "checkpoint)",
                hint="pass the path of the .safetensors file",
            )
        if info.st_size > max_bytes:
            raise CheckpointError(
                f"load: {path!r} is {info.st_size} bytes, larger than the limit "
                f"max_bytes={max_bytes}",
                hint="if you trust this file's size, pass a larger max_bytes= to load",
            )
        with os.fdopen(os.dup(fd), "rb") as f:
            return f.read()  # sized by fstat: one allocation
    finally:
        os.close(fd)


def _read_header(path: str, content: bytes, max_tensors: int) -> dict[str, Any]:
    """The file's JSON header, after checking that the file can hold what it describes."""
    size = len(content)
    head = content[:8]
    if size < 8:
        raise _corrupt(
            path,
            f"it is {size} bytes long, too short for a safetensors "
            f"header (8 bytes of length, then JSON)",
            _foreign_hint(head),
        )
    header_len = int.from_bytes(head, "little")
    if header_len > _MAX_HEADER_BYTES:
        raise _corrupt(
            path,
            f"its first 8 bytes give a header of {header_len} bytes, over the limit of "
            f"{_MAX_HEADER_BYTES} bytes for a safetensors header",
            _foreign_hint(head),
        )
    if 8 + header_len > size:
        raise _corrupt(
            path,
            f"its first 8 bytes give a header of {header_len} bytes, "
            f"but the file is {size} bytes long (truncated, or not a "
            f"safetensors file)",
            _foreign_hint(head),
        )
    text = content[8 : 8 + header_len]
    # Counted before parsing: each tensor entry names its data_offsets once.
    listed = text.count(b'"data_offsets"')
    if listed > max_tensors:
        raise CheckpointError(
            f"load: {path!r} lists {listed} tensors, more than the limit max_tensors={max_tensors}",
            hint="if you trust this file, pass a larger max_tensors= to load",
        )
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


def _verify_digest(path: str, content: bytes, digest: Any) -> None:
    at = _digest_offset(content, digest) if isinstance(digest, str) and len(digest) == 64 else None
    if at is None:
        raise _corrupt(path, f"its {_DIGEST_KEY!r} field is malformed: {digest!r}")
    hasher = hashlib.sha256(memoryview(content)[:at])
    hasher.update(_DIGEST_PLACEHOLDER.encode())
    hasher.update(memoryview(content)[at + 64 :])
    if hasher.hexdigest() != digest:
        raise CheckpointError(
            f"load: {path!r} failed its integrity check: the SHA-256 of its contents "
            f"differs from the digest saved with it, so some bytes changed after it was "
            f"written",
            hint=_SAFE_HINT,
        )


def _foreign_hint(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04") or head[:1] == b"\x80":
        return (
            "this looks like a torch.save file; convert it where you trust it, with "
            "safetensors.torch.save_file(state_dict, path), and load that file"
        )
    return "pass a file written by crossgrad.save or another safetensors writer"


def _check_entries(path: str, header: dict[str, Any], data_bytes: int) -> None:
    """Each field of each entry has its JSON type; each tensor has a known dtype and
    offsets inside the data that follows."""
    end = 0
    for name, entry in header.items():
        if name == "__metadata__":
            _check_metadata(path, entry)
            continue
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise _corrupt(
                path,
                f"the header entry of tensor {name!r} must be an object with the fields "
                f"dtype, shape and data_offsets, received {_short(entry)}",
            )
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if not isinstance(dtype, str):
            raise _corrupt(path, f"tensor {name!r}: field dtype is not a string: {_short(dtype)}")
        if not _naturals(shape):
            raise _corrupt(
                path,
                f"tensor {name!r}: field shape is not a list of non-negative integers: "
                f"{_short(shape)}",
            )
        if not (_naturals(offsets) and len(offsets) == 2):
            raise _corrupt(
                path,
                f"tensor {name!r}: field data_offsets is not two non-negative integers: "
                f"{_short(offsets)}",
            )
        if dtype not in _SAFETENSORS_DTYPES:
            raise CheckpointError(
                f"load: {path!r}: tensor {name!r} has dtype {dtype}, which crossgrad has no "
                f"dtype for; known: {', '.join(_SAFETENSORS_DTYPES)}",
                hint="convert the tensor to float32 (or another listed dtype) and save again",
            )
        start, stop = offsets
        count = 1
        for n in shape:
            count *= n
        itemsize = np.dtype(_SAFETENSORS_DTYPES[dtype]).itemsize
        if not start <= stop or stop - start != count * itemsize:
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


def _check_metadata(path: str, meta: Any) -> None:
    if meta is None:
        return
    if not isinstance(meta, dict):
        raise _corrupt(path, f"field __metadata__ is not a JSON object: {_short(meta)}")
    for key, value in meta.items():
        if not isinstance(value, str):
            raise _corrupt(path, f"field __metadata__[{key!r}] is not a string: {_short(value)}")


def _naturals(value: Any) -> bool:
    return isinstance(value, list) and all(
        type(n) is int and n >= 0
        for n in value  # bools are not sizes
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _read_arrays(path: str, content: bytes) -> dict[str, np.ndarray]:
    try:
        return safetensors.numpy.load(content)
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
        or type(layout.get("version")) is not int
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
        value = node["value"]
        if value is not None and not isinstance(value, (bool, int, float, str)):
            raise _corrupt(path, f"its crossgrad metadata has a malformed value: {_short(value)}")
        return value
    if "tensor" in node:
        name = node["tensor"]
        if not isinstance(name, str) or name not in arrays:
            raise _corrupt(
                path, f"tensor {name!r} is listed in the metadata but missing from the file"
            )
        array = arrays[name]
        dtype = node.get("dtype")
        if (
            not isinstance(dtype, str)
            or dtype not in dtypes.BY_NAME
            or list(array.shape) != node.get("shape")
        ):
            raise _corrupt(
                path,
                f"tensor {name!r} is stored as {array.dtype}{list(array.shape)}"
                f" but the metadata says {node.get('dtype')}{node.get('shape')}",
            )
        requires_grad = node.get("requires_grad", False)
        if not isinstance(requires_grad, bool):
            raise _corrupt(path, f"tensor {name!r}: field requires_grad is not a bool")
        return _to_tensor(path, name, array, backend, node["dtype"], requires_grad)
    if "dict" in node and isinstance(node["dict"], list):
        out = {}
        for item in node["dict"]:
            key_ok = (
                len(item) == 2 and type(item[0]) in (str, int) if isinstance(item, list) else False
            )
            if not key_ok:
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
