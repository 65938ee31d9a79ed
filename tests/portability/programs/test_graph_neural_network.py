"""Graph neural networks written from scratch, as blog posts and PyG-free repos write them: a
GCN on a dense normalized adjacency (``A + torch.eye(n)``, ``deg.pow(-0.5)``,
``D_inv_sqrt[:, None] * A * D_inv_sqrt[None, :]``), one on the edge list with self loops
(``gcn_norm``: degrees by ``scatter_add_``, ``norm = deg_inv_sqrt[row] * deg_inv_sqrt[col]``,
``index_add_`` of ``norm.view(-1, 1) * h[row]``), a message-passing layer over an ``edge_index`` with ``index_add_`` and
``scatter_add_`` (``index.unsqueeze(-1).expand_as(msg)``), a GAT-style attention with a
per-node softmax (``scatter_reduce(..., reduce="amax", include_self=False)``, ``exp``, a
``scatter_add`` denominator), global mean pooling per graph with ``index_add_`` / ``bincount``,
node classification on a ``train_mask`` with ``F.nll_loss(out[mask], y[mask])``, and
``nn.utils.parameters_to_vector`` for an L2 penalty."""

from __future__ import annotations

import numpy as np


def graph_nn(torch, nn, F, optim, data, init, path, edges, feats, labels, graph_of):
    log = []
    x = torch.tensor(feats)
    y = torch.tensor(labels)
    edge_index = torch.tensor(edges, dtype=torch.long).t().contiguous()
    n = x.size(0)
    src, dst = edge_index
    train_mask = torch.zeros(n, dtype=torch.bool)
    train_mask[: n // 2] = True
    test_mask = ~train_mask

    A = torch.zeros(n, n)
    A[src, dst] = 1.0
    A_hat = A + torch.eye(n)
    deg = A_hat.sum(dim=1)
    D_inv_sqrt = deg.pow(-0.5)
    D_inv_sqrt[torch.isinf(D_inv_sqrt)] = 0.0
    A_norm = D_inv_sqrt[:, None] * A_hat * D_inv_sqrt[None, :]
    loops = torch.arange(n)
    row = torch.cat([src, loops])
    col = torch.cat([dst, loops])
    deg_e = torch.zeros(n).scatter_add_(0, col, torch.ones(row.size(0)))
    deg_inv_sqrt = deg_e.pow(-0.5)
    deg_inv_sqrt[deg_inv_sqrt == float("inf")] = 0
    norm = deg_inv_sqrt[row] * deg_inv_sqrt[col]

    class GCNLayer(nn.Module):
        def __init__(self, in_f, out_f, edges=False):
            super().__init__()
            self.linear = nn.Linear(in_f, out_f, bias=False)
            self.bias = nn.Parameter(torch.zeros(out_f))
            self.edges = edges

        def forward(self, x, adj):
            h = self.linear(x)
            if self.edges:
                h = torch.zeros_like(h).index_add_(0, col, norm.view(-1, 1) * h[row])
            else:
                h = adj @ h
            return h + self.bias

    class GCN(nn.Module):
        def __init__(self, in_f, hid, out_f, edges=False):
            super().__init__()
            self.conv1 = GCNLayer(in_f, hid, edges)
            self.conv2 = GCNLayer(hid, out_f, edges)

        def forward(self, x, adj):
            x = F.relu(self.conv1(x, adj))
            x = F.dropout(x, p=0.0, training=self.training)
            return F.log_softmax(self.conv2(x, adj), dim=1)

    class MessagePassing(nn.Module):
        def __init__(self, in_f, out_f):
            super().__init__()
            self.msg = nn.Linear(2 * in_f, out_f)
            self.upd = nn.Linear(in_f + out_f, out_f)

        def forward(self, x, edge_index):
            src, dst = edge_index
            m = F.relu(self.msg(torch.cat([x[src], x[dst]], dim=-1)))
            agg = torch.zeros(x.size(0), m.size(1), dtype=x.dtype)
            agg = agg.index_add_(0, dst, m)
            cnt = torch.zeros(x.size(0), m.size(1)).scatter_add_(
                0, dst.unsqueeze(-1).expand_as(m), torch.ones_like(m)
            )
            agg = agg / cnt.clamp(min=1)
            return self.upd(torch.cat([x, agg], dim=-1))

    class GATLayer(nn.Module):
        def __init__(self, in_f, out_f):
            super().__init__()
            self.W = nn.Linear(in_f, out_f, bias=False)
            self.a = nn.Parameter(torch.empty(2 * out_f))
            nn.init.normal_(self.a, std=0.1)

        def forward(self, x, edge_index):
            src, dst = edge_index
            h = self.W(x)
            e = F.leaky_relu((torch.cat([h[src], h[dst]], dim=1) * self.a).sum(-1), 0.2)
            e_max = torch.zeros(x.size(0), dtype=e.dtype).scatter_reduce(
                0, dst, e, reduce="amax", include_self=False
            )
            alpha = torch.exp(e - e_max[dst])
            denom = torch.zeros(x.size(0), dtype=e.dtype).scatter_add(0, dst, alpha)
            alpha = alpha / denom[dst]
            out = torch.zeros_like(h).index_add(0, dst, alpha.unsqueeze(-1) * h[src])
            return F.elu(out)

    class GraphNet(nn.Module):
        def __init__(self, in_f, hid, out_f, n_graphs):
            super().__init__()
            self.mp = MessagePassing(in_f, hid)
            self.gat = GATLayer(hid, hid)
            self.head = nn.Linear(hid, out_f)
            self.graph_head = nn.Linear(hid, 1)
            self.n_graphs = n_graphs

        def forward(self, x, edge_index, batch):
            h = F.relu(self.mp(x, edge_index))
            h = self.gat(h, edge_index) + h
            pooled = torch.zeros(self.n_graphs, h.size(1)).index_add_(0, batch, h)
            pooled = pooled / torch.bincount(batch, minlength=self.n_graphs).unsqueeze(1)
            return F.log_softmax(self.head(h), dim=-1), self.graph_head(pooled).squeeze(-1)

    n_classes = int(y.max()) + 1
    for edges in (False, True):
        model = init(GCN(x.size(1), 8, n_classes, edges=edges))
        optimizer = optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
        adj = None if edges else A_norm
        for epoch in range(15):
            model.train()
            optimizer.zero_grad()
            out = model(x, adj)
            loss = F.nll_loss(out[train_mask], y[train_mask])
            loss.backward()
            optimizer.step()
            log.append(loss.item())
        model.eval()
        with torch.no_grad():
            pred = model(x, adj).argmax(dim=1)
            log.append(int((pred[test_mask] == y[test_mask]).sum()))

    batch = torch.tensor(graph_of)
    n_graphs = int(batch.max()) + 1
    graph_target = torch.zeros(n_graphs).index_add_(0, batch, y.to(torch.get_default_dtype()))
    model = init(GraphNet(x.size(1), 6, n_classes, n_graphs))
    optimizer = optim.AdamW(model.parameters(), lr=0.01)
    for epoch in range(15):
        optimizer.zero_grad()
        node_out, graph_out = model(x, edge_index, batch)
        l2 = nn.utils.parameters_to_vector(model.parameters()).pow(2).sum()
        loss = (
            F.nll_loss(node_out[train_mask], y[train_mask])
            + F.mse_loss(graph_out, graph_target) * 0.1
            + 1e-4 * l2
        )
        loss.backward()
        optimizer.step()
        log.append([loss.item(), l2.item()])
    vec = nn.utils.parameters_to_vector(model.parameters())
    nn.utils.vector_to_parameters(vec * 0.5, model.parameters())
    log.append([p.detach().sum().item() for p in model.parameters()])
    return log


def test_graph_nn(portability):
    rng = np.random.default_rng(11)
    n, n_graphs = 24, 3
    graph_of = np.repeat(np.arange(n_graphs), n // n_graphs)
    labels = rng.integers(0, 3, n)
    edges = set()
    for g in range(n_graphs):
        nodes = np.flatnonzero(graph_of == g)
        for _ in range(14):
            a, b = rng.choice(nodes, 2, replace=False)
            edges.add((int(a), int(b)))
            edges.add((int(b), int(a)))
    feats = rng.standard_normal((n, 5)) + np.eye(3)[labels] @ rng.standard_normal((3, 5))
    portability.assert_same(graph_nn, rtol=1e-8, edges=sorted(edges), feats=feats,
                            labels=labels.tolist(), graph_of=graph_of.tolist())  # fmt: skip
