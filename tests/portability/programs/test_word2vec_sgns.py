"""Word2vec skip-gram with negative sampling, the common PyTorch post's layout: two
``nn.Embedding(vocab, dim, sparse=False)`` tables initialised with ``uniform_(-initrange,
initrange)`` and ``init.constant_(..., 0)``, ``torch.bmm(emb_neg, emb_u.unsqueeze(2)).squeeze()``,
``torch.clamp`` of the scores, ``F.logsigmoid``, ``torch.mul(...).sum(dim=1)``, ``SparseAdam``
replaced by ``optim.Adam`` (dense), nearest neighbours by cosine similarity with ``topk``.
Negative samples are drawn by NumPy (the posts draw them with NumPy too)."""

from __future__ import annotations

import numpy as np


def skipgram(torch, nn, F, optim, data, init, path, pos_u, pos_v, neg_v):
    log = []

    class SkipGramModel(nn.Module):
        def __init__(self, emb_size, emb_dimension):
            super(SkipGramModel, self).__init__()
            self.emb_size = emb_size
            self.emb_dimension = emb_dimension
            self.u_embeddings = nn.Embedding(emb_size, emb_dimension, sparse=False)
            self.v_embeddings = nn.Embedding(emb_size, emb_dimension, sparse=False)
            initrange = 1.0 / self.emb_dimension
            nn.init.uniform_(self.u_embeddings.weight.data, -initrange, initrange)
            nn.init.constant_(self.v_embeddings.weight.data, 0)

        def forward(self, pos_u, pos_v, neg_v):
            emb_u = self.u_embeddings(pos_u)
            emb_v = self.v_embeddings(pos_v)
            emb_neg_v = self.v_embeddings(neg_v)

            score = torch.sum(torch.mul(emb_u, emb_v), dim=1)
            score = torch.clamp(score, max=10, min=-10)
            score = -F.logsigmoid(score)

            neg_score = torch.bmm(emb_neg_v, emb_u.unsqueeze(2)).squeeze()
            neg_score = torch.clamp(neg_score, max=10, min=-10)
            neg_score = -torch.sum(F.logsigmoid(-neg_score), dim=1)

            return torch.mean(score + neg_score)

    model = init(SkipGramModel(30, 8))
    optimizer = optim.Adam(model.parameters(), lr=0.05)
    for i in range(0, len(pos_u), 32):
        u = torch.LongTensor(pos_u[i : i + 32])
        v = torch.LongTensor(pos_v[i : i + 32])
        n = torch.LongTensor(neg_v[i : i + 32])
        optimizer.zero_grad()
        loss = model.forward(u, v, n)
        loss.backward()
        optimizer.step()
        log.append(loss.item())
    emb = model.u_embeddings.weight.detach()
    normed = emb / emb.norm(dim=1, keepdim=True)
    sims = normed @ normed.t()
    values, indices = sims[3].topk(4)
    log.append([values.tolist(), indices.tolist()])
    log.append(F.cosine_similarity(emb[3:4], emb, dim=1).tolist())
    return log


def test_skipgram(portability):
    rng = np.random.default_rng(0)
    corpus = rng.integers(0, 30, size=400)
    pos_u, pos_v = [], []
    for i, w in enumerate(corpus):
        for j in range(max(0, i - 2), min(len(corpus), i + 3)):
            if j != i:
                pos_u.append(int(w))
                pos_v.append(int(corpus[j]))
    pos_u, pos_v = pos_u[:320], pos_v[:320]
    neg_v = rng.integers(0, 30, size=(320, 5)).tolist()
    portability.assert_same(skipgram, rtol=1e-8, pos_u=pos_u, pos_v=pos_v, neg_v=neg_v)
