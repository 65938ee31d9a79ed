"""The official ImageNet training script (pytorch/examples imagenet/main.py) on a small synthetic
image set: ``AverageMeter`` / ``ProgressMeter`` with ``Summary`` enums and their ``__str__``
format strings (``'{name} {val' + self.fmt + '} ({avg' + self.fmt + '})'``), ``accuracy(output,
target, topk=(1, 5))`` through ``output.topk(maxk, 1, True, True)``, ``pred.t()``,
``pred.eq(target.view(1, -1).expand_as(pred))``, ``correct[:k].reshape(-1).float().sum(0,
keepdim=True)`` and ``mul_(100.0 / batch_size)``; ``SGD(momentum, weight_decay)`` with
``StepLR(step_size=30, gamma=0.1)`` (here 2 epochs); the older ``adjust_learning_rate`` that
writes ``param_group['lr']`` by hand; ``validate`` under ``torch.no_grad()`` with
``model.eval()``; ``save_checkpoint`` that ``torch.save``s ``{'epoch', 'arch', 'state_dict',
'best_acc1', 'optimizer', 'scheduler'}`` and ``shutil.copyfile``s it to
``model_best.pth.tar``; ``is_best = acc1 > best_acc1; best_acc1 = max(acc1, best_acc1)`` with
``acc1`` a 1-element tensor; resuming from the best file."""

from __future__ import annotations

import shutil
from enum import Enum

import numpy as np


class Summary(Enum):
    NONE = 0
    AVERAGE = 1
    SUM = 2
    COUNT = 3


class AverageMeter:
    """Computes and stores the average and current value"""

    def __init__(self, name, fmt=":f", summary_type=Summary.AVERAGE):
        self.name = name
        self.fmt = fmt
        self.summary_type = summary_type
        self.reset()

    def reset(self):
        self.val = 0
        self.avg = 0
        self.sum = 0
        self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count

    def __str__(self):
        fmtstr = "{name} {val" + self.fmt + "} ({avg" + self.fmt + "})"
        return fmtstr.format(**self.__dict__)

    def summary(self):
        if self.summary_type is Summary.NONE:
            fmtstr = ""
        elif self.summary_type is Summary.AVERAGE:
            fmtstr = "{name} {avg:.3f}"
        elif self.summary_type is Summary.SUM:
            fmtstr = "{name} {sum:.3f}"
        elif self.summary_type is Summary.COUNT:
            fmtstr = "{name} {count:.3f}"
        return fmtstr.format(**self.__dict__)


class ProgressMeter:
    def __init__(self, num_batches, meters, prefix=""):
        self.batch_fmtstr = self._get_batch_fmtstr(num_batches)
        self.meters = meters
        self.prefix = prefix

    def display(self, batch):
        entries = [self.prefix + self.batch_fmtstr.format(batch)]
        entries += [str(meter) for meter in self.meters]
        return "\t".join(entries)

    def display_summary(self):
        entries = [" *"]
        entries += [meter.summary() for meter in self.meters]
        return " ".join(entries)

    def _get_batch_fmtstr(self, num_batches):
        num_digits = len(str(num_batches // 1))
        fmt = "{:" + str(num_digits) + "d}"
        return "[" + fmt + "/" + fmt.format(num_batches) + "]"


def imagenet_example(torch, nn, F, optim, data, init, path, images, labels):
    log = []

    def accuracy(output, target, topk=(1,)):
        """Computes the accuracy over the k top predictions for the specified values of k"""
        with torch.no_grad():
            maxk = max(topk)
            batch_size = target.size(0)

            _, pred = output.topk(maxk, 1, True, True)
            pred = pred.t()
            correct = pred.eq(target.view(1, -1).expand_as(pred))

            res = []
            for k in topk:
                correct_k = correct[:k].reshape(-1).float().sum(0, keepdim=True)
                res.append(correct_k.mul_(100.0 / batch_size))
            return res

    class SmallNet(nn.Module):  # models.__dict__[args.arch]() in the script
        def __init__(self, num_classes=8):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 8, kernel_size=3, stride=1, padding=1), nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=2, stride=2),
                nn.Conv2d(8, 8, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            )  # fmt: skip
            self.avgpool = nn.AdaptiveAvgPool2d((2, 2))
            self.classifier = nn.Sequential(
                nn.Dropout(p=0.0), nn.Linear(8 * 2 * 2, 16), nn.ReLU(inplace=True),
                nn.Linear(16, num_classes),
            )  # fmt: skip

        def forward(self, x):
            x = self.features(x)
            x = self.avgpool(x)
            x = torch.flatten(x, 1)
            return self.classifier(x)

    def save_checkpoint(state, is_best, filename=str(path / "checkpoint.pth.tar")):
        torch.save(state, filename)
        if is_best:
            shutil.copyfile(filename, str(path / "model_best.pth.tar"))

    def train(train_loader, model, criterion, optimizer, epoch):
        losses = AverageMeter("Loss", ":.4e")
        top1 = AverageMeter("Acc@1", ":6.2f")
        top5 = AverageMeter("Acc@5", ":6.2f")
        progress = ProgressMeter(len(train_loader), [losses, top1, top5],
                                 prefix=f"Epoch: [{epoch}]")  # fmt: skip
        model.train()
        for i, (images, target) in enumerate(train_loader):
            output = model(images)
            loss = criterion(output, target)
            acc1, acc5 = accuracy(output, target, topk=(1, 5))
            losses.update(loss.item(), images.size(0))
            top1.update(acc1[0], images.size(0))
            top5.update(acc5[0], images.size(0))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if i % 2 == 0:
                log.append(progress.display(i + 1))
        return losses.avg

    def validate(val_loader, model, criterion):
        losses = AverageMeter("Loss", ":.4e", Summary.NONE)
        top1 = AverageMeter("Acc@1", ":6.2f", Summary.AVERAGE)
        top5 = AverageMeter("Acc@5", ":6.2f", Summary.AVERAGE)
        progress = ProgressMeter(len(val_loader), [losses, top1, top5], prefix="Test: ")
        model.eval()
        with torch.no_grad():
            for i, (images, target) in enumerate(val_loader):
                output = model(images)
                loss = criterion(output, target)
                acc1, acc5 = accuracy(output, target, topk=(1, 5))
                losses.update(loss.item(), images.size(0))
                top1.update(acc1[0], images.size(0))
                top5.update(acc5[0], images.size(0))
            log.append(progress.display(len(val_loader)))
        log.append(progress.display_summary())
        return top1.avg

    X = torch.tensor(images)
    y = torch.tensor(labels)
    train_dataset = data.TensorDataset(X[:48], y[:48])
    val_dataset = data.TensorDataset(X[48:], y[48:])
    train_loader = data.DataLoader(train_dataset, batch_size=12, shuffle=False)
    val_loader = data.DataLoader(val_dataset, batch_size=8, shuffle=False)

    model = init(SmallNet())
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), 0.1, momentum=0.9, weight_decay=1e-4)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)

    best_acc1 = 0
    for epoch in range(0, 4):
        log.append(train(train_loader, model, criterion, optimizer, epoch))
        acc1 = validate(val_loader, model, criterion)
        scheduler.step()
        log.append(scheduler.get_last_lr())
        is_best = acc1 > best_acc1
        best_acc1 = max(acc1, best_acc1)
        log.append([bool(is_best), float(best_acc1)])
        save_checkpoint({
            "epoch": epoch + 1,
            "arch": "smallnet",
            "state_dict": model.state_dict(),
            "best_acc1": best_acc1,
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
        }, is_best)  # fmt: skip

    # the older script: adjust_learning_rate by hand, every 30 epochs (here 1) decayed by 10
    def adjust_learning_rate(optimizer, epoch, lr=0.05):
        lr = lr * (0.1 ** (epoch // 1))
        for param_group in optimizer.param_groups:
            param_group["lr"] = lr

    # resume from the best checkpoint
    checkpoint = torch.load(str(path / "model_best.pth.tar"))
    start_epoch = checkpoint["epoch"]
    best_acc1 = checkpoint["best_acc1"]
    model = init(SmallNet())
    model.load_state_dict(checkpoint["state_dict"])
    optimizer = optim.SGD(model.parameters(), 0.05, momentum=0.9, weight_decay=1e-4)
    optimizer.load_state_dict(checkpoint["optimizer"])
    log.append([start_epoch, float(best_acc1), checkpoint["arch"]])
    for epoch in range(start_epoch, start_epoch + 2):
        adjust_learning_rate(optimizer, epoch - start_epoch)
        log.append(optimizer.param_groups[0]["lr"])
        log.append(train(train_loader, model, criterion, optimizer, epoch))
        log.append(float(validate(val_loader, model, criterion)))
    return log


def test_imagenet_example(portability):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 8, 64)
    images = rng.standard_normal((64, 3, 8, 8)) * 0.5
    images[np.arange(64), labels % 3, labels % 8, :] += 1.5
    # float64 (the harness's default), so that the printed meters' last digits agree
    portability.assert_same(imagenet_example, rtol=1e-8, images=images, labels=labels.tolist())
