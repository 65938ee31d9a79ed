"""torchvision-layout ResNet-18 and VGG: a state dict made with plain torch (the architecture
written here the way torchvision writes it: torchvision itself is not installed), saved as
safetensors, loads into deepgrad's model by name and gives the same outputs."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import models

torch = pytest.importorskip("torch")
tnn = torch.nn
save_file = pytest.importorskip("safetensors.torch").save_file


class TorchBasicBlock(tnn.Module):
    def __init__(self, cin, c, stride=1):
        super().__init__()
        self.conv1 = tnn.Conv2d(cin, c, 3, stride, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(c)
        self.relu = tnn.ReLU(inplace=True)
        self.conv2 = tnn.Conv2d(c, c, 3, 1, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(c)
        self.downsample = None
        if stride != 1 or cin != c:
            self.downsample = tnn.Sequential(
                tnn.Conv2d(cin, c, 1, stride, bias=False), tnn.BatchNorm2d(c)
            )

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class TorchResNet18(tnn.Module):
    """torchvision.models.resnet18, written out."""

    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = tnn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = tnn.BatchNorm2d(64)
        self.relu = tnn.ReLU(inplace=True)
        self.maxpool = tnn.MaxPool2d(3, 2, 1)
        c = 64
        for i, w in enumerate((64, 128, 256, 512)):
            s = 1 if i == 0 else 2
            setattr(
                self,
                f"layer{i + 1}",
                tnn.Sequential(TorchBasicBlock(c, w, s), TorchBasicBlock(w, w)),
            )
            c = w
        self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
        self.fc = tnn.Linear(512, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def torch_vgg(cfg, num_classes, batch_norm, hidden):
    """torchvision.models.vgg's make_layers + VGG, written out."""
    layers, c = [], 3
    for v in cfg:
        if v == "M":
            layers.append(tnn.MaxPool2d(2, 2))
        else:
            layers.append(tnn.Conv2d(c, v, 3, padding=1))
            if batch_norm:
                layers.append(tnn.BatchNorm2d(v))
            layers.append(tnn.ReLU(inplace=True))
            c = v
    m = tnn.Module()
    m.features = tnn.Sequential(*layers)
    m.avgpool = tnn.AdaptiveAvgPool2d((7, 7))
    m.classifier = tnn.Sequential(
        tnn.Linear(c * 49, hidden), tnn.ReLU(True), tnn.Dropout(),
        tnn.Linear(hidden, hidden), tnn.ReLU(True), tnn.Dropout(),
        tnn.Linear(hidden, num_classes),
    )  # fmt: skip
    m.forward = lambda x: m.classifier(torch.flatten(m.avgpool(m.features(x)), 1))
    return m


def _randomize_bn(model):
    """Running statistics away from (0, 1), so that eval mode really tests them."""
    g = torch.Generator().manual_seed(0)
    for mod in model.modules():
        if isinstance(mod, tnn.BatchNorm2d):
            mod.running_mean.copy_(torch.randn(mod.num_features, generator=g) * 0.1)
            mod.running_var.copy_(torch.rand(mod.num_features, generator=g) + 0.5)
            mod.weight.data.copy_(torch.rand(mod.num_features, generator=g) + 0.5)
            mod.bias.data.copy_(torch.randn(mod.num_features, generator=g) * 0.1)
            mod.num_batches_tracked.fill_(7)


def _save(model, path):
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return path


def _compare(tmodel, dmodel, x, path):
    tmodel.eval()
    models.load_pretrained(dmodel, _save(tmodel, path))
    dmodel.eval()
    with torch.no_grad():
        want = tmodel(torch.from_numpy(x)).numpy()
    with dg.no_grad():
        got = dmodel(dg.tensor(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@torch.no_grad()
def test_resnet18_from_a_torch_state_dict_in_safetensors(tmp_path):
    torch.manual_seed(0)
    tmodel = TorchResNet18(num_classes=10)
    _randomize_bn(tmodel)
    dmodel = models.resnet18(num_classes=10)
    assert list(dmodel.state_dict()) == list(tmodel.state_dict())  # torchvision's keys
    for k, v in tmodel.state_dict().items():
        assert tuple(dmodel.state_dict()[k].shape) == tuple(v.shape), k
    x = np.random.default_rng(0).normal(size=(2, 3, 32, 32)).astype(np.float32)
    _compare(tmodel, dmodel, x, tmp_path / "resnet18.safetensors")
    assert int(dmodel.bn1.num_batches_tracked.numpy()) == 7


@torch.no_grad()
@pytest.mark.parametrize("batch_norm", [False, True])
def test_vgg_from_a_torch_state_dict_in_safetensors(tmp_path, batch_norm):
    torch.manual_seed(1)
    cfg = [8, "M", 16, "M", 16, 16, "M"]  # a narrow VGG of the same construction
    tmodel = torch_vgg(cfg, 5, batch_norm, hidden=32)
    if batch_norm:
        _randomize_bn(tmodel)
    dmodel = models.ImageNetVGG(cfg, 5, batch_norm=batch_norm, hidden=32)
    assert list(dmodel.state_dict()) == list(tmodel.state_dict())
    x = np.random.default_rng(1).normal(size=(2, 3, 40, 40)).astype(np.float32)
    _compare(tmodel, dmodel, x, tmp_path / "vgg.safetensors")


def test_vgg16_has_torchvisions_keys_and_sizes():
    m = models.ImageNetVGG("vgg16", hidden=8)  # torchvision's, with a narrow classifier
    sd = m.state_dict()
    assert "features.28.weight" in sd and tuple(sd["classifier.0.weight"].shape) == (8, 25088)
    conv = sum(v.numel() for k, v in sd.items() if k.startswith("features."))
    assert conv == 14714688  # the convolutions of torchvision's vgg16
    bn = models.ImageNetVGG("vgg11", batch_norm=True, hidden=8).state_dict()
    assert "features.1.running_var" in bn and "features.4.weight" in bn


def test_mismatched_files_and_pickles_are_refused(tmp_path):
    model = models.ImageNetVGG([4, "M"], 3, hidden=8)
    bad = {k: torch.zeros(tuple(v.shape)) for k, v in model.state_dict().items()}
    bad["features.0.weights"] = bad.pop("features.0.weight")
    save_file(bad, str(tmp_path / "bad.safetensors"))
    with pytest.raises(KeyError, match="nearest in the file: 'features.0.weights'"):
        models.load_pretrained(model, tmp_path / "bad.safetensors")
    torch.save({"a": torch.zeros(2)}, tmp_path / "w.pt")
    with pytest.raises(ValueError, match="never unpickles"):
        models.load_pretrained(model, tmp_path / "w.pt")
    shape = {k: torch.zeros(tuple(v.shape)) for k, v in model.state_dict().items()}
    shape["classifier.6.bias"] = torch.zeros(4)
    save_file(shape, str(tmp_path / "shape.safetensors"))
    with pytest.raises(ValueError, match="classifier.6.bias"):
        models.load_pretrained(model, tmp_path / "shape.safetensors")
    with pytest.raises(FileNotFoundError):
        models.load_pretrained(model, tmp_path / "none.safetensors")
    data = (tmp_path / "shape.safetensors").read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(data[: len(data) - 8])  # truncated
    with pytest.raises(ValueError, match="cut.safetensors"):
        models.load_pretrained(model, tmp_path / "cut.safetensors")
