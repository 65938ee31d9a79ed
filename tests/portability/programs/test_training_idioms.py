"""Training-loop idioms from blog posts and forum answers: gradient accumulation (``loss =
loss / accumulation_steps``, ``optimizer.step()`` every ``accumulation_steps`` batches and at
the last one, ``(i + 1) % accumulation_steps == 0``), ``torch.nn.utils.clip_grad_value_``
between the last backward and the step, weight tying (``self.decoder.weight =
self.encoder.weight`` in a small LM: one parameter in ``parameters()``, two keys in
``state_dict()``), ``model.apply`` with a custom init (``isinstance`` checks,
``kaiming_normal_(mode='fan_out', nonlinearity='relu')``, ``xavier_uniform_`` with
``calculate_gain('tanh')``, ``zeros_``), an ``nn.GRU`` with ``orthogonal_`` recurrent weights
through ``named_parameters()``, ``optimizer.zero_grad(set_to_none=True)`` and a ``LambdaLR``
warm-up."""

from __future__ import annotations

import numpy as np


def training_idioms(torch, nn, F, optim, data, init, path, tokens, vocab):
    log = []

    class TiedLM(nn.Module):
        def __init__(self, ntoken, ninp, nhid):
            super().__init__()
            self.encoder = nn.Embedding(ntoken, ninp)
            self.conv = nn.Conv1d(ninp, ninp, 3, padding=1)
            self.rnn = nn.GRU(ninp, nhid, batch_first=True)
            self.proj = nn.Linear(nhid, ninp)
            self.decoder = nn.Linear(ninp, ntoken)
            self.decoder.weight = self.encoder.weight  # tie the weights

        def forward(self, x):
            emb = self.encoder(x)
            emb = F.relu(self.conv(emb.transpose(1, 2))).transpose(1, 2) + emb
            out, _ = self.rnn(emb)
            return self.decoder(torch.tanh(self.proj(out)))

    def weights_init(m):
        if isinstance(m, nn.Conv1d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight, gain=nn.init.calculate_gain("tanh"))
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.GRU):
            for name, param in m.named_parameters():
                if "weight_hh" in name:
                    nn.init.orthogonal_(param)
                elif "bias" in name:
                    param.data.fill_(0)

    model = TiedLM(vocab, 12, 16)
    model.apply(weights_init)
    model = init(model)
    log.append([len(list(model.parameters())), len(model.state_dict()),
                model.decoder.weight is model.encoder.weight])  # fmt: skip

    seq = torch.tensor(tokens).view(-1, 9)
    inputs, targets = seq[:, :-1], seq[:, 1:]
    loader = data.DataLoader(data.TensorDataset(inputs, targets), batch_size=2)
    optimizer = optim.AdamW(model.parameters(), lr=5e-3, weight_decay=0.01)
    scheduler = optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / 3))
    criterion = nn.CrossEntropyLoss()
    accumulation_steps = 3

    for epoch in range(2):
        model.train()
        optimizer.zero_grad(set_to_none=True)
        for i, (xb, yb) in enumerate(loader):
            logits = model(xb)
            loss = criterion(logits.reshape(-1, vocab), yb.reshape(-1))
            loss = loss / accumulation_steps
            loss.backward()
            if (i + 1) % accumulation_steps == 0 or (i + 1) == len(loader):
                torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.02)
                log.append([model.encoder.weight.grad.abs().max().item(),
                            model.encoder.weight.grad.sum().item()])  # fmt: skip
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                log.append(model.encoder.weight.grad is None)
            log.append(loss.item() * accumulation_steps)
        model.eval()
        with torch.no_grad():
            logits = model(inputs)
            log.append(criterion(logits.reshape(-1, vocab), targets.reshape(-1)).item())
    log.append(torch.equal(model.decoder.weight, model.encoder.weight))
    return log


def test_training_idioms(portability):
    rng = np.random.default_rng(0)
    vocab = 11
    tokens = ((np.arange(9 * 9) * 3 + rng.integers(0, 2, 81)) % vocab).tolist()
    portability.assert_same(training_idioms, rtol=1e-8, tokens=tokens, vocab=vocab)
