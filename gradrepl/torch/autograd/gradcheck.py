"""``torch.autograd.gradcheck`` (the module): gradcheck, gradgradcheck and GradcheckError."""

from gradrepl.engine.gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: F401
