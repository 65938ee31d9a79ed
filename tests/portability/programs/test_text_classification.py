""" "Text classification with the torchtext library": ``nn.EmbeddingBag`` over a flat token
stream with ``offsets`` (``torch.tensor(offsets[:-1]).cumsum(dim=0)``), a ``collate_batch``
for the ``DataLoader``, ``init_weights`` with ``uniform_``/``zero_``, SGD at lr 5 with
``clip_grad_norm_(…, 0.1)`` and ``StepLR(…, 1.0, gamma=0.1)``, accuracy from
``argmax(1)``, evaluation under ``no_grad`` and predicting one text with ``.item() + 1``."""

from __future__ import annotations

import numpy as np


def text_classification(torch, nn, F, optim, data, init, path, texts, labels, vocab_size):
    log = []

    def text_pipeline(x):
        return [int(t) for t in x.split()]

    def label_pipeline(x):
        return int(x) - 1

    def collate_batch(batch):
        label_list, text_list, offsets = [], [], [0]
        for _label, _text in batch:
            label_list.append(label_pipeline(_label))
            processed_text = torch.tensor(text_pipeline(_text), dtype=torch.int64)
            text_list.append(processed_text)
            offsets.append(processed_text.size(0))
        label_list = torch.tensor(label_list, dtype=torch.int64)
        offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
        text_list = torch.cat(text_list)
        return label_list, text_list, offsets

    class TextClassificationModel(nn.Module):
        def __init__(self, vocab_size, embed_dim, num_class):
            super().__init__()
            self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
            self.fc = nn.Linear(embed_dim, num_class)
            self.init_weights()

        def init_weights(self):
            initrange = 0.5
            self.embedding.weight.data.uniform_(-initrange, initrange)
            self.fc.weight.data.uniform_(-initrange, initrange)
            self.fc.bias.data.zero_()

        def forward(self, text, offsets):
            embedded = self.embedding(text, offsets)
            return self.fc(embedded)

    train_iter = list(zip(labels, texts))
    num_class = len(set(labels))
    model = init(TextClassificationModel(vocab_size, 8, num_class))
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=5)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.1)
    split = int(len(train_iter) * 0.75)
    train_dataloader = data.DataLoader(
        train_iter[:split], batch_size=8, shuffle=False, collate_fn=collate_batch
    )
    valid_dataloader = data.DataLoader(
        train_iter[split:], batch_size=8, shuffle=False, collate_fn=collate_batch
    )

    def train(dataloader):
        model.train()
        total_acc, total_count = 0, 0
        for idx, (label, text, offsets) in enumerate(dataloader):
            optimizer.zero_grad()
            predicted_label = model(text, offsets)
            loss = criterion(predicted_label, label)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            optimizer.step()
            total_acc += (predicted_label.argmax(1) == label).sum().item()
            total_count += label.size(0)
            log.append(loss.item())
        log.append(total_acc / total_count)

    def evaluate(dataloader):
        model.eval()
        total_acc, total_count = 0, 0
        with torch.no_grad():
            for idx, (label, text, offsets) in enumerate(dataloader):
                predicted_label = model(text, offsets)
                loss = criterion(predicted_label, label)
                total_acc += (predicted_label.argmax(1) == label).sum().item()
                total_count += label.size(0)
        return total_acc / total_count, loss.item()

    total_accu = None
    for epoch in range(1, 4):
        train(train_dataloader)
        accu_val = evaluate(valid_dataloader)
        if total_accu is not None and total_accu > accu_val[0]:
            scheduler.step()
        else:
            total_accu = accu_val[0]
        log.append([*accu_val, scheduler.get_last_lr()[0]])

    def predict(text, text_pipeline):
        with torch.no_grad():
            text = torch.tensor(text_pipeline(text))
            output = model(text, torch.tensor([0]))
            return output.argmax(1).item() + 1

    log.append(predict(texts[0], text_pipeline))
    # the other bag modes, and a 2-d input without offsets
    for mode in ("sum", "max"):
        bag = init(nn.EmbeddingBag(vocab_size, 4, mode=mode))
        label, text, offsets = collate_batch(train_iter[:5])
        out = bag(text, offsets)
        out.sum().backward()
        log.append([out.sum().item(), bag.weight.grad.abs().sum().item()])
    bag = init(nn.EmbeddingBag(vocab_size, 4))
    log.append(bag(torch.tensor([[1, 2, 3], [4, 5, 6]])).tolist())
    return log


def test_text_classification(portability):
    rng = np.random.default_rng(0)
    vocab_size, n = 30, 48
    labels = rng.integers(1, 4, size=n)
    texts = []
    for lab in labels:
        words = rng.integers(0, vocab_size, size=rng.integers(2, 9))
        words[0] = lab * 5  # a word that tells the class
        texts.append(" ".join(map(str, words)))
    portability.assert_same(
        text_classification, dtype="float32", rtol=1e-4, texts=texts,
        labels=[str(v) for v in labels], vocab_size=vocab_size,
    )  # fmt: skip
