"""The official siamese-network example (pytorch/examples siamese_network/main.py): a ResNet
trunk whose ``conv1`` is replaced by a one-channel ``Conv2d``, cut with
``nn.Sequential(*(list(resnet.children())[:-1]))`` (here a small ResNet written out, as
torchvision's is not a dependency), ``self.fc_in_features = resnet.fc.in_features``,
``apply(self.init_weights)`` with ``xavier_uniform_`` and ``m.bias.data.fill_(0.01)``,
``torch.cat((output1, output2), 1)`` through an ``fc`` head and ``nn.Sigmoid``; a ``Dataset``
subclass building pairs (``torch.tensor(1, dtype=torch.float)`` targets), ``BCELoss`` on
``outputs.squeeze()``, Adadelta with StepLR, and the test pass's ``torch.where(outputs > 0.5, 1,
0)`` with ``pred.eq(targets.view_as(pred)).sum().item()``."""

from __future__ import annotations

import numpy as np


def siamese(torch, nn, F, optim, data, init, path, images, labels):
    class BasicBlock(nn.Module):
        def __init__(self, inplanes, planes, stride=1):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = None
            if stride != 1 or inplanes != planes:
                self.downsample = nn.Sequential(
                    nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes)
                )

        def forward(self, x):
            identity = x
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            if self.downsample is not None:
                identity = self.downsample(x)
            out += identity
            return self.relu(out)

    class ResNet(nn.Module):
        """torchvision's ResNet layout, two tiny stages."""

        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 8, kernel_size=7, stride=2, padding=3, bias=False)
            self.bn1 = nn.BatchNorm2d(8)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            self.layer1 = BasicBlock(8, 8)
            self.layer2 = BasicBlock(8, 16, stride=2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(16, 1000)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.avgpool(self.layer2(self.layer1(x)))
            return self.fc(torch.flatten(x, 1))

    class SiameseNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            # get resnet model
            self.resnet = ResNet()
            # over-write the first conv layer to be able to read MNIST images
            # as resnet18 reads (3,x,x) where 3 is RGB channels
            # whereas MNIST has (1,x,x) where 1 is a gray-scale channel
            self.resnet.conv1 = nn.Conv2d(
                1, 8, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False
            )
            self.fc_in_features = self.resnet.fc.in_features
            # remove the last layer of resnet18 (linear layer which is before avgpool layer)
            self.resnet = torch.nn.Sequential(*(list(self.resnet.children())[:-1]))
            # add linear layers to compare between the features of the two images
            self.fc = nn.Sequential(
                nn.Linear(self.fc_in_features * 2, 32),
                nn.ReLU(inplace=True),
                nn.Linear(32, 1),
            )
            self.sigmoid = nn.Sigmoid()
            # initialize the weights
            self.resnet.apply(self.init_weights)
            self.fc.apply(self.init_weights)

        def init_weights(self, m):
            if isinstance(m, nn.Linear):
                torch.nn.init.xavier_uniform_(m.weight)
                m.bias.data.fill_(0.01)

        def forward_once(self, x):
            output = self.resnet(x)
            output = output.view(output.size()[0], -1)
            return output

        def forward(self, input1, input2):
            # get two images' features
            output1 = self.forward_once(input1)
            output2 = self.forward_once(input2)
            # concatenate both images' features
            output = torch.cat((output1, output2), 1)
            # pass the concatenation to the linear layers
            output = self.fc(output)
            # pass the out of the linear layers to sigmoid layer
            output = self.sigmoid(output)
            return output

    class APP_MATCHER(data.Dataset):
        """Pairs of images (deterministic here: the example draws the pairs at random)."""

        def __init__(self, images, labels, start, stop):
            super().__init__()
            self.data = torch.tensor(images[start:stop])
            self.targets = torch.tensor(labels[start:stop])
            self.group_examples()

        def group_examples(self):
            np_arr = np.array(self.targets.clone())
            self.grouped_examples = {}
            for i in range(0, 3):
                self.grouped_examples[i] = np.where(np_arr == i)[0]

        def __len__(self):
            return self.data.shape[0]

        def __getitem__(self, index):
            selected_class = index % 3
            group = self.grouped_examples[selected_class]
            index_1 = group[index % len(group)]
            image_1 = self.data[index_1].clone().float()
            if index % 2 == 0:
                index_2 = group[(index + 1) % len(group)]
                image_2 = self.data[index_2].clone().float()
                target = torch.tensor(1, dtype=torch.float)
            else:
                other_selected_class = (selected_class + 1) % 3
                other = self.grouped_examples[other_selected_class]
                image_2 = self.data[other[index % len(other)]].clone().float()
                target = torch.tensor(0, dtype=torch.float)
            return image_1, image_2, target

    log = []

    def train(model, train_loader, optimizer, epoch):
        model.train()
        criterion = nn.BCELoss()
        for batch_idx, (images_1, images_2, targets) in enumerate(train_loader):
            optimizer.zero_grad()
            outputs = model(images_1, images_2).squeeze()
            loss = criterion(outputs, targets)
            loss.backward()
            optimizer.step()
            log.append(loss.item())

    def test(model, test_loader):
        model.eval()
        test_loss = 0
        correct = 0
        criterion = nn.BCELoss()
        with torch.no_grad():
            for images_1, images_2, targets in test_loader:
                outputs = model(images_1, images_2).squeeze()
                test_loss += criterion(outputs, targets).sum().item()  # sum up batch loss
                pred = torch.where(outputs > 0.5, 1, 0)  # get the index of the max log-probability
                correct += pred.eq(targets.view_as(pred)).sum().item()
        test_loss /= len(test_loader.dataset)
        log.append([test_loss, correct])

    train_dataset = APP_MATCHER(images, labels, 0, 24)
    test_dataset = APP_MATCHER(images, labels, 24, 36)
    train_loader = data.DataLoader(train_dataset, batch_size=8, shuffle=False)
    test_loader = data.DataLoader(test_dataset, batch_size=6, shuffle=False)
    model = init(SiameseNetwork())
    log.append(model.fc_in_features)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    for epoch in range(1, 3):
        train(model, train_loader, optimizer, epoch)
        test(model, test_loader)
        scheduler.step()
    torch.save(model.state_dict(), path / "siamese_network.pt")
    return log


def test_siamese_network(portability):
    rng = np.random.default_rng(0)
    images = rng.random((36, 1, 16, 16)).astype(np.float32)
    labels = np.arange(36) % 3
    portability.assert_same(siamese, dtype="float32", rtol=1e-4, images=images, labels=labels)
