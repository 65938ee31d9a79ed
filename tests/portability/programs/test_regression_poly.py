"""The official regression example (pytorch/examples regression/main.py): a ``Linear`` fitted to
a degree-4 polynomial on ``make_features`` (``torch.cat([x ** i ...], 1)``), ``f`` through
``x.mm(W_target) + b_target.item()``, ``fc.zero_grad()``, ``F.smooth_l1_loss``, the manual
update ``param.data.add_(-0.1 * param.grad)`` under ``itertools.count``, and ``poly_desc``
formatting 0-d tensors with ``'{:+.2f}'.format(w)``."""

from __future__ import annotations

from itertools import count


def regression(torch, nn, F, optim, data, init, path):
    POLY_DEGREE = 4
    W_target = torch.randn(POLY_DEGREE, 1) * 5
    b_target = torch.randn(1) * 5

    def make_features(x):
        """Builds features i.e. a matrix with columns [x, x^2, x^3, x^4]."""
        x = x.unsqueeze(1)
        return torch.cat([x**i for i in range(1, POLY_DEGREE + 1)], 1)

    def f(x):
        """Approximated function."""
        return x.mm(W_target) + b_target.item()

    def poly_desc(W, b):
        """Creates a string description of a polynomial."""
        result = "y = "
        for i, w in enumerate(W):
            result += "{:+.2f}x^{} ".format(w, i + 1)  # noqa: UP032
        result += "{:+.2f}".format(b[0])  # noqa: UP032
        return result

    def get_batch(batch_size=32):
        """Builds a batch i.e. (x, f(x)) pair."""
        random = torch.randn(batch_size)
        x = make_features(random)
        y = f(x)
        return x, y

    log = []
    fc = init(torch.nn.Linear(W_target.size(0), 1))
    for batch_idx in count(1):
        batch_x, batch_y = get_batch()
        fc.zero_grad()
        output = F.smooth_l1_loss(fc(batch_x), batch_y)
        loss = output.item()
        output.backward()
        for param in fc.parameters():
            param.data.add_(-0.1 * param.grad)
        log.append(loss)
        if loss < 1e-3 or batch_idx == 40:
            break
    log.append("Loss: {:.6f} after {} batches".format(loss, batch_idx))  # noqa: UP032
    log.append("==> Learned function:\t" + poly_desc(fc.weight.view(-1), fc.bias))
    log.append("==> Actual function:\t" + poly_desc(W_target.view(-1), b_target))
    return log


def test_regression_poly(portability):
    portability.assert_same(regression)
