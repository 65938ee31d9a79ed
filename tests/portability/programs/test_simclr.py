"""SimCLR as sthalles/SimCLR and the many tutorials after the paper write it: a small ResNet-ish
encoder with its ``fc`` swapped for a projection head (``nn.Sequential(nn.Linear(dim_mlp,
dim_mlp), nn.ReLU(), self.backbone.fc)``), two augmented views made with tensor ops
(``torch.flip(x, dims=[3])``, additive noise from ``torch.randn_like``, ``x * scale[:, None,
None, None]``), and the NT-Xent loss written twice: sthalles' ``info_nce_loss`` (``labels =
torch.cat([torch.arange(batch_size) for i in range(n_views)], dim=0)``, ``(labels.unsqueeze(0)
== labels.unsqueeze(1)).float()``, ``F.normalize(features, dim=1)``, ``torch.matmul(features,
features.T)``, ``torch.eye(..., dtype=torch.bool)``, ``similarity_matrix[~mask].view(N, -1)``,
``torch.cat([positives, negatives], dim=1)``, ``torch.zeros(N, dtype=torch.long)`` labels) and
the Lightning tutorial's (``cos_sim = F.cosine_similarity(feats[:, None, :], feats[None, :, :],
dim=-1)``, ``masked_fill_(self_mask, -9e15)``, ``pos_mask = self_mask.roll(shifts=N // 2,
dims=0)``, ``-cos_sim[pos_mask] + torch.logsumexp(cos_sim, dim=-1)``), a third form with
``masked_fill(torch.eye(2N).bool(), float('-inf'))`` and ``(i + N) % 2N`` targets through
``F.cross_entropy``; LARS-less training with ``optim.SGD(nesterov=True)``, then a linear probe on
frozen features (``requires_grad_(False)``, ``torch.no_grad()`` feature extraction,
``top-k`` accuracy)."""

from __future__ import annotations

import numpy as np


def simclr_program(torch, nn, F, optim, data, init, path, images, labels, loss_form):
    log = []
    temperature = 0.5

    class Encoder(nn.Module):
        def __init__(self, out_dim=8):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(8)
            self.conv2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(8)
            self.pool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(8, out_dim)

        def forward(self, x):
            x = F.relu(self.bn1(self.conv1(x)))
            x = x + F.relu(self.bn2(self.conv2(x)))
            x = torch.flatten(self.pool(x), 1)
            return self.fc(x)

    class ResNetSimCLR(nn.Module):
        def __init__(self, out_dim):
            super().__init__()
            self.backbone = Encoder(out_dim)
            dim_mlp = self.backbone.fc.in_features
            # add mlp projection head
            self.backbone.fc = nn.Sequential(nn.Linear(dim_mlp, dim_mlp), nn.ReLU(), self.backbone.fc)  # fmt: skip

        def forward(self, x):
            return self.backbone(x)

    def info_nce_loss(features, batch_size, n_views=2):
        labels = torch.cat([torch.arange(batch_size) for i in range(n_views)], dim=0)
        labels = (labels.unsqueeze(0) == labels.unsqueeze(1)).float()
        features = F.normalize(features, dim=1)
        similarity_matrix = torch.matmul(features, features.T)
        # discard the main diagonal from both: labels and similarities matrix
        mask = torch.eye(labels.shape[0], dtype=torch.bool)
        labels = labels[~mask].view(labels.shape[0], -1)
        similarity_matrix = similarity_matrix[~mask].view(similarity_matrix.shape[0], -1)
        # select and combine multiple positives
        positives = similarity_matrix[labels.bool()].view(labels.shape[0], -1)
        # select only the negatives the negatives
        negatives = similarity_matrix[~labels.bool()].view(similarity_matrix.shape[0], -1)
        logits = torch.cat([positives, negatives], dim=1)
        labels = torch.zeros(logits.shape[0], dtype=torch.long)
        logits = logits / temperature
        return logits, labels

    def lightning_nt_xent(feats):
        cos_sim = F.cosine_similarity(feats[:, None, :], feats[None, :, :], dim=-1)
        self_mask = torch.eye(cos_sim.shape[0], dtype=torch.bool, device=cos_sim.device)
        cos_sim.masked_fill_(self_mask, -9e15)
        pos_mask = self_mask.roll(shifts=cos_sim.shape[0] // 2, dims=0)
        cos_sim = cos_sim / temperature
        nll = -cos_sim[pos_mask] + torch.logsumexp(cos_sim, dim=-1)
        nll = nll.mean()
        sim_argsort = torch.cat(
            [cos_sim[pos_mask][:, None], cos_sim.masked_fill(pos_mask, -9e15)], dim=-1
        ).argsort(dim=-1, descending=True).argmin(dim=-1)  # fmt: skip
        return nll, (sim_argsort == 0).float().mean()

    def nt_xent(z_i, z_j):
        N = z_i.shape[0]
        z = torch.cat([F.normalize(z_i, dim=-1), F.normalize(z_j, dim=-1)], dim=0)
        sim = z @ z.T / temperature
        sim = sim.masked_fill(torch.eye(2 * N).bool(), float("-inf"))
        i = torch.arange(2 * N)
        targets = (i + N) % (2 * N)
        return F.cross_entropy(sim, targets)

    def augment(x):
        flip = torch.flip(x, dims=[3])
        scale = 1.0 + 0.1 * torch.rand(x.shape[0])
        return flip * scale[:, None, None, None] + 0.05 * torch.randn_like(x)

    model = init(ResNetSimCLR(out_dim=8))
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4)  # fmt: skip
    criterion = torch.nn.CrossEntropyLoss()
    x, y = torch.tensor(images), torch.tensor(labels)
    loader = data.DataLoader(data.TensorDataset(x), batch_size=6, drop_last=True)
    for epoch in range(2):
        model.train()
        for (xb,) in loader:
            views = torch.cat([augment(xb), augment(xb)], dim=0)
            features = model(views)
            if loss_form == "sthalles":
                logits, lab = info_nce_loss(features, xb.shape[0])
                loss = criterion(logits, lab)
                top1 = (logits.argmax(1) == lab).float().mean()
            elif loss_form == "lightning":
                loss, top1 = lightning_nt_xent(features)
            else:
                z_i, z_j = features.chunk(2, dim=0)
                loss = nt_xent(z_i, z_j)
                top1 = torch.tensor(0.0)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            log.append([loss.item(), top1.item()])

    # linear probe on frozen features
    model.backbone.fc = nn.Identity()
    model.requires_grad_(False)
    model.eval()
    with torch.no_grad():
        feats = model(x)
    log.append([feats.shape[1], feats.norm(dim=1).mean().item()])
    probe = init(nn.Linear(feats.shape[1], 3))
    popt = optim.Adam(probe.parameters(), lr=0.05)
    for step in range(5):
        out = probe(feats)
        loss = F.cross_entropy(out, y)
        popt.zero_grad()
        loss.backward()
        popt.step()
        log.append(loss.item())
    _, pred = probe(feats).topk(2, dim=1)
    log.append((pred == y[:, None]).any(dim=1).float().mean().item())
    return log


def _data():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 12)
    images = rng.standard_normal((12, 3, 6, 6)) + labels[:, None, None, None] * 0.5
    return images, labels


def test_simclr_info_nce(portability):
    images, labels = _data()
    portability.assert_same(simclr_program, rtol=1e-8, images=images, labels=labels, loss_form="sthalles")  # fmt: skip


def test_simclr_lightning_nt_xent(portability):
    images, labels = _data()
    portability.assert_same(simclr_program, rtol=1e-8, images=images, labels=labels, loss_form="lightning")  # fmt: skip


def test_simclr_masked_fill_cross_entropy(portability):
    images, labels = _data()
    portability.assert_same(simclr_program, rtol=1e-8, images=images, labels=labels, loss_form="ntxent")  # fmt: skip
