"""Kim (2014) "Convolutional Neural Networks for Sentence Classification" as the popular
PyTorch ports write it. Shawn1993/cnn-text-classification-pytorch's ``CNN_Text``: an
``nn.Embedding`` (plus, for the multichannel model, a static copy made with
``nn.Embedding.from_pretrained(vectors, freeze=True)`` while the other channel starts from the
same vectors through ``self.embed.weight.data.copy_(vectors)``), ``x.unsqueeze(1)`` into
``nn.ModuleList([nn.Conv2d(Ci, Co, (K, D)) for K in Ks])``, ``F.relu(conv(x)).squeeze(3)``,
``F.max_pool1d(i, i.size(2)).squeeze(2)`` over time, ``torch.cat(x, 1)``, dropout (p = 0 here),
``F.cross_entropy``, the accuracy as ``(torch.max(logit, 1)[1].view(target.size()).data ==
target.data).sum()``, and Kim's max-norm constraint on the output layer through
``torch.renorm(w, p=2, dim=0, maxnorm=s)``. A second model as the Conv1d ports write it
(``x.permute(0, 2, 1)``, ``nn.Conv1d(D, Co, K)``, ``F.max_pool1d(x, kernel_size=x.shape[2])``,
``torch.max(..., dim=2)`` pooling, ``Adadelta`` as in the paper), and the torchtext tutorial's
``EmbeddingBag`` classifier built from pretrained vectors
(``nn.EmbeddingBag.from_pretrained(vectors, freeze=True, mode="mean")``, a flat text tensor
with ``offsets = torch.tensor(lengths[:-1]).cumsum(dim=0)``), trained with SGD and
``StepLR`` and ``clip_grad_norm_(model.parameters(), 0.1)``."""

from __future__ import annotations

import numpy as np


def _corpus(n=48, vocab=40, seed=0):
    rng = np.random.default_rng(seed)
    sentences, labels = [], []
    for _ in range(n):
        y = int(rng.integers(3))
        length = int(rng.integers(6, 12))
        words = rng.integers(1, vocab, size=length)
        words[rng.integers(length)] = 1 + y  # a class keyword somewhere
        sentences.append(words.tolist())
        labels.append(y)
    vectors = rng.standard_normal((vocab, 10)) * 0.5
    vectors[0] = 0.0  # padding
    return sentences, labels, vectors


def kim_cnn(torch, nn, F, optim, data, init, path, sentences, labels, vectors, variant):
    V, D = vectors.shape
    C, Co, Ks = 3, 6, [3, 4, 5]
    max_len = max(len(s) for s in sentences)
    padded = [s + [0] * (max_len - len(s)) for s in sentences]
    X = torch.LongTensor(padded)
    Y = torch.LongTensor(labels)
    pretrained = torch.from_numpy(vectors)
    log = []

    class CNN_Text(nn.Module):
        def __init__(self, static):
            super(CNN_Text, self).__init__()
            self.embed = nn.Embedding(V, D)
            self.static = static
            Ci = 2 if static else 1
            if static:
                self.embed.weight.data.copy_(pretrained)
                self.embed_static = nn.Embedding.from_pretrained(pretrained, freeze=True)
            self.convs1 = nn.ModuleList([nn.Conv2d(Ci, Co, (K, D)) for K in Ks])
            self.dropout = nn.Dropout(0.0)
            self.fc1 = nn.Linear(len(Ks) * Co, C)

        def forward(self, x):
            if self.static:
                x = torch.stack([self.embed(x), self.embed_static(x)], dim=1)  # (N, 2, W, D)
            else:
                x = self.embed(x).unsqueeze(1)  # (N, Ci, W, D)
            x = [F.relu(conv(x)).squeeze(3) for conv in self.convs1]  # [(N, Co, W), ...]*len(Ks)
            x = [F.max_pool1d(i, i.size(2)).squeeze(2) for i in x]  # [(N, Co), ...]*len(Ks)
            x = torch.cat(x, 1)
            x = self.dropout(x)  # (N, len(Ks)*Co)
            logit = self.fc1(x)  # (N, C)
            return logit

    class CNN1d(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(V, D, padding_idx=0)
            self.convs = nn.ModuleList(
                [nn.Conv1d(in_channels=D, out_channels=Co, kernel_size=fs) for fs in Ks]
            )
            self.fc = nn.Linear(len(Ks) * Co, C)
            self.dropout = nn.Dropout(0.0)

        def forward(self, text):
            embedded = self.embedding(text)
            embedded = embedded.permute(0, 2, 1)
            conved = [F.relu(conv(embedded)) for conv in self.convs]
            pooled = [F.max_pool1d(conv, kernel_size=conv.shape[2]).squeeze(2) for conv in conved]
            pooled[0] = torch.max(conved[0], dim=2)[0]  # the other way people write it
            cat = self.dropout(torch.cat(pooled, dim=1))
            return self.fc(cat)

    class TextClassificationModel(nn.Module):
        def __init__(self, num_class):
            super(TextClassificationModel, self).__init__()
            self.embedding = nn.EmbeddingBag.from_pretrained(pretrained, freeze=True, mode="mean")
            self.hidden = nn.Linear(D, 16)
            self.fc = nn.Linear(16, num_class)
            self.init_weights()

        def init_weights(self):
            initrange = 0.5
            self.hidden.weight.data.uniform_(-initrange, initrange)
            self.fc.weight.data.uniform_(-initrange, initrange)
            self.fc.bias.data.zero_()

        def forward(self, text, offsets):
            embedded = self.embedding(text, offsets)
            return self.fc(torch.tanh(self.hidden(embedded)))

    if variant == "embedding_bag":
        model = init(TextClassificationModel(C))
        assert not model.embedding.weight.requires_grad
        optimizer = optim.SGD(model.parameters(), lr=2.0)
        scheduler = optim.lr_scheduler.StepLR(optimizer, 1, gamma=0.5)
        criterion = nn.CrossEntropyLoss()

        def collate_batch(batch):
            label_list, text_list, offsets = [], [], [0]
            for _text, _label in batch:
                label_list.append(_label)
                processed_text = torch.tensor(_text, dtype=torch.int64)
                text_list.append(processed_text)
                offsets.append(processed_text.size(0))
            label_list = torch.tensor(label_list, dtype=torch.int64)
            offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
            text_list = torch.cat(text_list)
            return label_list, text_list, offsets

        dataloader = data.DataLoader(
            list(zip(sentences, labels)), batch_size=8, shuffle=False, collate_fn=collate_batch
        )
        for epoch in range(3):
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
            scheduler.step()
            log.append([total_acc / total_count, scheduler.get_last_lr()[0]])
        log.append(model.embedding.weight.sum().item())
        return log

    if variant == "conv1d":
        model = init(CNN1d())
        optimizer = optim.Adadelta(model.parameters())
    else:
        model = init(CNN_Text(static=variant == "multichannel"))
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    dataset = data.TensorDataset(X, Y)
    loader = data.DataLoader(dataset, batch_size=12)
    steps = 0
    for epoch in range(1, 4):
        model.train()
        for feature, target in loader:
            optimizer.zero_grad()
            logit = model(feature)
            loss = F.cross_entropy(logit, target)
            loss.backward()
            optimizer.step()
            steps += 1
            corrects = (torch.max(logit, 1)[1].view(target.size()).data == target.data).sum()
            accuracy = 100.0 * corrects / feature.size(0)
            log.append([loss.item(), accuracy.item()])
            if variant != "conv1d":  # Kim's l2 constraint on the penultimate weights
                w = model.fc1.weight.data if hasattr(model, "fc1") else model.fc.weight.data
                w.copy_(torch.renorm(w, p=2, dim=0, maxnorm=1.0))
        model.eval()
        with torch.no_grad():
            logit = model(X)
            log.append(F.cross_entropy(logit, Y, reduction="sum").item())
    if variant == "multichannel":
        log.append((model.embed_static.weight - pretrained).abs().sum().item())
    return log


def _run(portability, variant):
    sentences, labels, vectors = _corpus()
    portability.assert_same(
        kim_cnn, rtol=1e-7, sentences=sentences, labels=labels, vectors=vectors, variant=variant
    )


def test_kim_cnn_rand(portability):
    _run(portability, "rand")


def test_kim_cnn_multichannel(portability):
    _run(portability, "multichannel")


def test_kim_cnn_conv1d_adadelta(portability):
    _run(portability, "conv1d")


def test_embedding_bag_from_pretrained(portability):
    _run(portability, "embedding_bag")
