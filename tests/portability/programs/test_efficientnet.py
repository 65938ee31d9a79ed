"""EfficientNet's MBConv blocks as lukemelas/EfficientNet-PyTorch writes them: ``bn_mom = 1 -
batch_norm_momentum`` (0.01) and ``eps=1e-3`` BatchNorms, ``Conv2dDynamicSamePadding``
(TensorFlow "SAME" padding computed in ``forward`` with ``math.ceil`` and applied with
``F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])``) and
``Conv2dStaticSamePadding`` (an ``nn.ZeroPad2d`` built in ``__init__``), depthwise convs
(``groups=oup``) with stride 2 on odd sizes, squeeze-and-excitation (``F.adaptive_avg_pool2d(x,
1)``, reduce/expand 1x1 convs, ``torch.sigmoid(x_squeezed) * x``), ``MemoryEfficientSwish``
(a ``torch.autograd.Function`` with ``ctx.save_for_backward`` and a hand-written backward)
swapped for ``nn.SiLU`` through ``set_swish``, ``drop_connect`` (``keep_prob + torch.rand([
batch_size, 1, 1, 1], ...)``, ``torch.floor``, ``inputs / keep_prob * binary_tensor``),
``round_filters``/``round_repeats`` with ``math.floor``/``math.ceil``, an ``_swish`` head,
``flatten(start_dim=1)``; RMSprop with TF-like ``eps``/``momentum``/``alpha`` and a
``StepLR`` whose ``gamma`` is ``0.97``, then eval() with the running statistics."""

from __future__ import annotations

import math

import numpy as np


def efficientnet_program(torch, nn, F, optim, data, init, path, images, labels, swish, dynamic):
    log = []
    bn_mom, bn_eps = 1 - 0.99, 1e-3

    class SwishImplementation(torch.autograd.Function):
        @staticmethod
        def forward(ctx, i):
            result = i * torch.sigmoid(i)
            ctx.save_for_backward(i)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            i = ctx.saved_tensors[0]
            sigmoid_i = torch.sigmoid(i)
            return grad_output * (sigmoid_i * (1 + i * (1 - sigmoid_i)))

    class MemoryEfficientSwish(nn.Module):
        def forward(self, x):
            return SwishImplementation.apply(x)

    class Swish(nn.Module):
        def forward(self, x):
            return x * torch.sigmoid(x)

    class Conv2dDynamicSamePadding(nn.Conv2d):
        def __init__(self, in_channels, out_channels, kernel_size, stride=1, dilation=1, groups=1, bias=True):  # fmt: skip
            super().__init__(in_channels, out_channels, kernel_size, stride, 0, dilation, groups, bias)  # fmt: skip
            self.stride = self.stride if len(self.stride) == 2 else [self.stride[0]] * 2

        def forward(self, x):
            ih, iw = x.size()[-2:]
            kh, kw = self.weight.size()[-2:]
            sh, sw = self.stride
            oh, ow = math.ceil(ih / sh), math.ceil(iw / sw)
            pad_h = max((oh - 1) * self.stride[0] + (kh - 1) * self.dilation[0] + 1 - ih, 0)
            pad_w = max((ow - 1) * self.stride[1] + (kw - 1) * self.dilation[1] + 1 - iw, 0)
            if pad_h > 0 or pad_w > 0:
                x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
            return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)  # fmt: skip

    class Conv2dStaticSamePadding(nn.Conv2d):
        def __init__(self, in_channels, out_channels, kernel_size, stride=1, image_size=None, **kwargs):  # fmt: skip
            super().__init__(in_channels, out_channels, kernel_size, stride, **kwargs)
            self.stride = self.stride if len(self.stride) == 2 else [self.stride[0]] * 2
            ih, iw = (image_size, image_size) if isinstance(image_size, int) else image_size
            kh, kw = self.weight.size()[-2:]
            sh, sw = self.stride
            oh, ow = math.ceil(ih / sh), math.ceil(iw / sw)
            pad_h = max((oh - 1) * self.stride[0] + (kh - 1) * self.dilation[0] + 1 - ih, 0)
            pad_w = max((ow - 1) * self.stride[1] + (kw - 1) * self.dilation[1] + 1 - iw, 0)
            if pad_h > 0 or pad_w > 0:
                self.static_padding = nn.ZeroPad2d((pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2))  # fmt: skip
            else:
                self.static_padding = nn.Identity()

        def forward(self, x):
            x = self.static_padding(x)
            return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)  # fmt: skip

    def get_same_padding_conv2d(image_size=None):
        if dynamic:
            return Conv2dDynamicSamePadding
        return lambda *a, **k: Conv2dStaticSamePadding(*a, image_size=image_size, **k)

    def calculate_output_image_size(input_image_size, stride):
        stride = stride if isinstance(stride, int) else stride[0]
        return int(math.ceil(input_image_size / stride))

    def drop_connect(inputs, p, training):
        assert 0 <= p <= 1, "p must be in range of [0,1]"
        if not training:
            return inputs
        batch_size = inputs.shape[0]
        keep_prob = 1 - p
        random_tensor = keep_prob
        random_tensor += torch.rand([batch_size, 1, 1, 1], dtype=inputs.dtype, device=inputs.device)
        binary_tensor = torch.floor(random_tensor)
        return inputs / keep_prob * binary_tensor

    def round_filters(filters, width_coefficient=1.1, depth_divisor=4):
        filters *= width_coefficient
        new_filters = max(depth_divisor, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor)  # fmt: skip
        if new_filters < 0.9 * filters:  # prevent rounding by more than 10%
            new_filters += depth_divisor
        return int(new_filters)

    def round_repeats(repeats, depth_coefficient=1.2):
        return int(math.ceil(depth_coefficient * repeats))

    class MBConvBlock(nn.Module):
        def __init__(self, inp, oup_final, expand_ratio, kernel_size, stride, se_ratio, image_size):
            super().__init__()
            self.id_skip = True
            self.stride, self.inp, self.oup_final = stride, inp, oup_final
            self.expand_ratio = expand_ratio
            oup = inp * expand_ratio
            if expand_ratio != 1:
                Conv2d = get_same_padding_conv2d(image_size=image_size)
                self._expand_conv = Conv2d(in_channels=inp, out_channels=oup, kernel_size=1, bias=False)  # fmt: skip
                self._bn0 = nn.BatchNorm2d(num_features=oup, momentum=bn_mom, eps=bn_eps)
            Conv2d = get_same_padding_conv2d(image_size=image_size)
            self._depthwise_conv = Conv2d(in_channels=oup, out_channels=oup, groups=oup,
                                          kernel_size=kernel_size, stride=stride, bias=False)  # fmt: skip
            self._bn1 = nn.BatchNorm2d(num_features=oup, momentum=bn_mom, eps=bn_eps)
            image_size = calculate_output_image_size(image_size, stride)
            self.has_se = se_ratio is not None and 0 < se_ratio <= 1
            if self.has_se:
                Conv2d = get_same_padding_conv2d(image_size=(1, 1))
                num_squeezed_channels = max(1, int(inp * se_ratio))
                self._se_reduce = Conv2d(in_channels=oup, out_channels=num_squeezed_channels, kernel_size=1)  # fmt: skip
                self._se_expand = Conv2d(in_channels=num_squeezed_channels, out_channels=oup, kernel_size=1)  # fmt: skip
            Conv2d = get_same_padding_conv2d(image_size=image_size)
            self._project_conv = Conv2d(in_channels=oup, out_channels=oup_final, kernel_size=1, bias=False)  # fmt: skip
            self._bn2 = nn.BatchNorm2d(num_features=oup_final, momentum=bn_mom, eps=bn_eps)
            self._swish = MemoryEfficientSwish()

        def forward(self, inputs, drop_connect_rate=None):
            x = inputs
            if self.expand_ratio != 1:
                x = self._expand_conv(inputs)
                x = self._bn0(x)
                x = self._swish(x)
            x = self._depthwise_conv(x)
            x = self._bn1(x)
            x = self._swish(x)
            if self.has_se:
                x_squeezed = F.adaptive_avg_pool2d(x, 1)
                x_squeezed = self._se_reduce(x_squeezed)
                x_squeezed = self._swish(x_squeezed)
                x_squeezed = self._se_expand(x_squeezed)
                x = torch.sigmoid(x_squeezed) * x
            x = self._project_conv(x)
            x = self._bn2(x)
            if self.id_skip and self.stride == 1 and self.inp == self.oup_final:
                if drop_connect_rate:
                    x = drop_connect(x, p=drop_connect_rate, training=self.training)
                x = x + inputs  # skip connection
            return x

        def set_swish(self, memory_efficient=True):
            self._swish = MemoryEfficientSwish() if memory_efficient else Swish()

    class TinyEfficientNet(nn.Module):
        def __init__(self, image_size=9, num_classes=3, drop_connect_rate=0.2):
            super().__init__()
            self.drop_connect_rate = drop_connect_rate
            Conv2d = get_same_padding_conv2d(image_size=image_size)
            out_channels = round_filters(8)
            self._conv_stem = Conv2d(3, out_channels, kernel_size=3, stride=2, bias=False)
            self._bn0 = nn.BatchNorm2d(num_features=out_channels, momentum=bn_mom, eps=bn_eps)
            image_size = calculate_output_image_size(image_size, 2)
            self._blocks = nn.ModuleList([])
            specs = [(out_channels, out_channels, 1, 3, 1), (out_channels, 12, 2, 3, 2)]
            for inp, oup, expand, k, s in specs:
                for r in range(round_repeats(1)):
                    self._blocks.append(MBConvBlock(inp if r == 0 else oup, oup, expand, k,
                                                    s if r == 0 else 1, 0.25, image_size))  # fmt: skip
                    image_size = calculate_output_image_size(image_size, s if r == 0 else 1)
            Conv2d = get_same_padding_conv2d(image_size=image_size)
            self._conv_head = Conv2d(12, 16, kernel_size=1, bias=False)
            self._bn1 = nn.BatchNorm2d(num_features=16, momentum=bn_mom, eps=bn_eps)
            self._avg_pooling = nn.AdaptiveAvgPool2d(1)
            self._dropout = nn.Dropout(0.0)
            self._fc = nn.Linear(16, num_classes)
            self._swish = MemoryEfficientSwish()

        def set_swish(self, memory_efficient=True):
            self._swish = MemoryEfficientSwish() if memory_efficient else nn.SiLU()
            for block in self._blocks:
                block.set_swish(memory_efficient)

        def forward(self, inputs):
            x = self._swish(self._bn0(self._conv_stem(inputs)))
            for idx, block in enumerate(self._blocks):
                drop_connect_rate = self.drop_connect_rate
                if drop_connect_rate:
                    drop_connect_rate *= float(idx) / len(self._blocks)
                x = block(x, drop_connect_rate=drop_connect_rate)
            x = self._swish(self._bn1(self._conv_head(x)))
            x = self._avg_pooling(x)
            x = x.flatten(start_dim=1)
            x = self._dropout(x)
            return self._fc(x)

    model = init(TinyEfficientNet())
    model.set_swish(memory_efficient=swish == "memory_efficient")
    log.append([len(model._blocks), model._conv_stem.out_channels, type(model._swish).__name__])
    optimizer = optim.RMSprop(model.parameters(), lr=0.01, alpha=0.9, eps=1e-3, momentum=0.9, weight_decay=1e-5)  # fmt: skip
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.97)
    x, y = torch.tensor(images), torch.tensor(labels)
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=4)
    for epoch in range(3):
        model.train()
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            log.append([loss.item(), model._blocks[0]._depthwise_conv.weight.grad.norm().item()])
        scheduler.step()
    model.eval()
    with torch.no_grad():
        out = model(x)
    log.append([out.sum().item(), model._bn0.running_mean.sum().item(),
                model._blocks[-1]._bn2.running_var.sum().item(),
                model._bn1.num_batches_tracked.item(), scheduler.get_last_lr()[0]])  # fmt: skip
    return log


def _data():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 12)
    images = rng.standard_normal((12, 3, 9, 9)) + labels[:, None, None, None] * 0.3
    return images, labels


def test_efficientnet_memory_efficient_swish_dynamic_padding(portability):
    images, labels = _data()
    portability.assert_same(efficientnet_program, rtol=1e-8, images=images, labels=labels,
                            swish="memory_efficient", dynamic=True)  # fmt: skip


def test_efficientnet_silu_static_padding(portability):
    images, labels = _data()
    portability.assert_same(efficientnet_program, rtol=1e-8, images=images, labels=labels,
                            swish="silu", dynamic=False)  # fmt: skip
