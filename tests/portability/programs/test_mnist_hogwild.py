"""pytorch/examples mnist_hogwild: ``model.share_memory()``, then ``torch.multiprocessing``
workers (``mp.Process(target=train, args=(rank, model, ...))``, ``manual_seed(seed + rank)``,
each with its own SGD-with-momentum optimizer on the shared parameters), and the parent
testing the model they trained. Run with one worker (``fork``) and an unshuffled loader so
the two libraries compute the same steps; the worker sends its losses through a
``multiprocessing`` queue. The parent's test loss proves the worker's updates landed in the
parent's memory."""

from __future__ import annotations

import numpy as np


def hogwild(torch, nn, F, optim, data, init, path, images, labels):
    mp = torch.multiprocessing

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, 3)
            self.fc1 = nn.Linear(4 * 3 * 3, 3)

        def forward(self, x):
            x = F.relu(F.max_pool2d(self.conv1(x), 2))
            return F.log_softmax(self.fc1(x.flatten(1)), dim=1)

    def train(rank, model, seed, queue):
        torch.manual_seed(seed + rank)
        loader = data.DataLoader(data.TensorDataset(torch.from_numpy(images),
                                 torch.from_numpy(labels)), batch_size=8)  # fmt: skip
        optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
        model.train()
        for _ in range(2):
            for x, y in loader:
                optimizer.zero_grad()
                loss = F.nll_loss(model(x), y)
                loss.backward()
                optimizer.step()
                queue.put(loss.item())
        queue.put(None)

    def test(model):
        model.eval()
        with torch.no_grad():
            out = model(torch.from_numpy(images))
            loss = F.nll_loss(out, torch.from_numpy(labels), reduction="sum").item()
            correct = out.argmax(dim=1).eq(torch.from_numpy(labels)).sum().item()
        return [loss / len(labels), float(correct)]

    model = init(Net())
    model.share_memory()
    log = [float(p.is_shared()) for p in model.parameters()]
    log += test(model)
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    processes = []
    for rank in range(1):
        p = ctx.Process(target=train, args=(rank, model, 1, queue))
        p.start()
        processes.append(p)
    while (item := queue.get()) is not None:
        log.append(item)
    for p in processes:
        p.join()
    log.append(float(processes[0].exitcode))
    log += test(model)  # the parent's model: trained by the worker
    return log


def test_mnist_hogwild(portability):
    rng = np.random.default_rng(3)
    images = rng.standard_normal((32, 1, 8, 8))
    labels = rng.integers(0, 3, 32)
    expected, got = portability.assert_same(hogwild, images=images, labels=labels)
    assert expected[4] > expected[-2]  # the worker's training lowered the parent's loss
