"""gradrepl: PyTorch-exact autograd on numpy, with a shell and a notebook replayer.

Importing this package stays cheap on purpose: the engine lives in ``gradrepl.torch`` and is
imported only when asked for, so ``gradrepl`` the shell can draw its prompt quickly.
"""

__version__ = "0.1.0"
