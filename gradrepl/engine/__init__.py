"""The numpy autograd engine. Importing it attaches the ops to Tensor (see tensor_methods).

A library leaves its host as it found it: importing the engine changes neither numpy's error
state, nor malloc's settings, nor the collector's thresholds (``memory.tune_process`` does that
for the programs that own their process: the shell, ``gradrepl run`` and ``replay``). numpy's
floating-point warnings are silenced for gradrepl's own code only (fp_warnings.py).
"""

from gradrepl.engine import fp_warnings as _fp_warnings
from gradrepl.engine import tensor_methods as _tensor_methods  # noqa: F401  (installs methods)

_fp_warnings.install()
