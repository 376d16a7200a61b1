"""A small CNN with CrossEntropyLoss and Adam: which quadrant of an 8x8 image holds a blob.

Runs on any backend: ``CROSSGRAD_BACKEND=jax python examples/cnn_adam.py``.
"""

import numpy as np

import crossgrad
from crossgrad import nn


def make_images(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Noisy 8x8 images with a 2x2 blob in one of four quadrants (the label)."""
    labels = rng.integers(0, 4, size=n)
    images = 0.3 * rng.standard_normal((n, 1, 8, 8))
    for i, label in enumerate(labels):
        top, left = 4 * (label // 2) + rng.integers(0, 3), 4 * (label % 2) + rng.integers(0, 3)
        images[i, 0, top : top + 2, left : left + 2] += 1.0
    return images.astype(np.float32), labels


rng = np.random.default_rng(0)
train_x, train_y = make_images(256, rng)
test_x, test_y = make_images(128, rng)

crossgrad.manual_seed(0)
model = nn.Sequential(
    nn.Conv2d(1, 8, 3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Conv2d(8, 16, 3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(16 * 2 * 2, 4),
)
optimizer = crossgrad.optim.Adam(model.parameters(), lr=1e-2)
loss_fn = nn.CrossEntropyLoss()
x, y = crossgrad.tensor(train_x), crossgrad.tensor(train_y)
for _step in range(60):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()

with crossgrad.no_grad():
    predicted = model(crossgrad.tensor(test_x)).argmax(dim=1).numpy()
accuracy = float((predicted == test_y).mean())
print(f"loss {loss.item():.4f}  test accuracy {accuracy:.1%}")
