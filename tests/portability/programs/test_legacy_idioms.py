"""A PyTorch 0.3/0.4-era tutorial program, the kind still copied from old blog posts and
answers, that runs on PyTorch 2 with deprecation warnings: ``torch.Tensor(list_of_ints)`` and
``torch.Tensor(np.bool_array)`` (the default float dtype), ``Variable(x, requires_grad=False)``,
``nn.init.xavier_uniform`` / ``nn.init.constant`` without the underscore,
``torch.nn.utils.clip_grad_norm`` (deprecated), ``F.sigmoid`` / ``F.tanh``, ``F.softmax(x)``
with the implicit dim, ``size_average=False`` losses, ``x.type(torch.FloatTensor)`` and
``x.type('torch.DoubleTensor')``, ``torch.range`` (inclusive end), ``x.data.numpy()``,
``if mask == None:`` (a tensor compared with ``None`` is False), ``loss.data.item()``, a
hand-written attention with ``mask.float()`` masks and ``torch.bmm``, and the deprecated
``scheduler.get_lr()`` read inside the loop."""

from __future__ import annotations

import numpy as np
import pytest


def legacy(torch, nn, F, optim, data, init, path, seqs, labels, lengths):
    Variable = torch.autograd.Variable  # noqa: N806 - `from torch.autograd import Variable`

    class Attention(nn.Module):
        def __init__(self, hidden):
            super(Attention, self).__init__()
            self.attn = nn.Linear(hidden, 1)

        def forward(self, outputs, mask=None):
            scores = self.attn(outputs).squeeze(2)  # (B, T)
            if mask == None:  # noqa: E711 - as old code writes it
                weights = F.softmax(scores)
            else:
                scores = scores * mask + (1 - mask) * -1e9
                weights = F.softmax(scores)
            context = torch.bmm(weights.unsqueeze(1), outputs).squeeze(1)
            return context, weights

    class Classifier(nn.Module):
        def __init__(self, vocab, emb, hidden):
            super(Classifier, self).__init__()
            self.embedding = nn.Embedding(vocab, emb)
            self.rnn = nn.GRU(emb, hidden, batch_first=True)
            self.attention = Attention(hidden)
            self.out = nn.Linear(hidden, 1)
            nn.init.xavier_uniform(self.out.weight)
            nn.init.constant(self.out.bias, 0.1)

        def forward(self, x, mask=None):
            outputs, hidden = self.rnn(self.embedding(x))
            context, weights = self.attention(F.tanh(outputs), mask)
            return F.sigmoid(self.out(context)).squeeze(1), weights

    model = init(Classifier(12, 8, 10))
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    criterion = nn.BCELoss(size_average=False)
    X = Variable(torch.LongTensor(seqs))
    y = Variable(torch.Tensor(labels), requires_grad=False)
    mask = torch.Tensor(np.arange(X.size(1))[None, :] < np.array(lengths)[:, None])
    positions = torch.range(1, X.size(1))
    log = [str(mask.dtype) == str(torch.get_default_dtype()), positions.tolist()]
    for epoch in range(4):
        for use_mask in (False, True):
            optimizer.zero_grad()
            probs, weights = model(X, mask if use_mask else None)
            loss = criterion(probs, y)
            loss.backward()
            torch.nn.utils.clip_grad_norm(model.parameters(), 1.0)
            optimizer.step()
            lr = scheduler.get_lr()[0]
            log.append([loss.data.item(), lr, weights.data.numpy()[0, -1].item()])
        scheduler.step()
    preds = (probs > 0.5).type(torch.FloatTensor)
    log.append(preds.tolist())
    log.append(y.type("torch.DoubleTensor").sum().item())
    return log


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")
def test_legacy_idioms(portability):
    rng = np.random.default_rng(0)
    lengths = [5, 3, 6, 4, 6, 2]
    seqs = [[int(v) for v in rng.integers(1, 12, 6)] for _ in lengths]
    for s, n in zip(seqs, lengths):
        s[n:] = [0] * (6 - n)
    labels = [int(sum(s) % 2) for s in seqs]
    portability.assert_same(legacy, dtype="float32", rtol=1e-4, seqs=seqs, labels=labels,
                            lengths=lengths)  # fmt: skip
