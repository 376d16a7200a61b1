"""A small LSTM learns whether a sequence of noisy numbers sums to a positive value.

nn.LSTM reads each sequence, a Linear layer scores its last hidden state, and
BCEWithLogitsLoss with Adam trains both. Runs on any backend:
``CROSSGRAD_BACKEND=jax python examples/lstm_sequence.py``.
"""

import numpy as np

import crossgrad
from crossgrad import nn


def make_data(n: int, rng: np.random.Generator) -> tuple[crossgrad.Tensor, np.ndarray]:
    """Sequences of shape (n, 8, 1) and their labels: 1.0 where the sequence's sum is > 0."""
    seqs = rng.normal(size=(n, 8, 1)).astype(np.float32)
    labels = (seqs.sum(axis=(1, 2)) > 0).astype(np.float32)[:, None]
    return crossgrad.tensor(seqs), labels


class SumSign(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(1, 16, batch_first=True)
        self.head = nn.Linear(16, 1)

    def forward(self, x: crossgrad.Tensor) -> crossgrad.Tensor:
        outputs, _ = self.lstm(x)
        return self.head(outputs[:, -1])


rng = np.random.default_rng(0)
x_train, y_train = make_data(256, rng)
x_test, y_test = make_data(256, rng)
targets = crossgrad.tensor(y_train)

crossgrad.manual_seed(0)
model = SumSign()
optimizer = crossgrad.optim.Adam(model.parameters(), lr=0.05)
loss_fn = nn.BCEWithLogitsLoss()
for _step in range(60):
    optimizer.zero_grad()
    loss = loss_fn(model(x_train), targets)
    loss.backward()
    optimizer.step()

with crossgrad.no_grad():
    predicted = model(x_test).numpy() > 0
accuracy = float((predicted == (y_test > 0.5)).mean())
print(f"train loss {loss.item():.4f}  test accuracy {accuracy:.1%}")
