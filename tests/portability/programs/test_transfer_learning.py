""" "Transfer Learning for Computer Vision": a pretrained backbone (a small BatchNorm CNN with
torchvision's ``fc`` head here) fine-tuned whole, then used as a fixed feature extractor
(``param.requires_grad = False`` for every parameter, a new ``model.fc = nn.Linear(num_ftrs,
2)``, SGD over ``model_conv.fc.parameters()``; the common variant's ``filter(lambda p:
p.requires_grad, model.parameters())``); ``torch.device``/``.to(device)``, the
``train_model`` loop with ``with torch.set_grad_enabled(phase == 'train')``, ``torch.max
(outputs, 1)``, ``running_corrects += torch.sum(preds == labels.data)``,
``running_corrects.double() / size``, ``StepLR(step_size=7, gamma=0.1)``, the best weights kept
with ``copy.deepcopy(model.state_dict())`` and also saved to / loaded from a file with
``torch.load(path, weights_only=True)``, and ``visualize_model``'s ``was_training`` restore."""

from __future__ import annotations

import copy

import numpy as np


def transfer_learning(torch, nn, F, optim, data, init, path, images, labels):
    lr_scheduler = optim.lr_scheduler
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")

    class Backbone(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(8)
            self.relu = nn.ReLU(inplace=True)
            self.layer1 = nn.Sequential(
                nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True)
            )
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(8, 1000)

        def forward(self, x):
            x = self.layer1(self.relu(self.bn1(self.conv1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    images, labels = torch.tensor(images), torch.tensor(labels)
    image_datasets = {
        "train": data.TensorDataset(images[:16], labels[:16]),
        "val": data.TensorDataset(images[16:], labels[16:]),
    }
    dataloaders = {
        x: data.DataLoader(image_datasets[x], batch_size=4, shuffle=False, num_workers=0)
        for x in ["train", "val"]
    }
    dataset_sizes = {x: len(image_datasets[x]) for x in ["train", "val"]}
    log = []

    def train_model(model, criterion, optimizer, scheduler, num_epochs=25):
        best_model_params_path = path / "best_model_params.pt"
        torch.save(model.state_dict(), best_model_params_path)
        best_model_wts = copy.deepcopy(model.state_dict())
        best_acc = 0.0
        for epoch in range(num_epochs):
            # Each epoch has a training and validation phase
            for phase in ["train", "val"]:
                if phase == "train":
                    model.train()  # Set model to training mode
                else:
                    model.eval()  # Set model to evaluate mode
                running_loss = 0.0
                running_corrects = 0
                # Iterate over data.
                for inputs, labels in dataloaders[phase]:
                    inputs = inputs.to(device)
                    labels = labels.to(device)
                    # zero the parameter gradients
                    optimizer.zero_grad()
                    # forward
                    # track history if only in train
                    with torch.set_grad_enabled(phase == "train"):
                        outputs = model(inputs)
                        _, preds = torch.max(outputs, 1)
                        loss = criterion(outputs, labels)
                        # backward + optimize only if in training phase
                        if phase == "train":
                            loss.backward()
                            optimizer.step()
                    # statistics
                    running_loss += loss.item() * inputs.size(0)
                    running_corrects += torch.sum(preds == labels.data)
                if phase == "train":
                    scheduler.step()
                epoch_loss = running_loss / dataset_sizes[phase]
                epoch_acc = running_corrects.double() / dataset_sizes[phase]
                log.append(f"{phase} Loss: {epoch_loss:.4f} Acc: {epoch_acc:.4f}")
                log.append([epoch_loss, epoch_acc.item(), str(epoch_acc.dtype)[-7:]])
                # deep copy the model
                if phase == "val" and epoch_acc > best_acc:
                    best_acc = epoch_acc
                    best_model_wts = copy.deepcopy(model.state_dict())
                    torch.save(model.state_dict(), best_model_params_path)
        log.append(f"Best val Acc: {best_acc:4f}")
        # load best model weights
        model.load_state_dict(torch.load(best_model_params_path, weights_only=True))
        log.append(list(best_model_wts) == list(model.state_dict()))
        return model

    def visualize_model(model, num_images=6):
        was_training = model.training
        model.eval()
        images_so_far = 0
        with torch.no_grad():
            for i, (inputs, labels) in enumerate(dataloaders["val"]):
                inputs = inputs.to(device)
                labels = labels.to(device)
                outputs = model(inputs)
                _, preds = torch.max(outputs, 1)
                for j in range(inputs.size()[0]):
                    images_so_far += 1
                    log.append(f"predicted: {['ants', 'bees'][preds[j]]}")
                    if images_so_far == num_images:
                        model.train(mode=was_training)
                        return
            model.train(mode=was_training)

    # Finetuning the ConvNet
    model_ft = init(Backbone())
    num_ftrs = model_ft.fc.in_features
    # Here the size of each output sample is set to 2.
    model_ft.fc = nn.Linear(num_ftrs, 2)
    model_ft = init(model_ft)
    model_ft = model_ft.to(device)
    criterion = nn.CrossEntropyLoss()
    # Observe that all parameters are being optimized
    optimizer_ft = optim.SGD(model_ft.parameters(), lr=0.001, momentum=0.9)
    # Decay LR by a factor of 0.1 every 7 epochs
    exp_lr_scheduler = lr_scheduler.StepLR(optimizer_ft, step_size=7, gamma=0.1)
    model_ft = train_model(model_ft, criterion, optimizer_ft, exp_lr_scheduler, num_epochs=3)
    visualize_model(model_ft)
    log.append(model_ft.training)

    # ConvNet as fixed feature extractor
    model_conv = init(Backbone())
    for param in model_conv.parameters():
        param.requires_grad = False
    # Parameters of newly constructed modules have requires_grad=True by default
    num_ftrs = model_conv.fc.in_features
    model_conv.fc = nn.Linear(num_ftrs, 2)
    model_conv = init(model_conv)
    model_conv = model_conv.to(device)
    # Observe that only parameters of final layer are being optimized as opposed to before.
    optimizer_conv = optim.SGD(model_conv.fc.parameters(), lr=0.001, momentum=0.9)
    exp_lr_scheduler = lr_scheduler.StepLR(optimizer_conv, step_size=7, gamma=0.1)
    before = copy.deepcopy(model_conv.conv1.weight)
    model_conv = train_model(model_conv, criterion, optimizer_conv, exp_lr_scheduler, num_epochs=2)
    log.append(torch.equal(before, model_conv.conv1.weight))
    log.append(model_conv.conv1.weight.grad is None)
    log.append(model_conv.bn1.running_mean.tolist())

    # the variant of many fine-tuning scripts: optimize whatever still requires grad
    model_f = init(Backbone())
    for name, param in model_f.named_parameters():
        if not name.startswith("layer1"):
            param.requires_grad = False
    params_to_update = filter(lambda p: p.requires_grad, model_f.parameters())
    optimizer = optim.Adam(params_to_update, lr=1e-3)
    log.append(len(optimizer.param_groups[0]["params"]))
    log.append(sum(p.numel() for p in model_f.parameters() if p.requires_grad))
    model_f = train_model(model_f, criterion, optimizer, lr_scheduler.StepLR(optimizer, 1), 2)
    return log


def test_transfer_learning(portability):
    rng = np.random.default_rng(0)
    images = rng.standard_normal((24, 3, 8, 8))
    labels = rng.integers(0, 2, 24)
    portability.assert_same(transfer_learning, images=images, labels=labels)
