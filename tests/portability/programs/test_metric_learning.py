"""Metric learning as adambielski/siamese-triplet and the blog posts built on it write it: an
``EmbeddingNet`` with ``F.normalize(output, p=2, dim=1)``, a ``TripletNet`` wrapper, the
hand-written ``TripletLoss`` (``(anchor - positive).pow(2).sum(1)``, ``F.relu(dp - dn +
margin)``, ``losses.mean() if size_average else losses.sum()``) and ``ContrastiveLoss``
(``F.pairwise_distance(..., keepdim=True)``, ``torch.clamp(margin - d, min=0.0)``), online
batch-hard mining over ``torch.cdist`` with label masks (``labels.unsqueeze(0) ==
labels.unsqueeze(1)``, ``torch.eye(n, dtype=torch.bool)``, ``masked_fill``, ``max(1)`` /
``min(1)``) and the ``pdist`` trick (``-2 * vectors.mm(torch.t(vectors)) + ...``); PyTorch's
own criteria: ``nn.TripletMarginLoss(margin, p=2)``, ``nn.TripletMarginWithDistanceLoss(
distance_function=lambda x, y: 1.0 - F.cosine_similarity(x, y))``, ``nn.CosineEmbeddingLoss``
with ±1 targets, ``nn.MarginRankingLoss`` on RankNet-style score pairs and
``nn.HingeEmbeddingLoss`` on distances; each trained by another optimizer (``Adagrad``,
``Adamax``, ``NAdam``, ``RAdam``, ``Rprop``), the retrieval accuracy read with
``topk(k, largest=False)`` on the distance matrix."""

from __future__ import annotations

import numpy as np


def metric_learning(torch, nn, F, optim, data, init, path, X, y):
    log = []
    n = X.size(0)

    class EmbeddingNet(nn.Module):
        def __init__(self):
            super(EmbeddingNet, self).__init__()
            self.fc = nn.Sequential(nn.Linear(8, 32), nn.PReLU(), nn.Linear(32, 32), nn.PReLU(),
                                    nn.Linear(32, 4))  # fmt: skip

        def forward(self, x):
            output = self.fc(x)
            return F.normalize(output, p=2, dim=1)

        def get_embedding(self, x):
            return self.forward(x)

    class TripletNet(nn.Module):
        def __init__(self, embedding_net):
            super(TripletNet, self).__init__()
            self.embedding_net = embedding_net

        def forward(self, x1, x2, x3):
            output1 = self.embedding_net(x1)
            output2 = self.embedding_net(x2)
            output3 = self.embedding_net(x3)
            return output1, output2, output3

    class TripletLoss(nn.Module):
        def __init__(self, margin):
            super(TripletLoss, self).__init__()
            self.margin = margin

        def forward(self, anchor, positive, negative, size_average=True):
            distance_positive = (anchor - positive).pow(2).sum(1)  # .pow(.5)
            distance_negative = (anchor - negative).pow(2).sum(1)  # .pow(.5)
            losses = F.relu(distance_positive - distance_negative + self.margin)
            return losses.mean() if size_average else losses.sum()

    class ContrastiveLoss(nn.Module):
        def __init__(self, margin=2.0):
            super(ContrastiveLoss, self).__init__()
            self.margin = margin

        def forward(self, output1, output2, label):
            euclidean_distance = F.pairwise_distance(output1, output2, keepdim=True)
            loss_contrastive = torch.mean(
                (1 - label) * torch.pow(euclidean_distance, 2)
                + label * torch.pow(torch.clamp(self.margin - euclidean_distance, min=0.0), 2)
            )
            return loss_contrastive

    def pdist(vectors):
        distance_matrix = (
            -2 * vectors.mm(torch.t(vectors))
            + vectors.pow(2).sum(dim=1).view(1, -1)
            + vectors.pow(2).sum(dim=1).view(-1, 1)
        )
        return distance_matrix

    def batch_hard_triplet_loss(embeddings, labels, margin):
        dist = torch.cdist(embeddings, embeddings, p=2)
        same = labels.unsqueeze(0) == labels.unsqueeze(1)
        eye = torch.eye(labels.size(0), dtype=torch.bool)
        pos_mask = same & ~eye
        hardest_pos = dist.masked_fill(~pos_mask, 0.0).max(1)[0]
        max_dist = dist.max(1, keepdim=True)[0]
        hardest_neg = (dist + max_dist * same.float()).min(1)[0]
        return F.relu(hardest_pos - hardest_neg + margin).mean()

    # a fixed triplet list: anchor i, a positive and a negative from the labels
    yl = y.tolist()
    triplets = []
    for i in range(n):
        pos = next(j for j in range(i + 1, i + n) if yl[j % n] == yl[i]) % n
        neg = next(j for j in range(i + 1, i + n) if yl[j % n] != yl[i]) % n
        triplets.append((i, pos, neg))
    a_idx, p_idx, n_idx = (torch.tensor(t) for t in zip(*triplets))

    def retrieval_accuracy(emb):
        with torch.no_grad():
            d = pdist(emb) + torch.eye(n) * 1e6
            nearest = d.topk(1, dim=1, largest=False).indices.squeeze(1)
            return (y[nearest] == y).float().mean().item()

    runs = [
        ("triplet_handwritten", optim.Adagrad, dict(lr=0.1)),
        ("triplet_margin_loss", optim.Adamax, dict(lr=0.01)),
        ("triplet_cosine_distance", optim.NAdam, dict(lr=0.01)),
        ("batch_hard", optim.RAdam, dict(lr=0.01)),
        ("contrastive", optim.Rprop, dict(lr=0.001)),
        ("cosine_embedding", optim.Adagrad, dict(lr=0.05, lr_decay=0.01, weight_decay=1e-4)),
        ("hinge_embedding", optim.Adamax, dict(lr=0.02, weight_decay=1e-3)),
    ]
    for name, opt_cls, kw in runs:
        embedding_net = init(EmbeddingNet())
        model = TripletNet(embedding_net)
        optimizer = opt_cls(model.parameters(), **kw)
        criteria = {
            "triplet_handwritten": TripletLoss(0.5),
            "triplet_margin_loss": nn.TripletMarginLoss(margin=0.5, p=2),
            "triplet_cosine_distance": nn.TripletMarginWithDistanceLoss(
                distance_function=lambda x, y: 1.0 - F.cosine_similarity(x, y), margin=0.3
            ),
            "contrastive": ContrastiveLoss(margin=1.0),
            "cosine_embedding": nn.CosineEmbeddingLoss(margin=0.2),
            "hinge_embedding": nn.HingeEmbeddingLoss(margin=1.0),
        }
        losses = []
        for step in range(5):
            optimizer.zero_grad()
            if name.startswith("triplet"):
                anchor, positive, negative = model(X[a_idx], X[p_idx], X[n_idx])
                loss = criteria[name](anchor, positive, negative)
            elif name == "batch_hard":
                loss = batch_hard_triplet_loss(embedding_net(X), y, margin=0.5)
            else:
                e1, e2, _ = model(X[a_idx], torch.cat([X[p_idx[::2]], X[n_idx[1::2]]]), X[a_idx])
                same = torch.cat([torch.ones(n // 2), torch.zeros(n - n // 2)])
                if name == "contrastive":
                    loss = criteria[name](e1, e2, (1 - same).unsqueeze(1))
                elif name == "cosine_embedding":
                    loss = criteria[name](e1, e2, same * 2 - 1)
                else:
                    d = F.pairwise_distance(e1, e2)
                    loss = criteria[name](d, same * 2 - 1)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        log.append({name: losses, "acc": retrieval_accuracy(embedding_net(X))})

    # RankNet-style pairs through MarginRankingLoss
    scorer = init(nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1)))
    optimizer = optim.RAdam(scorer.parameters(), lr=0.01, weight_decay=0.01,
                            decoupled_weight_decay=True)  # fmt: skip
    rank_loss = nn.MarginRankingLoss(margin=0.1)
    relevance = X[:, 0] - X[:, 1]
    i1, i2 = torch.arange(0, n, 2), torch.arange(1, n, 2)
    target = torch.sign(relevance[i1] - relevance[i2])
    for step in range(5):
        optimizer.zero_grad()
        s = scorer(X).squeeze(-1)
        loss = rank_loss(s[i1], s[i2], target)
        loss.backward()
        optimizer.step()
        log.append(loss.item())
    return log


def test_metric_learning(portability):
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 4)
    centers = rng.standard_normal((4, 8)) * 1.5
    X = centers[y] + rng.standard_normal((16, 8)) * 0.6

    def program(torch, **kw):
        return metric_learning(torch, X=torch.from_numpy(X), y=torch.from_numpy(y), **kw)

    portability.assert_same(program, rtol=1e-7)
