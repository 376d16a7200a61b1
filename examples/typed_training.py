"""A type-checked training loop: a classifier of three Gaussian blobs, written as a PyTorch
user would write it, with annotations that mypy checks (``mypy examples/typed_training.py``).

Runs on any backend: ``CROSSGRAD_BACKEND=jax python examples/typed_training.py``.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

import crossgrad
from crossgrad import Tensor, nn
from crossgrad.nn import functional as F
from crossgrad.optim import AdamW
from crossgrad.optim.lr_scheduler import CosineAnnealingLR
from crossgrad.utils.data import DataLoader, TensorDataset

FEATURES, CLASSES, EPOCHS = 4, 3, 15


class Classifier(nn.Module):
    """Linear -> GELU -> LayerNorm -> Dropout -> Linear."""

    def __init__(self, in_features: int, hidden: int, classes: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(in_features, hidden),
            nn.GELU(),
            nn.LayerNorm(hidden),
            nn.Dropout(dropout),
        )
        self.head = nn.Linear(hidden, classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(F.relu(self.body(x)))


def make_blobs(n: int, rng: np.random.Generator) -> tuple[Tensor, Tensor]:
    """``n`` points per class around three centres, and their labels."""
    centres = rng.normal(scale=3.0, size=(CLASSES, FEATURES))
    points = np.concatenate([c + rng.normal(size=(n, FEATURES)) for c in centres])
    labels = np.repeat(np.arange(CLASSES), n)
    return crossgrad.tensor(points.astype(np.float32)), crossgrad.tensor(labels)


def accuracy(logits: Tensor, labels: Tensor) -> float:
    return (logits.argmax(dim=1) == labels).float().mean().item()


def evaluate(model: nn.Module, x: Tensor, labels: Tensor) -> float:
    model.eval()
    with crossgrad.no_grad():
        return accuracy(model(x), labels)


rng = np.random.default_rng(0)
crossgrad.manual_seed(0)
x, y = make_blobs(200, rng)

# Standardise each feature with statistics over the samples (dim 0, kept for broadcasting).
mean, std = x.mean(dim=0, keepdim=True), x.std(dim=0, keepdim=True)
x = (x - mean) / std
print(f"feature 0 after standardising: mean {x[:, 0].mean().item():+.3f}")

# Indexing with a boolean mask: the samples of class 0.
class0 = x[y == 0]
centre = ", ".join(f"{v:+.2f}" for v in class0.mean(dim=0).tolist())
print(f"class 0: {class0.shape[0]} samples around ({centre})")

order = rng.permutation(x.shape[0])
train_rows, test_rows = crossgrad.tensor(order[:450]), crossgrad.tensor(order[450:])
x_train, y_train = x[train_rows], y[train_rows]
x_test, y_test = x[test_rows], y[test_rows]

model = Classifier(FEATURES, 32, CLASSES)
optimizer = AdamW(model.parameters(), lr=1e-2, weight_decay=1e-2)
scheduler = CosineAnnealingLR(optimizer, T_max=EPOCHS)
loader = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True, generator=0)

for epoch in range(EPOCHS):
    model.train()
    total = 0.0
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * inputs.shape[0]
    scheduler.step()
    if epoch % 5 == 4:
        lr = scheduler.get_last_lr()[0]
        print(f"epoch {epoch + 1}: loss {total / len(x_train):.4f}, lr {lr:.5f}")

test_accuracy = evaluate(model, x_test, y_test)
print(f"test accuracy {test_accuracy:.1%}")

# The most confident prediction per sample: max along a dim gives values and indices.
with crossgrad.no_grad():
    probabilities: Tensor = model(x_test).softmax(dim=1)
confidence, predicted = probabilities.max(dim=1)
wrong = predicted != y_test
print(f"mean confidence {confidence.mean().item():.3f}, {int(wrong.sum().item())} test errors")

# Which input features the loss is most sensitive to: the gradient with respect to the input.
probe = x_test[:16].clone().requires_grad_()
probe_loss = F.cross_entropy(model(probe), y_test[:16])
saliency = crossgrad.autograd.grad(probe_loss, probe)[0].abs().mean(dim=0)
print(f"most salient feature: {saliency.argmax().item()}")

# Save the weights, load them into a fresh model, and check that it predicts the same.
with tempfile.TemporaryDirectory() as directory:
    path = os.path.join(directory, "classifier.safetensors")
    crossgrad.save(model.state_dict(), path)
    restored = Classifier(FEATURES, 32, CLASSES)
    restored.load_state_dict(crossgrad.load(path))
print(f"restored model test accuracy {evaluate(restored, x_test, y_test):.1%}")
