"""A differential sweep of torch.nn layers and losses: gradrepl against live PyTorch.

    PYTHONPATH=$PWD python scripts/sweep_nn_differential.py [--only NAME] [--all]

Needs real PyTorch (the reference). Every case builds the same module on both libraries after
``manual_seed(0)`` (so torch's initial weights), feeds the same seeded input in several layouts
(batch 1, odd feature counts, a non-contiguous view, float64) and compares, bit for bit: the
module's repr, its state_dict (keys and values), the output, the output's grad_fn name, and the
gradients of the input and of every parameter after a backward of a seeded upstream gradient.
Prints one line per (case, layout) that differs (``--all``: every line), giving for each quantity
the elements that differ and the largest distance in ulps of that quantity's dtype. docs/nn.md
quotes the summary.
"""

from __future__ import annotations

import argparse

import numpy as np


def F(lib):
    return lib.nn.functional


# (name, factory(lib, features) -> callable, input shape from features, kind of input)
# kind: "x" float input; "idx" integer indices (Embedding); losses take (input, target) via
# a closure drawing the target from the seeded generator.
def _layers():
    L = []

    def add(name, make, shape, kind="x", feats=(3, 7, 13, 33, 65, 129)):
        L.append((name, make, shape, kind, feats))

    add("Linear", lambda t, f: t.nn.Linear(f, 5), lambda b, f: (b, f))
    add("Linear(f,1)", lambda t, f: t.nn.Linear(f, 1), lambda b, f: (b, f))
    add("Linear nobias", lambda t, f: t.nn.Linear(f, f, bias=False), lambda b, f: (b, f))
    add("Bilinear", lambda t, f: _Bil(t, f), lambda b, f: (b, f))
    add("ReLU", lambda t, f: t.nn.ReLU(), lambda b, f: (b, f))
    add("Sigmoid", lambda t, f: t.nn.Sigmoid(), lambda b, f: (b, f))
    add("Tanh", lambda t, f: t.nn.Tanh(), lambda b, f: (b, f))
    add("Softmax", lambda t, f: t.nn.Softmax(dim=1), lambda b, f: (b, f))
    add("LogSoftmax", lambda t, f: t.nn.LogSoftmax(dim=1), lambda b, f: (b, f))
    add("Softmax(dim=0)", lambda t, f: t.nn.Softmax(dim=0), lambda b, f: (b, f))
    add("LeakyReLU", lambda t, f: t.nn.LeakyReLU(0.1), lambda b, f: (b, f))
    add("PReLU", lambda t, f: t.nn.PReLU(), lambda b, f: (b, f))
    add("PReLU(f)", lambda t, f: t.nn.PReLU(f), lambda b, f: (b, f))
    add("ELU", lambda t, f: t.nn.ELU(), lambda b, f: (b, f))
    add("GELU", lambda t, f: t.nn.GELU(), lambda b, f: (b, f))
    add("GELU(tanh)", lambda t, f: t.nn.GELU("tanh"), lambda b, f: (b, f))
    add("SiLU", lambda t, f: t.nn.SiLU(), lambda b, f: (b, f))
    add("Softplus", lambda t, f: t.nn.Softplus(), lambda b, f: (b, f))
    add("Hardtanh", lambda t, f: t.nn.Hardtanh(), lambda b, f: (b, f))
    add("ReLU6", lambda t, f: t.nn.ReLU6(), lambda b, f: (b, f))
    add("Dropout", lambda t, f: t.nn.Dropout(0.3), lambda b, f: (b, f))
    add("Embedding", lambda t, f: t.nn.Embedding(f, 4), lambda b, f: (b, f), kind="idx")
    add("BatchNorm1d", lambda t, f: t.nn.BatchNorm1d(f), lambda b, f: (max(b, 2), f))
    add("BatchNorm1d 3d", lambda t, f: t.nn.BatchNorm1d(f), lambda b, f: (b, f, 5))
    add("BatchNorm2d", lambda t, f: t.nn.BatchNorm2d(f), lambda b, f: (b, f, 3, 4),
        feats=(3, 7, 13, 33))
    add("LayerNorm", lambda t, f: t.nn.LayerNorm(f), lambda b, f: (b, f))
    add("Conv1d", lambda t, f: t.nn.Conv1d(3, 2, 3), lambda b, f: (b, 3, f))
    add("Conv2d", lambda t, f: t.nn.Conv2d(1, 4, 3, padding=1), lambda b, f: (b, 1, f, 5),
        feats=(3, 7, 13, 33))
    add("MaxPool2d", lambda t, f: t.nn.MaxPool2d(2), lambda b, f: (b, 2, f, 6), feats=(3, 7, 13, 33))
    add("AvgPool2d", lambda t, f: t.nn.AvgPool2d(2), lambda b, f: (b, 2, f, 6), feats=(3, 7, 13, 33))
    add("AvgPool2d pad", lambda t, f: t.nn.AvgPool2d(3, 1, 1), lambda b, f: (b, 2, f, 6),
        feats=(3, 7, 13, 33))
    add("AdaptiveAvgPool2d(1)", lambda t, f: t.nn.AdaptiveAvgPool2d(1), lambda b, f: (b, 2, f, 6),
        feats=(3, 7, 13, 33))
    add("AdaptiveAvgPool2d(2)", lambda t, f: t.nn.AdaptiveAvgPool2d(2), lambda b, f: (b, 2, f, 6),
        feats=(3, 7, 13, 33))
    add("Flatten", lambda t, f: t.nn.Flatten(), lambda b, f: (b, f, 2))
    add("ReflectionPad1d", lambda t, f: t.nn.ReflectionPad1d(2), lambda b, f: (b, 2, f))
    add("Upsample nearest", lambda t, f: t.nn.Upsample(scale_factor=2), lambda b, f: (b, 2, f, 3),
        feats=(3, 7, 13, 33))
    add("Upsample bilinear", lambda t, f: t.nn.Upsample(scale_factor=2, mode="bilinear"),
        lambda b, f: (b, 2, f, 3), feats=(3, 7, 13, 33))
    add("CosineSimilarity", lambda t, f: _Pair(t.nn.CosineSimilarity()), lambda b, f: (b, f))
    add("PairwiseDistance", lambda t, f: _Pair(t.nn.PairwiseDistance()), lambda b, f: (b, f))
    add("RNNCell", lambda t, f: t.nn.RNNCell(f, 6), lambda b, f: (b, f))
    add("RNNCell relu", lambda t, f: t.nn.RNNCell(f, 6, nonlinearity="relu"), lambda b, f: (b, f))
    add("GRUCell", lambda t, f: t.nn.GRUCell(f, 6), lambda b, f: (b, f))
    add("LSTMCell", lambda t, f: _First(t.nn.LSTMCell(f, 6)), lambda b, f: (b, f))
    add("LSTM", lambda t, f: _First(t.nn.LSTM(f, 6)), lambda b, f: (4, b, f))
    add("MLP tanh", lambda t, f: t.nn.Sequential(t.nn.Linear(f, 8), t.nn.Tanh(), t.nn.Linear(8, 3)),
        lambda b, f: (b, f))
    add("MLP relu", lambda t, f: t.nn.Sequential(t.nn.Linear(f, 16), t.nn.ReLU(),
                                                   t.nn.Linear(16, 3), t.nn.LogSoftmax(1)),
        lambda b, f: (b, f))
    # losses: the callable takes the input; the target is drawn inside from the seeded generator
    for loss, target in [("MSELoss", "same"), ("L1Loss", "same"), ("SmoothL1Loss", "same"),
                         ("HuberLoss", "same"), ("CrossEntropyLoss", "class"),
                         ("CrossEntropyLoss ls", "class"), ("CrossEntropyLoss prob", "prob"),
                         ("NLLLoss", "class"), ("BCELoss", "unit"),
                         ("BCEWithLogitsLoss", "unit"), ("KLDivLoss", "prob")]:
        add(loss, (lambda loss, target: lambda t, f: _Loss(t, loss, target))(loss, target),
            lambda b, f: (b, f))
    return L


class _Wrap:
    def __init__(self, inner):
        self.inner = inner

    def modules_for_state(self):
        return self.inner


class _Bil(_Wrap):
    def __init__(self, t, f):
        super().__init__(t.nn.Bilinear(f, f, 3))

    def __call__(self, x):
        return self.inner(x, x.flip(1))


class _Pair(_Wrap):
    def __call__(self, x):
        return self.inner(x, x.flip(0) * 0.5 + 0.1)


class _First(_Wrap):
    def __call__(self, x):
        return self.inner(x)[0]


class _Loss(_Wrap):
    def __init__(self, t, name, target):
        kw = {}
        cls = name.split()[0]
        if name.endswith(" ls"):
            kw["label_smoothing"] = 0.1
        if cls == "KLDivLoss":
            kw["reduction"] = "batchmean"
        super().__init__(getattr(t.nn, cls)(**kw))
        self.t, self.cls, self.target = t, cls, target

    def __call__(self, x):
        t = self.t
        b, f = x.shape
        inp = x
        if self.cls == "NLLLoss" or self.cls == "KLDivLoss":
            inp = t.log_softmax(x, 1)
        if self.cls == "BCELoss":
            inp = t.sigmoid(x)
        if self.target == "same":
            y = t.randn(b, f, dtype=x.dtype)
        elif self.target == "class":
            y = t.randint(0, f, (b,))
        elif self.target == "prob":
            y = t.softmax(t.randn(b, f, dtype=x.dtype), 1)
        else:
            y = t.rand(b, f, dtype=x.dtype)
        return self.inner(inp, y)


LAYOUTS = ["b4", "b1", "noncontig", "f64"]


def run(lib, make, shape, kind, f, layout):
    lib.manual_seed(0)
    m = make(lib, f)
    dtype = lib.float64 if layout == "f64" else lib.float32
    mod = m.modules_for_state() if isinstance(m, _Wrap) else m
    if dtype == lib.float64 and hasattr(mod, "double"):
        mod.double()
    b = 1 if layout == "b1" else 4
    shp = shape(b, f)
    if kind == "idx":
        x = lib.randint(0, f, shp)
        leaf = None
    elif layout == "noncontig":
        # the same values as a transposed view of a contiguous tensor
        base = lib.randn(*reversed(shp), dtype=dtype)
        x = base.permute(*reversed(range(len(shp))))
        x.retain_grad() if False else None
        base.requires_grad_()
        x = base.permute(*reversed(range(len(shp))))
        leaf = base
    else:
        x = lib.randn(*shp, dtype=dtype).requires_grad_()
        leaf = x
    out = m(x)
    res = {"repr": repr(mod), "name": out.grad_fn.name() if out.grad_fn is not None else None,
           "out": out.detach().numpy().copy()}
    sd = mod.state_dict() if hasattr(mod, "state_dict") else {}
    res["sd_keys"] = list(sd)
    res["sd"] = {k: v.detach().numpy().copy() for k, v in sd.items()}
    lib.manual_seed(1)
    if out.requires_grad:
        out.backward(lib.randn(*out.shape, dtype=out.dtype) if out.dim() else None)
    grads = {}
    if leaf is not None and leaf.grad is not None:
        grads["input"] = leaf.grad.numpy().copy()
    if hasattr(mod, "named_parameters"):
        for n, p in mod.named_parameters():
            if p.grad is not None:
                grads[n] = p.grad.numpy().copy()
    res["grads"] = grads
    # state after the forward (running statistics)
    res["sd_after"] = {k: v.detach().numpy().copy() for k, v in mod.state_dict().items()} \
        if hasattr(mod, "state_dict") else {}
    return res


def ulps(a, b):
    if a.dtype != b.dtype or a.shape != b.shape:
        return None
    if a.dtype.kind != "f":
        return int((a != b).sum() > 0) * 10 ** 9
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    if same.all():
        return 0
    big = np.maximum(np.abs(a), np.abs(b))
    d = np.abs(a.astype(np.float64) - b.astype(np.float64))[~same] / np.spacing(big[~same])
    return float(d.max())


def compare(e, a):
    problems = []
    if e["repr"] != a["repr"]:
        problems.append(f"repr {a['repr']!r} != {e['repr']!r}")
    if e["name"] != a["name"]:
        problems.append(f"grad_fn {a['name']} != {e['name']}")
    if e["sd_keys"] != a["sd_keys"]:
        problems.append(f"state_dict keys {a['sd_keys']} != {e['sd_keys']}")
    pairs = [("out", e["out"], a["out"])]
    pairs += [(f"init {k}", e["sd"][k], a["sd"].get(k)) for k in e["sd"]]
    pairs += [(f"after {k}", e["sd_after"][k], a["sd_after"].get(k)) for k in e["sd_after"]]
    pairs += [(f"grad {k}", v, a["grads"].get(k)) for k, v in e["grads"].items()]
    for k in a["grads"]:
        if k not in e["grads"]:
            problems.append(f"grad {k} only on gradrepl")
    for what, x, y in pairs:
        if y is None:
            problems.append(f"{what} missing")
            continue
        u = ulps(x, y)
        if u is None:
            problems.append(f"{what}: {y.dtype}{y.shape} != {x.dtype}{x.shape}")
        elif u:
            n = int((~((x == y) | (np.isnan(x) & np.isnan(y)))).sum())
            problems.append(f"{what} {n}/{x.size} <= {u:.3g} ulp")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    ap.add_argument("--all", action="store_true")
    args = ap.parse_args()
    import torch
    import gradrepl.torch as gt
    torch.set_num_threads(2)
    bad = total = 0
    for name, make, shape, kind, feats in _layers():
        if args.only and args.only not in name:
            continue
        for f in feats:
            for layout in LAYOUTS:
                if kind == "idx" and layout in ("noncontig",):
                    continue
                total += 1
                try:
                    e = run(torch, make, shape, kind, f, layout)
                except Exception as err:  # torch refuses: gradrepl should too
                    try:
                        run(gt, make, shape, kind, f, layout)
                        print(f"{name} f={f} {layout}: torch raised {err!r}, gradrepl did not")
                    except Exception:
                        pass
                    continue
                try:
                    a = run(gt, make, shape, kind, f, layout)
                    problems = compare(e, a)
                except Exception as err:
                    problems = [f"gradrepl raised {type(err).__name__}: {err}"]
                if problems:
                    bad += 1
                if problems or args.all:
                    print(f"{name} f={f} {layout}: " + ("; ".join(problems) or "identical"),
                          flush=True)
    print(f"{total - bad} of {total} cases identical")


if __name__ == "__main__":
    main()
