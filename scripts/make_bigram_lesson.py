"""Build samples/20_bigram_makemore.ipynb, a makemore-style lesson: bigram counts, sampling names
with torch.multinomial from a seeded generator, then the same model as a one-layer network.

    python scripts/make_bigram_lesson.py
    PYTHONPATH=$PWD python -m gradrepl replay --engine torch --update samples/20_bigram_makemore.ipynb

The notebook is written with empty outputs; they are recorded from real PyTorch by the second
command, never typed. tests/replay/test_built_lessons.py checks that the committed notebook is
this script's, and the samples tests replay it on gradrepl.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import v4

ROOT = Path(__file__).resolve().parent.parent
PATH = ROOT / "samples" / "20_bigram_makemore.ipynb"

# (kind, source) in order
CELLS = [
    ("md", """# A bigram language model of names

Which letter follows which? Count it over a list of names, turn the counts into
probabilities, and sample new names one letter at a time with `torch.multinomial`. Then learn
the same table with gradient descent: one-hot inputs, one weight matrix, a softmax, and the
negative log likelihood. Every random number comes from one seeded `torch.Generator`, so
the sampled names are the same on every run."""),
    ("code", """import torch
import torch.nn.functional as F

words = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia", "harper",
         "evelyn", "abigail", "emily", "elizabeth", "mila", "ella", "avery", "sofia", "camila",
         "aria", "scarlett", "victoria", "madison", "luna", "grace", "chloe", "penelope", "layla",
         "riley", "zoey", "nora", "lily", "eleanor", "hannah", "lillian", "addison", "aubrey",
         "ellie", "stella", "natalie", "zoe", "leah", "hazel", "violet", "aurora", "savannah",
         "audrey", "brooklyn", "bella", "claire", "skylar", "quinn", "jack", "xavier", "wyatt"]
len(words), min(len(w) for w in words), max(len(w) for w in words)"""),
    ("md", """## Counting bigrams

27 characters: the 26 letters and `.`, which marks both the start and the end of a name.
`N[ix1, ix2]` counts how often character `ix2` follows `ix1`."""),
    ("code", """chars = sorted(set(''.join(words)))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi['.'] = 0
itos = {i: s for s, i in stoi.items()}

N = torch.zeros((27, 27), dtype=torch.int32)
for w in words:
    chs = ['.'] + list(w) + ['.']
    for ch1, ch2 in zip(chs, chs[1:]):
        N[stoi[ch1], stoi[ch2]] += 1
N[0]"""),
    ("code", """N.sum(), N.max(), N.dtype"""),
    ("md", """## Sampling with `torch.multinomial`

Row 0 holds the counts of first letters. As probabilities it is a distribution to draw
from; `torch.multinomial` draws indices from it, here with a generator of our own."""),
    ("code", """p = N[0].float()
p = p / p.sum()
p"""),
    ("code", """g = torch.Generator().manual_seed(2147483647)
p3 = torch.rand(3, generator=g)
p3 = p3 / p3.sum()
print(p3)
torch.multinomial(p3, num_samples=20, replacement=True, generator=g)"""),
    ("code", """g = torch.Generator().manual_seed(2147483647)
ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
ix, itos[ix]"""),
    ("md", """The whole table, smoothed by adding one to every count so that no bigram has probability
zero. `keepdim=True` keeps the row sums as a column, which broadcasting then divides
row by row."""),
    ("code", """P = (N + 1).float()
P /= P.sum(1, keepdim=True)
P.shape, P[0].sum(), P.sum(1)[:5]"""),
    ("code", """g = torch.Generator().manual_seed(2147483647)
for i in range(5):
    out = []
    ix = 0
    while True:
        ix = torch.multinomial(P[ix], num_samples=1, replacement=True, generator=g).item()
        out.append(itos[ix])
        if ix == 0:
            break
    print(''.join(out))"""),
    ("md", """## How good is the table?

The likelihood of the data is the product of the probabilities the model gives each bigram;
its negative log, averaged, is the loss a network will minimise."""),
    ("code", """log_likelihood = 0.0
n = 0
for w in words[:3]:
    chs = ['.'] + list(w) + ['.']
    for ch1, ch2 in zip(chs, chs[1:]):
        prob = P[stoi[ch1], stoi[ch2]]
        logprob = torch.log(prob)
        log_likelihood += logprob
        n += 1
        print(f'{ch1}{ch2}: {prob:.4f} {logprob:.4f}')
nll = -log_likelihood
print(f'{log_likelihood=}')
print(f'{nll=}')
print(f'{nll / n}')"""),
    ("md", """## The same model as a neural network

The training set is every bigram: `xs` the first characters, `ys` the ones that follow.
A one-hot row times `W` picks a row of `W`: the logits, whose softmax is the next
character's distribution."""),
    ("code", """xs, ys = [], []
for w in words:
    chs = ['.'] + list(w) + ['.']
    for ch1, ch2 in zip(chs, chs[1:]):
        xs.append(stoi[ch1])
        ys.append(stoi[ch2])
xs = torch.tensor(xs)
ys = torch.tensor(ys)
num = xs.nelement()
print('number of examples:', num)
xs[:10], ys[:10]"""),
    ("code", """xenc = F.one_hot(xs, num_classes=27).float()
xenc.shape, xenc.dtype, xenc[:2, :8]"""),
    ("code", """g = torch.Generator().manual_seed(2147483647)
W = torch.randn((27, 27), generator=g, requires_grad=True)
W[0, :5]"""),
    ("code", """for k in range(20):
    logits = xenc @ W                                  # log-counts
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdims=True)      # numpy's name works too
    loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W**2).mean()
    if k % 5 == 0 or k == 19:
        print(k, loss.item())
    W.grad = None
    loss.backward()
    W.data += -50 * W.grad
loss"""),
    ("code", """probs.shape, probs[0, :5]"""),
    ("code", """W.grad[0, :5]"""),
    ("md", """## Sampling from the network

The same loop as with the table, but the distribution now comes out of the network."""),
    ("code", """g = torch.Generator().manual_seed(2147483647)
for i in range(5):
    out = []
    ix = 0
    while True:
        xenc = F.one_hot(torch.tensor([ix]), num_classes=27).float()
        counts = (xenc @ W).exp()
        p = counts / counts.sum(1, keepdims=True)
        ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
        out.append(itos[ix])
        if ix == 0:
            break
    print(''.join(out))"""),
    ("md", """## More of `torch.multinomial`

Several rows at once, several samples per row, with and without replacement (without, each
index comes at most once per row)."""),
    ("code", """print(torch.multinomial(P[:3], 4, replacement=True, generator=g))
print(torch.multinomial(P[:3], 4, generator=g))
P[1].multinomial(3, generator=g)"""),
    ("code", """torch.multinomial(torch.tensor([0., 10., 3., 0.]), 5)"""),
]


def build() -> nbformat.NotebookNode:
    nb = v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python",
                                  "name": "python3"},
                   "language_info": {"name": "python"}}
    for index, (kind, source) in enumerate(CELLS):
        if kind == "md":
            nb.cells.append(v4.new_markdown_cell(source, id=f"md-{index}"))
        else:
            cell = v4.new_code_cell(source, id=f"code-{index}")
            if "torch.tensor([0., 10., 3., 0.]), 5)" in source:
                cell.metadata["tags"] = ["raises-exception"]
            nb.cells.append(cell)
    return nb


def main() -> None:
    nbformat.write(build(), str(PATH))
    print(PATH.relative_to(ROOT))
    print("now record outputs: PYTHONPATH=$PWD python -m gradrepl replay --engine torch --update",
          PATH.relative_to(ROOT))


if __name__ == "__main__":
    main()
