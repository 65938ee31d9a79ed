"""Karpathy's makemore, parts 1-4: bigram counts ``N[ix1, ix2] += 1`` in an int32 table,
``P = (N + 1).float(); P /= P.sum(1, keepdims=True)``, the negative log likelihood, a
one-hot (``F.one_hot``) neural bigram with ``logits.exp()`` / ``counts.sum(1,
keepdims=True)`` and ``W.data += -50 * W.grad``; the MLP with an embedding table ``C[X]``,
``emb.view(-1, 6)``, ``F.cross_entropy``, hand-written batch norm with running statistics
under ``no_grad``; and the manual backward pass checked against autograd (``retain_grad``,
``dlogits[range(n), Yb] -= 1``, ``F.one_hot(logits.max(1).indices, ...)``, ``dC`` by index
accumulation). Sampling draws from ``torch.multinomial`` with a seeded ``Generator`` (the
two libraries' streams differ: only what the samples are made of is compared)."""

from __future__ import annotations

import numpy as np


def makemore(torch, nn, F, optim, data, init, path, words, batches):
    log = []
    chars = sorted(list(set("".join(words))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}
    V = len(stoi)
    N = torch.zeros((V, V), dtype=torch.int32)
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            ix1 = stoi[ch1]
            ix2 = stoi[ch2]
            N[ix1, ix2] += 1
    log.append([N.sum().item(), N[0].tolist(), N.dtype == torch.int32])
    P = (N + 1).float()
    P /= P.sum(1, keepdims=True)
    log.append([P[0].sum().item(), P.dtype == torch.float32])
    g = torch.Generator().manual_seed(2147483647)
    out = []
    for _ in range(5):
        ix = 0
        s = ""
        while True:
            p = P[ix]
            ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
            if ix == 0:
                break
            s += itos[ix]
        out.append(s)
    log.append(all(set(s) <= set(chars) for s in out))
    log_likelihood = 0.0
    n = 0
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            prob = P[stoi[ch1], stoi[ch2]]
            logprob = torch.log(prob)
            log_likelihood += logprob
            n += 1
    nll = -log_likelihood
    log.append([log_likelihood.item(), (nll / n).item()])

    # the neural bigram
    xs, ys = [], []
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            xs.append(stoi[ch1])
            ys.append(stoi[ch2])
    xs = torch.tensor(xs)
    ys = torch.tensor(ys)
    num = xs.nelement()
    W = torch.randn((V, V), generator=g, requires_grad=True)
    for k in range(20):
        xenc = F.one_hot(xs, num_classes=V).float()
        logits = xenc @ W
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W**2).mean()
        log.append(loss.item())
        W.grad = None
        loss.backward()
        W.data += -50 * W.grad
    log.append([xenc.shape, xenc.dtype == torch.float32])

    # the MLP, with batch norm by hand
    block_size = 3

    def build_dataset(words):
        X, Y = [], []
        for w in words:
            context = [0] * block_size
            for ch in w + ".":
                ix = stoi[ch]
                X.append(context)
                Y.append(ix)
                context = context[1:] + [ix]
        X = torch.tensor(X)
        Y = torch.tensor(Y)
        return X, Y

    Xtr, Ytr = build_dataset(words)
    log.append([list(Xtr.shape), Xtr.dtype == torch.int64])
    n_embd, n_hidden = 2, 16
    C = torch.randn((V, n_embd), generator=g)
    W1 = (
        torch.randn((n_embd * block_size, n_hidden), generator=g)
        * (5 / 3)
        / ((n_embd * block_size) ** 0.5)
    )
    W2 = torch.randn((n_hidden, V), generator=g) * 0.01
    b2 = torch.randn(V, generator=g) * 0
    bngain = torch.ones((1, n_hidden))
    bnbias = torch.zeros((1, n_hidden))
    bnmean_running = torch.zeros((1, n_hidden))
    bnstd_running = torch.ones((1, n_hidden))
    parameters = [C, W1, W2, b2, bngain, bnbias]
    log.append(sum(p.nelement() for p in parameters))
    for p in parameters:
        p.requires_grad = True
    lre = torch.linspace(-3, 0, 1000)
    lrs = 10**lre
    for i, ix in enumerate(batches):
        ix = torch.tensor(ix)
        Xb, Yb = Xtr[ix], Ytr[ix]
        emb = C[Xb]
        embcat = emb.view(emb.shape[0], -1)
        hpreact = embcat @ W1
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
        lr = 0.1 if i < 15 else 0.01
        for p in parameters:
            p.data += -lr * p.grad
        log.append(loss.item())
    log.append([lrs[500].item(), bnmean_running.sum().item(), bnstd_running.sum().item()])

    @torch.no_grad()
    def split_loss():
        emb = C[Xtr]
        embcat = emb.view(emb.shape[0], -1)
        hpreact = embcat @ W1
        hpreact = bngain * (hpreact - bnmean_running) / bnstd_running + bnbias
        h = torch.tanh(hpreact)
        logits = h @ W2 + b2
        return F.cross_entropy(logits, Ytr).item()

    log.append(split_loss())

    # part 4: the backward pass by hand, against autograd
    n = len(batches[0])
    ix = torch.tensor(batches[0])
    Xb, Yb = Xtr[ix], Ytr[ix]
    b1 = torch.zeros(n_hidden, requires_grad=True)
    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    hprebn = embcat @ W1 + b1
    bnmeani = 1 / n * hprebn.sum(0, keepdim=True)
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff**2
    bnvar = 1 / (n - 1) * (bndiff2).sum(0, keepdim=True)
    bnvar_inv = (bnvar + 1e-5) ** -0.5
    bnraw = bndiff * bnvar_inv
    hpreact = bngain * bnraw + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    logit_maxes = logits.max(1, keepdim=True).values
    norm_logits = logits - logit_maxes
    counts = norm_logits.exp()
    counts_sum = counts.sum(1, keepdims=True)
    counts_sum_inv = counts_sum**-1
    probs = counts * counts_sum_inv
    logprobs = probs.log()
    loss = -logprobs[range(n), Yb].mean()
    for p in parameters:
        p.grad = None
    for t in [logprobs, probs, counts, counts_sum, counts_sum_inv, norm_logits, logit_maxes,
              logits, h, hpreact, bnraw, bnvar_inv, bnvar, bndiff2, bndiff, hprebn, bnmeani,
              embcat, emb]:  # fmt: skip
        t.retain_grad()
    loss.backward()
    log.append(loss.item())

    def cmp(dt, t):
        ex = torch.all(dt == t.grad).item()
        app = torch.allclose(dt, t.grad)
        maxdiff = (dt - t.grad).abs().max().item()
        return [bool(ex) or bool(app), maxdiff < 1e-6]

    dlogprobs = torch.zeros_like(logprobs)
    dlogprobs[range(n), Yb] = -1.0 / n
    dprobs = (1.0 / probs) * dlogprobs
    dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)
    dcounts = counts_sum_inv * dprobs
    dcounts_sum = (-(counts_sum**-2)) * dcounts_sum_inv
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
    dbnvar = (-0.5 * (bnvar + 1e-5) ** -1.5) * dbnvar_inv
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
    for dt, t in [(dlogprobs, logprobs), (dprobs, probs), (dcounts_sum_inv, counts_sum_inv),
                  (dcounts_sum, counts_sum), (dcounts, counts), (dnorm_logits, norm_logits),
                  (dlogit_maxes, logit_maxes), (dlogits, logits), (dh, h), (dW2, W2), (db2, b2),
                  (dhpreact, hpreact), (dbngain, bngain), (dbnbias, bnbias), (dbnraw, bnraw),
                  (dbnvar_inv, bnvar_inv), (dbnvar, bnvar), (dbndiff2, bndiff2),
                  (dbndiff, bndiff), (dbnmeani, bnmeani), (dhprebn, hprebn),
                  (dembcat, embcat), (dW1, W1), (db1, b1), (demb, emb), (dC, C)]:  # fmt: skip
        log.append(cmp(dt, t))
    # the fused cross-entropy backward
    # (under no_grad: deepgrad refuses ``x[i] -= 1`` on a tensor in the graph, which PyTorch
    # records; the notebook writes these lines without it)
    with torch.no_grad():
        dlogits = F.softmax(logits, 1)
        dlogits[range(n), Yb] -= 1
        dlogits /= n
    log.append(cmp(dlogits, logits))
    log.append(dC.abs().sum().item())
    return log


def test_makemore(portability):
    rng = np.random.default_rng(0)
    letters = list("abcdefghij")
    words = ["".join(rng.choice(letters, size=rng.integers(2, 6))) for _ in range(40)]
    n_examples = sum(len(w) + 1 for w in words)
    batches = [rng.integers(0, n_examples, size=16).tolist() for _ in range(20)]
    portability.assert_same(makemore, dtype="float32", rtol=1e-4, words=words, batches=batches)
