"""cact: neural-network activation functions and their derivatives, fast and in place.

Elementwise (float32 and float64, any shape and strides, ``out=`` in place):

    sigmoid, tanh, relu, leaky_relu (alpha=0.01), elu (alpha=1.0)
    <f>_grad(x)                          f'(x)
    <f>_backward(grad_output, x | y=)    grad_output * f'(x), from x or y = f(x)

Maxout: ``maxout(z, pieces, axis=-1)`` and ``maxout_backward``.

Threads: ``get_num_threads()``, ``set_num_threads(n)``; build and runtime
information: ``show_config()``.  The compiled NumPy ufuncs behind the
functions are in ``cact.ufuncs``.
"""

from ._version import __version__
from . import _core
from ._api import *  # noqa: F401,F403  (the functions of the activation table)
from ._api import __all__ as _api_all
from ._api import ufuncs
from ._config import get_num_threads, set_num_threads, show_config
from ._table import ACTIVATIONS

__all__ = list(_api_all) + [
    "get_num_threads",
    "set_num_threads",
    "show_config",
    "ufuncs",
    "ACTIVATIONS",
    "__version__",
]
