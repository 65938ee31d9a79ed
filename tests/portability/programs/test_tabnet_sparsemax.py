"""TabNet's building blocks as dreamquark-ai/tabnet and the sparsemax reference code write them:
``Sparsemax`` as a ``torch.autograd.Function`` (``input.max(dim=dim, keepdim=True)`` shift,
``torch.sort(input, dim=dim, descending=True)``, ``input_srt.cumsum(dim) - 1``,
``_make_ix_like`` from ``torch.arange(1, d + 1, device=..., dtype=input.dtype)`` reshaped by
``view(view).transpose(0, dim)``, ``support = rhos * input_srt > input_cumsum``,
``support.sum(dim=dim).unsqueeze(dim)``, ``tau = input_cumsum.gather(dim, support_size - 1)``,
``torch.clamp(input - tau, min=0)``, ``ctx.save_for_backward``, a backward with
``grad_input[output == 0] = 0`` and ``v_hat.unsqueeze(dim)``) and the ``nn.Module`` form
(``zs = torch.sort(input=input, dim=dim, descending=True)[0]``, ``bound = 1 + range * zs``,
``is_gt = torch.gt(bound, cumulative_sum_zs).type(input.type())``, ``torch.max(is_gt * range,
dim, keepdim=True)[0]``); Ghost BatchNorm (``x.chunk(int(np.ceil(x.shape[0] /
self.virtual_batch_size)), 0)``, one ``BatchNorm1d(momentum=0.01)`` per chunk, ``torch.cat``),
GLU blocks (``out[:, :self.output_dim] * torch.sigmoid(out[:, self.output_dim:])``, residuals
scaled by ``torch.sqrt(torch.FloatTensor([0.5]).to(x.device))``), attentive transformers with a
``prior`` multiplied by ``(gamma - M)``, the sparsity loss ``torch.mean(torch.sum(torch.mul(M,
torch.log(M + epsilon)), dim=1))``, and the explain masks ``torch.einsum``-free
``torch.mul(M, step_importance.unsqueeze(dim=1))``."""

from __future__ import annotations

import numpy as np


def tabnet(torch, nn, F, optim, data, init, path, x, y, module_form):
    log = []

    def _make_ix_like(input, dim=0):
        d = input.size(dim)
        rho = torch.arange(1, d + 1, device=input.device, dtype=input.dtype)
        view = [1] * input.dim()
        view[0] = -1
        return rho.view(view).transpose(0, dim)

    class SparsemaxFunction(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input, dim=-1):
            ctx.dim = dim
            max_val, _ = input.max(dim=dim, keepdim=True)
            input -= max_val  # same numerical stability trick as for softmax
            tau, supp_size = SparsemaxFunction._threshold_and_support(input, dim=dim)
            output = torch.clamp(input - tau, min=0)
            ctx.save_for_backward(supp_size, output)
            return output

        @staticmethod
        def backward(ctx, grad_output):
            supp_size, output = ctx.saved_tensors
            dim = ctx.dim
            grad_input = grad_output.clone()
            grad_input[output == 0] = 0
            v_hat = grad_input.sum(dim=dim) / supp_size.to(output.dtype).squeeze()
            v_hat = v_hat.unsqueeze(dim)
            grad_input = torch.where(output != 0, grad_input - v_hat, grad_input)
            return grad_input, None

        @staticmethod
        def _threshold_and_support(input, dim=-1):
            input_srt, _ = torch.sort(input, descending=True, dim=dim)
            input_cumsum = input_srt.cumsum(dim) - 1
            rhos = _make_ix_like(input, dim)
            support = rhos * input_srt > input_cumsum
            support_size = support.sum(dim=dim).unsqueeze(dim)
            tau = input_cumsum.gather(dim, support_size - 1)
            tau /= support_size.to(input.dtype)
            return tau, support_size

    sparsemax = SparsemaxFunction.apply

    class Sparsemax(nn.Module):
        def __init__(self, dim=-1):
            super().__init__()
            self.dim = dim

        def forward(self, input):
            if module_form:
                input = input.transpose(0, self.dim)
                original_size = input.size()
                input = input.reshape(input.size(0), -1)
                input = input.transpose(0, 1)
                dim = 1
                number_of_logits = input.size(dim)
                input = input - torch.max(input, dim=dim, keepdim=True)[0].expand_as(input)
                zs = torch.sort(input=input, dim=dim, descending=True)[0]
                range = torch.arange(start=1, end=number_of_logits + 1, step=1, device=input.device, dtype=input.dtype).view(1, -1)  # fmt: skip
                range = range.expand_as(zs)
                bound = 1 + range * zs
                cumulative_sum_zs = torch.cumsum(zs, dim)
                is_gt = torch.gt(bound, cumulative_sum_zs).type(input.type())
                k = torch.max(is_gt * range, dim, keepdim=True)[0]
                zs_sparse = is_gt * zs
                taus = (torch.sum(zs_sparse, dim, keepdim=True) - 1) / k
                taus = taus.expand_as(input)
                output = torch.max(torch.zeros_like(input), input - taus)
                output = output.transpose(0, 1)
                output = output.reshape(original_size)
                return output.transpose(0, self.dim)
            return sparsemax(input, self.dim)

    class GBN(nn.Module):
        def __init__(self, input_dim, virtual_batch_size=128, momentum=0.01):
            super().__init__()
            self.input_dim = input_dim
            self.virtual_batch_size = virtual_batch_size
            self.bn = nn.BatchNorm1d(self.input_dim, momentum=momentum)

        def forward(self, x):
            chunks = x.chunk(int(np.ceil(x.shape[0] / self.virtual_batch_size)), 0)
            res = [self.bn(x_) for x_ in chunks]
            return torch.cat(res, dim=0)

    class GLU_Layer(nn.Module):
        def __init__(self, input_dim, output_dim, fc=None, virtual_batch_size=128, momentum=0.02):  # fmt: skip
            super().__init__()
            self.output_dim = output_dim
            self.fc = fc if fc else nn.Linear(input_dim, 2 * output_dim, bias=False)
            self.bn = GBN(2 * output_dim, virtual_batch_size=virtual_batch_size, momentum=momentum)  # fmt: skip

        def forward(self, x):
            x = self.fc(x)
            x = self.bn(x)
            return torch.mul(x[:, : self.output_dim], torch.sigmoid(x[:, self.output_dim :]))

    class GLU_Block(nn.Module):
        def __init__(self, input_dim, output_dim, n_glu=2, first=False, shared_layers=None, virtual_batch_size=128):  # fmt: skip
            super().__init__()
            self.first = first
            self.n_glu = n_glu
            self.glu_layers = nn.ModuleList()
            params = {"virtual_batch_size": virtual_batch_size, "momentum": 0.02}
            fc = shared_layers[0] if shared_layers else None
            self.glu_layers.append(GLU_Layer(input_dim, output_dim, fc=fc, **params))
            for glu_id in range(1, self.n_glu):
                fc = shared_layers[glu_id] if shared_layers else None
                self.glu_layers.append(GLU_Layer(output_dim, output_dim, fc=fc, **params))

        def forward(self, x):
            scale = torch.sqrt(torch.FloatTensor([0.5]).to(x.device))
            if self.first:
                x = self.glu_layers[0](x)
                layers_left = range(1, self.n_glu)
            else:
                layers_left = range(self.n_glu)
            for glu_id in layers_left:
                x = torch.add(x, self.glu_layers[glu_id](x))
                x = x * scale
            return x

    class AttentiveTransformer(nn.Module):
        def __init__(self, input_dim, group_dim, virtual_batch_size=128):
            super().__init__()
            self.fc = nn.Linear(input_dim, group_dim, bias=False)
            self.bn = GBN(group_dim, virtual_batch_size=virtual_batch_size, momentum=0.02)
            self.selector = Sparsemax(dim=-1)

        def forward(self, priors, processed_feat):
            x = self.fc(processed_feat)
            x = self.bn(x)
            x = torch.mul(x, priors)
            return self.selector(x)

    class TabNetEncoder(nn.Module):
        def __init__(self, input_dim, n_d=4, n_a=4, n_steps=3, gamma=1.3, virtual_batch_size=4):  # fmt: skip
            super().__init__()
            self.input_dim, self.n_d, self.n_a, self.n_steps, self.gamma = input_dim, n_d, n_a, n_steps, gamma  # fmt: skip
            self.epsilon = 1e-15
            self.initial_bn = nn.BatchNorm1d(self.input_dim, momentum=0.01)
            shared = nn.ModuleList([nn.Linear(input_dim, 2 * (n_d + n_a), bias=False),
                                    nn.Linear(n_d + n_a, 2 * (n_d + n_a), bias=False)])  # fmt: skip
            self.initial_splitter = GLU_Block(input_dim, n_d + n_a, first=True, shared_layers=shared, virtual_batch_size=virtual_batch_size)  # fmt: skip
            self.feat_transformers = nn.ModuleList()
            self.att_transformers = nn.ModuleList()
            for step in range(n_steps):
                self.feat_transformers.append(GLU_Block(input_dim, n_d + n_a, first=True, shared_layers=shared, virtual_batch_size=virtual_batch_size))  # fmt: skip
                self.att_transformers.append(AttentiveTransformer(n_a, input_dim, virtual_batch_size=virtual_batch_size))  # fmt: skip

        def forward(self, x, prior=None):
            x = self.initial_bn(x)
            bs = x.shape[0]
            if prior is None:
                prior = torch.ones((bs, self.input_dim)).to(x.device)
            M_loss = 0
            att = self.initial_splitter(x)[:, self.n_d :]
            steps_output = []
            for step in range(self.n_steps):
                M = self.att_transformers[step](prior, att)
                M_loss += torch.mean(torch.sum(torch.mul(M, torch.log(M + self.epsilon)), dim=1))
                prior = torch.mul(self.gamma - M, prior)
                masked_x = torch.mul(M, x)
                out = self.feat_transformers[step](masked_x)
                d = F.relu(out[:, : self.n_d])
                steps_output.append(d)
                att = out[:, self.n_d :]
            M_loss /= self.n_steps
            return steps_output, M_loss

        def forward_masks(self, x):
            x = self.initial_bn(x)
            bs = x.shape[0]
            prior = torch.ones((bs, self.input_dim)).to(x.device)
            M_explain = torch.zeros(x.shape).to(x.device)
            att = self.initial_splitter(x)[:, self.n_d :]
            masks = {}
            for step in range(self.n_steps):
                M = self.att_transformers[step](prior, att)
                masks[step] = M
                prior = torch.mul(self.gamma - M, prior)
                masked_x = torch.mul(M, x)
                out = self.feat_transformers[step](masked_x)
                d = F.relu(out[:, : self.n_d])
                step_importance = torch.sum(d, axis=1)
                M_explain += torch.mul(M, step_importance.unsqueeze(dim=1))
                att = out[:, self.n_d :]
            return M_explain, masks

    class TabNet(nn.Module):
        def __init__(self, input_dim, output_dim, n_d=4):
            super().__init__()
            self.encoder = TabNetEncoder(input_dim, n_d=n_d)
            self.final_mapping = nn.Linear(n_d, output_dim, bias=False)

        def forward(self, x):
            steps_output, M_loss = self.encoder(x)
            res = torch.sum(torch.stack(steps_output, dim=0), dim=0)
            return self.final_mapping(res), M_loss

    model = init(TabNet(6, 3))
    opt = optim.Adam(model.parameters(), lr=2e-2)
    X, Y = torch.tensor(x), torch.tensor(y)
    loader = data.DataLoader(data.TensorDataset(X, Y), batch_size=8, shuffle=False, drop_last=True)
    lambda_sparse = 1e-3
    model.train()
    for epoch in range(3):
        for xb, yb in loader:
            output, M_loss = model(xb)
            loss = F.cross_entropy(output, yb) - lambda_sparse * M_loss
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            log.append([loss.item(), M_loss.item()])
    model.eval()
    with torch.no_grad():
        M_explain, masks = model.encoder.forward_masks(X)
        feature_importances = M_explain.sum(dim=0).numpy()
        feature_importances = feature_importances / np.sum(feature_importances)
        log.append(feature_importances.tolist())
        log.append([(m == 0).sum().item() for m in masks.values()])
        log.append([m.sum(dim=1).mean().item() for m in masks.values()])
    # sparsemax itself: values and gradient against a finite check of the simplex property
    z = torch.tensor([[1.5, 0.3, -0.2, 1.4], [0.1, 0.1, 0.1, 0.1]], requires_grad=True)
    p = Sparsemax(dim=-1)(z)
    (p * torch.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    log.append([p.detach().flatten().tolist(), z.grad.flatten().tolist()])
    return log


def _data():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((24, 6))
    y = (x[:, 0] + x[:, 2] > 0).astype(np.int64) + (x[:, 4] > 1).astype(np.int64)
    return x, y


def test_tabnet_sparsemax_function(portability):
    x, y = _data()
    portability.assert_same(tabnet, rtol=1e-7, x=x, y=y, module_form=False)


def test_tabnet_sparsemax_module(portability):
    x, y = _data()
    portability.assert_same(tabnet, rtol=1e-7, x=x, y=y, module_form=True)
