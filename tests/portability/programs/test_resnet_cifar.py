"""A ResNet-18-style CIFAR-10 training loop from scratch (kuangliu/pytorch-cifar's ``resnet.py``
and its ``main.py``): ``BasicBlock`` with ``expansion = 1`` and a ``shortcut`` that is an empty
``nn.Sequential()`` or a 1x1 conv + BatchNorm, ``_make_layer`` with ``strides = [stride] + [1] *
(num_blocks - 1)``, ``F.avg_pool2d(out, 4)`` / ``AdaptiveAvgPool2d((1, 1))`` and ``torch.flatten(
x, 1)``, ``model.apply`` with a custom init (``isinstance`` checks,
``kaiming_normal_(mode='fan_out', nonlinearity='relu')``, ``constant_``), SGD with
``momentum=0.9, weight_decay=5e-4, nesterov=True``, ``OneCycleLR(steps_per_epoch=…)`` stepped
every batch, label smoothing, ``outputs.max(1)`` and ``predicted.eq(targets).sum().item()``, a
checkpoint dict ``{'net': state_dict, 'acc': acc, 'epoch': epoch}`` saved and loaded."""

from __future__ import annotations

import numpy as np


def resnet_cifar(torch, nn, F, optim, data, init, path, images, labels):
    log = []

    class BasicBlock(nn.Module):
        expansion = 1

        def __init__(self, in_planes, planes, stride=1):
            super(BasicBlock, self).__init__()
            self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)  # fmt: skip
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)

            self.shortcut = nn.Sequential()
            if stride != 1 or in_planes != self.expansion * planes:
                self.shortcut = nn.Sequential(
                    nn.Conv2d(
                        in_planes, self.expansion * planes, kernel_size=1, stride=stride, bias=False
                    ),  # fmt: skip
                    nn.BatchNorm2d(self.expansion * planes),
                )

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            out += self.shortcut(x)
            out = F.relu(out)
            return out

    class ResNet(nn.Module):
        def __init__(self, block, num_blocks, num_classes=10, width=4):
            super(ResNet, self).__init__()
            self.in_planes = width

            self.conv1 = nn.Conv2d(3, width, kernel_size=3, stride=1, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            self.layer1 = self._make_layer(block, width, num_blocks[0], stride=1)
            self.layer2 = self._make_layer(block, 2 * width, num_blocks[1], stride=2)
            self.layer3 = self._make_layer(block, 4 * width, num_blocks[2], stride=2)
            self.layer4 = self._make_layer(block, 8 * width, num_blocks[3], stride=2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.linear = nn.Linear(8 * width * block.expansion, num_classes)

        def _make_layer(self, block, planes, num_blocks, stride):
            strides = [stride] + [1] * (num_blocks - 1)
            layers = []
            for stride in strides:
                layers.append(block(self.in_planes, planes, stride))
                self.in_planes = planes * block.expansion
            return nn.Sequential(*layers)

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.layer1(out)
            out = self.layer2(out)
            out = self.layer3(out)
            out = self.layer4(out)
            pooled = F.avg_pool2d(out, 2)
            out = self.avgpool(out)
            assert torch.equal(torch.flatten(pooled, 1), torch.flatten(out, 1))
            out = torch.flatten(out, 1)
            out = self.linear(out)
            return out

    def ResNet18():
        return ResNet(BasicBlock, [2, 2, 2, 2])

    def init_weights(m):
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.constant_(m.weight, 1)
            nn.init.constant_(m.bias, 0)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0, 0.01)
            nn.init.zeros_(m.bias)

    net = ResNet18()
    net.apply(init_weights)
    # zero-init the last BN in each residual branch (torchvision's zero_init_residual)
    for m in net.modules():
        if isinstance(m, BasicBlock):
            nn.init.constant_(m.bn2.weight, 0)
    net = init(net)
    log.append(sum(p.numel() for p in net.parameters() if p.requires_grad))
    log.append(len(net.state_dict()))

    x_all = torch.tensor(images)
    y_all = torch.tensor(labels)
    trainset = data.TensorDataset(x_all[:24], y_all[:24])
    testset = data.TensorDataset(x_all[24:], y_all[24:])
    trainloader = data.DataLoader(trainset, batch_size=8, shuffle=False)
    testloader = data.DataLoader(testset, batch_size=8, shuffle=False)

    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    optimizer = optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)  # fmt: skip
    epochs = 3
    scheduler = optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=0.1, epochs=epochs, steps_per_epoch=len(trainloader)
    )

    def train(epoch):
        net.train()
        train_loss = 0
        correct = 0
        total = 0
        for batch_idx, (inputs, targets) in enumerate(trainloader):
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, targets)
            loss.backward()
            optimizer.step()
            scheduler.step()

            train_loss += loss.item()
            _, predicted = outputs.max(1)
            total += targets.size(0)
            correct += predicted.eq(targets).sum().item()
            log.append([loss.item(), scheduler.get_last_lr()[0], optimizer.param_groups[0]["momentum"]])  # fmt: skip
        log.append([train_loss / (batch_idx + 1), 100.0 * correct / total])

    best_acc = 0

    def test(epoch):
        nonlocal best_acc
        net.eval()
        test_loss = 0
        correct = 0
        total = 0
        with torch.no_grad():
            for batch_idx, (inputs, targets) in enumerate(testloader):
                outputs = net(inputs)
                loss = criterion(outputs, targets)
                test_loss += loss.item()
                _, predicted = outputs.max(1)
                total += targets.size(0)
                correct += predicted.eq(targets).sum().item()
        acc = 100.0 * correct / total
        log.append([test_loss / (batch_idx + 1), acc])
        if acc >= best_acc:
            state = {"net": net.state_dict(), "acc": acc, "epoch": epoch}
            torch.save(state, str(path / "ckpt.pth"))
            best_acc = acc

    for epoch in range(epochs):
        train(epoch)
        test(epoch)

    checkpoint = torch.load(str(path / "ckpt.pth"))
    net2 = ResNet18()
    net2.load_state_dict(checkpoint["net"])
    net2.eval()
    with torch.no_grad():
        log.append(net2(x_all[24:]).sum().item())
    log.append([checkpoint["acc"], checkpoint["epoch"]])
    log.append(net.layer1[0].bn1.running_var.tolist())
    log.append(int(net.layer1[0].bn1.num_batches_tracked))
    return log


def test_resnet_cifar(portability):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 32)
    images = rng.standard_normal((32, 3, 16, 16)) * 0.5 + labels[:, None, None, None] / 10.0
    portability.assert_same(resnet_cifar, rtol=1e-7, images=images, labels=labels)
