"""The ``torch.func`` tutorials as pytorch.org writes them: *Model ensembling*
(``params, buffers = torch.func.stack_module_state(models)``, ``base_model =
copy.deepcopy(models[0])``, ``fmodel(params, buffers, x)`` as ``functional_call(base_model,
(params, buffers), (x,))``, ``vmap(fmodel, in_dims=(0, 0, None))`` for one minibatch for all
models and ``vmap(fmodel)`` for one minibatch per model, checked against the models' own
outputs with ``torch.testing.assert_close``; the stacked parameters trained as leaves by an
optimizer), *Per-sample gradients* (``{k: v.detach() for k, v in model.named_parameters()}``,
``compute_loss`` with ``batch = sample.unsqueeze(0)``, ``ft_compute_grad = grad(compute_loss)``,
``vmap(ft_compute_grad, in_dims=(None, None, 0, 0))``, compared with the loop over samples),
and a hypernetwork whose generated weights are passed to ``functional_call`` (the weights of a
target ``nn.Linear`` stack made by ``hyper(z).split(sizes)`` and ``.view``)."""

from __future__ import annotations

import copy

import numpy as np


def ensembling(torch, nn, F, optim, data, init, path, x, y):
    log = []
    # (``from torch.func import ...`` in the tutorials: attributes here, so the run under
    # deepgrad reads deepgrad.func)
    functional_call, grad, vmap = torch.func.functional_call, torch.func.grad, torch.func.vmap
    stack_module_state = torch.func.stack_module_state

    class SimpleMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(6, 8)
            self.fc2 = nn.Linear(8, 3)

        def forward(self, x):
            x = x.flatten(1)
            x = self.fc1(x)
            x = F.relu(x)
            return self.fc2(x)

    num_models = 3
    models = [init(SimpleMLP()) for _ in range(num_models)]
    minibatches = torch.tensor(x[: num_models * 4]).view(num_models, 4, 6)
    minibatch = minibatches[0]
    predictions_diff_minibatch_loop = [model(mb) for model, mb in zip(models, minibatches)]
    predictions2 = [model(minibatch) for model in models]

    params, buffers = stack_module_state(models)
    log.append([list(params.keys()), [list(v.shape) for v in params.values()],
                [v.requires_grad and v.is_leaf for v in params.values()]])  # fmt: skip
    base_model = copy.deepcopy(models[0])

    def fmodel(params, buffers, x):
        return functional_call(base_model, (params, buffers), (x,))

    predictions1_vmap = vmap(fmodel, in_dims=(0, 0, None))(params, buffers, minibatch)
    torch.testing.assert_close(predictions1_vmap, torch.stack(predictions2), atol=1e-6, rtol=1e-6)
    predictions2_vmap = vmap(fmodel)(params, buffers, minibatches)
    torch.testing.assert_close(predictions2_vmap, torch.stack(predictions_diff_minibatch_loop), atol=1e-6, rtol=1e-6)  # fmt: skip
    log.append([predictions1_vmap.sum().item(), predictions2_vmap.sum().item()])

    # the stacked parameters are new leaves: train the ensemble as one
    opt = optim.SGD(list(params.values()), lr=0.1)
    targets = torch.tensor(y[:4])
    for step in range(3):
        out = vmap(fmodel, in_dims=(0, 0, None))(params, buffers, minibatch)
        loss = F.cross_entropy(out.reshape(-1, 3), targets.repeat(num_models))
        opt.zero_grad()
        loss.backward()
        opt.step()
        log.append(loss.item())
    log.append([models[0].fc1.weight.sum().item(), params["fc1.weight"][0].sum().item()])

    # per-sample gradients
    model = models[1]
    data_, targets = torch.tensor(x[:5]), torch.tensor(y[:5])

    def loss_fn(predictions, targets):
        return F.nll_loss(predictions, targets)

    def compute_grad(sample, target):
        sample = sample.unsqueeze(0)
        target = target.unsqueeze(0)
        prediction = model(sample)
        loss = loss_fn(F.log_softmax(prediction, dim=-1), target)
        return torch.autograd.grad(loss, list(model.parameters()))

    def compute_sample_grads(data, targets):
        sample_grads = [compute_grad(data[i], targets[i]) for i in range(len(data))]
        sample_grads = zip(*sample_grads)
        return [torch.stack(shards) for shards in sample_grads]

    per_sample_grads = compute_sample_grads(data_, targets)
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def compute_loss(params, buffers, sample, target):
        batch = sample.unsqueeze(0)
        targets = target.unsqueeze(0)
        predictions = functional_call(model, (params, buffers), (batch,))
        return loss_fn(F.log_softmax(predictions, dim=-1), targets)

    ft_compute_grad = grad(compute_loss)
    ft_compute_sample_grad = vmap(ft_compute_grad, in_dims=(None, None, 0, 0))
    ft_per_sample_grads = ft_compute_sample_grad(params, buffers, data_, targets)
    for per_sample_grad, ft_per_sample_grad in zip(per_sample_grads, ft_per_sample_grads.values()):  # fmt: skip
        assert torch.allclose(per_sample_grad, ft_per_sample_grad, atol=3e-3, rtol=1e-5)
    log.append([g.norm(dim=-1).sum().item() if g.dim() > 1 else g.norm().item() for g in ft_per_sample_grads.values()])  # fmt: skip
    log.append([list(g.shape) for g in ft_per_sample_grads.values()])

    # a hypernetwork: z -> the weights of a target MLP, run by functional_call
    target = nn.Sequential(nn.Linear(6, 4), nn.Tanh(), nn.Linear(4, 3))
    shapes = {k: v.shape for k, v in target.named_parameters()}
    sizes = [int(np.prod(s)) for s in shapes.values()]
    hyper = init(nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, sum(sizes))))
    hopt = optim.Adam(hyper.parameters(), lr=1e-2)
    task_z = torch.tensor([[0.5, -1.0], [1.0, 0.3]])
    X, Y = torch.tensor(x[:8]), torch.tensor(y[:8])
    for step in range(4):
        total = 0
        for z in task_z:
            flat = hyper(z)
            weights = {k: w.view(shapes[k]) for k, w in zip(shapes, flat.split(sizes))}
            out = functional_call(target, weights, (X,))
            total = total + F.cross_entropy(out, Y)
        hopt.zero_grad()
        total.backward()
        hopt.step()
        log.append(total.item())
    return log


def test_func_ensembling_per_sample_hypernetwork(portability):
    rng = np.random.default_rng(13)
    x = rng.standard_normal((12, 6))
    y = rng.integers(0, 3, 12)
    portability.assert_same(ensembling, rtol=1e-8, x=x, y=y)
