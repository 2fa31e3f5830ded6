"""Typed usage of cact, checked by ``tools/check_types.sh`` (mypy --strict).

Not a test module (pytest does not collect it): it is type-checked, and run
by ``tests/test_typing.py`` to make sure the example itself works.  Each line
is ordinary user code that the stubs in ``cact/__init__.pyi`` must accept
with the types NumPy's own stubs give (``np.tanh``): an ndarray of float32 in
gives an ndarray of float32 out, float64 gives float64, other array-likes an
ndarray of some floating type, a scalar a NumPy scalar, and ``out=`` the type
of ``out`` (issue 15, item 6).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

import cact

x32: NDArray[np.float32] = np.linspace(-3, 3, 7, dtype=np.float32)
x64: NDArray[np.float64] = np.linspace(-3, 3, 7)

# ndarray in, ndarray of the same dtype out: indexing and assignment type-check
h = cact.relu(x64)
h[h < 0.5] = 0
t32: NDArray[np.float32] = cact.tanh(x32)
t64: NDArray[np.float64] = cact.tanh(x64)
g32: NDArray[np.float32] = cact.sigmoid_grad(x32)
e32: NDArray[np.float32] = cact.elu(x32, 0.5)
l64: NDArray[np.float64] = cact.leaky_relu_grad(x64, alpha=0.1)

# other array-likes: an ndarray of a floating dtype
from_list: NDArray[np.floating[Any]] = cact.sigmoid([0.0, 1.0])
from_ints: NDArray[np.floating[Any]] = cact.relu(np.arange(4))
print(from_list.shape, from_ints.sum())

# scalars in, NumPy scalars out
s64: np.float64 = cact.tanh(0.5)
s32: np.float32 = cact.elu(np.float32(-1.0))
sf: np.floating[Any] = cact.relu(np.int64(3))
sb: np.float32 = cact.sigmoid(True)  # bool is computed in float32
print(float(s64) + float(s32) + float(sf) + float(sb))

# out=: the type of out, in place
y = cact.tanh(x32, out=x32)
y[0] = 1.0
same: NDArray[np.float32] = y
buf = np.empty(7)
b64: NDArray[np.float64] = cact.sigmoid(x64, out=buf)

# the backward pass, from x or from y, in place
gout = np.ones_like(x32)
d32: NDArray[np.float32] = cact.tanh_backward(gout, y=t32)
d64: NDArray[np.float64] = cact.elu_backward(np.ones_like(x64), x64, alpha=0.5)
dd = cact.relu_backward(gout, y=cact.relu(x32), out=gout)
dd[dd > 1] = 1
ds: np.floating[Any] = cact.sigmoid_backward(1.0, 0.5)

# maxout
z = np.arange(8.0).reshape(2, 4)
m: NDArray[np.floating[Any]] = cact.maxout(z, 2)
mb = cact.maxout_backward(np.ones((2, 2)), z, 2)
mb[0] = 0

# monitoring
ys, st = cact.forward_with_stats(cact.relu, x32, out=x32)
ys32: NDArray[np.float32] = ys
frac: float = st.saturated_fraction + st.dead_fraction
cnt: int = st.saturated + st.dead + st.size
ye, st2 = cact.forward_with_stats("elu", x64, alpha=0.5, threshold=0.05)
ye64: NDArray[np.float64] = ye

# the rest of the API
n: int = cact.get_num_threads()
cfg: dict[str, Any] = cact.show_config(mode="dicts")
print(h, t64, g32, e32, l64, same, b64, d32, d64, ds, m, n, len(cfg), ys32, frac, cnt, ye64, st2)
