"""Recommender models as guoyang9/NCF, rixwew/pytorch-fm and the BPR tutorials write them:
NeuMF (GMF ``embed_user_GMF(user) * embed_item_GMF(item)`` beside an MLP tower built in a loop
``input_size = factor_num * (2 ** (num_layers - i))``, ``nn.init.normal_(std=0.01)``,
``xavier_uniform_``, ``kaiming_uniform_(a=1, nonlinearity='sigmoid')``, ``.view(-1)``), trained
with ``nn.BCEWithLogitsLoss(pos_weight=...)``; DeepFM's
``FeaturesEmbedding`` (field ``offsets = np.array((0, *np.cumsum(field_dims)[:-1]))`` added to the
indices through ``x + x.new_tensor(self.offsets).unsqueeze(0)``), ``FeaturesLinear`` (an
``nn.Embedding(sum(field_dims), 1)`` summed plus a bias), the FM term ``square_of_sum =
torch.sum(x, dim=1) ** 2``, ``sum_of_square = torch.sum(x ** 2, dim=1)``, ``0.5 * ix`` and a
multi-hot genre field through ``nn.EmbeddingBag(mode='mean', include_last_offset=True)``; with
``sparse=True`` embeddings stepped by ``optim.SparseAdam`` next to ``optim.Adam`` for the
dense rest; BPR (``-F.logsigmoid(pos - neg).mean()`` with an L2 ``reg * (u.norm(dim=1) ** 2
...)``), and evaluation by HR@k / NDCG@k (``torch.topk``, ``torch.isin``, ``torch.log2``,
``torch.nonzero(as_tuple=True)``)."""

from __future__ import annotations

import numpy as np


def recommender_program(torch, nn, F, optim, data, init, path, users, items, ratings, genres,
                        genre_offsets, neg_items, sparse):  # fmt: skip
    log = []
    n_users, n_items, n_genres = 6, 10, 5

    class NCF(nn.Module):
        def __init__(self, user_num, item_num, factor_num, num_layers):
            super().__init__()
            self.embed_user_GMF = nn.Embedding(user_num, factor_num)
            self.embed_item_GMF = nn.Embedding(item_num, factor_num)
            self.embed_user_MLP = nn.Embedding(user_num, factor_num * (2 ** (num_layers - 1)))
            self.embed_item_MLP = nn.Embedding(item_num, factor_num * (2 ** (num_layers - 1)))
            MLP_modules = []
            for i in range(num_layers):
                input_size = factor_num * (2 ** (num_layers - i))
                MLP_modules.append(nn.Dropout(p=0.0))
                MLP_modules.append(nn.Linear(input_size, input_size // 2))
                MLP_modules.append(nn.ReLU())
            self.MLP_layers = nn.Sequential(*MLP_modules)
            self.predict_layer = nn.Linear(factor_num * 2, 1)
            nn.init.normal_(self.embed_user_GMF.weight, std=0.01)
            for m in self.MLP_layers:
                if isinstance(m, nn.Linear):
                    nn.init.xavier_uniform_(m.weight)
            nn.init.kaiming_uniform_(self.predict_layer.weight, a=1, nonlinearity="sigmoid")
            for m in self.modules():
                if isinstance(m, nn.Linear) and m.bias is not None:
                    m.bias.data.zero_()

        def forward(self, user, item):
            output_GMF = self.embed_user_GMF(user) * self.embed_item_GMF(item)
            interaction = torch.cat((self.embed_user_MLP(user), self.embed_item_MLP(item)), -1)
            output_MLP = self.MLP_layers(interaction)
            concat = torch.cat((output_GMF, output_MLP), -1)
            return self.predict_layer(concat).view(-1)

    class FeaturesLinear(nn.Module):
        def __init__(self, field_dims, output_dim=1):
            super().__init__()
            self.fc = nn.Embedding(sum(field_dims), output_dim, sparse=sparse)
            self.bias = nn.Parameter(torch.zeros((output_dim,)))
            self.offsets = np.array((0, *np.cumsum(field_dims)[:-1]), dtype=np.int64)

        def forward(self, x):
            x = x + x.new_tensor(self.offsets).unsqueeze(0)
            return torch.sum(self.fc(x), dim=1) + self.bias

    class FeaturesEmbedding(nn.Module):
        def __init__(self, field_dims, embed_dim):
            super().__init__()
            self.embedding = nn.Embedding(sum(field_dims), embed_dim, sparse=sparse)
            self.offsets = np.array((0, *np.cumsum(field_dims)[:-1]), dtype=np.int64)
            nn.init.xavier_uniform_(self.embedding.weight.data)

        def forward(self, x):
            x = x + x.new_tensor(self.offsets).unsqueeze(0)
            return self.embedding(x)

    class FactorizationMachine(nn.Module):
        def __init__(self, reduce_sum=True):
            super().__init__()
            self.reduce_sum = reduce_sum

        def forward(self, x):
            square_of_sum = torch.sum(x, dim=1) ** 2
            sum_of_square = torch.sum(x**2, dim=1)
            ix = square_of_sum - sum_of_square
            if self.reduce_sum:
                ix = torch.sum(ix, dim=1, keepdim=True)
            return 0.5 * ix

    class DeepFM(nn.Module):
        def __init__(self, field_dims, embed_dim, mlp_dims):
            super().__init__()
            self.linear = FeaturesLinear(field_dims)
            self.fm = FactorizationMachine(reduce_sum=True)
            self.embedding = FeaturesEmbedding(field_dims, embed_dim)
            self.genre_bag = nn.EmbeddingBag(n_genres, embed_dim, mode="mean", include_last_offset=True)  # fmt: skip
            self.embed_output_dim = (len(field_dims) + 1) * embed_dim
            layers, input_dim = [], self.embed_output_dim
            for d in mlp_dims:
                layers += [nn.Linear(input_dim, d), nn.BatchNorm1d(d), nn.ReLU(), nn.Dropout(p=0.0)]
                input_dim = d
            layers.append(nn.Linear(input_dim, 1))
            self.mlp = nn.Sequential(*layers)

        def forward(self, x, genres, genre_offsets):
            embed_x = torch.cat([self.embedding(x), self.genre_bag(genres, genre_offsets).unsqueeze(1)], 1)  # fmt: skip
            x = self.linear(x) + self.fm(embed_x) + self.mlp(embed_x.view(-1, self.embed_output_dim))  # fmt: skip
            return x.squeeze(1)

    users, items = torch.tensor(users), torch.tensor(items)
    y = torch.tensor(ratings).to(torch.get_default_dtype())
    neg_items = torch.tensor(neg_items)

    # --- NeuMF with a weighted BCE ---
    ncf = init(NCF(n_users, n_items, factor_num=4, num_layers=2))
    opt = optim.Adam(ncf.parameters(), lr=0.01)
    loss_function = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0]))
    for epoch in range(4):
        prediction = ncf(users, items)
        loss = loss_function(prediction, y)
        ncf.zero_grad()
        loss.backward()
        opt.step()
        log.append(loss.item())

    # --- BPR on the NCF embeddings ---
    opt = optim.SGD(ncf.parameters(), lr=0.1)
    for epoch in range(3):
        u = ncf.embed_user_GMF(users)
        pos, neg = ncf.embed_item_GMF(items), ncf.embed_item_GMF(neg_items)
        pos_scores, neg_scores = (u * pos).sum(dim=1), (u * neg).sum(dim=1)
        reg = 1e-3 * (u.norm(dim=1) ** 2 + pos.norm(dim=1) ** 2 + neg.norm(dim=1) ** 2).mean() / 2
        loss = -F.logsigmoid(pos_scores - neg_scores).mean() + reg
        opt.zero_grad()
        loss.backward()
        opt.step()
        log.append([loss.item(), reg.item()])

    # HR@3 / NDCG@3 over all items for every user
    with torch.no_grad():
        all_items = torch.arange(n_items)
        hr, ndcg = [], []
        for uid in range(n_users):
            scores = ncf(torch.full((n_items,), uid, dtype=torch.long), all_items)
            _, indices = torch.topk(scores, 3)
            gt = items[users == uid]
            hit = torch.isin(indices, gt)
            hr.append(float(hit.any()))
            pos_idx = torch.nonzero(hit, as_tuple=True)[0]
            ndcg.append((1.0 / torch.log2(pos_idx.double() + 2.0)).sum().item())
        log.append([sum(hr) / len(hr), sum(ndcg) / len(ndcg)])

    # --- DeepFM: sparse embeddings with SparseAdam, the rest with Adam ---
    fm = init(DeepFM([n_users, n_items], embed_dim=4, mlp_dims=(8,)))
    sparse_params = [p for n, p in fm.named_parameters() if n in ("linear.fc.weight", "embedding.embedding.weight")]  # fmt: skip
    dense_params = [p for n, p in fm.named_parameters() if n not in ("linear.fc.weight", "embedding.embedding.weight")]  # fmt: skip
    if sparse:
        optimizers = [optim.SparseAdam(sparse_params, lr=0.01), optim.Adam(dense_params, lr=0.01)]
    else:
        optimizers = [optim.Adam(fm.parameters(), lr=0.01)]
    fields = torch.stack([users, items], dim=1)
    genres, genre_offsets = torch.tensor(genres), torch.tensor(genre_offsets)
    criterion = torch.nn.BCELoss()
    for epoch in range(4):
        fm.train()
        out = torch.sigmoid(fm(fields, genres, genre_offsets))
        loss = criterion(out, y)
        for o in optimizers:
            o.zero_grad()
        loss.backward()
        log.append([loss.item(), fm.embedding.embedding.weight.grad.abs().sum().item()])
        for o in optimizers:
            o.step()
    fm.eval()
    with torch.no_grad():
        log.append(fm(fields, genres, genre_offsets).tolist())
    return log


def _data():
    rng = np.random.default_rng(0)
    n = 16
    users = rng.integers(0, 6, n)
    items = rng.integers(0, 10, n)
    ratings = (rng.random(n) < 0.4).astype(np.int64)
    neg_items = (items + rng.integers(1, 10, n)) % 10
    lengths = rng.integers(1, 4, n)
    genre_offsets = np.concatenate([[0], np.cumsum(lengths)])
    genres = rng.integers(0, 5, int(lengths.sum()))
    return dict(users=users, items=items, ratings=ratings, genres=genres,
                genre_offsets=genre_offsets, neg_items=neg_items)  # fmt: skip


def test_recommender_dense(portability):
    portability.assert_same(recommender_program, rtol=1e-8, sparse=False, **_data())


def test_recommender_sparse_embeddings_sparse_adam(portability):
    portability.assert_same(recommender_program, rtol=1e-8, sparse=True, **_data())
