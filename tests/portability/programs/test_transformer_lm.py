""" "Language Modeling with nn.Transformer": a ``PositionalEncoding`` buffer filled through
``pe[:, 0, 0::2] = torch.sin(position * div_term)``, ``nn.TransformerEncoder`` of
``TransformerEncoderLayer``s, ``generate_square_subsequent_mask`` (the tutorial's
``triu(ones * -inf, diagonal=1)`` and ``nn.Transformer``'s), ``batchify`` /
``get_batch``, ``clip_grad_norm_(…, 0.5)``, SGD with ``StepLR(…, 1.0, gamma=0.95)``,
``get_last_lr()``, ``math.exp`` perplexity, evaluation under ``no_grad`` and the best model
kept with ``copy.deepcopy``."""

from __future__ import annotations

import copy
import math

import numpy as np


def transformer_lm(torch, nn, F, optim, data, init, path, tokens, ntokens):
    log = []

    class PositionalEncoding(nn.Module):
        def __init__(self, d_model, dropout=0.0, max_len=64):
            super().__init__()
            self.dropout = nn.Dropout(p=dropout)
            position = torch.arange(max_len).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
            pe = torch.zeros(max_len, 1, d_model)
            pe[:, 0, 0::2] = torch.sin(position * div_term)
            pe[:, 0, 1::2] = torch.cos(position * div_term)
            self.register_buffer("pe", pe)

        def forward(self, x):
            x = x + self.pe[: x.size(0)]
            return self.dropout(x)

    class TransformerModel(nn.Module):
        def __init__(self, ntoken, d_model, nhead, d_hid, nlayers, dropout=0.0):
            super().__init__()
            self.model_type = "Transformer"
            self.pos_encoder = PositionalEncoding(d_model, dropout)
            encoder_layers = nn.TransformerEncoderLayer(d_model, nhead, d_hid, dropout)
            self.transformer_encoder = nn.TransformerEncoder(encoder_layers, nlayers)
            self.embedding = nn.Embedding(ntoken, d_model)
            self.d_model = d_model
            self.linear = nn.Linear(d_model, ntoken)
            self.init_weights()

        def init_weights(self):
            initrange = 0.1
            self.embedding.weight.data.uniform_(-initrange, initrange)
            self.linear.bias.data.zero_()
            self.linear.weight.data.uniform_(-initrange, initrange)

        def forward(self, src, src_mask=None):
            src = self.embedding(src) * math.sqrt(self.d_model)
            src = self.pos_encoder(src)
            if src_mask is None:
                src_mask = nn.Transformer.generate_square_subsequent_mask(len(src))
            output = self.transformer_encoder(src, src_mask)
            output = self.linear(output)
            return output

    def generate_square_subsequent_mask(sz):
        return torch.triu(torch.ones(sz, sz) * float("-inf"), diagonal=1)

    mask = generate_square_subsequent_mask(4)
    log.append([mask.tolist(), nn.Transformer.generate_square_subsequent_mask(4).tolist()])

    def data_process(raw_text_iter):
        data = [torch.tensor(item, dtype=torch.long) for item in raw_text_iter]
        return torch.cat(tuple(filter(lambda t: t.numel() > 0, data)))

    def batchify(data, bsz):
        seq_len = data.size(0) // bsz
        data = data[: seq_len * bsz]
        data = data.view(bsz, seq_len).t().contiguous()
        return data

    n = len(tokens)
    lines = [tokens[i : i + 9] for i in range(0, n, 9)] + [[]]
    train_data = batchify(data_process(lines[: int(len(lines) * 0.8)]), 4)
    val_data = batchify(data_process(lines[int(len(lines) * 0.8) :]), 2)
    log.append([list(train_data.shape), list(val_data.shape), train_data.dtype == torch.long])
    bptt = 8

    def get_batch(source, i):
        seq_len = min(bptt, len(source) - 1 - i)
        data = source[i : i + seq_len]
        target = source[i + 1 : i + 1 + seq_len].reshape(-1)
        return data, target

    model = TransformerModel(ntokens, 16, 2, 32, 2)
    model = init(model)
    criterion = nn.CrossEntropyLoss()
    lr = 1.0
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.95)

    def train(model):
        model.train()
        total_loss = 0.0
        src_mask = generate_square_subsequent_mask(bptt)
        for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
            data, targets = get_batch(train_data, i)
            seq_len = data.size(0)
            if seq_len != bptt:
                src_mask = src_mask[:seq_len, :seq_len]
            output = model(data, src_mask)
            loss = criterion(output.view(-1, ntokens), targets)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            optimizer.step()
            total_loss += loss.item()
            log.append(loss.item())
        lr = scheduler.get_last_lr()[0]
        log.append(lr)
        return total_loss

    def evaluate(model, eval_data):
        model.eval()
        total_loss = 0.0
        with torch.no_grad():
            for i in range(0, eval_data.size(0) - 1, bptt):
                data, targets = get_batch(eval_data, i)
                seq_len = data.size(0)
                output = model(data)
                output_flat = output.view(-1, ntokens)
                total_loss += seq_len * criterion(output_flat, targets).item()
        return total_loss / (len(eval_data) - 1)

    best_val_loss = float("inf")
    best_model = None
    for epoch in range(1, 4):
        train(model)
        val_loss = evaluate(model, val_data)
        val_ppl = math.exp(val_loss)
        log.append([val_loss, val_ppl])
        if val_loss < best_val_loss:
            best_val_loss = val_loss
            best_model = copy.deepcopy(model)
        scheduler.step()
    log.append(evaluate(best_model, val_data))
    return log


def test_transformer_lm(portability):
    rng = np.random.default_rng(0)
    ntokens = 20
    tokens = (np.arange(300) * 7 + rng.integers(0, 3, 300)) % ntokens
    portability.assert_same(
        transformer_lm, dtype="float32", rtol=1e-4, tokens=tokens.tolist(), ntokens=ntokens
    )
