"""Sentiment classification over variable-length reviews, as GitHub repos write it: a
``collate_fn`` with ``pad_sequence(batch_first=True, padding_value=0)`` and the lengths, an
embedding with ``padding_idx=0``, ``pack_padded_sequence(..., lengths.cpu(), batch_first=True,
enforce_sorted=False)`` into a two-layer bidirectional ``nn.LSTM`` (and an ``nn.GRU``), the last
layer's two directions ``torch.cat((hidden[-2], hidden[-1]), dim=1)``, ``pad_packed_sequence``
then a masked mean over time, ``pack_sequence`` of unsorted tensors, ``BCEWithLogitsLoss`` with
``pos_weight``; warm-up by ``SequentialLR(LinearLR, CosineAnnealingWarmRestarts)`` stepped
per batch with fractional epochs, ``ReduceLROnPlateau`` on a validation loss; and an
``nn.EmbeddingBag(mode="sum")`` bag-of-words baseline with ``offsets`` and
``per_sample_weights``, and ``mode="max"`` with ``padding_idx``."""

from __future__ import annotations

import numpy as np


def packed_sentiment(torch, nn, F, optim, data, init, path, reviews, labels, vocab):
    log = []
    pad_sequence = nn.utils.rnn.pad_sequence
    pack_padded_sequence = nn.utils.rnn.pack_padded_sequence
    pad_packed_sequence = nn.utils.rnn.pad_packed_sequence

    class ReviewDataset(data.Dataset):
        def __init__(self, reviews, labels):
            self.reviews, self.labels = reviews, labels

        def __len__(self):
            return len(self.reviews)

        def __getitem__(self, idx):
            return torch.tensor(self.reviews[idx], dtype=torch.long), float(self.labels[idx])

    def collate_fn(batch):
        texts, ys = zip(*batch)
        lengths = torch.tensor([len(t) for t in texts])
        padded = pad_sequence(list(texts), batch_first=True, padding_value=0)
        return padded, lengths, torch.tensor(ys)

    class SentimentRNN(nn.Module):
        def __init__(self, vocab_size, embed_dim, hidden_dim, cell):
            super().__init__()
            self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
            rnn = nn.LSTM if cell == "lstm" else nn.GRU
            self.rnn = rnn(embed_dim, hidden_dim, num_layers=2, bidirectional=True,
                           batch_first=True, dropout=0.0)  # fmt: skip
            self.fc = nn.Linear(hidden_dim * 4, 1)

        def forward(self, text, lengths):
            embedded = self.embedding(text)
            packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True,
                                          enforce_sorted=False)  # fmt: skip
            packed_output, state = self.rnn(packed)
            hidden = state[0] if isinstance(state, tuple) else state
            output, output_lengths = pad_packed_sequence(packed_output, batch_first=True)
            mask = (torch.arange(output.size(1))[None, :] < output_lengths[:, None]).unsqueeze(-1)
            mean = (output * mask).sum(1) / output_lengths.unsqueeze(1).float()
            last = torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)
            return self.fc(torch.cat([last, mean], dim=1)).squeeze(1)

    train_ds = ReviewDataset(reviews[:24], labels[:24])
    val_ds = ReviewDataset(reviews[24:], labels[24:])
    train_loader = data.DataLoader(train_ds, batch_size=6, shuffle=False, collate_fn=collate_fn)
    val_loader = data.DataLoader(val_ds, batch_size=4, collate_fn=collate_fn)
    pos_weight = torch.tensor([1.5])
    criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)

    for cell in ("lstm", "gru"):
        model = init(SentimentRNN(vocab, 8, 6, cell))
        optimizer = optim.Adam(model.parameters(), lr=1e-2)
        warmup = optim.lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=3)
        restarts = optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=2, T_mult=2,
                                                                  eta_min=1e-4)  # fmt: skip
        scheduler = optim.lr_scheduler.SequentialLR(optimizer, [warmup, restarts],
                                                    milestones=[3])  # fmt: skip
        plateau = optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5,
                                                       patience=0)  # fmt: skip
        for epoch in range(3):
            model.train()
            for text, lengths, y in train_loader:
                optimizer.zero_grad()
                logits = model(text, lengths)
                loss = criterion(logits, y)
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 5.0)
                optimizer.step()
                scheduler.step()
                log.append([loss.item(), optimizer.param_groups[0]["lr"]])
            model.eval()
            val_loss, correct = 0.0, 0
            with torch.no_grad():
                for text, lengths, y in val_loader:
                    logits = model(text, lengths)
                    val_loss += criterion(logits, y).item() * len(y)
                    correct += ((torch.sigmoid(logits) > 0.5).float() == y).sum().item()
            val_loss /= len(val_ds)
            plateau.step(val_loss)
            log.append([val_loss, correct, optimizer.param_groups[0]["lr"]])

        # pack_sequence of unsorted tensors, and the outputs padded back
        seqs = [torch.tensor(r) for r in reviews[:3]]
        packed = nn.utils.rnn.pack_sequence([model.embedding(s) for s in seqs],
                                            enforce_sorted=False)  # fmt: skip
        out, state = model.rnn(packed)
        padded, lens = pad_packed_sequence(out, batch_first=False, total_length=12)
        log.append([list(padded.shape), lens.tolist(), padded.sum().item(),
                    packed.batch_sizes.tolist(), packed.sorted_indices.tolist()])  # fmt: skip
        log.append([p.detach().abs().sum().item() for p in model.parameters()])

    # bag-of-words baseline: EmbeddingBag over a flat stream with offsets
    class BagModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.bag = nn.EmbeddingBag(vocab, 10, mode="sum")
            self.maxbag = nn.EmbeddingBag(vocab, 10, mode="max", padding_idx=0)
            self.fc = nn.Linear(20, 1)

        def forward(self, flat, offsets, weights, padded):
            a = self.bag(flat, offsets, per_sample_weights=weights)
            b = self.maxbag(padded)
            return self.fc(torch.cat([a, b], 1)).squeeze(1)

    bag = init(BagModel())
    opt = optim.SGD(bag.parameters(), lr=0.05, momentum=0.9)
    for epoch in range(2):
        for text, lengths, y in train_loader:
            flat = torch.cat([t[:n] for t, n in zip(text, lengths)])
            offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths[:-1]]).cumsum(dim=0)
            weights = 1.0 / lengths.repeat_interleave(lengths)
            loss = criterion(bag(flat, offsets, weights, text), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            log.append(loss.item())
    log.append([p.detach().sum().item() for p in bag.parameters()])
    return log


def test_packed_sentiment(portability):
    rng = np.random.default_rng(7)
    vocab = 20
    reviews, labels = [], []
    for _ in range(32):
        n = int(rng.integers(2, 11))
        toks = rng.integers(1, vocab, n)
        reviews.append(toks.tolist())
        labels.append(int((toks < 10).mean() > 0.5))
    portability.assert_same(packed_sentiment, rtol=1e-8, reviews=reviews, labels=labels,
                            vocab=vocab)  # fmt: skip
