"""The compiled ufuncs as attributes of a module, so that they pickle by reference.

NumPy pickles a ufunc by name: its copyreg reducer (``_ufunc_reduce`` in
``numpy/_core/__init__.py``) returns ``ufunc.__name__``, and pickle then stores
"module name" where the module is the ufunc's ``__module__`` (or, when it has
none, the first module in ``sys.modules`` holding the ufunc under that name).
Unpickling imports the module and reads the attribute.  cact's ufuncs were
created by ``PyUFunc_FromFuncAndData`` with no module, and no module had them
as attributes (``cact.sigmoid`` is the validating wrapper, not the ufunc), so
pickle fell back to ``__main__`` and failed ("attribute lookup sigmoid on
__main__"): multiprocessing, ProcessPoolExecutor and Dask distributed could
not ship them.

This module holds every ufunc of ``cact.ufuncs`` under its own name
(``cact._ufuncs.sigmoid``, ``cact._ufuncs._maxout_reduce``, ...) and sets the
ufuncs' ``__module__`` to it, so pickle finds them without searching and a
fresh process gets the same objects back by importing this module (which
imports cact).  ``cact.ufuncs[name]`` is unchanged (the same objects), and
so is NumPy's dispatch (``__array_ufunc__`` sees the same ufunc).

Not ``cact.ufuncs``: importing a submodule of that name would replace the
package attribute ``cact.ufuncs`` (the dict) with the module.
"""

from __future__ import annotations

from ._core import ufuncs as _ufuncs

for _name, _uf in _ufuncs.items():
    globals()[_name] = _uf
    try:
        # Ufuncs take attributes where NumPy gives them a __dict__ (as in
        # NumPy 2.4, whose own ufuncs report "numpy"); where one does not,
        # pickle's search of sys.modules still finds the ufunc in this module.
        _uf.__module__ = __name__
    except (AttributeError, TypeError):
        pass

__all__ = sorted(_ufuncs)

del _name, _uf, _ufuncs
