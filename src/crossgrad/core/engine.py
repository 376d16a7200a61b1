"""The backward engine: one iterative walk of the graph in dependency order.

``backward`` accumulates into leaves' ``.grad``; ``grad`` returns the gradients of chosen
inputs instead. No recursion, so graphs of any depth work.
"""

from __future__ import annotations

import itertools
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from crossgrad.core import dtypes, grad_mode
from crossgrad.core.errors import (
    AnomalyError,
    GradientContractError,
    GraphError,
    ShapeError,
)
from crossgrad.core.function import Node
from crossgrad.core.gradient_ops import Cast, GradSum, SumToShape
from crossgrad.core.tensor import TensorBase, make

if TYPE_CHECKING:
    from crossgrad._tensor import Tensor


def backward(
    tensors: TensorBase | Sequence[TensorBase],
    grad_tensors: TensorBase | Sequence[TensorBase | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: TensorBase | Sequence[TensorBase] | None = None,
) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the graph's leaves."""
    roots, seeds = _seed(
        "backward",
        _as_seq(tensors),
        None if grad_tensors is None else _as_seq(grad_tensors),
        create_graph,
    )
    targets = None if inputs is None else _targets("backward", _as_seq(inputs))
    found = _run(
        roots, seeds, create_graph if retain_graph is None else retain_graph, create_graph, targets
    )
    if targets is None:
        return
    for t, g in zip(targets, found):
        if g is not None:
            _accumulate(t, g, create_graph)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor, ...]:
    """Return the gradients of ``outputs`` with respect to ``inputs`` (nothing accumulates).

    >>> import crossgrad
    >>> x = crossgrad.tensor(3.0, requires_grad=True)
    >>> (dx,) = crossgrad.autograd.grad(x ** 3, x, create_graph=True)
    >>> (dxx,) = crossgrad.autograd.grad(dx, x)
    >>> dx.item(), dxx.item()
    (27.0, 18.0)
    """
    outputs = _as_seq(outputs)
    grad_outputs = None if grad_outputs is None else _as_seq(grad_outputs)
    targets = _targets("grad", _as_seq(inputs))
    roots, seeds = _seed("grad", outputs, grad_outputs, create_graph)
    found = _run(
        roots, seeds, create_graph if retain_graph is None else retain_graph, create_graph, targets
    )
    if not allow_unused:
        for i, g in enumerate(found):
            if g is None:
                raise GraphError(
                    f"grad: input {i} was not used in the graph of the outputs "
                    f"(shape={targets[i].shape})",
                    hint="pass allow_unused=True to get None for unused inputs",
                )
    return tuple(found)


def _as_seq(x: Any) -> list[Any]:
    return [x] if isinstance(x, TensorBase) or x is None else list(x)


def _targets(op: str, inputs: list[TensorBase]) -> list[TensorBase]:
    for i, t in enumerate(inputs):
        if not isinstance(t, TensorBase) or not t._requires_grad:
            raise GraphError(
                f"{op}: input {i} does not require grad, so it has no gradient",
                hint="create it with requires_grad=True, or call requires_grad_() on it",
            )
    return inputs


def _seed(
    op: str,
    tensors: Sequence[TensorBase],
    grads: Sequence[TensorBase | None] | None,
    create_graph: bool,
) -> tuple[list[TensorBase], list[TensorBase]]:
    if grads is not None and len(grads) != len(tensors):
        raise GraphError(
            f"{op}: got {len(grads)} gradients for {len(tensors)} outputs",
            hint="pass one gradient per output",
        )
    roots, seeds = [], []
    for i, t in enumerate(tensors):
        if not t._requires_grad:
            raise GraphError(
                f"{op}: output {i} does not require grad and has no grad_fn, so there is "
                "no graph to differentiate",
                hint="make sure some input has requires_grad=True and that the output was "
                "computed outside no_grad()",
            )
        g = None if grads is None else grads[i]
        if g is None:
            if t.numel() != 1:
                raise GraphError(
                    f"{op}: a gradient can be created implicitly only for a one-element "
                    f"output, received shape={t.shape}",
                    hint="reduce the output first (e.g. .sum()), or pass gradient=",
                )
            g = make(t._backend.full(t._data.shape, 1, t.dtype), t._backend)
        else:
            if not isinstance(g, TensorBase):
                raise GraphError(
                    f"{op}: gradient {i} must be a TensorBase, received {type(g).__name__}",
                    hint="wrap it with tensor()",
                )
            if g.shape != t.shape:
                raise ShapeError(
                    f"{op}: gradient {i} has the wrong shape: gradient.shape={g.shape}, "
                    f"output.shape={t.shape}",
                    hint="pass a gradient of the output's shape",
                )
            if g._backend is not t._backend:
                from crossgrad.core.function import _mismatch

                raise _mismatch(op, t._backend, g._backend)
        roots.append(t)
        seeds.append(g if create_graph else g.detach())
    return roots, seeds


def _run(
    roots: list[TensorBase],
    seeds: list[TensorBase],
    retain_graph: bool,
    create_graph: bool,
    targets: list[TensorBase] | None,
) -> list[Any]:
    """Walk the graph from ``roots``. Returns the gradients of ``targets``, or accumulates
    into leaves when ``targets`` is None."""
    # Gradients of a target are captured where they meet: at its node's output (non-leaf)
    # or at the leaf itself.
    capture: dict[Any, int] = {}
    if targets is not None:
        for i, t in enumerate(targets):
            capture[(t, 0) if t.grad_fn is None else (t.grad_fn, t._out_idx)] = i
    found: list[Any] = [None] * len(capture)  # Tensors, or None where none arrived
    deps = _dependencies([r.grad_fn for r in roots if r.grad_fn is not None], capture)
    buffers: dict[Node, list[Any]] = {}
    leaf_grads: dict[TensorBase, Any] = {}
    anomaly = grad_mode.state.anomaly
    ready: list[Node] = []  # nodes whose output gradients are all in

    def deliver(edges: Any, grads: Any) -> None:
        """Hand each gradient to the node or leaf its edge leads to; queue the nodes
        whose every consumer has now delivered."""
        for edge, g in zip(edges, grads):
            if edge is None:
                continue
            target, idx = edge
            if type(target) is not Node:
                if g is None:
                    pass
                elif targets is None:
                    old = leaf_grads.get(target)
                    leaf_grads[target] = g if old is None else _sum(old, g)
                elif edge in capture:
                    i = capture[edge]
                    found[i] = g if found[i] is None else _sum(found[i], g)
                continue
            count = deps.get(target)
            if count is None:
                continue  # leads to no requested input
            if g is not None:
                buf = buffers.get(target)
                if buf is None:
                    buf = buffers[target] = [None] * _n_outputs(target)
                buf[idx] = g if buf[idx] is None else _sum(buf[idx], g)
            if count == 1:
                ready.append(target)
            deps[target] = count - 1

    previous = grad_mode.state.enabled
    grad_mode.state.enabled = create_graph
    try:
        # The seeds are one more consumer of each root's node: delivering them makes the
        # roots' nodes ready, unless another root's node still has to run first.
        for r in roots:
            if r.grad_fn in deps:  # else it leads to no requested input
                deps[r.grad_fn] += 1
        deliver([(r, 0) if r.grad_fn is None else (r.grad_fn, r._out_idx) for r in roots], seeds)
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            if grads is None:
                # Every consumer returned None for it: no gradient flows through this node.
                deliver(node.next_edges, itertools.repeat(None))
                continue
            if node._pre_hooks or node._retained:
                _run_pre_hooks(node, grads)
            if capture:
                for j, g in enumerate(grads):
                    k = capture.get((node, j))
                    if k is not None and g is not None:
                        found[k] = g
            fn = node.fn
            if node._out_meta is not None and node.materialize_grads:
                _materialize(node, grads)
            in_grads = fn.backward(node, *grads)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
            if fn._check_gradients:
                in_grads = _check_contract(node, in_grads)
            if anomaly:
                _check_finite(node, in_grads)
            if not retain_graph:
                node._saved = None  # frees saved tensors; using them again raises
            deliver(node.next_edges, in_grads)
    finally:
        grad_mode.state.enabled = previous
    g = grads = in_grads = None  # drop references, so leaves can take their gradients over
    for leaf in list(leaf_grads):
        _accumulate(leaf, leaf_grads.pop(leaf), create_graph)
    for t, i in capture.items():
        leaf = t[0]
        if type(leaf) is not Node and leaf._hooks and found[i] is not None:
            found[i] = _run_leaf_hooks(leaf, found[i])
    return found


_sum = GradSum.apply


def _dependencies(starts: list[Node], capture: dict[Any, int]) -> dict[Node, int]:
    """Count, for every node to run, how many edges from other nodes to run reach it.

    With capture targets, only nodes from which a target can be reached are kept.
    """
    deps = dict.fromkeys(starts, 0)
    stack = list(deps)
    while stack:
        for edge in stack.pop().next_edges:
            if edge is not None:
                target = edge[0]
                if type(target) is Node:
                    count = deps.get(target)
                    if count is None:
                        deps[target] = 1
                        stack.append(target)
                    else:
                        deps[target] = count + 1
    if not capture:
        return deps
    useful = _useful_nodes(list(deps), capture)
    kept = dict.fromkeys(useful, 0)
    for node in useful:
        for edge in node.next_edges:
            if edge is not None and edge[0] in kept:
                kept[edge[0]] += 1
    return kept


def _useful_nodes(order: list[Node], capture: dict[Any, int]) -> set[Node]:
    """The nodes from which some captured edge can be reached."""
    reaches: dict[Node, bool] = {}
    # Post-order without recursion: a node is decided once all its children are.
    for root in order:
        if root in reaches:
            continue
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if node in reaches:
                continue
            children = [e[0] for e in node.next_edges if e is not None and type(e[0]) is Node]
            if not expanded:
                stack.append((node, True))
                stack.extend((c, False) for c in children if c not in reaches)
                continue
            hit = any(key[0] is node for key in capture) or any(
                e is not None and (e in capture or (type(e[0]) is Node and reaches.get(e[0])))
                for e in node.next_edges
            )
            reaches[node] = bool(hit)
    return {n for n, hit in reaches.items() if hit}


def _n_outputs(node: Node) -> int:
    return 1 if node._out_meta is None else len(node._out_meta)


def _run_pre_hooks(node: Node, grads: list[Any]) -> None:
    """Run tensor hooks on a node's output gradients, then store retained gradients."""
    for j, fns in (node._pre_hooks or {}).items():
        if grads[j] is None:
            continue
        for fn in list(fns):
            replaced = fn(grads[j])
            if replaced is not None:
                grads[j] = replaced
    for j, ref in (node._retained or {}).items():
        t, g = ref(), grads[j]
        if t is not None and g is not None:
            g = g if grad_mode.state.enabled else g.detach()
            with _GRAD_LOCK:
                t._grad = g if t._grad is None else _sum(t._grad, g)


def _materialize(node: Node, grads: list[Any]) -> None:
    """Give unused outputs of a multi-output node zero gradients."""
    for j, g in enumerate(grads):
        if g is None and node._out_meta[j] is not None:  # type: ignore[index]
            shape, dtype = node._out_meta[j]  # type: ignore[index]
            grads[j] = make(node.backend.zeros(shape, dtype), node.backend)


def _check_contract(node: Node, in_grads: tuple[Any, ...]) -> tuple[Any, ...]:
    """Check a user Function's backward: one gradient per input, of the input's shape."""
    name = node.fn.__name__
    n = len(node.next_edges)
    if len(in_grads) != n:
        # PyTorch allows trailing Nones to be left out; extra non-None values are an error.
        if len(in_grads) > n and all(g is None for g in in_grads[n:]):
            in_grads = in_grads[:n]
        else:
            raise GradientContractError(
                f"{name}.backward returned {len(in_grads)} gradients, but forward took {n} inputs",
                hint="return one gradient (or None) per argument of forward",
            )
    checked = []
    for i, (g, meta) in enumerate(zip(in_grads, node._in_meta or ())):
        if g is None or meta is None or node.next_edges[i] is None:
            checked.append(None if meta is None or node.next_edges[i] is None else g)
            continue
        if not isinstance(g, TensorBase):
            raise GradientContractError(
                f"{name}.backward returned a {type(g).__name__} as gradient {i}, expected a "
                "TensorBase or None",
                hint="return Tensors built from the incoming gradient",
            )
        shape, dtype = meta
        if g.shape != shape:
            if _expands_to(shape, g.shape):
                g = SumToShape.apply(g, shape)
            else:
                raise GradientContractError(
                    f"{name}.backward returned gradient {i} of shape {g.shape}, but input "
                    f"{i} has shape {shape}",
                    hint="return a gradient of the input's shape",
                )
        if g.dtype is not dtype:
            if g.dtype.category != dtypes.FLOATING:
                raise GradientContractError(
                    f"{name}.backward returned gradient {i} of dtype {g.dtype.name}, but "
                    f"input {i} is {dtype.name}",
                    hint="return a floating-point gradient",
                )
            g = Cast.apply(g, dtype)
        if g._backend is not node.backend:
            from crossgrad.core.function import _mismatch

            raise _mismatch(f"{name}.backward", node.backend, g._backend)
        checked.append(g)
    return tuple(checked)


def _expands_to(shape: tuple[int, ...], grown: tuple[int, ...]) -> bool:
    if len(shape) > len(grown):
        return False
    for a, b in zip(reversed(shape), reversed(grown)):
        if a != b and a != 1:
            return False
    return True


def _check_finite(node: Node, in_grads: tuple[Any, ...]) -> None:
    for i, g in enumerate(in_grads):
        if g is None or g.dtype.category != dtypes.FLOATING:
            continue
        xp = g._backend.xp
        if not bool(xp.all(xp.isfinite(g._data))):
            trace = "".join(node._trace or ["(no forward traceback recorded)\n"])
            raise AnomalyError(
                f"{node.name} returned NaN or inf in its gradient for input {i} "
                f"(shape={g.shape}).\nThe forward op was created here:\n{trace}",
                hint="look for log/sqrt/division of zero or overflow in the op above",
            )


def _run_leaf_hooks(leaf: TensorBase, g: TensorBase) -> TensorBase:
    for fn in list(leaf._hooks or ()):
        replaced = fn(g)
        if replaced is not None:
            g = replaced
    return g


def _accumulate(leaf: TensorBase, g: Any, create_graph: bool) -> None:
    """Add ``g`` into ``leaf.grad``. A new ``.grad`` must own its memory (the user may write
    into it): a gradient nothing else holds is taken over, any other one is copied."""
    if leaf._hooks:
        g = _run_leaf_hooks(leaf, g)
    with _GRAD_LOCK:
        old = leaf._grad
        if create_graph:
            leaf._grad = g if old is None else _sum(old, g)
        elif old is not None:
            leaf._grad = _sum(old, g).detach()
        elif _sole_owner(g):
            leaf._grad = g.detach()
        else:
            leaf._grad = make(g._backend.copy(g._data), g._backend)


# Threads running backward on graphs that share a leaf add into the same ``.grad``; the
# read-add-write must not interleave (PyTorch's AccumulateGrad holds a mutex the same way).
_GRAD_LOCK = threading.Lock()


# References to a gradient TensorBase when nothing else holds it: _accumulate's argument,
# _sole_owner's and sys.getrefcount's. Counts are exact on CPython before 3.14, whose
# borrowed references may make them lower (then gradients are always copied).
_CALLER_REFS = 3
_COUNTS_EXACT = sys.version_info < (3, 14) and sys.implementation.name == "cpython"


def _sole_owner(g: TensorBase) -> bool:
    """Whether nothing but the engine refers to ``g`` or its memory (as PyTorch's
    AccumulateGrad checks use_count before stealing a gradient)."""
    return (
        _COUNTS_EXACT
        and sys.getrefcount(g) == _CALLER_REFS
        and g._base is None
        and g._backend.sole_owner(g._data)
    )
