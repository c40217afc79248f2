"""Running code the way a notebook kernel does (shared by the shell and ``gradrepl replay``).

    from gradrepl.session import Session
    session = Session(engine="gradrepl")      # or engine="torch" for a real PyTorch
    result = session.run_cell("import torch\\ntorch.ones(2)")
    result.outputs        # nbformat v4 output dicts
    result.error          # None or ErrorInfo(ename, evalue, traceback, unsupported)

Importing this package is cheap: no engine, typer, nbformat or rich; the engine loads when a cell
first imports torch.
"""

from gradrepl.session.outputs import CellResult, ErrorInfo, SkippedLine
from gradrepl.session.pretty import pretty
from gradrepl.session.session import Session

__all__ = ["Session", "CellResult", "ErrorInfo", "SkippedLine", "pretty"]
