"""Dive into Deep Learning (d2l.ai), chapters 3.2-3.7: linear regression from scratch
(``synthetic_data`` with ``torch.normal``, a ``data_iter`` generator indexing with
``torch.tensor(indices[...])``, ``squared_loss`` through ``y.reshape(y_hat.shape)``, ``sgd`` as
``param -= lr * param.grad / batch_size; param.grad.zero_()`` under ``no_grad``, ``l.sum()
.backward()``), its concise version (``net[0].weight.data.normal_(0, 0.01)``,
``bias.data.fill_(0)``, ``load_array``), softmax regression from scratch (``X_exp /
partition``, ``y_hat[range(len(y_hat)), y]``, ``y_hat.argmax(axis=1)``, ``.type(y.dtype)``,
an ``Accumulator``, ``isinstance(updater, torch.optim.Optimizer)``) and the concise one
(``nn.Flatten``, ``net.apply(init_weights)`` with ``type(m) == nn.Linear``,
``CrossEntropyLoss(reduction='none')`` with ``l.mean().backward()``)."""

from __future__ import annotations

import random

import numpy as np


def linear_regression(torch, nn, F, optim, data, init, path):
    random.seed(0)
    log = []

    def synthetic_data(w, b, num_examples):
        """Generate y = Xw + b + noise."""
        X = torch.normal(0, 1, (num_examples, len(w)))
        y = torch.matmul(X, w) + b
        y += torch.normal(0, 0.01, y.shape)
        return X, y.reshape((-1, 1))

    true_w = torch.tensor([2, -3.4])
    true_b = 4.2
    features, labels = synthetic_data(true_w, true_b, 100)
    log.append(["features:", features[0].tolist(), "\nlabel:", labels[0].tolist()])

    def data_iter(batch_size, features, labels):
        num_examples = len(features)
        indices = list(range(num_examples))
        # The examples are read at random, in no particular order
        random.shuffle(indices)
        for i in range(0, num_examples, batch_size):
            batch_indices = torch.tensor(indices[i : min(i + batch_size, num_examples)])
            yield features[batch_indices], labels[batch_indices]

    batch_size = 10
    w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)

    def linreg(X, w, b):
        """The linear regression model."""
        return torch.matmul(X, w) + b

    def squared_loss(y_hat, y):
        """Squared loss."""
        return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2

    def sgd(params, lr, batch_size):
        """Minibatch stochastic gradient descent."""
        with torch.no_grad():
            for param in params:
                param -= lr * param.grad / batch_size
                param.grad.zero_()

    lr = 0.03
    num_epochs = 3
    net = linreg
    loss = squared_loss
    for epoch in range(num_epochs):
        for X, y in data_iter(batch_size, features, labels):
            l = loss(net(X, w, b), y)  # noqa: E741 - d2l's name
            # Compute gradient on `l` with respect to [`w`, `b`]
            l.sum().backward()
            sgd([w, b], lr, batch_size)  # Update parameters using their gradient
            log.append(l.sum().item())
        with torch.no_grad():
            train_l = loss(net(features, w, b), labels)
            log.append(f"epoch {epoch + 1}, loss {float(train_l.mean()):f}")
    # d2l prints these tensors; their repr is NumPy's, not PyTorch's: compare the values
    log.append((true_w - w.reshape(true_w.shape)).tolist())
    log.append((true_b - b).tolist())

    # concise implementation
    def load_array(data_arrays, batch_size, is_train=True):
        """Construct a PyTorch data iterator."""
        dataset = data.TensorDataset(*data_arrays)
        return data.DataLoader(dataset, batch_size, shuffle=is_train)

    data_iter = load_array((features, labels), batch_size, is_train=False)
    log.append(len(next(iter(data_iter))))
    net = nn.Sequential(nn.Linear(2, 1))
    net[0].weight.data.normal_(0, 0.01)
    net[0].bias.data.fill_(0)
    log.append(net[0].bias.tolist())
    net = init(net)
    loss = nn.MSELoss()
    trainer = torch.optim.SGD(net.parameters(), lr=0.03)
    for epoch in range(num_epochs):
        for X, y in data_iter:
            l = loss(net(X), y)  # noqa: E741
            trainer.zero_grad()
            l.backward()
            trainer.step()
        l = loss(net(features), labels)  # noqa: E741
        log.append(f"epoch {epoch + 1}, loss {l:f}")
        log.append(l.item())
    w = net[0].weight.data
    log.append((true_w - w.reshape(true_w.shape)).tolist())
    b = net[0].bias.data
    log.append((true_b - b).tolist())
    return log


def softmax_regression(torch, nn, F, optim, data, init, path, images, labels):
    log = []
    batch_size = 16
    dataset = data.TensorDataset(torch.tensor(images), torch.tensor(labels))
    train_iter = data.DataLoader(data.Subset(dataset, range(64)), batch_size, shuffle=False)
    test_iter = data.DataLoader(data.Subset(dataset, range(64, 96)), batch_size, shuffle=False)

    num_inputs = 64
    num_outputs = 10
    W = torch.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True)
    b = torch.zeros(num_outputs, requires_grad=True)

    X = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    log.append([X.sum(0, keepdim=True).tolist(), X.sum(1, keepdim=True).tolist()])

    def softmax(X):
        X_exp = torch.exp(X)
        partition = X_exp.sum(1, keepdim=True)
        return X_exp / partition  # The broadcasting mechanism is applied here

    X = torch.normal(0, 1, (2, 5))
    X_prob = softmax(X)
    log.append([X_prob.tolist(), X_prob.sum(1).tolist()])

    def net(X):
        return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)

    y = torch.tensor([0, 2])
    y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    log.append(y_hat[[0, 1], y].tolist())

    def cross_entropy(y_hat, y):
        return -torch.log(y_hat[range(len(y_hat)), y])

    log.append(cross_entropy(y_hat, y).tolist())

    def accuracy(y_hat, y):
        """Compute the number of correct predictions."""
        if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
            y_hat = y_hat.argmax(axis=1)
        cmp = y_hat.type(y.dtype) == y
        return float(cmp.type(y.dtype).sum())

    log.append(accuracy(y_hat, y) / len(y))

    class Accumulator:
        """For accumulating sums over `n` variables."""

        def __init__(self, n):
            self.data = [0.0] * n

        def add(self, *args):
            self.data = [a + float(b) for a, b in zip(self.data, args)]

        def reset(self):
            self.data = [0.0] * len(self.data)

        def __getitem__(self, idx):
            return self.data[idx]

    def evaluate_accuracy(net, data_iter):
        """Compute the accuracy for a model on a dataset."""
        if isinstance(net, torch.nn.Module):
            net.eval()  # Set the model to evaluation mode
        metric = Accumulator(2)  # No. of correct predictions, no. of predictions
        with torch.no_grad():
            for X, y in data_iter:
                metric.add(accuracy(net(X), y), y.numel())
        return metric[0] / metric[1]

    log.append(evaluate_accuracy(net, test_iter))

    def train_epoch_ch3(net, train_iter, loss, updater):
        """The training loop defined in Chapter 3."""
        # Set the model to training mode
        if isinstance(net, torch.nn.Module):
            net.train()
        # Sum of training loss, sum of training accuracy, no. of examples
        metric = Accumulator(3)
        for X, y in train_iter:
            # Compute gradients and update parameters
            y_hat = net(X)
            l = loss(y_hat, y)  # noqa: E741
            if isinstance(updater, torch.optim.Optimizer):
                # Using PyTorch in-built optimizer & loss criterion
                updater.zero_grad()
                l.mean().backward()
                updater.step()
            else:
                # Using custom built optimizer & loss criterion
                l.sum().backward()
                updater(X.shape[0])
            metric.add(float(l.sum()), accuracy(y_hat, y), y.numel())
        # Return training loss and training accuracy
        return metric[0] / metric[2], metric[1] / metric[2]

    def train_ch3(net, train_iter, test_iter, loss, num_epochs, updater):
        for epoch in range(num_epochs):
            train_metrics = train_epoch_ch3(net, train_iter, loss, updater)
            test_acc = evaluate_accuracy(net, test_iter)
            log.append([*train_metrics, test_acc])

    lr = 0.1

    def sgd(params, lr, batch_size):
        with torch.no_grad():
            for param in params:
                param -= lr * param.grad / batch_size
                param.grad.zero_()

    def updater(batch_size):
        return sgd([W, b], lr, batch_size)

    train_ch3(net, train_iter, test_iter, cross_entropy, 3, updater)

    def predict_ch3(net, test_iter, n=6):
        for X, y in test_iter:
            break
        trues = y.tolist()
        preds = net(X).argmax(axis=1).tolist()
        return [f"{true}\n{pred}" for true, pred in zip(trues, preds)][:n]

    log.append(predict_ch3(net, test_iter))

    # concise implementation: PyTorch does not implicitly reshape the inputs, so the flatten
    # layer reshapes them before the linear layer
    net = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))

    def init_weights(m):
        if type(m) == nn.Linear:  # noqa: E721 - as d2l writes it
            nn.init.normal_(m.weight, std=0.01)

    net.apply(init_weights)
    net = init(net)
    loss = nn.CrossEntropyLoss(reduction="none")
    trainer = torch.optim.SGD(net.parameters(), lr=0.1)
    train_ch3(net, train_iter, test_iter, loss, 3, trainer)
    return log


def test_d2l_linear_regression(portability):
    portability.assert_same(linear_regression)


def test_d2l_softmax_regression(portability):
    rng = np.random.default_rng(0)
    images = rng.random((96, 1, 8, 8))
    labels = rng.integers(0, 10, 96)
    portability.assert_same(softmax_regression, images=images, labels=labels)
