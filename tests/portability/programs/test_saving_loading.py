""" "Saving and Loading Models" and "Saving and loading a general checkpoint" (the PyTorch
recipes): ``model.state_dict()`` listed key by key with its shape,
``optimizer.state_dict()['param_groups']``, ``torch.save(model.state_dict(), PATH)`` then
``load_state_dict(torch.load(PATH, weights_only=True))``; a general checkpoint dict holding the
model's, the optimizer's and the scheduler's state dicts with the epoch and the loss, loaded
into fresh objects to resume training (the resumed losses equal an uninterrupted run's);
several models in one file; warm-starting a different model with ``strict=False`` (the
returned ``missing_keys`` / ``unexpected_keys``); loading into a differently named model by
rewriting the keys (the ``module.`` prefix ``DataParallel`` adds, a ``backbone.`` prefix);
``map_location``; a BatchNorm's buffers (``num_batches_tracked``) in the state dict; Adam's
``exp_avg`` in the optimizer's state."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np


def saving_loading(torch, nn, F, optim, data, init, path, images, labels):
    log = []

    class TheModelClass(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, 3)
            self.bn1 = nn.BatchNorm2d(4)
            self.pool = nn.MaxPool2d(2, 2)
            self.fc1 = nn.Linear(4 * 3 * 3, 12)
            self.fc2 = nn.Linear(12, 3)

        def forward(self, x):
            x = self.pool(F.relu(self.bn1(self.conv1(x))))
            x = torch.flatten(x, 1)
            x = F.relu(self.fc1(x))
            return self.fc2(x)

    def make():
        torch.manual_seed(0)
        return init(TheModelClass())

    X = torch.tensor(images).unsqueeze(1)
    y = torch.tensor(labels)
    loader = data.DataLoader(data.TensorDataset(X, y), batch_size=8)
    criterion = nn.CrossEntropyLoss()

    def train_epoch(model, optimizer, scheduler):
        model.train()
        losses = []
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
        return losses

    model = make()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)

    # Print model's state_dict
    for param_tensor in model.state_dict():
        log.append([param_tensor, list(model.state_dict()[param_tensor].size())])
    log.append(sorted(optimizer.state_dict().keys()))
    group = optimizer.state_dict()["param_groups"][0]
    log.append([group["lr"], list(group["betas"]), group["eps"], group["params"]])

    # Save/load state_dict (recommended)
    PATH = str(path / "model.pt")
    log.append(train_epoch(model, optimizer, scheduler))
    torch.save(model.state_dict(), PATH)
    model2 = TheModelClass()
    result = model2.load_state_dict(torch.load(PATH, weights_only=True))
    log.append([list(result.missing_keys), list(result.unexpected_keys)])
    model2.eval()
    model.eval()
    with torch.no_grad():
        log.append(torch.equal(model(X), model2(X)))
        log.append(model2(X).sum().item())
    log.append(int(model2.state_dict()["bn1.num_batches_tracked"]))

    # Saving & loading a general checkpoint for inference and/or resuming training
    EPOCH, LOSS = 1, log[-4][-1]
    ckpt = str(path / "checkpoint.tar")
    torch.save({
        "epoch": EPOCH,
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": optimizer.state_dict(),
        "scheduler_state_dict": scheduler.state_dict(),
        "loss": LOSS,
    }, ckpt)  # fmt: skip
    # the uninterrupted run continues
    log.append(train_epoch(model, optimizer, scheduler))

    model3 = TheModelClass()
    optimizer3 = optim.Adam(model3.parameters(), lr=0.01)
    scheduler3 = optim.lr_scheduler.StepLR(optimizer3, step_size=1, gamma=0.5)
    checkpoint = torch.load(ckpt, weights_only=True)
    model3.load_state_dict(checkpoint["model_state_dict"])
    optimizer3.load_state_dict(checkpoint["optimizer_state_dict"])
    scheduler3.load_state_dict(checkpoint["scheduler_state_dict"])
    epoch = checkpoint["epoch"]
    loss = checkpoint["loss"]
    log.append([epoch, loss, optimizer3.param_groups[0]["lr"], scheduler3.get_last_lr()])
    state = optimizer3.state_dict()["state"][0]
    log.append([float(state["step"]), state["exp_avg"].sum().item(), state["exp_avg_sq"].sum().item()])  # fmt: skip
    log.append(train_epoch(model3, optimizer3, scheduler3))
    log.append([torch.allclose(a, b) for a, b in zip(model.parameters(), model3.parameters())])

    # Saving multiple models in one file
    modelA, modelB = make(), make()
    optimizerA = optim.SGD(modelA.parameters(), lr=0.1, momentum=0.9)
    optimizerB = optim.SGD(modelB.parameters(), lr=0.05)
    for opt, m in ((optimizerA, modelA), (optimizerB, modelB)):
        opt.zero_grad()
        criterion(m(X), y).backward()
        opt.step()
    torch.save({
        "modelA_state_dict": modelA.state_dict(),
        "modelB_state_dict": modelB.state_dict(),
        "optimizerA_state_dict": optimizerA.state_dict(),
        "optimizerB_state_dict": optimizerB.state_dict(),
    }, str(path / "multi.tar"))  # fmt: skip
    both = torch.load(str(path / "multi.tar"), map_location="cpu", weights_only=True)
    newA = TheModelClass()
    newA.load_state_dict(both["modelA_state_dict"])
    newOptA = optim.SGD(newA.parameters(), lr=0.1, momentum=0.9)
    newOptA.load_state_dict(both["optimizerA_state_dict"])
    log.append(both["optimizerB_state_dict"]["param_groups"][0]["lr"])
    newOptA.zero_grad()
    newA.train()
    loss = criterion(newA(X), y)
    loss.backward()
    newOptA.step()
    log.append([loss.item(), newA.fc2.weight.sum().item()])

    # Warmstarting a model using parameters from a different model
    class Bigger(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, 3)
            self.bn1 = nn.BatchNorm2d(4)
            self.pool = nn.MaxPool2d(2, 2)
            self.fc1 = nn.Linear(4 * 3 * 3, 12)
            self.head = nn.Linear(12, 5)

        def forward(self, x):
            x = self.pool(F.relu(self.bn1(self.conv1(x))))
            return self.head(F.relu(self.fc1(torch.flatten(x, 1))))

    torch.manual_seed(0)
    modelB2 = init(Bigger())
    missing, unexpected = modelB2.load_state_dict(torch.load(PATH, weights_only=True), strict=False)  # fmt: skip
    log.append([missing, unexpected])
    try:
        Bigger().load_state_dict(torch.load(PATH, weights_only=True))
        log.append("loaded")
    except RuntimeError:
        log.append("RuntimeError")
    modelB2.eval()
    with torch.no_grad():
        log.append(modelB2(X).sum().item())

    # a checkpoint saved from a DataParallel model; a model that nests the network
    sd = OrderedDict(("module." + k, v) for k, v in torch.load(PATH, weights_only=True).items())
    torch.save(sd, str(path / "dp.pt"))
    loaded = torch.load(str(path / "dp.pt"), weights_only=True)
    plain = TheModelClass()
    plain.load_state_dict({k.replace("module.", ""): v for k, v in loaded.items()})

    class Wrapped(nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone = TheModelClass()
            self.scale = nn.Parameter(torch.ones(1))

        def forward(self, x):
            return self.backbone(x) * self.scale

    wrapped = Wrapped()
    res = wrapped.load_state_dict(
        {"backbone." + k[len("module.") :]: v for k, v in loaded.items()}, strict=False
    )
    log.append([res.missing_keys, res.unexpected_keys])
    plain.eval()
    wrapped.eval()
    with torch.no_grad():
        log.append([plain(X).sum().item(), wrapped(X).sum().item()])
    return log


def test_saving_loading(portability):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 24)
    images = rng.standard_normal((24, 8, 8)) + labels[:, None, None] * 0.5
    portability.assert_same(saving_loading, rtol=1e-8, images=images, labels=labels.tolist())
