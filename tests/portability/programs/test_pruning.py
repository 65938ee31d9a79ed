""" "Pruning Tutorial" (``torch.nn.utils.prune``) on the tutorial's LeNet, then fine-tuning the
pruned network: ``prune.random_unstructured(module, name="weight", amount=0.3)`` (random: only
its counts are compared), ``l1_unstructured(module, name="bias", amount=3)``, the
reparametrization it leaves (``weight_orig`` in ``named_parameters()``, ``weight_mask`` in
``named_buffers()``, ``module._forward_pre_hooks``), iterative pruning with
``ln_structured(module, name="weight", amount=0.5, n=2, dim=0)`` and the pruning history
(``list(hook)`` of the ``PruningContainer``), the state dict's keys, ``prune.remove`` (the
pruning made permanent), pruning several parameters over ``named_modules()``, global pruning
(``prune.global_unstructured(parameters_to_prune, pruning_method=prune.L1Unstructured,
amount=0.2)``) with the sparsity printed as ``100. * float(torch.sum(w == 0)) /
float(w.nelement())``, a custom ``FooBarPruningMethod(prune.BasePruningMethod)`` with
``mask.view(-1)[::2] = 0``, ``importance_scores``; then a few SGD steps on the pruned network
(the masked entries keep a zero gradient and stay zero) and ``prune.is_pruned``."""

from __future__ import annotations

import importlib

import numpy as np


def pruning(torch, nn, F, optim, data, init, path, images, labels):
    log = []
    prune = importlib.import_module(
        nn.__name__ + ".utils.prune"
    )  # import torch.nn.utils.prune as prune

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            # 1 input image channel, 6 output channels, 5x5 square conv kernel
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5x5 image dimension
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.view(-1, int(x.nelement() / x.shape[0]))
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    def names(pairs):
        return [name for name, _ in pairs]

    model = init(LeNet())
    module = model.conv1
    log.append(names(module.named_parameters()))
    log.append(names(module.named_buffers()))

    prune.random_unstructured(module, name="weight", amount=0.3)
    log.append(names(module.named_parameters()))
    log.append(names(module.named_buffers()))
    log.append([int((module.weight_mask == 0).sum()), int((module.weight == 0).sum())])
    log.append(torch.equal(module.weight, module.weight_orig * module.weight_mask))
    log.append(len(module._forward_pre_hooks))

    prune.l1_unstructured(module, name="bias", amount=3)
    log.append(names(module.named_parameters()))
    log.append(module.bias_mask.tolist())
    log.append(module.bias.tolist())
    log.append(len(module._forward_pre_hooks))

    # iterative pruning: the structured pruning acts on top of the random one
    prune.ln_structured(module, name="weight", amount=0.5, n=2, dim=0)
    kept_channels = (module.weight_mask.sum(dim=(1, 2, 3)) != 0).sum().item()
    log.append(kept_channels)
    for hook in module._forward_pre_hooks.values():
        if hook._tensor_name == "weight":  # select out the correct hook
            break
    log.append([type(h).__name__ for h in hook])
    log.append(list(model.state_dict().keys()))

    # remove the re-parametrization
    zeros = int((module.weight_mask == 0).sum())  # random: its count differs between runs
    prune.remove(module, "weight")
    log.append(names(module.named_parameters()))
    log.append(names(module.named_buffers()))
    log.append(
        [type(module.weight).__name__ == "Parameter", int((module.weight == 0).sum()) == zeros]
    )
    log.append(prune.is_pruned(model))

    # pruning multiple parameters in a model (deterministic from here on)
    new_model = init(LeNet())
    for name, module in new_model.named_modules():
        # prune 20% of connections in all 2D-conv layers
        if isinstance(module, torch.nn.Conv2d):
            prune.l1_unstructured(module, name="weight", amount=0.2)
        # prune 40% of connections in all linear layers
        elif isinstance(module, torch.nn.Linear):
            prune.l1_unstructured(module, name="weight", amount=0.4)
    log.append(list(dict(new_model.named_buffers()).keys()))
    log.append([int((m.weight == 0).sum()) for m in new_model.children()])

    # global pruning
    model = init(LeNet())
    parameters_to_prune = (
        (model.conv1, "weight"),
        (model.conv2, "weight"),
        (model.fc1, "weight"),
        (model.fc2, "weight"),
        (model.fc3, "weight"),
    )
    prune.global_unstructured(
        parameters_to_prune,
        pruning_method=prune.L1Unstructured,
        amount=0.2,
    )
    for layer in ("conv1", "conv2", "fc1", "fc2", "fc3"):
        w = getattr(model, layer).weight
        log.append(
            "Sparsity in {}.weight: {:.2f}%".format(  # noqa: UP032 (the tutorial's form)
                layer, 100.0 * float(torch.sum(w == 0)) / float(w.nelement())
            )
        )
    total = sum(float(torch.sum(getattr(model, n).weight == 0)) for n in ("conv1", "conv2", "fc1", "fc2", "fc3"))  # fmt: skip
    total_n = sum(float(getattr(model, n).weight.nelement()) for n in ("conv1", "conv2", "fc1", "fc2", "fc3"))  # fmt: skip
    log.append("Global sparsity: {:.2f}%".format(100.0 * total / total_n))  # noqa: UP032
    # a second round prunes among what was kept
    prune.global_unstructured(parameters_to_prune, pruning_method=prune.L1Unstructured, amount=100)  # fmt: skip
    log.append([int((m.weight_mask == 0).sum()) for m, _ in parameters_to_prune])

    # extending torch.nn.utils.prune with custom pruning functions
    class FooBarPruningMethod(prune.BasePruningMethod):
        """Prune every other entry in a tensor"""

        PRUNING_TYPE = "unstructured"

        def compute_mask(self, t, default_mask):
            mask = default_mask.clone()
            mask.view(-1)[::2] = 0
            return mask

    def foobar_unstructured(module, name):
        FooBarPruningMethod.apply(module, name)
        return module

    model = init(LeNet())
    foobar_unstructured(model.fc3, name="bias")
    log.append(model.fc3.bias_mask.tolist())
    # importance scores other than the weights themselves
    scores = torch.arange(float(model.fc2.weight.nelement())).view_as(model.fc2.weight)
    prune.l1_unstructured(model.fc2, "weight", amount=0.25, importance_scores=scores)
    log.append([int(model.fc2.weight_mask.sum()), model.fc2.weight_mask[:, :3].sum().item()])
    prune.ln_structured(model.conv2, "weight", amount=0.25, n=1, dim=1)
    prune.ln_structured(model.conv2, "weight", amount=2, n=float("inf"), dim=0)
    log.append(model.conv2.weight_mask.sum(dim=(2, 3)).tolist())
    prune.custom_from_mask(model.fc1, "bias", mask=(torch.arange(120) % 3 != 0).float())
    log.append(int(model.fc1.bias_mask.sum()))

    # fine-tune the pruned network: the gradient reaches weight_orig only where the mask is 1
    X = torch.tensor(images).unsqueeze(1)
    y = torch.tensor(labels)
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    log.append(sorted(n for n, _ in model.named_parameters() if n.endswith("_orig")))
    for step in range(4):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        optimizer.step()
        masked = model.fc2.weight_orig.grad[model.fc2.weight_mask == 0]
        log.append([loss.item(), masked.abs().sum().item(), model.conv2.weight_orig.grad.sum().item()])  # fmt: skip
    with torch.no_grad():
        log.append(F.cross_entropy(model(X), y).item())
    log.append([int((model.fc2.weight == 0).sum()), prune.is_pruned(model)])
    for m, name in ((model.fc2, "weight"), (model.conv2, "weight"), (model.fc3, "bias"), (model.fc1, "bias")):  # fmt: skip
        prune.remove(m, name)
    log.append([prune.is_pruned(model), list(model.state_dict().keys())])
    with torch.no_grad():
        log.append(F.cross_entropy(model(X), y).item())
    try:
        prune.remove(model.fc2, "weight")
    except ValueError:
        log.append("ValueError")
    try:
        prune.l1_unstructured(model.fc3, "weight", amount=1.5)
    except ValueError:
        log.append("ValueError")
    log.append(names(model.fc3.named_parameters()))
    return log


def test_pruning(portability):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 8)
    images = rng.standard_normal((8, 32, 32))
    portability.assert_same(pruning, rtol=1e-8, images=images, labels=labels.tolist())
