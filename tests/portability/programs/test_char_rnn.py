""" "NLP From Scratch: Classifying Names with a Character-Level RNN": one-hot line tensors built
by ``tensor[li][0][index] = 1``, the classic hand-written RNN cell (``i2h`` on
``torch.cat((input, hidden), 1)``) stepped over the characters, then the newer ``nn.RNN``
version (``output = self.h2o(hidden[0])``) and an ``nn.GRU`` one, ``LogSoftmax`` +
``NLLLoss``, manual SGD and ``clip_grad_norm_``, ``output.topk(1)`` and a confusion matrix."""

from __future__ import annotations

import string

import numpy as np

all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)


def char_rnn(torch, nn, F, optim, data, init, path, names, categories):
    n_categories = len(categories)
    log = []

    def letterToIndex(letter):
        return all_letters.find(letter)

    def lineToTensor(line):
        tensor = torch.zeros(len(line), 1, n_letters)
        for li, letter in enumerate(line):
            tensor[li][0][letterToIndex(letter)] = 1
        return tensor

    log.append([lineToTensor("Jones").size(), lineToTensor("Jones").sum().item()])

    class RNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size):
            super().__init__()
            self.hidden_size = hidden_size
            self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
            self.i2o = nn.Linear(input_size + hidden_size, output_size)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, input, hidden):
            combined = torch.cat((input, hidden), 1)
            hidden = self.i2h(combined)
            output = self.i2o(combined)
            output = self.softmax(output)
            return output, hidden

        def initHidden(self):
            return torch.zeros(1, self.hidden_size)

    n_hidden = 16
    rnn = init(RNN(n_letters, n_hidden, n_categories))

    def categoryFromOutput(output):
        top_n, top_i = output.topk(1)
        category_i = top_i[0].item()
        return categories[category_i], category_i

    criterion = nn.NLLLoss()
    learning_rate = 0.005

    def train(category_tensor, line_tensor):
        hidden = rnn.initHidden()
        rnn.zero_grad()
        for i in range(line_tensor.size()[0]):
            output, hidden = rnn(line_tensor[i], hidden)
        loss = criterion(output, category_tensor)
        loss.backward()
        for p in rnn.parameters():
            p.data.add_(p.grad.data, alpha=-learning_rate)
        return output, loss.item()

    for name, cat in zip(names, categories_of(names, categories)):
        category_tensor = torch.tensor([categories.index(cat)], dtype=torch.long)
        output, loss = train(category_tensor, lineToTensor(name))
        log.append(loss)
        log.append(categoryFromOutput(output))

    # the newer tutorial: nn.RNN over the whole line
    class CharRNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size, cell="RNN"):
            super().__init__()
            self.rnn = getattr(nn, cell)(input_size, hidden_size)
            self.h2o = nn.Linear(hidden_size, output_size)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, line_tensor):
            rnn_out, hidden = self.rnn(line_tensor)
            output = self.h2o(hidden[0])
            output = self.softmax(output)
            return output

    for cell in ("RNN", "GRU"):
        model = init(CharRNN(n_letters, n_hidden, n_categories, cell))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.15)
        model.train()
        for epoch in range(2):
            batch = list(range(len(names)))
            for i in range(0, len(batch), 4):
                batch_loss = 0
                for name, cat in zip(names[i : i + 4], categories_of(names[i : i + 4], categories)):
                    label_tensor = torch.tensor([categories.index(cat)], dtype=torch.long)
                    output = model.forward(lineToTensor(name))
                    loss = criterion(output, label_tensor)
                    batch_loss += loss
                batch_loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 3)
                optimizer.step()
                optimizer.zero_grad()
                log.append(batch_loss.item() / 4)
        confusion = torch.zeros(len(categories), len(categories))
        model.eval()
        with torch.no_grad():
            for name, cat in zip(names, categories_of(names, categories)):
                output = model(lineToTensor(name))
                guess, guess_i = categoryFromOutput(output)
                confusion[categories.index(cat)][guess_i] += 1
        for i in range(len(categories)):
            denom = confusion[i].sum()
            if denom > 0:
                confusion[i] = confusion[i] / denom
        log.append(confusion.tolist())
    return log


def categories_of(names, categories):
    return [categories[len(n) % len(categories)] for n in names]


def test_char_rnn(portability):
    rng = np.random.default_rng(0)
    letters = list(string.ascii_letters)
    names = ["".join(rng.choice(letters, size=rng.integers(3, 8))) for _ in range(16)]
    portability.assert_same(
        char_rnn, dtype="float32", rtol=1e-4, names=names, categories=["A", "B", "C"]
    )
