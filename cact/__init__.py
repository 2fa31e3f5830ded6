"""cact: neural-network activation functions and their derivatives, fast and in place.

Elementwise (float32 and float64, any shape and strides, ``out=`` in place):

    sigmoid, tanh, relu, leaky_relu (alpha=0.01), elu (alpha=1.0)
    <f>_grad(x)                          f'(x)
    <f>_backward(grad_output, x | y=)    grad_output * f'(x), from x or y = f(x)

Maxout: ``maxout(z, pieces, axis=-1)`` and ``maxout_backward``.
Softmax along an axis: ``softmax``, ``log_softmax`` and their ``_backward``.
PReLU (one slope per channel): ``prelu(x, weight, axis=1)``, ``prelu_backward``.

Monitoring: ``forward_with_stats(f, x)`` returns ``(f(x), ActivationStats)``,
the saturated (|f'| < threshold) and dead (f(x) == 0) counts from the same pass.

Threads: ``get_num_threads()``, ``set_num_threads(n)``, ``thread_limit()``; build and runtime
information: ``show_config()``.  The compiled NumPy ufuncs behind the
functions are in ``cact.ufuncs``.
"""


def _defer_to_installed_build() -> None:
    """Run from a source checkout that has no compiled extension (for example
    ``pip install . && python -m cact`` in the checkout, where the current
    directory comes first on ``sys.path``): use the installed copy of the
    package instead of failing.  A checkout built in place
    (``python setup.py build_ext --inplace``) is used as it is."""
    import importlib.machinery
    import importlib.util
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    if importlib.machinery.PathFinder.find_spec("_core", [here]) is not None:
        return
    checkout = os.path.dirname(here)
    search = [p for p in sys.path if os.path.abspath(p or os.curdir) != checkout]
    spec = importlib.machinery.PathFinder.find_spec(__name__, search)
    if spec is not None and spec.submodule_search_locations:
        __path__[:] = list(spec.submodule_search_locations)


_defer_to_installed_build()
del _defer_to_installed_build

from ._version import __version__  # noqa: E402
from . import _core  # noqa: E402
from ._api import *  # noqa: F401,F403,E402  (the functions of the activation table)
from ._api import __all__ as _api_all
from ._api import ufuncs
from . import _ufuncs  # noqa: E402,F401  (makes the ufuncs picklable by reference)
from ._stats import ActivationStats, forward_with_stats
from ._prelu import prelu, prelu_backward
from ._config import get_num_threads, set_num_threads, show_config, thread_limit
from ._table import ACTIVATIONS

__all__ = list(_api_all) + [
    "get_num_threads",
    "set_num_threads",
    "thread_limit",
    "show_config",
    "forward_with_stats",
    "ActivationStats",
    "prelu",
    "prelu_backward",
    "ufuncs",
    "ACTIVATIONS",
    "__version__",
]
