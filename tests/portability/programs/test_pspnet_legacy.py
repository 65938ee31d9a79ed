"""Lextal/pspnet-pytorch, a much-forked PSPNet port written against PyTorch 0.x and still run
as it stands: ``PSPModule`` (``nn.AdaptiveAvgPool2d(output_size=(size, size))`` stages,
``F.upsample(input=stage(feats), size=(h, w), mode='bilinear')``, ``torch.cat(priors, 1)``),
``PSPUpsample`` (``F.upsample`` to twice the size, ``nn.PReLU()``), ``nn.Dropout2d`` (p = 0
here), the final ``nn.Sequential(nn.Conv2d(64, n_classes, kernel_size=1), nn.LogSoftmax())``
with the implicit softmax dim, the auxiliary head ``F.adaptive_max_pool2d(input=class_f,
output_size=(1, 1)).view(-1, class_f.size(1))``; ``train.py``'s ``nn.NLLLoss2d`` (the
deprecated alias) on the log-probabilities, ``nn.BCEWithLogitsLoss`` on the image-level
class presence (``Variable(y_cls).float()``), ``loss = seg_loss + alpha * cls_loss``, the
status line formatted from ``np.mean(epoch_losses)`` and the deprecated
``scheduler.get_lr()[0]`` of a ``MultiStepLR`` stepped per epoch. The backbone (a ResNet in
the original) is a small strided conv stack returning ``(f, class_f)``."""

from __future__ import annotations

import numpy as np
import pytest


def pspnet(torch, nn, F, optim, data, init, path, images, masks):

    Variable = torch.autograd.Variable  # noqa: N806 - `from torch.autograd import Variable`
    n_classes = 3

    class Extractor(nn.Module):
        def __init__(self, psp_size, deep_features_size):
            super().__init__()
            self.layer1 = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1),
                                        nn.BatchNorm2d(8), nn.ReLU(inplace=True))  # fmt: skip
            self.layer2 = nn.Sequential(nn.Conv2d(8, deep_features_size, 3, stride=2, padding=1),
                                        nn.BatchNorm2d(deep_features_size), nn.ReLU(inplace=True))  # fmt: skip
            self.layer3 = nn.Sequential(nn.Conv2d(deep_features_size, psp_size, 3, stride=2,
                                                  padding=1), nn.ReLU(inplace=True))  # fmt: skip

        def forward(self, x):
            x = self.layer1(x)
            class_f = self.layer2(x)
            f = self.layer3(class_f)
            return f, class_f

    class PSPModule(nn.Module):
        def __init__(self, features, out_features=1024, sizes=(1, 2, 3, 6)):
            super().__init__()
            self.stages = []
            self.stages = nn.ModuleList([self._make_stage(features, size) for size in sizes])
            self.bottleneck = nn.Conv2d(features * (len(sizes) + 1), out_features, kernel_size=1)
            self.relu = nn.ReLU()

        def _make_stage(self, features, size):
            prior = nn.AdaptiveAvgPool2d(output_size=(size, size))
            conv = nn.Conv2d(features, features, kernel_size=1, bias=False)
            return nn.Sequential(prior, conv)

        def forward(self, feats):
            h, w = feats.size(2), feats.size(3)
            priors = [
                F.upsample(input=stage(feats), size=(h, w), mode="bilinear")
                for stage in self.stages
            ] + [feats]
            bottle = self.bottleneck(torch.cat(priors, 1))
            return self.relu(bottle)

    class PSPUpsample(nn.Module):
        def __init__(self, in_channels, out_channels):
            super().__init__()
            self.conv = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 3, padding=1),
                nn.BatchNorm2d(out_channels),
                nn.PReLU(),
            )

        def forward(self, x):
            h, w = 2 * x.size(2), 2 * x.size(3)
            p = F.upsample(input=x, size=(h, w), mode="bilinear")
            return self.conv(p)

    class PSPNet(nn.Module):
        def __init__(self, n_classes=18, sizes=(1, 2, 3, 6), psp_size=2048,
                     deep_features_size=1024):  # fmt: skip
            super().__init__()
            self.feats = Extractor(psp_size, deep_features_size)
            self.psp = PSPModule(psp_size, 16, sizes)
            self.drop_1 = nn.Dropout2d(p=0.0)
            self.up_1 = PSPUpsample(16, 8)
            self.up_2 = PSPUpsample(8, 8)
            self.up_3 = PSPUpsample(8, 8)
            self.drop_2 = nn.Dropout2d(p=0.0)
            self.final = nn.Sequential(nn.Conv2d(8, n_classes, kernel_size=1), nn.LogSoftmax())
            self.classifier = nn.Sequential(
                nn.Linear(deep_features_size, 16), nn.ReLU(), nn.Linear(16, n_classes)
            )

        def forward(self, x):
            f, class_f = self.feats(x)
            p = self.psp(f)
            p = self.drop_1(p)
            p = self.up_1(p)
            p = self.drop_2(p)
            p = self.up_2(p)
            p = self.drop_2(p)
            p = self.up_3(p)
            p = self.drop_2(p)
            auxiliary = F.adaptive_max_pool2d(input=class_f, output_size=(1, 1)).view(
                -1, class_f.size(1)
            )
            return self.final(p), self.classifier(auxiliary)

    net = init(PSPNet(n_classes=n_classes, psp_size=12, deep_features_size=10))
    optimizer = optim.Adam(net.parameters(), lr=0.01)
    scheduler = optim.lr_scheduler.MultiStepLR(optimizer, milestones=[int(x) for x in "2,3".split(",")])  # fmt: skip
    class_weights = None
    seg_criterion = nn.NLLLoss2d(weight=class_weights)
    cls_criterion = nn.BCEWithLogitsLoss(weight=class_weights)
    alpha = 0.4
    y_cls_all = torch.stack([(masks == c).flatten(1).any(1) for c in range(n_classes)], 1)
    dataset = data.TensorDataset(images, masks, y_cls_all)
    train_loader = data.DataLoader(dataset, batch_size=2, shuffle=False)
    log = []
    for epoch in range(4):
        epoch_losses = []
        net.train()
        for x, y, y_cls in train_loader:
            optimizer.zero_grad()
            x, y, y_cls = Variable(x), Variable(y), Variable(y_cls).float()
            out, out_cls = net(x)
            seg_loss, cls_loss = seg_criterion(out, y), cls_criterion(out_cls, y_cls)
            loss = seg_loss + alpha * cls_loss
            epoch_losses.append(loss.item())
            status = f"[{epoch + 1}] loss = {loss.item():0.5f} avg = {np.mean(epoch_losses):0.5f}, LR = {scheduler.get_lr()[0]:0.7f}"
            log.append(status)
            loss.backward()
            optimizer.step()
        scheduler.step()
        log.append(epoch_losses)
    return log


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_pspnet_legacy(portability):
    rng = np.random.default_rng(0)
    images = rng.standard_normal((4, 3, 16, 16))
    masks = (np.abs(images[:, :2]).sum(1) * 1.4).astype(np.int64) % 3

    def program(torch, **kw):
        return pspnet(torch, images=torch.from_numpy(images), masks=torch.from_numpy(masks), **kw)

    portability.assert_same(program, rtol=1e-7)
