"""AssemblyAI's "Building an end-to-end Speech Recognition model in PyTorch" (the DeepSpeech2-like
model many speech tutorials copy): a ``TextTransform`` character map, ``data_processing``
padding spectrograms with ``nn.utils.rnn.pad_sequence(spectrograms, batch_first=True)
.unsqueeze(1).transpose(2, 3)`` and keeping ``input_lengths``/``label_lengths`` as Python lists,
``CNNLayerNorm`` (``x.transpose(2, 3).contiguous()`` around an ``nn.LayerNorm`` over the
features), ``ResidualCNN`` blocks (``F.gelu``, ``x += residual``), ``BidirectionalGRU`` layers
(with the original's ``batch_first=i==0`` quirk: the second GRU runs over the batch axis),
``x.view(sizes[0], sizes[1] * sizes[2], sizes[3]).transpose(1, 2)``, a GELU classifier,
``F.log_softmax(output, dim=2).transpose(0, 1)`` into ``nn.CTCLoss(blank=28)`` with list
lengths, ``AdamW`` with ``OneCycleLR(anneal_strategy='linear')`` stepped every batch, and the
greedy decoder (``torch.argmax(output, dim=2)``, blanks and repeats collapsed). A second run
uses ``zero_infinity=True``, ``reduction='sum'``, tensor lengths and a flat 1-D target."""

from __future__ import annotations

import numpy as np


class TextTransform:
    """Maps characters to integers and vice versa"""

    def __init__(self):
        chars = "' <SPACE> a b c d e f g h i j k l m n o p q r s t u v w x y z".split(" ")
        chars[1] = " "
        self.char_map = {c: i for i, c in enumerate(chars)}
        self.index_map = {i: c for c, i in self.char_map.items()}

    def text_to_int(self, text):
        return [self.char_map[c] for c in text]

    def int_to_text(self, labels):
        return "".join(self.index_map[i] for i in labels)


def _utterances(n=8, n_feats=16, seed=0):
    rng = np.random.default_rng(seed)
    words = ["a cat", "the dog", "hi", "we go", "yes", "no way", "sun", "red box"]
    out = []
    for i in range(n):
        t = int(rng.integers(18, 28))
        out.append((rng.standard_normal((t, n_feats)) * 0.5, words[i % len(words)]))
    return out


def speech(torch, nn, F, optim, data, init, path, utterances, variant):
    text_transform = TextTransform()
    hparams = {"n_cnn_layers": 2, "n_rnn_layers": 2, "rnn_dim": 16, "n_class": 29,
               "n_feats": 16, "stride": 2, "dropout": 0.0, "learning_rate": 5e-3,
               "batch_size": 4, "epochs": 3}  # fmt: skip

    def data_processing(batch):
        spectrograms, labels, input_lengths, label_lengths = [], [], [], []
        for spec, utterance in batch:
            spec = torch.from_numpy(spec)  # (time, n_mels)
            spectrograms.append(spec)
            label = torch.Tensor(text_transform.text_to_int(utterance.lower()))
            labels.append(label)
            input_lengths.append(spec.shape[0] // 2)
            label_lengths.append(len(label))
        spectrograms = nn.utils.rnn.pad_sequence(spectrograms, batch_first=True)
        spectrograms = spectrograms.unsqueeze(1).transpose(2, 3)
        labels = nn.utils.rnn.pad_sequence(labels, batch_first=True)
        return spectrograms, labels, input_lengths, label_lengths

    class CNNLayerNorm(nn.Module):
        """Layer normalization built for cnns input"""

        def __init__(self, n_feats):
            super(CNNLayerNorm, self).__init__()
            self.layer_norm = nn.LayerNorm(n_feats)

        def forward(self, x):
            # x (batch, channel, feature, time)
            x = x.transpose(2, 3).contiguous()  # (batch, channel, time, feature)
            x = self.layer_norm(x)
            return x.transpose(2, 3).contiguous()  # (batch, channel, feature, time)

    class ResidualCNN(nn.Module):
        def __init__(self, in_channels, out_channels, kernel, stride, dropout, n_feats):
            super(ResidualCNN, self).__init__()
            self.cnn1 = nn.Conv2d(in_channels, out_channels, kernel, stride, padding=kernel // 2)
            self.cnn2 = nn.Conv2d(out_channels, out_channels, kernel, stride, padding=kernel // 2)
            self.dropout1 = nn.Dropout(dropout)
            self.dropout2 = nn.Dropout(dropout)
            self.layer_norm1 = CNNLayerNorm(n_feats)
            self.layer_norm2 = CNNLayerNorm(n_feats)

        def forward(self, x):
            residual = x  # (batch, channel, feature, time)
            x = self.layer_norm1(x)
            x = F.gelu(x)
            x = self.dropout1(x)
            x = self.cnn1(x)
            x = self.layer_norm2(x)
            x = F.gelu(x)
            x = self.dropout2(x)
            x = self.cnn2(x)
            x += residual
            return x  # (batch, channel, feature, time)

    class BidirectionalGRU(nn.Module):
        def __init__(self, rnn_dim, hidden_size, dropout, batch_first):
            super(BidirectionalGRU, self).__init__()
            self.BiGRU = nn.GRU(input_size=rnn_dim, hidden_size=hidden_size, num_layers=1,
                                batch_first=batch_first, bidirectional=True)  # fmt: skip
            self.layer_norm = nn.LayerNorm(rnn_dim)
            self.dropout = nn.Dropout(dropout)

        def forward(self, x):
            x = self.layer_norm(x)
            x = F.gelu(x)
            x, _ = self.BiGRU(x)
            x = self.dropout(x)
            return x

    class SpeechRecognitionModel(nn.Module):
        def __init__(self, n_cnn_layers, n_rnn_layers, rnn_dim, n_class, n_feats, stride=2,
                     dropout=0.1):  # fmt: skip
            super(SpeechRecognitionModel, self).__init__()
            n_feats = n_feats // 2
            self.cnn = nn.Conv2d(1, 32 // 4, 3, stride=stride, padding=3 // 2)
            self.rescnn_layers = nn.Sequential(*[
                ResidualCNN(32 // 4, 32 // 4, kernel=3, stride=1, dropout=dropout, n_feats=n_feats)
                for _ in range(n_cnn_layers)
            ])  # fmt: skip
            self.fully_connected = nn.Linear(n_feats * 32 // 4, rnn_dim)
            self.birnn_layers = nn.Sequential(*[
                BidirectionalGRU(rnn_dim=rnn_dim if i == 0 else rnn_dim * 2,
                                 hidden_size=rnn_dim, dropout=dropout, batch_first=i == 0)
                for i in range(n_rnn_layers)
            ])  # fmt: skip
            self.classifier = nn.Sequential(
                nn.Linear(rnn_dim * 2, rnn_dim),  # birnn returns rnn_dim*2
                nn.GELU(),
                nn.Dropout(dropout),
                nn.Linear(rnn_dim, n_class),
            )

        def forward(self, x):
            x = self.cnn(x)
            x = self.rescnn_layers(x)
            sizes = x.size()
            x = x.view(sizes[0], sizes[1] * sizes[2], sizes[3])  # (batch, feature, time)
            x = x.transpose(1, 2)  # (batch, time, feature)
            x = self.fully_connected(x)
            x = self.birnn_layers(x)
            x = self.classifier(x)
            return x

    def GreedyDecoder(output, labels, label_lengths, blank_label=28, collapse_repeated=True):
        arg_maxes = torch.argmax(output, dim=2)
        decodes, targets = [], []
        for i, args in enumerate(arg_maxes):
            decode = []
            targets.append(text_transform.int_to_text(labels[i][: label_lengths[i]].tolist()))
            for j, index in enumerate(args):
                if index != blank_label:
                    if collapse_repeated and j != 0 and index == args[j - 1]:
                        continue
                    decode.append(index.item())
            decodes.append(text_transform.int_to_text(decode))
        return decodes, targets

    train_loader = data.DataLoader(utterances, batch_size=hparams["batch_size"], shuffle=False,
                                   collate_fn=data_processing)  # fmt: skip
    model = init(SpeechRecognitionModel(
        hparams["n_cnn_layers"], hparams["n_rnn_layers"], hparams["rnn_dim"],
        hparams["n_class"], hparams["n_feats"], hparams["stride"], hparams["dropout"]
    ))  # fmt: skip
    optimizer = optim.AdamW(model.parameters(), hparams["learning_rate"])
    if variant == "tutorial":
        criterion = nn.CTCLoss(blank=28)
    else:
        criterion = nn.CTCLoss(blank=28, reduction="sum", zero_infinity=True)
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=hparams["learning_rate"],
                                              steps_per_epoch=int(len(train_loader)),
                                              epochs=hparams["epochs"],
                                              anneal_strategy="linear")  # fmt: skip
    log = []
    for epoch in range(hparams["epochs"]):
        model.train()
        for batch_idx, _data in enumerate(train_loader):
            spectrograms, labels, input_lengths, label_lengths = _data
            optimizer.zero_grad()
            output = model(spectrograms)  # (batch, time, n_class)
            output = F.log_softmax(output, dim=2)
            output = output.transpose(0, 1)  # (time, batch, n_class)
            if variant == "tutorial":
                loss = criterion(output, labels, input_lengths, label_lengths)
            else:
                flat = torch.cat([labels[i, :n] for i, n in enumerate(label_lengths)]).long()
                loss = criterion(output, flat, torch.tensor(input_lengths),
                                 torch.tensor(label_lengths))  # fmt: skip
            loss.backward()
            optimizer.step()
            scheduler.step()
            log.append([loss.item(), scheduler.get_last_lr()[0]])
    model.eval()
    with torch.no_grad():
        spectrograms, labels, input_lengths, label_lengths = data_processing(utterances[:4])
        output = F.log_softmax(model(spectrograms), dim=2)
        decoded_preds, decoded_targets = GreedyDecoder(output, labels, label_lengths)
        log.append(decoded_targets)
        log.append(output.sum().item())
    return log


def test_speech_ctc_tutorial(portability):
    portability.assert_same(speech, rtol=1e-7, utterances=_utterances(), variant="tutorial")


def test_speech_ctc_sum_zero_infinity_flat_targets(portability):
    portability.assert_same(speech, rtol=1e-7, utterances=_utterances(), variant="flat")
