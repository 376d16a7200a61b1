"""Op-case rows for crossgrad.ops.dropout: only its deterministic settings (statistics:
tests/ops/test_dropout.py)."""

import crossgrad as cg
from crossgrad.testing import Arg, OpCase

F = cg.nn.functional
S = (3, 4)

CASES = [
    OpCase("dropout-eval", lambda x: F.dropout(x, p=0.5, training=False), lambda x: x, [Arg(S)]),
    OpCase("dropout-p0", lambda x: F.dropout(x, p=0.0), lambda x: x, [Arg(S)]),
    OpCase("dropout-p1", lambda x: F.dropout(x, p=1.0), lambda x: x * 0, [Arg(S)]),
]
