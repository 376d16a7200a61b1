"""The JAX backend: XLA on CPU, GPU or TPU, immutable arrays.

JAX is imported on first use only (``import crossgrad`` must not import it). Loading the
namespace turns on 64-bit mode, so float64 and int64 tensors hold what they say; float data
still becomes float32 by default because creation always passes the dtype it wants.

Arrays cannot be written in place: every in-place Tensor op rebinds the tensor to a
functionally updated array (``Backend.write`` and ``setitem`` with ``mutable = False``), and
index updates use ``.at[key].set`` / ``.at[key].add``. Nothing here waits for a result: ops
dispatch asynchronously, as JAX does, and only conversions out (``.numpy()``, ``.item()``)
wait for the values.
"""

from __future__ import annotations

import functools
import secrets
from typing import Any

from crossgrad.backends.base import Backend
from crossgrad.core.dtypes import DType


class JaxBackend(Backend):
    name = "jax"
    mutable = False
    requires = "jax"
    install_hint = "pip install 'crossgrad[jax]'"
    array_modules = ("jax", "jaxlib")
    flushes_subnormals = True  # XLA's CPU and GPU code runs with flush-to-zero

    def __init__(self) -> None:
        super().__init__()
        # The key is made on first use: making it now would import JAX with crossgrad.
        self._seed = secrets.randbits(63)
        self._key: Any = None
        self.kernels.update(
            scatter_add=_scatter_add,
            index_put=_index_put,
            einsum=_einsum,
            erf=_erf,
            conv2d=_conv2d,
            conv_transpose2d=_conv_transpose2d,
            conv2d_weight=_conv2d_weight,
            max_pool2d=_max_pool2d,
        )

    def _load_namespace(self) -> Any:
        import jax

        # Before any array exists: x64 decides the dtypes JAX will create from now on.
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        return jnp

    def info(self) -> dict[str, str]:
        import jax
        import jaxlib

        self.xp  # noqa: B018 - enables x64 before JAX reports anything
        devices = ", ".join(_device_name(d) for d in jax.devices())
        return {
            "jax": jax.__version__,
            "jaxlib": jaxlib.__version__,
            "platform": jax.default_backend(),
            "devices": devices,
        }

    # ---------------------------------------------------------------- dtypes and data
    def native_dtype(self, dtype: DType) -> Any:
        import numpy as np

        self.xp  # noqa: B018 - JAX maps 64-bit dtypes to 32-bit ones until x64 is on
        return np.dtype(dtype.name)

    def asarray(self, obj: Any, dtype: DType | None = None, copy: bool | None = None) -> Any:
        xp = self.xp
        native = None if dtype is None else self.native_dtype(dtype)
        if not self.owns(obj):
            # Host data: NumPy converts nested lists with exact dtype rules (and no weak
            # types), then one transfer puts it on the default device.
            import numpy as np

            obj = np.asarray(obj, dtype=native)
            return xp.asarray(obj)
        return xp.asarray(obj, dtype=native, copy=copy)

    def astype(self, array: Any, dtype: DType) -> Any:
        return self.xp.astype(array, self.native_dtype(dtype))

    def copy(self, array: Any) -> Any:
        # JAX arrays are immutable, so a tensor's "own copy" may share the buffer.
        return array

    def device_of(self, array: Any) -> str:
        try:
            devices = array.devices()
        except AttributeError:  # a tracer inside jax.jit has no device yet
            return "cpu"
        return _device_name(next(iter(devices)))

    # ---------------------------------------------------------------- random numbers
    def manual_seed(self, seed: int) -> None:
        with self.rng_lock:
            self._seed = int(seed)
            self._key = None

    def _next_key(self) -> Any:
        """A fresh key for one draw; the backend keeps the other half of the split."""
        import jax

        self.xp  # noqa: B018 - x64 must be on before the key's dtype is fixed
        with self.rng_lock:
            if self._key is None:
                self._key = jax.random.key(self._seed)
            self._key, key = jax.random.split(self._key)
        return key

    def rand(self, shape: tuple[int, ...], dtype: DType) -> Any:
        import jax

        return jax.random.uniform(self._next_key(), shape, dtype=self.native_dtype(dtype))

    def randn(self, shape: tuple[int, ...], dtype: DType) -> Any:
        import jax

        return jax.random.normal(self._next_key(), shape, dtype=self.native_dtype(dtype))

    def randint(self, low: int, high: int, shape: tuple[int, ...], dtype: DType) -> Any:
        import jax

        return jax.random.randint(
            self._next_key(), shape, low, high, dtype=self.native_dtype(dtype)
        )


def _device_name(device: Any) -> str:
    """``"cpu"`` for the host (as on NumPy), ``"<platform>:<id>"`` for accelerators."""
    if device.platform == "cpu":
        return "cpu"
    return f"{device.platform}:{device.id}"


def _scatter_add(xp: Any, target: Any, index: Any, values: Any) -> Any:
    """``target[index] += values`` with repeated indices accumulating."""
    return target.at[index].add(xp.astype(values, target.dtype))


def _index_put(xp: Any, x: Any, key: tuple[Any, ...], values: Any) -> Any:
    return x.at[key].set(values)


def _einsum(xp: Any, *arrays: Any, equation: str) -> Any:
    return xp.einsum(equation, *arrays)


def _erf(xp: Any, x: Any) -> Any:
    import jax

    return jax.scipy.special.erf(x)


# ---------------------------------------------------------------- convolution and pooling
# ``win`` is crossgrad.ops.conv.Window (hashable): size, stride, dilation, padding pairs.
# The transposed and weight convolutions are the VJPs of the forward one, which XLA lowers
# to convolutions again; each is compiled once per geometry.

_CONV_DIMS = ("NCHW", "OIHW", "NCHW")


def _conv_fn(win: Any, groups: int) -> Any:
    import jax

    return lambda x, w: jax.lax.conv_general_dilated(
        x,
        w,
        window_strides=win.stride,
        padding=win.padding,
        rhs_dilation=win.dilation,
        dimension_numbers=_CONV_DIMS,
        feature_group_count=groups,
    )


def _jitted() -> dict[str, Any]:
    import jax

    if not _JIT:

        @functools.partial(jax.jit, static_argnames=("win", "groups"))
        def forward(x: Any, w: Any, win: Any, groups: int) -> Any:
            return _conv_fn(win, groups)(x, w)

        @functools.partial(jax.jit, static_argnames=("win", "groups", "x_shape"))
        def input_grad(g: Any, w: Any, win: Any, groups: int, x_shape: Any) -> Any:
            x = jax.numpy.zeros(x_shape, g.dtype)
            _, vjp = jax.vjp(lambda x: _conv_fn(win, groups)(x, w), x)
            return vjp(g)[0]

        @functools.partial(jax.jit, static_argnames=("win", "groups", "w_shape"))
        def weight_grad(x: Any, g: Any, win: Any, groups: int, w_shape: Any) -> Any:
            w = jax.numpy.zeros(w_shape, g.dtype)
            _, vjp = jax.vjp(lambda w: _conv_fn(win, groups)(x, w), w)
            return vjp(g)[0]

        _JIT.update(forward=forward, input_grad=input_grad, weight_grad=weight_grad)
    return _JIT


_JIT: dict[str, Any] = {}


def _conv2d(xp: Any, x: Any, w: Any, *, win: Any, groups: int) -> Any:
    return _jitted()["forward"](x, w, win=win, groups=groups)


def _conv_transpose2d(xp: Any, g: Any, w: Any, *, win: Any, groups: int, in_hw: Any) -> Any:
    x_shape = (g.shape[0], w.shape[1] * groups, *in_hw)
    return _jitted()["input_grad"](g, w, win=win, groups=groups, x_shape=x_shape)


def _conv2d_weight(xp: Any, x: Any, g: Any, *, win: Any, groups: int) -> Any:
    w_shape = (g.shape[1], x.shape[1] // groups, *win.size)
    return _jitted()["weight_grad"](x, g, win=win, groups=groups, w_shape=w_shape)


def _max_pool2d(xp: Any, x: Any, *, win: Any) -> tuple[Any, Any]:
    """Window maxima by ``lax.reduce_window``; the window-local argmax from the same padded
    windows (backward needs it)."""
    import jax

    (kh, kw), (sh, sw), (dh, dw) = win.size, win.stride, win.dilation
    pad = ((0, 0), (0, 0), *win.padding)
    y = jax.lax.reduce_window(
        x, -xp.inf, jax.lax.max, (1, 1, kh, kw), (1, 1, sh, sw), pad, window_dilation=(1, 1, dh, dw)
    )
    xpad = xp.pad(x, pad, constant_values=-xp.inf)
    ho, wo = y.shape[2:]
    cols = xp.stack(
        [
            xpad[
                :,
                :,
                i * dh : i * dh + sh * (ho - 1) + 1 : sh,
                j * dw : j * dw + sw * (wo - 1) + 1 : sw,
            ]
            for i in range(kh)
            for j in range(kw)
        ],
        axis=2,
    )
    return y, xp.argmax(cols, axis=2)


def crossgrad_backends() -> list[Backend]:
    """The hook implementation that registers this backend (pluggy looks it up by name)."""
    return [JaxBackend()]
