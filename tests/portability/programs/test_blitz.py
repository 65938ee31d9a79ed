""" "Deep Learning with PyTorch: A 60 Minute Blitz": the autograd snippets (``Q.backward(gradient=
external_grad)``, ``requires_grad`` propagation, freezing a model's parameters and replacing its
head), the older autograd tutorial (``y.grad_fn``, ``requires_grad_``, ``while y.data.norm() <
1000``, a vector-Jacobian product, ``x.detach()``, ``x.eq(y).all()``), the "Neural Networks"
tutorial (LeNet on a 32x32 input, ``list(net.parameters())``, ``net.zero_grad()`` then
``out.backward(torch.randn(1, 10))``, ``loss.grad_fn.next_functions``, the manual update
``f.data.sub_(f.grad.data * learning_rate)``, then ``optim.SGD``), and "Training a Classifier"
(CIFAR-10 shapes, ``CrossEntropyLoss``, SGD with momentum, ``running_loss``, the state dict saved
and loaded, ``torch.max(outputs.data, 1)`` and per-class accuracy with ``classes[label]``)."""

from __future__ import annotations

import numpy as np


def autograd_tutorial(torch, nn, F, optim, data, init, path):
    log = []
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    Q = 3 * a**3 - b**2
    external_grad = torch.tensor([1.0, 1.0])
    Q.backward(gradient=external_grad)
    log.append((9 * a**2 == a.grad).tolist())
    log.append((-2 * b == b.grad).tolist())

    x = torch.rand(5, 5)
    y = torch.rand(5, 5)
    z = torch.rand((5, 5), requires_grad=True)
    a = x + y
    log.append(f"Does `a` require gradients?: {a.requires_grad}")
    b = x + z
    log.append(f"Does `b` require gradients?: {b.requires_grad}")

    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 8))
    for param in model.parameters():
        param.requires_grad = False
    model[3] = nn.Linear(4 * 6 * 6, 10)
    optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    log.append([p.requires_grad for p in model.parameters()])
    log.append(len(optimizer.param_groups[0]["params"]))

    # the older "Autograd: Automatic Differentiation"
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    log.append(y.grad_fn is not None and x.grad_fn is None)
    z = y * y * 3
    out = z.mean()
    log.append([z.tolist(), out.item()])
    a = torch.randn(2, 2)
    a = (a * 3) / (a - 1)
    log.append(a.requires_grad)
    a.requires_grad_(True)
    log.append(a.requires_grad)
    b = (a * a).sum()
    log.append(b.grad_fn is not None)
    out.backward()
    log.append(x.grad.tolist())
    x = torch.randn(3, requires_grad=True)
    y = x * 2
    n = 0
    while y.data.norm() < 1000:
        y = y * 2
        n += 1
    log.append([n] + y.tolist())
    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
    y.backward(v)
    log.append(x.grad.tolist())
    log.append(x.requires_grad)
    log.append((x**2).requires_grad)
    with torch.no_grad():
        log.append((x**2).requires_grad)
    y = x.detach()
    log.append(y.requires_grad)
    log.append(bool(x.eq(y).all()))

    # "Automatic Differentiation with torch.autograd"
    x = torch.ones(5)
    y = torch.zeros(3)
    w = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    loss.backward()
    log += [loss.item(), w.grad.flatten().tolist(), b.grad.tolist()]
    z = torch.matmul(x, w) + b
    log.append(z.requires_grad)
    with torch.no_grad():
        z = torch.matmul(x, w) + b
    log.append(z.requires_grad)
    z_det = (torch.matmul(x, w) + b).detach()
    log.append(z_det.requires_grad)
    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    log.append(inp.grad.flatten().tolist())
    out.backward(torch.ones_like(out), retain_graph=True)
    log.append(inp.grad.flatten().tolist())
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    log.append(inp.grad.flatten().tolist())
    return log


def neural_networks(torch, nn, F, optim, data, init, path):
    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()  # noqa: UP008 - as the tutorial writes it
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, input):
            c1 = F.relu(self.conv1(input))
            s2 = F.max_pool2d(c1, (2, 2))
            c3 = F.relu(self.conv2(s2))
            s4 = F.max_pool2d(c3, 2)
            s4 = torch.flatten(s4, 1)
            f5 = F.relu(self.fc1(s4))
            f6 = F.relu(self.fc2(f5))
            output = self.fc3(f6)
            return output

    log = []
    net = init(Net())
    params = list(net.parameters())
    log.append(len(params))
    log.append(list(params[0].size()))
    input = torch.randn(1, 1, 32, 32)
    out = net(input)
    log.append(out.flatten().tolist())
    net.zero_grad()
    out.backward(torch.randn(1, 10))
    log.append(net.conv1.bias.grad.tolist())

    output = net(input)
    target = torch.randn(10)
    target = target.view(1, -1)
    criterion = nn.MSELoss()
    loss = criterion(output, target)
    log.append(loss.item())
    log.append(loss.grad_fn is not None)
    nxt = loss.grad_fn.next_functions[0][0]
    log.append(nxt is not None and nxt.next_functions[0][0] is not None)

    net.zero_grad()
    log.append(net.conv1.bias.grad is None)
    loss.backward()
    log.append(net.conv1.bias.grad.tolist())

    learning_rate = 0.01
    for f in net.parameters():
        f.data.sub_(f.grad.data * learning_rate)
    log.append(criterion(net(input), target).item())

    optimizer = optim.SGD(net.parameters(), lr=0.01)
    for _ in range(3):
        optimizer.zero_grad()
        output = net(input)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()
        log.append(loss.item())
    return log


def cifar10_tutorial(torch, nn, F, optim, data, init, path, images, labels):
    classes = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = torch.flatten(x, 1)  # flatten all dimensions except batch
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    log = []
    images = (torch.tensor(images) - 0.5) / 0.5
    trainset = data.TensorDataset(images[:24], torch.tensor(labels[:24]))
    testset = data.TensorDataset(images[24:], torch.tensor(labels[24:]))
    trainloader = data.DataLoader(trainset, batch_size=4, shuffle=False, num_workers=0)
    testloader = data.DataLoader(testset, batch_size=4, shuffle=False, num_workers=0)
    dataiter = iter(trainloader)
    images_, labels_ = next(dataiter)
    log.append(" ".join(f"{classes[labels_[j]]:5s}" for j in range(4)))

    net = init(Net())
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    for epoch in range(2):  # loop over the dataset multiple times
        running_loss = 0.0
        for i, data_ in enumerate(trainloader, 0):
            # get the inputs; data is a list of [inputs, labels]
            inputs, labels_ = data_
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels_)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            if i % 3 == 2:
                log.append(f"[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 3:.3f}")
                log.append(running_loss)
                running_loss = 0.0

    PATH = path / "cifar_net.pth"
    torch.save(net.state_dict(), PATH)
    dataiter = iter(testloader)
    images_, labels_ = next(dataiter)
    net = Net()
    net.load_state_dict(torch.load(PATH, weights_only=True))
    outputs = net(images_)
    _, predicted = torch.max(outputs, 1)
    log.append(" ".join(f"{classes[predicted[j]]:5s}" for j in range(4)))

    correct = 0
    total = 0
    with torch.no_grad():
        for data_ in testloader:
            images_, labels_ = data_
            outputs = net(images_)
            _, predicted = torch.max(outputs.data, 1)
            total += labels_.size(0)
            correct += (predicted == labels_).sum().item()
    log.append(f"Accuracy of the network on the test images: {100 * correct // total} %")

    correct_pred = {classname: 0 for classname in classes}
    total_pred = {classname: 0 for classname in classes}
    with torch.no_grad():
        for data_ in testloader:
            images_, labels_ = data_
            outputs = net(images_)
            _, predictions = torch.max(outputs, 1)
            for label, prediction in zip(labels_, predictions):
                if label == prediction:
                    correct_pred[classes[label]] += 1
                total_pred[classes[label]] += 1
    for classname, correct_count in correct_pred.items():
        if total_pred[classname]:
            accuracy = 100 * float(correct_count) / total_pred[classname]
            log.append(f"Accuracy for class: {classname:5s} is {accuracy:.1f} %")
    return log


def test_autograd_tutorial(portability):
    portability.assert_same(autograd_tutorial)


def test_neural_networks_tutorial(portability):
    portability.assert_same(neural_networks)


def test_cifar10_tutorial(portability):
    rng = np.random.default_rng(0)
    images = rng.random((40, 3, 32, 32))
    labels = rng.integers(0, 10, 40)
    portability.assert_same(cifar10_tutorial, images=images, labels=labels)
