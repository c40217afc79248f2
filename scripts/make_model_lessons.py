"""Build three lessons in ``samples/`` (27-29) in the style of well-known courses, as a learner
meets them after the basics:

    python scripts/make_model_lessons.py
    PYTHONPATH=$PWD python -m gradrepl replay --engine torch --update samples/27_*.ipynb \\
        samples/28_*.ipynb samples/29_*.ipynb

27 is makemore part 3 (an MLP over three characters of context, kaiming-scaled init, BatchNorm
written out with running statistics kept under ``torch.no_grad``, sampling names); 28 makemore
part 4, "backprop ninja" (the same network's backward pass by hand, tensor by tensor, checked
against autograd's with ``retain_grad``, ``torch.allclose`` and the largest difference);
29 nanoGPT's self-attention (the averaging trick with ``torch.tril`` and ``masked_fill``, one
head, then a tiny multi-head transformer trained for a few steps on a short text and sampled with
``torch.multinomial``). Small sizes, no downloads: the data are inline. The notebooks are
written with empty outputs; the second command records them from real PyTorch, never typed.
tests/replay/test_built_lessons.py checks that the committed notebooks are this script's.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import nbformat
from nbformat import v4

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

NAMES_CELL = """import random
import torch
import torch.nn.functional as F

words = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia", "harper",
         "evelyn", "abigail", "emily", "elizabeth", "mila", "ella", "avery", "sofia", "camila",
         "aria", "scarlett", "victoria", "madison", "luna", "grace", "chloe", "penelope", "layla",
         "riley", "zoey", "nora", "lily", "eleanor", "hannah", "lillian", "addison", "aubrey",
         "ellie", "stella", "natalie", "zoe", "leah", "hazel", "violet", "aurora", "savannah",
         "audrey", "brooklyn", "bella", "claire", "skylar", "quinn", "jack", "xavier", "wyatt",
         "liam", "noah", "oliver", "elijah", "james", "william", "benjamin", "lucas", "henry",
         "theodore", "mateo", "levi", "sebastian", "daniel", "jackson", "michael", "owen", "asher"]
chars = sorted(set(''.join(words)))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi['.'] = 0
itos = {i: s for s, i in stoi.items()}
vocab_size = len(itos)
block_size = 3  # how many characters predict the next one

def build_dataset(words):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + '.':
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    X, Y = torch.tensor(X), torch.tensor(Y)
    print(X.shape, Y.shape)
    return X, Y

random.seed(42)
random.shuffle(words)
n1 = int(0.8 * len(words))
Xtr, Ytr = build_dataset(words[:n1])
Xdev, Ydev = build_dataset(words[n1:])
vocab_size, Xtr[:4], Ytr[:4]"""

BATCHNORM = [
    ("md", """# makemore, part 3: activations, initialisation and BatchNorm

An MLP reads three characters of a name and predicts the fourth. Initialised carelessly its
first loss is far above `-log(1/27)` and its `tanh` units saturate; scaled as Kaiming He
suggests (gain 5/3 for `tanh`, divided by the square root of the fan-in) it starts where it
should. BatchNorm is then written out by hand: normalise each hidden unit over the batch, scale
and shift it by learned parameters, and keep running statistics, outside the graph, for use at
inference."""),
    ("code", NAMES_CELL),
    ("md", """## What loss to expect at initialisation

Before training every character should be equally likely, so the loss should be
`-log(1/27)`. Large random logits are confidently wrong and give a much larger loss."""),
    ("code", """print(-torch.tensor(1 / 27.0).log())
logits = torch.tensor([0.0, 0.0, 0.0, 0.0])
probs = torch.softmax(logits, dim=0)
print(probs, -probs[2].log())
torch.manual_seed(0)
logits = torch.randn(4) * 10
probs = torch.softmax(logits, dim=0)
logits, probs, -probs[2].log()"""),
    ("md", """## Kaiming initialisation

A `tanh` layer shrinks its inputs' spread; the gain `5/3` makes up for it.
`torch.nn.init.calculate_gain` knows the gains, and `kaiming_normal_` applies the same rule to a
weight laid out as `nn.Linear` keeps it."""),
    ("code", """print(torch.nn.init.calculate_gain('tanh'), torch.nn.init.calculate_gain('relu'))
torch.manual_seed(0)
x = torch.randn(1000, 10)
w = torch.randn(10, 200) / 10**0.5
y = x @ w
print(f'{x.mean().item():.4f} {x.std().item():.4f}')
print(f'{y.mean().item():.4f} {y.std().item():.4f}')
w2 = torch.empty(200, 10)
torch.nn.init.kaiming_normal_(w2, nonlinearity='tanh')
print(f'{w2.std().item():.4f}', (5 / 3) / 10**0.5)"""),
    ("code", """n_embd, n_hidden = 10, 64
g = torch.Generator().manual_seed(2147483647)
C = torch.randn((vocab_size, n_embd), generator=g)
W1 = torch.randn((n_embd * block_size, n_hidden), generator=g) * (5 / 3) / (n_embd * block_size)**0.5
b1 = torch.randn(n_hidden, generator=g) * 0.01
W2 = torch.randn((n_hidden, vocab_size), generator=g) * 0.01
b2 = torch.randn(vocab_size, generator=g) * 0
bngain = torch.ones((1, n_hidden))
bnbias = torch.zeros((1, n_hidden))
bnmean_running = torch.zeros((1, n_hidden))
bnstd_running = torch.ones((1, n_hidden))
parameters = [C, W1, b1, W2, b2, bngain, bnbias]
print(sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True
W1.std(), W1.shape"""),
    ("md", """## Training with BatchNorm

Each step normalises the hidden pre-activations with the batch's own mean and standard
deviation. The running estimates are updated under `torch.no_grad()`: they are statistics, not
part of what the loss depends on."""),
    ("code", """max_steps, batch_size = 200, 32
lossi = []
for i in range(max_steps):
    ix = torch.randint(0, Xtr.shape[0], (batch_size,), generator=g)
    Xb, Yb = Xtr[ix], Ytr[ix]
    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    hpreact = embcat @ W1 + b1
    bnmeani = hpreact.mean(0, keepdim=True)
    bnstdi = hpreact.std(0, keepdim=True)
    hpreact = bngain * (hpreact - bnmeani) / bnstdi + bnbias
    with torch.no_grad():
        bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani
        bnstd_running = 0.999 * bnstd_running + 0.001 * bnstdi
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, Yb)
    for p in parameters:
        p.grad = None
    loss.backward()
    lr = 0.1 if i < 150 else 0.01
    for p in parameters:
        p.data += -lr * p.grad
    if i % 50 == 0:
        print(f'{i:4d}/{max_steps:4d}: {loss.item():.4f}')
    lossi.append(loss.log10().item())
print(len(lossi), torch.tensor(lossi).view(-1, 50).mean(1))"""),
    ("md", """## How saturated are the `tanh` units?

A unit whose output is near ±1 passes almost no gradient back (`1 - t**2`). The fraction of
saturated outputs, per batch and per unit, tells whether the initialisation was sensible."""),
    ("code", """print(bnmeani.requires_grad, bnmean_running.requires_grad, bnmean_running.grad_fn)
print((h.abs() > 0.97).float().mean())
print((h.abs() > 0.97).all(0).sum(), h.shape)
torch.histc(h, bins=10, min=-1, max=1)"""),
    ("md", """## Calibrating BatchNorm after training

The running estimates should be close to the statistics of the whole training set. Losses are
printed to four decimals: float32 `tanh` comes from Intel's MKL in PyTorch, whose last bit
differs from the correctly rounded value (gradrepl's) on about 1% of inputs, which moves the
seventh digit of a loss over a few thousand examples."""),
    ("code", """with torch.no_grad():
    emb = C[Xtr]
    embcat = emb.view(emb.shape[0], -1)
    hpreact = embcat @ W1 + b1
    bnmean = hpreact.mean(0, keepdim=True)
    bnstd = hpreact.std(0, keepdim=True)
print(bnmean[0, :4], bnmean_running[0, :4])
(bnmean - bnmean_running).abs().max(), (bnstd - bnstd_running).abs().max()"""),
    ("code", """@torch.no_grad()
def split_loss(split):
    x, y = {'train': (Xtr, Ytr), 'val': (Xdev, Ydev)}[split]
    emb = C[x]
    embcat = emb.view(emb.shape[0], -1)
    hpreact = embcat @ W1 + b1
    hpreact = bngain * (hpreact - bnmean_running) / bnstd_running + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, y)
    print(split, f'{loss.item():.4f}', loss.requires_grad)

split_loss('train')
split_loss('val')"""),
    ("md", """## Sampling names

One example at a time: the batch statistics of a batch of one would be meaningless, which is
why the running estimates exist."""),
    ("code", """g = torch.Generator().manual_seed(2147483647 + 10)
for _ in range(6):
    out = []
    context = [0] * block_size
    while True:
        emb = C[torch.tensor([context])]
        hpreact = emb.view(1, -1) @ W1 + b1
        h = torch.tanh(bngain * (hpreact - bnmean_running) / bnstd_running + bnbias)
        logits = h @ W2 + b2
        probs = F.softmax(logits, dim=1)
        ix = torch.multinomial(probs, num_samples=1, generator=g).item()
        context = context[1:] + [ix]
        out.append(ix)
        if ix == 0:
            break
    print(''.join(itos[i] for i in out))"""),
    ("md", """## The same layer as `nn.BatchNorm1d`

Its running variance is the unbiased one, and its momentum is the weight of the new batch."""),
    ("code", """torch.manual_seed(0)
bn = torch.nn.BatchNorm1d(4, momentum=0.001)
x = torch.randn(32, 4) * 3 + 1
y = bn(x)
print(y.mean(0), y.std(0, unbiased=False))
print(bn.running_mean, bn.running_var, bn.num_batches_tracked)
bn.eval()
bn(x[:2])"""),
]

BACKPROP_NINJA = [
    ("md", """# makemore, part 4: becoming a backprop ninja

The two-layer MLP with BatchNorm from part 3, its forward pass broken into small steps so that
every intermediate tensor has a name. `retain_grad()` keeps autograd's gradient of each; the
backward pass is then written by hand, step by step, and every hand-made gradient is compared
with autograd's: exactly, approximately (`torch.allclose`), and by the largest difference.

The comparisons are bit for bit, so one detail differs from the course: `tanh` and `exp` are
computed in double and rounded once to float32. PyTorch's float32 `tanh` and `exp` are Intel
MKL's, whose last bit differs from the correctly rounded value on about 1% of inputs, and no
public algorithm gives MKL's bits (gradrepl, which replays this lesson, rounds the double
result)."""),
    ("code", NAMES_CELL),
    ("code", """n_embd, n_hidden = 10, 64
g = torch.Generator().manual_seed(2147483647)
C = torch.randn((vocab_size, n_embd), generator=g)
W1 = torch.randn((n_embd * block_size, n_hidden), generator=g) * (5 / 3) / (n_embd * block_size)**0.5
b1 = torch.randn(n_hidden, generator=g) * 0.1  # useless next to BatchNorm, but its gradient is a check
W2 = torch.randn((n_hidden, vocab_size), generator=g) * 0.1
b2 = torch.randn(vocab_size, generator=g) * 0.1
bngain = torch.randn((1, n_hidden), generator=g) * 0.1 + 1.0
bnbias = torch.randn((1, n_hidden), generator=g) * 0.1
parameters = [C, W1, b1, W2, b2, bngain, bnbias]
print(sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True

batch_size = 32
n = batch_size
ix = torch.randint(0, Xtr.shape[0], (batch_size,), generator=g)
Xb, Yb = Xtr[ix], Ytr[ix]
Xb[:3], Yb[:3]"""),
    ("md", "## The forward pass, in small steps"),
    ("code", """emb = C[Xb]
embcat = emb.view(emb.shape[0], -1)
hprebn = embcat @ W1 + b1
bnmeani = 1 / n * hprebn.sum(0, keepdim=True)
bndiff = hprebn - bnmeani
bndiff2 = bndiff**2
bnvar = 1 / (n - 1) * (bndiff2).sum(0, keepdim=True)  # Bessel's correction
bnvar_inv = (bnvar + 1e-5)**-0.5
bnraw = bndiff * bnvar_inv
hpreact = bngain * bnraw + bnbias
h = torch.tanh(hpreact.double()).float()  # see above: tanh rounded once from double
logits = h @ W2 + b2
logit_maxes = logits.max(1, keepdim=True).values
norm_logits = logits - logit_maxes  # for numerical stability
counts = norm_logits.double().exp().float()  # exp rounded once from double, as tanh
counts_sum = counts.sum(1, keepdims=True)
counts_sum_inv = counts_sum**-1
probs = counts * counts_sum_inv
logprobs = probs.log()
loss = -logprobs[range(n), Yb].mean()

for p in parameters:
    p.grad = None
for t in [logprobs, probs, counts, counts_sum, counts_sum_inv, norm_logits, logit_maxes,
          logits, h, hpreact, bnraw, bnvar_inv, bnvar, bndiff2, bndiff, hprebn, bnmeani,
          embcat, emb]:
    t.retain_grad()
loss.backward()
loss"""),
    ("code", """def cmp(s, dt, t):
    ex = torch.all(dt == t.grad).item()
    app = torch.allclose(dt, t.grad)
    maxdiff = (dt - t.grad).abs().max().item()
    print(f'{s:15s} | exact: {str(ex):5s} | approximate: {str(app):5s} | maxdiff: {maxdiff}')

print(logprobs.grad.shape, logprobs.grad[0, :5])
print(logit_maxes.grad.abs().max(), h.grad.is_leaf, h.is_leaf, h.retains_grad)"""),
    ("md", """## Exercise 1: backpropagate through every step

Each line is the chain rule for one line of the forward pass; a tensor used twice gets the
sum of both contributions (`+=`), and a broadcast in the forward pass becomes a sum in the
backward pass."""),
    ("code", """dlogprobs = torch.zeros_like(logprobs)
dlogprobs[range(n), Yb] = -1.0 / n
dprobs = (1.0 / probs) * dlogprobs
dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)
dcounts = counts_sum_inv * dprobs
dcounts_sum = (-counts_sum**-2) * dcounts_sum_inv
dcounts += torch.ones_like(counts) * dcounts_sum
dnorm_logits = counts * dcounts
dlogits = dnorm_logits.clone()
dlogit_maxes = (-dnorm_logits).sum(1, keepdim=True)
dlogits += F.one_hot(logits.max(1).indices, num_classes=logits.shape[1]) * dlogit_maxes
dh = dlogits @ W2.T
dW2 = h.T @ dlogits
db2 = dlogits.sum(0)
dhpreact = (1.0 - h**2) * dh
dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
dbnraw = bngain * dhpreact
dbnbias = dhpreact.sum(0, keepdim=True)
dbndiff = bnvar_inv * dbnraw
dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
dbnvar = (-0.5 * (bnvar + 1e-5)**-1.5) * dbnvar_inv
dbndiff2 = (1.0 / (n - 1)) * torch.ones_like(bndiff2) * dbnvar
dbndiff += (2 * bndiff) * dbndiff2
dhprebn = dbndiff.clone()
dbnmeani = (-dbndiff).sum(0)
dhprebn += 1.0 / n * (torch.ones_like(hprebn) * dbnmeani)
dembcat = dhprebn @ W1.T
dW1 = embcat.T @ dhprebn
db1 = dhprebn.sum(0)
demb = dembcat.view(emb.shape)
dC = torch.zeros_like(C)
for k in range(Xb.shape[0]):
    for j in range(Xb.shape[1]):
        ix = Xb[k, j]
        dC[ix] += demb[k, j]

cmp('logprobs', dlogprobs, logprobs)
cmp('probs', dprobs, probs)
cmp('counts_sum_inv', dcounts_sum_inv, counts_sum_inv)
cmp('counts_sum', dcounts_sum, counts_sum)
cmp('counts', dcounts, counts)
cmp('norm_logits', dnorm_logits, norm_logits)
cmp('logit_maxes', dlogit_maxes, logit_maxes)
cmp('logits', dlogits, logits)
cmp('h', dh, h)
cmp('W2', dW2, W2)
cmp('b2', db2, b2)
cmp('hpreact', dhpreact, hpreact)
cmp('bngain', dbngain, bngain)
cmp('bnbias', dbnbias, bnbias)
cmp('bnraw', dbnraw, bnraw)
cmp('bnvar_inv', dbnvar_inv, bnvar_inv)
cmp('bnvar', dbnvar, bnvar)
cmp('bndiff2', dbndiff2, bndiff2)
cmp('bndiff', dbndiff, bndiff)
cmp('bnmeani', dbnmeani, bnmeani)
cmp('hprebn', dhprebn, hprebn)
cmp('embcat', dembcat, embcat)
cmp('W1', dW1, W1)
cmp('b1', db1, b1)
cmp('emb', demb, emb)
cmp('C', dC, C)"""),
    ("md", """## Exercise 2: cross-entropy in one step

The loss is the same as `F.cross_entropy`'s, to the last bit or nearly; its gradient with
respect to the logits is the softmax minus one at the label, divided by the batch size."""),
    ("code", """loss_fast = F.cross_entropy(logits, Yb)
print(loss_fast.item(), 'diff:', (loss_fast - loss).item())
dlogits = F.softmax(logits, 1)
dlogits[range(n), Yb] -= 1
dlogits /= n
cmp('logits', dlogits, logits)
dlogits[0], dlogits[0].sum()"""),
    ("md", """## Exercise 3: BatchNorm in one step

The whole layer's backward pass in one expression."""),
    ("code", """hpreact_fast = bngain * (hprebn - hprebn.mean(0, keepdim=True)) / torch.sqrt(hprebn.var(0, keepdim=True, unbiased=True) + 1e-5) + bnbias
print('max diff:', (hpreact_fast - hpreact).abs().max())
dhprebn = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
cmp('hprebn', dhprebn, hprebn)
dhprebn.shape"""),
    ("md", """## Exercise 4: train with the hand-made backward pass

No `loss.backward()`: the gradients are ours, applied under `torch.no_grad()`. A few steps
only; at the end the gradients are compared with autograd's once more."""),
    ("code", """with torch.no_grad():
    for i in range(60):
        ix = torch.randint(0, Xtr.shape[0], (batch_size,), generator=g)
        Xb, Yb = Xtr[ix], Ytr[ix]
        emb = C[Xb]
        embcat = emb.view(emb.shape[0], -1)
        hprebn = embcat @ W1 + b1
        bnmean = hprebn.mean(0, keepdim=True)
        bnvar = hprebn.var(0, keepdim=True, unbiased=True)
        bnvar_inv = (bnvar + 1e-5)**-0.5
        bnraw = (hprebn - bnmean) * bnvar_inv
        hpreact = bngain * bnraw + bnbias
        h = torch.tanh(hpreact.double()).float()
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Yb)
        dlogits = F.softmax(logits, 1)
        dlogits[range(n), Yb] -= 1
        dlogits /= n
        dh = dlogits @ W2.T
        dW2 = h.T @ dlogits
        db2 = dlogits.sum(0)
        dhpreact = (1.0 - h**2) * dh
        dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
        dbnbias = dhpreact.sum(0, keepdim=True)
        dhprebn = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
        dembcat = dhprebn @ W1.T
        dW1 = embcat.T @ dhprebn
        db1 = dhprebn.sum(0)
        demb = dembcat.view(emb.shape)
        dC = torch.zeros_like(C)
        dC.index_add_(0, Xb.view(-1), demb.view(-1, n_embd))
        grads = [dC, dW1, db1, dW2, db2, dbngain, dbnbias]
        for p, grad in zip(parameters, grads):
            p.data += -0.1 * grad
        if i % 20 == 0:
            print(f'{i:3d} {loss.item():.4f}')
loss"""),
    ("code", """for p in parameters:
    p.grad = None
emb = C[Xb]
hprebn = emb.view(emb.shape[0], -1) @ W1 + b1
hpreact = bngain * (hprebn - hprebn.mean(0, keepdim=True)) / (hprebn.var(0, keepdim=True) + 1e-5).sqrt() + bnbias
loss = F.cross_entropy(torch.tanh(hpreact.double()).float() @ W2 + b2, Yb)
loss.backward()
for p, grad in zip(parameters, grads):
    print(tuple(p.shape), torch.allclose(p.grad, grad), f'{(p.grad - grad).abs().max().item():.3e}')"""),
]

SELF_ATTENTION = [
    ("md", """# Self-attention from scratch, nanoGPT-style

"Let's build GPT": the mathematical trick behind self-attention (a weighted average of the
past, done with a lower-triangular matrix), a single head of attention, and then a tiny
transformer trained for a few steps on a short inline text and sampled one character at a
time. Sizes are tiny, so the samples are gibberish, but the same gibberish every run."""),
    ("code", """import torch
import torch.nn as nn
from torch.nn import functional as F

torch.manual_seed(1337)
B, T, C = 4, 8, 2  # batch, time, channels
x = torch.randn(B, T, C)
x.shape"""),
    ("md", """## The trick: averages of the past

Version 1 loops; version 2 multiplies by a lower-triangular matrix whose rows sum to one;
version 3 fills the future with `-inf` and lets `softmax` do the normalising."""),
    ("code", """xbow = torch.zeros((B, T, C))
for b in range(B):
    for t in range(T):
        xprev = x[b, :t + 1]  # (t, C)
        xbow[b, t] = torch.mean(xprev, 0)

wei = torch.tril(torch.ones(T, T))
wei = wei / wei.sum(1, keepdim=True)
xbow2 = wei @ x  # (T, T) @ (B, T, C) -> (B, T, C)
print(torch.allclose(xbow, xbow2), (xbow - xbow2).abs().max())

tril = torch.tril(torch.ones(T, T))
wei = torch.zeros((T, T))
wei = wei.masked_fill(tril == 0, float('-inf'))
print(wei[:3])
wei = F.softmax(wei, dim=-1)
xbow3 = wei @ x
torch.allclose(xbow, xbow3), x[0, :3], xbow[0, :3]"""),
    ("code", """torch.manual_seed(42)
a = torch.tril(torch.ones(3, 3))
a = a / torch.sum(a, 1, keepdim=True)
b = torch.randint(0, 10, (3, 2)).float()
c = a @ b
print('a=', a, sep='\\n')
print('b=', b, sep='\\n')
print('c=', c, sep='\\n')"""),
    ("md", """## One head of self-attention

Every token emits a query and a key; their dot products, scaled by `head_size**-0.5` so that
the softmax stays soft, are the affinities. The future is masked out, and the output is the
affinity-weighted sum of the values."""),
    ("code", """torch.manual_seed(1337)
B, T, C = 4, 8, 32
x = torch.randn(B, T, C)
head_size = 16
key = nn.Linear(C, head_size, bias=False)
query = nn.Linear(C, head_size, bias=False)
value = nn.Linear(C, head_size, bias=False)
k = key(x)    # (B, T, 16)
q = query(x)  # (B, T, 16)
wei = q @ k.transpose(-2, -1) * head_size**-0.5  # (B, T, 16) @ (B, 16, T) -> (B, T, T)
tril = torch.tril(torch.ones(T, T))
wei = wei.masked_fill(tril == 0, float('-inf'))
wei = F.softmax(wei, dim=-1)
v = value(x)
out = wei @ v
print(out.shape)
wei[0]"""),
    ("code", """k = torch.randn(B, T, head_size)
q = torch.randn(B, T, head_size)
print(f'{k.var().item():.4f} {q.var().item():.4f}')
print(f'{(q @ k.transpose(-2, -1)).var().item():.4f} {(q @ k.transpose(-2, -1) * head_size**-0.5).var().item():.4f}')
print(torch.softmax(torch.tensor([0.1, -0.2, 0.3, -0.2, 0.5]), dim=-1))
torch.softmax(torch.tensor([0.1, -0.2, 0.3, -0.2, 0.5]) * 8, dim=-1)  # too sharp: nearly one-hot"""),
    ("md", """## The data: a short text, characters as tokens"""),
    ("code", """text = '''First Citizen:
Before we proceed any further, hear me speak.

All:
Speak, speak.

First Citizen:
You are all resolved rather to die than to famish?

All:
Resolved. resolved.

First Citizen:
First, you know Caius Marcius is chief enemy to the people.

All:
We know't, we know't.

First Citizen:
Let us kill him, and we'll have corn at our own price.
Is't a verdict?
'''
chars = sorted(list(set(text)))
vocab_size = len(chars)
print(''.join(chars), vocab_size)
stoi = {ch: i for i, ch in enumerate(chars)}
itos = {i: ch for i, ch in enumerate(chars)}
encode = lambda s: [stoi[c] for c in s]
decode = lambda l: ''.join([itos[i] for i in l])
print(encode("hear me"), decode(encode("hear me")))
data = torch.tensor(encode(text), dtype=torch.long)
n = int(0.9 * len(data))
train_data, val_data = data[:n], data[n:]
data.shape, data.dtype, data[:20]"""),
    ("code", """batch_size, block_size = 8, 8
n_embd, n_head, n_layer, dropout = 32, 4, 1, 0.1
eval_iters = 2
torch.manual_seed(1337)

def get_batch(split):
    data = train_data if split == 'train' else val_data
    ix = torch.randint(len(data) - block_size, (batch_size,))
    x = torch.stack([data[i:i + block_size] for i in ix])
    y = torch.stack([data[i + 1:i + block_size + 1] for i in ix])
    return x, y

xb, yb = get_batch('train')
print(xb.shape, yb.shape)
for t in range(4):
    context = xb[0, :t + 1]
    target = yb[0, t]
    print(f'when input is {context.tolist()} the target: {target}')"""),
    ("md", """## A tiny transformer

Heads in parallel, a feed-forward layer, residual connections and pre-norm `LayerNorm`,
token and position embeddings."""),
    ("code", """class Head(nn.Module):
    def __init__(self, head_size):
        super().__init__()
        self.key = nn.Linear(n_embd, head_size, bias=False)
        self.query = nn.Linear(n_embd, head_size, bias=False)
        self.value = nn.Linear(n_embd, head_size, bias=False)
        self.register_buffer('tril', torch.tril(torch.ones(block_size, block_size)))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        B, T, C = x.shape
        k = self.key(x)
        q = self.query(x)
        wei = q @ k.transpose(-2, -1) * k.shape[-1]**-0.5
        wei = wei.masked_fill(self.tril[:T, :T] == 0, float('-inf'))
        wei = F.softmax(wei, dim=-1)
        wei = self.dropout(wei)
        v = self.value(x)
        return wei @ v

class MultiHeadAttention(nn.Module):
    def __init__(self, num_heads, head_size):
        super().__init__()
        self.heads = nn.ModuleList([Head(head_size) for _ in range(num_heads)])
        self.proj = nn.Linear(head_size * num_heads, n_embd)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        out = torch.cat([h(x) for h in self.heads], dim=-1)
        return self.dropout(self.proj(out))

class FeedFoward(nn.Module):
    def __init__(self, n_embd):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.ReLU(),
                                 nn.Linear(4 * n_embd, n_embd), nn.Dropout(dropout))

    def forward(self, x):
        return self.net(x)

class Block(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        head_size = n_embd // n_head
        self.sa = MultiHeadAttention(n_head, head_size)
        self.ffwd = FeedFoward(n_embd)
        self.ln1 = nn.LayerNorm(n_embd)
        self.ln2 = nn.LayerNorm(n_embd)

    def forward(self, x):
        x = x + self.sa(self.ln1(x))
        x = x + self.ffwd(self.ln2(x))
        return x

class GPTLanguageModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.token_embedding_table = nn.Embedding(vocab_size, n_embd)
        self.position_embedding_table = nn.Embedding(block_size, n_embd)
        self.blocks = nn.Sequential(*[Block(n_embd, n_head=n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size)
        self.apply(self._init_weights)

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets=None):
        B, T = idx.shape
        tok_emb = self.token_embedding_table(idx)
        pos_emb = self.position_embedding_table(torch.arange(T))
        x = tok_emb + pos_emb
        x = self.blocks(x)
        x = self.ln_f(x)
        logits = self.lm_head(x)
        if targets is None:
            loss = None
        else:
            B, T, C = logits.shape
            logits = logits.view(B * T, C)
            targets = targets.view(B * T)
            loss = F.cross_entropy(logits, targets)
        return logits, loss

    def generate(self, idx, max_new_tokens):
        for _ in range(max_new_tokens):
            idx_cond = idx[:, -block_size:]
            logits, loss = self(idx_cond)
            logits = logits[:, -1, :]
            probs = F.softmax(logits, dim=-1)
            idx_next = torch.multinomial(probs, num_samples=1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx

model = GPTLanguageModel()
print(sum(p.numel() for p in model.parameters()) / 1e6, 'M parameters')
logits, loss = model(xb, yb)
print(logits.shape, loss)
model.blocks[0].sa.heads[0]"""),
    ("code", """@torch.no_grad()
def estimate_loss():
    out = {}
    model.eval()
    for split in ['train', 'val']:
        losses = torch.zeros(eval_iters)
        for k in range(eval_iters):
            X, Y = get_batch(split)
            logits, loss = model(X, Y)
            losses[k] = loss.item()
        out[split] = losses.mean()
    model.train()
    return out

optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
for iter in range(15):
    if iter % 7 == 0:
        losses = estimate_loss()
        print(f"step {iter}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}")
    xb, yb = get_batch('train')
    logits, loss = model(xb, yb)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
loss"""),
    ("code", """context = torch.zeros((1, 1), dtype=torch.long)
model.eval()
print(decode(model.generate(context, max_new_tokens=24)[0].tolist()))
model.training, model.blocks[0].sa.heads[0].dropout.training"""),
]

LESSONS = {
    "27_makemore_batchnorm": BATCHNORM,
    "28_makemore_backprop_ninja": BACKPROP_NINJA,
    "29_self_attention_nanogpt": SELF_ATTENTION,
}


def build(name: str) -> nbformat.NotebookNode:
    nb = v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python",
                                  "name": "python3"},
                   "language_info": {"name": "python"}}
    for index, (kind, source) in enumerate(LESSONS[name]):
        if kind == "md":
            nb.cells.append(v4.new_markdown_cell(source, id=f"md-{index}"))
        else:
            nb.cells.append(v4.new_code_cell(source, id=f"code-{index}"))
    return nb


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=SAMPLES)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in LESSONS:
        path = args.out / f"{name}.ipynb"
        nbformat.write(build(name), str(path))
        print(path)
    print("now record outputs: PYTHONPATH=$PWD python -m gradrepl replay --engine torch --update",
          " ".join(f"{args.out}/{name}.ipynb" for name in LESSONS))


if __name__ == "__main__":
    main()
