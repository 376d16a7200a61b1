"""crossgrad.Tensor's methods are declared in one file, crossgrad/_tensor.py, and nowhere else."""

import ast
from pathlib import Path

import crossgrad
import crossgrad.nn  # noqa: F401 - everything that could once patch Tensor is imported
import crossgrad.optim  # noqa: F401
import crossgrad.testing  # noqa: F401

SURFACE = Path(crossgrad.__file__).parent / "_tensor.py"


def _declared_in_surface() -> set[str]:
    tree = ast.parse(SURFACE.read_text())
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Tensor"]
    names = set()
    for node in cls.body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def test_every_attribute_of_tensor_is_declared_in_its_class_body():
    implicit = {
        "__module__",
        "__qualname__",
        "__doc__",
        "__slots__",
        "__firstlineno__",
        "__static_attributes__",
        "__annotations__",
        "__init__",
    }
    attached = set(vars(crossgrad.Tensor)) - _declared_in_surface() - implicit
    assert not attached, f"attributes set on Tensor outside crossgrad/_tensor.py: {attached}"


def test_op_methods_are_the_public_op_functions():
    # go-to-definition on x.tanh lands on crossgrad.ops.elementwise.tanh
    assert crossgrad.Tensor.tanh is crossgrad.tanh
    assert crossgrad.Tensor.sum is crossgrad.sum
    assert crossgrad.Tensor.softmax is crossgrad.nn.functional.softmax
    for name, value in vars(crossgrad.Tensor).items():
        if callable(value) and not name.startswith("__") and hasattr(value, "__module__"):
            assert value.__module__.startswith(("crossgrad.ops.", "crossgrad._tensor")), name


def test_tensors_made_by_ops_are_public_tensors():
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).tanh()
    assert type(x) is crossgrad.Tensor and type(y) is crossgrad.Tensor
    y.sum().backward()
    assert type(x.grad) is crossgrad.Tensor
