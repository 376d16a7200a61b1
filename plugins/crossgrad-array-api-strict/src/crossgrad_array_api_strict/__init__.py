"""A crossgrad backend on ``array_api_strict``, the strict reference implementation of the
Python array API standard.

Running crossgrad's op table on it shows that crossgrad's portable kernels use nothing but
the standard; what the standard lacks is listed, with reasons, in
:attr:`ArrayApiStrictBackend.known_gaps`.
"""

from crossgrad_array_api_strict.backend import ArrayApiStrictBackend

__all__ = ["ArrayApiStrictBackend"]
