""" "Learning PyTorch with Examples": fitting sin(x) with a third-order polynomial — manual
gradients on tensors, autograd with ``a -= lr * a.grad`` under ``no_grad``, a custom
``autograd.Function`` (Legendre P3), ``nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))`` on
``x.unsqueeze(-1).pow(p)``, the manual parameter update loop, RMSprop, and a custom module
with scalar ``nn.Parameter``s."""

from __future__ import annotations

import math


def polynomial(torch, nn, F, optim, data, init, path):
    log = []
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    # tensors: manual gradients
    a, b, c, d = (torch.randn(()) for _ in range(4))
    learning_rate = 1e-6
    for t in range(30):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum().item()
        log.append(loss)
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = (grad_y_pred * x).sum()
        grad_c = (grad_y_pred * x**2).sum()
        grad_d = (grad_y_pred * x**3).sum()
        a -= learning_rate * grad_a
        b -= learning_rate * grad_b
        c -= learning_rate * grad_c
        d -= learning_rate * grad_d
    log.append([a.item(), b.item(), c.item(), d.item()])

    # autograd
    dtype = torch.float
    a = torch.randn((), dtype=dtype, requires_grad=True)
    b = torch.randn((), dtype=dtype, requires_grad=True)
    c = torch.randn((), dtype=dtype, requires_grad=True)
    d = torch.randn((), dtype=dtype, requires_grad=True)
    for t in range(30):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        log.append(loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    log.append([a.item(), b.item(), c.item(), d.item()])

    # a custom autograd Function
    class LegendrePolynomial3(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input**3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input**2 - 1)

    a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, dtype=dtype, requires_grad=True)
    learning_rate = 5e-6
    for t in range(30):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        log.append(loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None

    # nn
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    log.append([list(xx.shape), xx.dtype == x.dtype])
    model = init(torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1)))
    loss_fn = torch.nn.MSELoss(reduction="sum")
    learning_rate = 1e-6
    for t in range(30):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        log.append(loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    linear_layer = model[0]
    log.append(
        [
            linear_layer.bias.item(),
            linear_layer.weight[:, 0].item(),
            linear_layer.weight[:, 1].item(),
            linear_layer.weight[:, 2].item(),
        ]  # fmt: skip
    )

    # optim
    model = init(torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1)))
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    for t in range(30):
        loss = loss_fn(model(xx), y)
        log.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    # custom nn.Module
    class Polynomial3(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.randn(()))
            self.b = torch.nn.Parameter(torch.randn(()))
            self.c = torch.nn.Parameter(torch.randn(()))
            self.d = torch.nn.Parameter(torch.randn(()))

        def forward(self, x):
            return self.a + self.b * x + self.c * x**2 + self.d * x**3

        def string(self):
            return f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3"

    model = init(Polynomial3())
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
    for t in range(30):
        loss = criterion(model(x), y)
        log.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    log.append([model.a.item(), model.b.item(), model.c.item(), model.d.item()])
    log.append([n for n, _ in model.named_parameters()])
    return log


def test_polynomial(portability):
    portability.assert_same(polynomial, dtype="float32", rtol=1e-4)
