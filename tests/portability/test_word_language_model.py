"""The official word-level language model example's shape: an LSTM language model over a
batchified token stream, truncated BPTT with ``repackage_hidden``, gradient clipping and the
manual SGD update ``p.data.add_(p.grad, alpha=-lr)``, evaluation under no_grad."""

from __future__ import annotations

import math

import numpy as np


def word_language_model(torch, nn, F, optim, data, init, path, tokens, ntokens):
    class RNNModel(nn.Module):
        def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5):
            super().__init__()
            self.ntoken = ntoken
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(ntoken, ninp)
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
            self.decoder = nn.Linear(nhid, ntoken)
            self.init_weights()
            self.rnn_type, self.nhid, self.nlayers = rnn_type, nhid, nlayers

        def init_weights(self):
            initrange = 0.1
            nn.init.uniform_(self.encoder.weight, -initrange, initrange)
            nn.init.zeros_(self.decoder.bias)
            nn.init.uniform_(self.decoder.weight, -initrange, initrange)

        def forward(self, input, hidden):
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            output = self.drop(output)
            decoded = self.decoder(output)
            decoded = decoded.view(-1, self.ntoken)
            return F.log_softmax(decoded, dim=1), hidden

        def init_hidden(self, bsz):
            weight = next(self.parameters())
            return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))  # fmt: skip

    def batchify(data_, bsz):
        nbatch = data_.size(0) // bsz
        data_ = data_.narrow(0, 0, nbatch * bsz)
        data_ = data_.view(bsz, -1).t().contiguous()
        return data_

    def repackage_hidden(h):
        if isinstance(h, torch.Tensor):
            return h.detach()
        else:
            return tuple(repackage_hidden(v) for v in h)

    bptt, clip = 5, 0.25

    def get_batch(source, i):
        seq_len = min(bptt, len(source) - 1 - i)
        data_ = source[i : i + seq_len]
        target = source[i + 1 : i + 1 + seq_len].view(-1)
        return data_, target

    train_data = batchify(torch.tensor(tokens[:120]), 4)
    val_data = batchify(torch.tensor(tokens[120:]), 2)
    model = init(RNNModel("LSTM", ntokens, 8, 8, 2, dropout=0.0))
    criterion = nn.NLLLoss()

    def evaluate(data_source):
        model.eval()
        total_loss = 0.0
        hidden = model.init_hidden(2)
        with torch.no_grad():
            for i in range(0, data_source.size(0) - 1, bptt):
                data_, targets = get_batch(data_source, i)
                output, hidden = model(data_, hidden)
                hidden = repackage_hidden(hidden)
                total_loss += len(data_) * criterion(output, targets).item()
        return total_loss / (len(data_source) - 1)

    lr = 20.0
    log = []
    for epoch in range(1, 3):
        model.train()
        total_loss = 0.0
        hidden = model.init_hidden(4)
        for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
            data_, targets = get_batch(train_data, i)
            model.zero_grad()
            hidden = repackage_hidden(hidden)
            output, hidden = model(data_, hidden)
            loss = criterion(output, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
            total_loss += loss.item()
            log.append(loss.item())
        val_loss = evaluate(val_data)
        print(
            f"| end of epoch {epoch:3d} | valid loss {val_loss:5.2f} | valid ppl {math.exp(val_loss):8.2f}"
        )
        log.append(val_loss)
        lr /= 4.0
    with open(path / "model.pt", "wb") as f:
        torch.save(model.state_dict(), f)
    with open(path / "model.pt", "rb") as f:
        model.load_state_dict(torch.load(f))
    log.append(evaluate(val_data))
    return log


def test_word_language_model(portability):
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 12, size=160)
    portability.assert_same(word_language_model, tokens=tokens, ntokens=12, rtol=1e-8)
