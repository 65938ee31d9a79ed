"""The "Extending PyTorch" / "Double Backward with Custom Functions" docs' autograd Functions
and a GAN loop that keeps its generator's graph, as blog posts write them. Functions: an
in-place ReLU (``input.clamp_(min=0)``, ``ctx.mark_dirty(input)``, the output saved with
``ctx.save_for_backward``, returned as the same tensor: ``y is h`` and ``h.grad_fn`` becomes
the function's node, so reading ``h`` afterwards goes through its backward);
``LinearFunction`` (``input.mm(weight.t())``, ``bias.unsqueeze(0).expand_as(output)``,
``ctx.needs_input_grad`` deciding which gradients to compute) wrapped in a ``Module`` with
``weight.data.uniform_``, checked by ``torch.autograd.gradcheck``; ``MulConstant`` with a
non-tensor argument (``return grad_output * ctx.constant, None``); the PyTorch 2 form with
``setup_context(ctx, inputs, output)``; a gradient-reversal layer (DANN's ``x.view_as(x)``,
``grad_output.neg() * ctx.alpha``); a straight-through ``round`` with
``ctx.set_materialize_grads(False)`` and an argmax output under ``ctx.mark_non_differentiable``.
GAN: the DCGAN loop on 2-D data where the discriminator's fake loss is not detached
(``errD_fake.backward(retain_graph=True)``, generator gradients zeroed by ``netG.zero_grad()``
afterwards), then ``output = netD(fake)`` recomputed for the generator step through the
retained generator graph; the common mistake of reusing the old ``output`` after
``optimizerD.step()`` raises in both libraries (logged as the exception's type); and a second
``backward`` of a freed graph raising too."""

from __future__ import annotations

import numpy as np


def functions_and_gan(torch, nn, F, optim, data, init, path, x, y, real):
    log = []
    X, Y = torch.tensor(x), torch.tensor(y)

    class InplaceReLU(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            input.clamp_(min=0)
            ctx.mark_dirty(input)
            ctx.save_for_backward(input)
            return input

        @staticmethod
        def backward(ctx, grad_output):
            (output,) = ctx.saved_tensors
            return grad_output * (output > 0).to(grad_output.dtype)

    class LinearFunction(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input, weight, bias=None):
            ctx.save_for_backward(input, weight, bias)
            output = input.mm(weight.t())
            if bias is not None:
                output += bias.unsqueeze(0).expand_as(output)
            return output

        @staticmethod
        def backward(ctx, grad_output):
            input, weight, bias = ctx.saved_tensors
            grad_input = grad_weight = grad_bias = None
            if ctx.needs_input_grad[0]:
                grad_input = grad_output.mm(weight)
            if ctx.needs_input_grad[1]:
                grad_weight = grad_output.t().mm(input)
            if bias is not None and ctx.needs_input_grad[2]:
                grad_bias = grad_output.sum(0)
            return grad_input, grad_weight, grad_bias

    class MyLinear(nn.Module):
        def __init__(self, input_features, output_features, bias=True):
            super().__init__()
            self.weight = nn.Parameter(torch.empty(output_features, input_features))
            if bias:
                self.bias = nn.Parameter(torch.empty(output_features))
            else:
                self.register_parameter("bias", None)
            self.weight.data.uniform_(-0.1, 0.1)
            if self.bias is not None:
                self.bias.data.uniform_(-0.1, 0.1)

        def forward(self, input):
            return LinearFunction.apply(input, self.weight, self.bias)

    class MulConstant(torch.autograd.Function):
        @staticmethod
        def forward(ctx, tensor, constant):
            ctx.constant = constant
            return tensor * constant

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.constant, None

    class Exp(torch.autograd.Function):
        @staticmethod
        def forward(x):
            return x.exp()

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(output)

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result

    class GradReverse(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, alpha):
            ctx.alpha = alpha
            return x.view_as(x)

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output.neg() * ctx.alpha, None

    class RoundSTE(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            idx = x.argmax(dim=1)
            ctx.mark_non_differentiable(idx)
            return torch.round(x), idx

        @staticmethod
        def backward(ctx, grad_out, grad_idx):
            if grad_out is None:
                return None
            return grad_out.clone()

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = MyLinear(5, 12)
            self.fc2 = nn.Linear(12, 3)
            self.domain = nn.Linear(12, 2)

        def forward(self, x):
            h = self.fc1(x)
            y = InplaceReLU.apply(h)
            return self.fc2(MulConstant.apply(h, 0.5)), self.domain(GradReverse.apply(y, 0.3)), y is h  # fmt: skip

    net = init(Net())
    opt = optim.SGD(net.parameters(), lr=0.2, momentum=0.5)
    dom = (X[:, 0] > 0).long()
    for step in range(6):
        opt.zero_grad()
        out, d, same = net(X)
        loss = F.cross_entropy(out, Y) + F.cross_entropy(d, dom)
        loss.backward()
        opt.step()
        log.append([loss.item(), same, net.fc1.weight.grad.abs().sum().item(),
                    net.domain.weight.grad.abs().sum().item()])  # fmt: skip
    h = net.fc1(X)
    y = InplaceReLU.apply(h)
    log.append([type(h.grad_fn).__name__, y is h, h.min().item()])
    h.sum().backward()
    log.append(net.fc1.bias.grad.tolist())

    inp = torch.randn(6, 4, dtype=torch.double, requires_grad=True)
    w = torch.randn(3, 4, dtype=torch.double, requires_grad=True)
    b = torch.randn(3, dtype=torch.double, requires_grad=True)
    log.append(torch.autograd.gradcheck(LinearFunction.apply, (inp, w, b), eps=1e-6, atol=1e-4))
    log.append(torch.autograd.gradcheck(Exp.apply, (inp,), eps=1e-6, atol=1e-4))
    z = Exp.apply(inp)
    gi, gw = torch.autograd.grad(LinearFunction.apply(z, w).pow(2).sum(), (inp, w))
    log.append([gi.sum().item(), gw.sum().item()])
    r, idx = RoundSTE.apply(inp * 3)
    log.append([idx.requires_grad, r.requires_grad, idx.tolist()])
    (g,) = torch.autograd.grad(r.sum(), inp)
    log.append(g.sum().item())

    # GAN with a retained generator graph
    R = torch.tensor(real)
    netG = init(nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 2)))
    netD = init(nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1), nn.Sigmoid()))  # fmt: skip
    criterion = nn.BCELoss()
    optimizerD = optim.Adam(netD.parameters(), lr=2e-3, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=2e-3, betas=(0.5, 0.999))
    real_label, fake_label = 1.0, 0.0
    for i in range(8):
        b_size = R.size(0)
        netD.zero_grad()
        label = torch.full((b_size,), real_label, dtype=torch.float64)
        output = netD(R).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()
        noise = torch.randn(b_size, 3)
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward(retain_graph=True)
        g_leak = netG[0].weight.grad.abs().sum().item()
        optimizerD.step()
        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        optimizerG.step()
        log.append([errD_real.item() + errD_fake.item(), errG.item(), D_x, g_leak > 0])

    # reusing the discriminator's output after its step, and a freed graph
    fake = netG(torch.randn(4, 3))
    output = netD(fake).view(-1)
    errD = criterion(output, torch.zeros(4))
    errD.backward(retain_graph=True)
    optimizerD.step()
    errG = criterion(output, torch.ones(4))
    try:
        errG.backward()
        log.append("no error")
    except RuntimeError as e:
        log.append(type(e).__name__)
    loss = netG(torch.randn(4, 3)).pow(2).sum()
    loss.backward()
    try:
        loss.backward()
        log.append("no error")
    except RuntimeError as e:
        log.append(type(e).__name__)
    return log


def test_custom_function_gan_retain(portability):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((24, 5))
    y = (x[:, :3]).argmax(1).tolist()
    real = rng.standard_normal((16, 2)) * 0.5 + np.array([1.0, -1.0])
    portability.assert_same(functions_and_gan, rtol=1e-9, x=x, y=y, real=real)
