"""Op-case rows for crossgrad.ops.elementwise."""

import math

import numpy as np

import crossgrad as cg
from crossgrad.testing import Arg, OpCase

S = (3, 4)
POS = Arg(S, low=0.2, high=2.0)

CASES = [
    OpCase("exp", cg.exp, np.exp, [Arg(S)]),
    OpCase("tanh", cg.tanh, np.tanh, [Arg(S)]),
    OpCase("log", cg.log, np.log, [POS]),
    OpCase("mul-broadcast", cg.mul, np.multiply, [Arg((3, 1)), Arg((4,))]),
    OpCase("erf", cg.erf, np.vectorize(math.erf), [Arg(S, low=-3, high=3)]),
    OpCase("mul-scalar", lambda x: x * 1.5, lambda x: x * 1.5, [Arg(S)]),
]
