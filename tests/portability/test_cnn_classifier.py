"""The official MNIST example's shape: a CNN classifier trained with Adadelta and StepLR, a test
pass counting correct predictions, and its state dict saved and loaded back."""

from __future__ import annotations

import numpy as np


def cnn_classifier(torch, nn, F, optim, data, init, path, images, labels):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, 3, 1)
            self.conv2 = nn.Conv2d(4, 8, 3, 1)
            self.fc1 = nn.Linear(8 * 2 * 2, 16)
            self.fc2 = nn.Linear(16, 10)

        def forward(self, x):
            x = self.conv1(x)
            x = F.relu(x)
            x = self.conv2(x)
            x = F.relu(x)
            x = F.max_pool2d(x, 2)
            x = torch.flatten(x, 1)
            x = self.fc1(x)
            x = F.relu(x)
            x = self.fc2(x)
            output = F.log_softmax(x, dim=1)
            return output

    def train(model, train_loader, optimizer, epoch, log):
        model.train()
        for batch_idx, (data_, target) in enumerate(train_loader):
            optimizer.zero_grad()
            output = model(data_)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            log.append(loss.item())
            if batch_idx % 2 == 0:
                print(
                    f"Train Epoch: {epoch} [{batch_idx * len(data_)}/{len(train_loader.dataset)} ({100.0 * batch_idx / len(train_loader):.0f}%)]\tLoss: {loss.item():.6f}"
                )  # fmt: skip

    def test(model, test_loader):
        model.eval()
        test_loss = 0
        correct = 0
        with torch.no_grad():
            for data_, target in test_loader:
                output = model(data_)
                test_loss += F.nll_loss(output, target, reduction="sum").item()
                pred = output.argmax(dim=1, keepdim=True)
                correct += pred.eq(target.view_as(pred)).sum().item()
        test_loss /= len(test_loader.dataset)
        print(
            f"Test set: Average loss: {test_loss:.4f}, Accuracy: {correct}/{len(test_loader.dataset)}"
        )
        return test_loss, correct

    dataset = data.TensorDataset(torch.tensor(images), torch.tensor(labels))
    train_set, test_set = data.Subset(dataset, range(48)), data.Subset(dataset, range(48, 64))
    train_loader = data.DataLoader(train_set, batch_size=16)
    test_loader = data.DataLoader(test_set, batch_size=8)
    model = init(Net())
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    log = []
    for epoch in range(1, 3):
        train(model, train_loader, optimizer, epoch, log)
        log.extend(test(model, test_loader))
        scheduler.step()
        log.append(scheduler.get_last_lr()[0])
    torch.save(model.state_dict(), path / "mnist_cnn.pt")
    model2 = Net()
    model2.load_state_dict(torch.load(path / "mnist_cnn.pt"))
    log.extend(test(model2, test_loader))
    return log


def test_cnn_classifier(portability):
    rng = np.random.default_rng(0)
    images = rng.normal(size=(64, 1, 8, 8))
    labels = rng.integers(0, 10, size=64)
    portability.assert_same(cnn_classifier, images=images, labels=labels)
