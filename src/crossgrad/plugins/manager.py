"""Loading plugins: the built-ins, then the installed entry points, each in isolation.

Entry points of the ``crossgrad`` group are listed with :mod:`importlib.metadata` without
importing anything; the environment's allow and block lists are applied before any import.
Each plugin is then imported, registered with pluggy and asked for its contributions inside
its own ``try``: one that raises, registers an unknown hook or returns malformed data is
dropped whole with a :class:`~crossgrad.core.errors.PluginWarning` naming its distribution,
and crossgrad goes on without it (``CROSSGRAD_STRICT_PLUGINS=1`` raises instead).

Environment:
    CROSSGRAD_DISABLE_PLUGIN_AUTOLOAD=1  load the built-ins only
    CROSSGRAD_PLUGINS=a,b                load only these entry points (names or distributions)
    CROSSGRAD_BLOCK_PLUGINS=c            never load these
    CROSSGRAD_STRICT_PLUGINS=1           a plugin that fails or clashes raises PluginError
    CROSSGRAD_CHECK_KERNELS=0            do not check third-party kernels' results

A plugin is isolated from the program that loads it: ``SystemExit`` or any other exception
from its import or hooks is its own failure (only Ctrl-C's ``KeyboardInterrupt`` goes on),
and crossgrad's kernel tables, namespace and Tensor class are restored as they were before
it, so a failed plugin leaves no trace. What a loaded plugin changes outside its hooks is
recorded on its :class:`PluginRecord` and shown by ``crossgrad info``. A plugin whose import
takes longer than :data:`SLOW_PLUGIN_SECONDS` is named in a warning.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import os
import re
import sys
import time
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pluggy

from crossgrad.backends import BUILTIN_MODULES
from crossgrad.backends.base import Backend
from crossgrad.core.errors import PluginError, PluginWarning
from crossgrad.core.function import PORTABLE_KERNELS
from crossgrad.plugins import checks, hookspecs
from crossgrad.plugins.kernels import did_you_mean
from crossgrad.plugins.specs import OP_NAME, KernelSpec, LazyKernel, OpSpec

PROJECT = "crossgrad"
ENTRY_POINT_GROUP = "crossgrad"
BUILTIN_PLUGINS = (*BUILTIN_MODULES, "crossgrad.ops.catalogue")
HOOKS = tuple(n for n in vars(hookspecs) if n.startswith("crossgrad_"))
#: A plugin whose import and hooks take longer than this many seconds is warned about.
SLOW_PLUGIN_SECONDS = 1.0


class _PluginManager(pluggy.PluginManager):
    """Takes unmarked ``crossgrad_*`` functions as specs and implementations (as pytest does
    for ``pytest_*``), so plugins need not import pluggy."""

    def parse_hookspec_opts(self, module_or_class: Any, name: str) -> Any:
        opts = super().parse_hookspec_opts(module_or_class, name)
        if opts is None and name.startswith("crossgrad_"):
            return {
                "firstresult": False,
                "historic": False,
                "warn_on_impl": None,
                "warn_on_impl_args": None,
            }
        return opts

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> Any:
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is None and name.startswith("crossgrad_") and callable(getattr(plugin, name)):
            return {}
        return opts


def truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _names(variable: str) -> set[str]:
    return {_normal(n) for n in os.environ.get(variable, "").split(",") if n.strip()}


def _normal(name: str) -> str:
    """A plugin or distribution name as pip compares them: ``Crossgrad_Fused`` is
    ``crossgrad-fused``."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


@dataclass
class PluginRecord:
    """What happened to one plugin: where it came from, whether it loaded, what it added.

    ``state`` is ``"loaded"``, ``"blocked"`` (allow/block list), ``"disabled"`` (autoload
    off) or ``"failed"`` (``reason`` says why; nothing of it was registered).
    """

    name: str
    distribution: str
    version: str
    state: str
    reason: str = ""
    target: str = ""
    builtin: bool = False
    backends: list[str] = field(default_factory=list)
    ops: list[str] = field(default_factory=list)
    kernels: list[str] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    #: seconds its import and hooks took
    load_seconds: float = 0.0
    #: what its import changed in crossgrad outside its hooks (``"kernel numpy:tanh"``)
    patched: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """``"crossgrad-fused 0.1.0"``: the distribution and version, for messages."""
        return f"{self.distribution} {self.version}"


@dataclass
class Contested:
    """A name two distributions claim: using it raises, naming both."""

    kind: str
    name: str
    claimants: list[PluginRecord]

    def error(self) -> PluginError:
        who = " and ".join(f"plugin {r.name!r} ({r.label})" for r in self.claimants)
        kind = "kernel replacement" if self.kind == "override" else self.kind
        return PluginError(
            f"{kind} {self.name!r} is claimed by both {who}",
            hint="uninstall one, or block one with CROSSGRAD_BLOCK_PLUGINS="
            f"{self.claimants[-1].name}",
        )


@dataclass
class Loaded:
    """Everything the plugins registered, clashes resolved."""

    records: list[PluginRecord]
    backends: dict[str, Backend]
    ops: dict[str, tuple[OpSpec, PluginRecord]]
    contested: dict[tuple[str, str], Contested]
    namespaces: dict[str, list[PluginRecord]]
    #: every kernel as loading left it (``"numpy:tanh"`` for a backend's, ``"tanh"`` for a
    #: portable one), to tell what was patched afterwards
    kernels_at_load: dict[str, Any] = field(default_factory=dict)

    def patched_since_load(self) -> list[str]:
        """The kernels changed, added or removed since loading, outside any hook."""
        now = _kernel_table(self.backends)
        return [
            name
            for name in sorted(set(now) | set(self.kernels_at_load))
            if not _same_kernel(self.kernels_at_load.get(name), now.get(name))
        ]


def _kernel_table(backends: dict[str, Backend]) -> dict[str, Any]:
    table: dict[str, Any] = dict(PORTABLE_KERNELS)
    for b in backends.values():
        table.update((f"{b.name}:{op}", kernel) for op, kernel in b.kernels.items())
    return table


def _same_kernel(before: Any, now: Any) -> bool:
    if before is now:
        return True
    # A kernel named by reference puts the imported function in its place on first use.
    return isinstance(before, LazyKernel) and before.ref == _reference_name(now)


def _reference_name(kernel: Any) -> str:
    return f"{getattr(kernel, '__module__', '')}:{getattr(kernel, '__qualname__', '')}"


@dataclass
class _Candidate:
    record: PluginRecord
    load: Callable[[], Any]
    plugin: Any = None
    backends: list[Backend] = field(default_factory=list)
    ops: list[OpSpec] = field(default_factory=list)
    kernels: list[KernelSpec] = field(default_factory=list)


def discover() -> list[tuple[importlib.metadata.EntryPoint, PluginRecord]]:
    """The installed ``crossgrad`` entry points and the state the environment gives each
    (``"loaded"`` meaning: to be loaded); nothing is imported."""
    allow, block = _names("CROSSGRAD_PLUGINS"), _names("CROSSGRAD_BLOCK_PLUGINS")
    disabled = truthy("CROSSGRAD_DISABLE_PLUGIN_AUTOLOAD")
    found, seen = [], set()
    for ep in sorted(
        importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name
    ):
        if (ep.name, ep.value) in seen:  # the same distribution on sys.path twice
            continue
        seen.add((ep.name, ep.value))
        dist = ep.dist.name if ep.dist else "unknown"
        version = ep.dist.version if ep.dist else "unknown"
        names = {_normal(ep.name), _normal(dist)}
        if disabled:
            state, reason = "disabled", "CROSSGRAD_DISABLE_PLUGIN_AUTOLOAD is set"
        elif names & block:
            state, reason = "blocked", "named in CROSSGRAD_BLOCK_PLUGINS"
        elif allow and not names & allow:
            state, reason = "blocked", "not named in CROSSGRAD_PLUGINS"
        else:
            state, reason = "loaded", ""
        found.append((ep, PluginRecord(ep.name, dist, version, state, reason, ep.value)))
    return found


def load() -> Loaded:
    """Load the built-in plugins and the installed ones, and resolve what they claim."""
    pm = _PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    version = _version(PROJECT)
    candidates = [
        _Candidate(
            PluginRecord(m, PROJECT, version, "loaded", target=m, builtin=True),
            functools.partial(importlib.import_module, m),
        )
        for m in BUILTIN_PLUGINS
    ]
    records = [c.record for c in candidates]
    for ep, record in discover():
        records.append(record)
        if record.state == "loaded":
            candidates.append(_Candidate(record, ep.load))
    checks.enabled = os.environ.get("CROSSGRAD_CHECK_KERNELS", "1").strip() != "0"
    for candidate in candidates:
        record = candidate.record
        # crossgrad's own plugins cannot be dropped: only the others are checked and undone.
        before = None if record.builtin else _Tables(candidates)
        start = time.perf_counter()
        try:
            _collect(pm, candidate)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - even SystemExit: a plugin's failure
            if before is None:
                raise
            before.restore()
            _fail(record, f"{type(exc).__name__}: {exc}", exc)
        else:
            record.patched = [] if before is None else before.changes()
            if record.patched:
                _warn_or_raise(
                    f"crossgrad: plugin {record.name!r} from {record.label} changed "
                    f"crossgrad outside its hooks: {', '.join(record.patched)}",
                    PluginError(
                        f"plugin {record.name!r} from {record.label} changed crossgrad "
                        f"outside its hooks: {', '.join(record.patched)}",
                        hint="plugins add kernels with crossgrad_kernels(), not by patching",
                    ),
                )
        record.load_seconds = time.perf_counter() - start
        if record.load_seconds > SLOW_PLUGIN_SECONDS and not record.builtin:
            warnings.warn(
                f"crossgrad: plugin {record.name!r} from {record.label} took "
                f"{record.load_seconds:.1f} s to load; block it with "
                f"CROSSGRAD_BLOCK_PLUGINS={record.name} if you do not use it",
                PluginWarning,
                stacklevel=_outside_crossgrad(),
            )
    return _resolve([c for c in candidates if c.record.state == "loaded"], records)


class _Tables:
    """A copy of what plugins could change outside their hooks: the portable kernels,
    the backends made so far, the ``crossgrad`` namespace and the Tensor class."""

    def __init__(self, candidates: list[_Candidate]) -> None:
        self.portable = dict(PORTABLE_KERNELS)
        self.backends = [(b, dict(b.kernels)) for c in candidates for b in c.backends]
        self.namespaces = [(n, dict(vars(n))) for n in _namespaces()]

    def changes(self) -> list[str]:
        """What differs now: changed or removed entries, and kernels added."""
        found = [
            f"kernel {name}"
            for name in sorted(set(self.portable) | set(PORTABLE_KERNELS))
            if PORTABLE_KERNELS.get(name) is not self.portable.get(name)
            and name in self.portable  # a new op class registers its kernel: allowed
        ]
        for b, kernels in self.backends:
            for name in sorted(set(kernels) | set(b.kernels)):
                if b.kernels.get(name) is not kernels.get(name):
                    found.append(f"kernel {b.name}:{name}")
        for namespace, saved in self.namespaces:
            now = vars(namespace)
            for name, value in saved.items():
                if now.get(name) is not value and not name.startswith("__"):
                    found.append(f"{namespace.__name__}.{name}")
        return found

    def restore(self) -> None:
        PORTABLE_KERNELS.clear()
        PORTABLE_KERNELS.update(self.portable)
        for b, kernels in self.backends:
            b.kernels.clear()
            b.kernels.update(kernels)
        for namespace, saved in self.namespaces:
            for name, value in saved.items():
                if vars(namespace).get(name) is not value and not name.startswith("__"):
                    setattr(namespace, name, value)


def _namespaces() -> list[Any]:
    """crossgrad's namespace and Tensor class, where they are imported already."""
    found: list[Any] = []
    package = sys.modules.get(PROJECT)
    if package is not None:
        found.append(package)
    tensor = sys.modules.get(f"{PROJECT}._tensor")
    if tensor is not None:
        found.append(tensor.Tensor)
    return found


def _collect(pm: pluggy.PluginManager, candidate: _Candidate) -> None:
    """Import one plugin, register it, and take (and check) what each of its hooks returns."""
    record = candidate.record
    plugin = candidate.plugin = candidate.load()
    unknown = sorted(
        n
        for n in dir(plugin)
        if n.startswith("crossgrad_") and n not in HOOKS and callable(getattr(plugin, n))
    )
    if unknown:
        raise PluginError(
            f"defines unknown hook(s) {', '.join(unknown)}; crossgrad's hooks "
            f"are {', '.join(HOOKS)}",
            hint="rename the function, or upgrade crossgrad if the plugin needs a newer one",
        )
    pm.register(plugin, name=record.name)
    try:
        for hook in HOOKS:
            for impl in getattr(pm.hook, hook).get_hookimpls():
                if impl.plugin is plugin:
                    _take(candidate, hook, impl.function())
    except BaseException:
        pm.unregister(plugin)
        raise


def _take(candidate: _Candidate, hook: str, returned: Any) -> None:
    expected = {
        "crossgrad_backends": Backend,
        "crossgrad_ops": OpSpec,
        "crossgrad_kernels": KernelSpec,
    }[hook]
    items = list(returned) if isinstance(returned, (list, tuple)) else None
    if items is None or not all(isinstance(i, expected) for i in items):
        raise PluginError(
            f"{hook}() returned {returned!r:.200}, not a list of {expected.__name__}",
            hint=f"return a list of crossgrad.plugins.{expected.__name__}",
        )
    for item in items:
        if isinstance(item, Backend):
            if not isinstance(item.name, str) or not item.name.isidentifier():
                raise PluginError(
                    f"{hook}() returned a backend named {item.name!r}",
                    hint="give the Backend subclass a `name` that is a Python identifier",
                )
            candidate.backends.append(item)
        elif isinstance(item, OpSpec):
            if not isinstance(item.name, str) or not OP_NAME.match(item.name):
                raise PluginError(
                    f"{hook}() returned an op named {item.name!r}",
                    hint="name ops '<namespace>.<op>', lower-case identifiers",
                )
            if not (callable(item.function) or isinstance(item.function, str)):
                raise PluginError(
                    f"op {item.name!r}: function is {item.function!r}",
                    hint="give a Function subclass, a callable, or a 'module:attr' string",
                )
            if not isinstance(item.kernels, (tuple, list)) or not all(
                isinstance(n, str) and OP_NAME.match(n) and n.startswith(item.namespace + ".")
                for n in item.kernels
            ):
                raise PluginError(
                    f"op {item.name!r}: kernels={item.kernels!r}",
                    hint=f"declare further kernels as a tuple of '{item.namespace}.<name>' strings",
                )
            candidate.ops.append(item)
        else:
            if not (
                isinstance(item.op, str)
                and isinstance(item.backend, str)
                and (callable(item.kernel) or isinstance(item.kernel, str))
            ):
                raise PluginError(
                    f"{hook}() returned {item!r}",
                    hint="KernelSpec(op: str, backend: str, kernel: callable "
                    "or 'module:attr' string)",
                )
            candidate.kernels.append(item)


def _resolve(candidates: list[_Candidate], records: list[PluginRecord]) -> Loaded:
    """Accept each loaded plugin's claims (built-ins first). A plugin that claims a built-in
    name, or a kernel of an op it does not own without declaring an override, is dropped
    whole; two plugins claiming one op, backend or override make that name raise on use."""
    claims = _Claims(candidates)
    backends: dict[str, Backend] = {}
    owners: dict[tuple[str, str], PluginRecord] = {}
    ops: dict[str, tuple[OpSpec, PluginRecord]] = {}
    contested: dict[tuple[str, str], Contested] = {}
    namespaces: dict[str, list[PluginRecord]] = {}
    accepted = []
    reference = _reference(candidates)
    for c in candidates:
        r = c.record
        try:
            claims.check(c)
        except PluginError as exc:
            if r.builtin:
                raise
            _fail(r, str(exc), exc)
            continue
        accepted.append(c)
        for b in c.backends:
            _claim(("backend", b.name), r, owners, contested)
            backends.setdefault(b.name, b)
            r.backends.append(b.name)
            if not r.builtin:
                for op, kernel in list(b.kernels.items()):
                    b.kernels[op] = checks.CheckedKernel(kernel, op, b, r, reference)
        for spec in c.ops:
            _claim(("op", spec.name), r, owners, contested)
            ops.setdefault(spec.name, (spec, r))
            r.ops.append(spec.name)
            if r not in namespaces.setdefault(spec.namespace, []):
                namespaces[spec.namespace].append(r)
    for c in accepted:  # once every backend is known
        r = c.record
        for k in c.kernels:
            name = f"{k.backend}:{k.op}"
            if k.backend not in backends:
                r.kernels.append(f"{name} (backend not installed)")
                continue
            # Kernels of one op: one owner; replacements of one kernel: one overrider.
            _claim(("override" if k.override else "kernel", name), r, owners, contested)
            (r.overrides if k.override else r.kernels).append(name)
            _install(backends[k.backend], k, r, reference)
    for (kind, name), clash in contested.items():
        if kind in ("kernel", "override"):
            backend_name, _, op = name.partition(":")
            backends[backend_name].kernels[op] = _contested_kernel(clash)
        message = str(clash.error()).partition("\n")[0]
        for r in clash.claimants:
            r.conflicts.append(message)
        _warn_or_raise(
            f"crossgrad: {message}; using it raises until one plugin is removed", clash.error()
        )
    return Loaded(records, backends, ops, contested, namespaces, _kernel_table(backends))


class _Claims:
    """What every loaded plugin claims, known before any claim is accepted, so that no
    check depends on the order plugins load in."""

    def __init__(self, candidates: list[_Candidate]) -> None:
        self.builtin_namespaces: set[str] = set()
        self.builtin_backends: dict[str, PluginRecord] = {}
        self.namespace_owners: dict[str, list[PluginRecord]] = {}
        # Every kernel name an op has: crossgrad's (its op modules are imported with it, so
        # their portable kernels are registered) and each plugin op's with those it declares.
        self.kernel_names: set[str] = set(PORTABLE_KERNELS)
        for c in candidates:
            for s in c.ops:
                self.kernel_names |= {s.name, *s.kernels}
        for c in candidates:
            if c.record.builtin:
                self.builtin_namespaces |= {s.namespace for s in c.ops}
                self.builtin_namespaces |= getattr(c.plugin, "NAMESPACES_TAKEN", set())
                self.builtin_backends.update((b.name, c.record) for b in c.backends)
            for s in c.ops:
                owners = self.namespace_owners.setdefault(s.namespace, [])
                if c.record not in owners:
                    owners.append(c.record)

    def check(self, c: _Candidate) -> None:
        """Raise PluginError if ``c`` claims a built-in name, or a kernel of an op that is
        not its own without declaring the override."""
        r = c.record
        self._check_kernel_names(c)
        if r.builtin:
            return
        for b in c.backends:
            if b.name in self.builtin_backends:
                raise PluginError(
                    f"claims backend {b.name!r}, built into {self.builtin_backends[b.name].label}",
                    hint="give the backend another name",
                )
        for spec in c.ops:
            if spec.namespace in self.builtin_namespaces:
                raise PluginError(
                    f"claims op {spec.name!r} in namespace {spec.namespace!r}, "
                    f"which belongs to crossgrad's own ops "
                    f"(crossgrad {_version(PROJECT)})",
                    hint="put the plugin's ops in a namespace of its own, "
                    "named like its entry point",
                )
        for k in c.kernels:
            namespace = k.op.partition(".")[0] if "." in k.op else ""
            if k.override or (namespace and r in self.namespace_owners.get(namespace, [])):
                continue
            others = [o for o in self.namespace_owners.get(namespace, []) if o is not r]
            if not namespace or namespace in self.builtin_namespaces or others:
                whose = (
                    f"{others[0].label}'s" if others and not others[0].builtin else "crossgrad's"
                )
                raise PluginError(
                    f"kernel {k.backend}:{k.op} is for {whose} op, not this "
                    "plugin's, and is not declared as an override",
                    hint="return KernelSpec(..., override=True) to replace it",
                )

    def _check_kernel_names(self, c: _Candidate) -> None:
        """Raise PluginError if one of ``c``'s KernelSpecs or backends' kernel overrides
        names a kernel that no op has (a misspelled one would silently never run)."""
        named = [(f"KernelSpec({k.op!r}, {k.backend!r})", k.op) for k in c.kernels]
        named += [(f"backend {b.name!r} overrides", n) for b in c.backends for n in b.kernels]
        for what, name in named:
            if name not in self.kernel_names:
                raise PluginError(
                    f"{what}: no op of crossgrad or of a loaded plugin has a kernel "
                    f"{name!r}{did_you_mean(name, self.kernel_names)}",
                    hint="name a kernel as its op does (Op.name); a plugin op's further "
                    "kernels are declared in OpSpec(kernels=...)",
                )


def _claim(
    key: tuple[str, str],
    record: PluginRecord,
    owners: dict[tuple[str, str], PluginRecord],
    contested: dict[tuple[str, str], Contested],
) -> None:
    owner = owners.setdefault(key, record)
    if owner is record:
        return
    clash = contested.setdefault(key, Contested(key[0], key[1], [owner]))
    clash.claimants.append(record)


def _install(
    backend: Backend, k: KernelSpec, record: PluginRecord, reference: checks.Reference | None
) -> None:
    what = f"kernel {k.backend}:{k.op} of plugin {record.name!r} ({record.label})"
    kernel = k.kernel
    if isinstance(kernel, str):
        kernel = LazyKernel(backend.kernels, k.op, kernel, what)
    if not record.builtin:
        kernel = checks.CheckedKernel(kernel, k.op, backend, record, reference)
    backend.kernels[k.op] = kernel


def _reference(candidates: list[_Candidate]) -> checks.Reference | None:
    """The built-in backend on host arrays, whose kernels tell what shape and dtype an op
    gives (the reference for checking third-party kernels)."""
    for c in candidates:
        if c.record.builtin:
            for b in c.backends:
                if b.host_arrays:
                    return checks.Reference(b)
    return None


def _contested_kernel(clash: Contested) -> Callable[..., Any]:
    def contested(*args: Any, **kwargs: Any) -> Any:
        raise clash.error()

    return contested


def _fail(record: PluginRecord, reason: str, exc: BaseException) -> None:
    record.state, record.reason = "failed", reason
    record.backends, record.ops, record.kernels, record.overrides = [], [], [], []
    _warn_or_raise(
        f"crossgrad: plugin {record.name!r} from {record.label} was not loaded: {reason}",
        PluginError(
            f"plugin {record.name!r} from {record.label} failed to load: {reason}",
            hint="fix, upgrade or uninstall the plugin, or "
            f"block it with CROSSGRAD_BLOCK_PLUGINS="
            f"{record.name}",
        ),
        exc,
    )


def _warn_or_raise(message: str, error: PluginError, cause: BaseException | None = None) -> None:
    if truthy("CROSSGRAD_STRICT_PLUGINS"):
        raise error from cause
    warnings.warn(message, PluginWarning, stacklevel=_outside_crossgrad())


def _outside_crossgrad() -> int:
    """The stacklevel of the first caller outside crossgrad: the user's line that made
    crossgrad load its plugins (``warnings.warn`` would otherwise name crossgrad's)."""
    package = os.path.dirname(os.path.dirname(__file__)) + os.sep
    frame: types.FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
