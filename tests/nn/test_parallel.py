"""nn.DataParallel (PyTorch's top-level name of nn.parallel.DataParallel): a wrapper whose
forward calls the module, with ``.module`` and PyTorch's ``module.``-prefixed state dict."""

from __future__ import annotations

import numpy as np

import deepgrad as dg
from deepgrad import nn


def test_data_parallel_at_torchs_path(torch):
    assert nn.DataParallel is nn.parallel.DataParallel
    inner = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    net = nn.DataParallel(inner, device_ids=None, output_device=None, dim=0)
    tinner = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    tnet = torch.nn.DataParallel(tinner)
    assert net.module is inner and tnet.module is tinner
    assert list(net.state_dict()) == list(tnet.state_dict())
    assert repr(net) == repr(tnet)
    tnet.load_state_dict({k: torch.tensor(v.numpy()) for k, v in net.state_dict().items()})
    x = np.linspace(-1, 1, 15).reshape(5, 3).astype("float32")
    np.testing.assert_allclose(
        net(dg.tensor(x)).detach().numpy(), tnet(torch.tensor(x)).detach().numpy(), rtol=1e-6
    )
    net.module.load_state_dict(inner.state_dict())  # the usual unwrapping
    assert isinstance(net, nn.Module) and list(net.parameters())[0] is inner[0].weight
