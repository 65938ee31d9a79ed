"""The boilerplate of a modern training script (timm's ``train.py``, nanoGPT's ``train.py``,
Karpathy's "recipe", the PyTorch performance-tuning guide) around a small MLP-Mixer: device
selection (``torch.device("cuda" if torch.cuda.is_available() else "cpu")``, ``.to(device,
non_blocking=True)``), ``torch.backends.cudnn.benchmark = True``,
``torch.set_float32_matmul_precision("high")``, a
``DataLoader`` with ``pin_memory``, ``persistent_workers=False`` and a fixed order, mixed precision
written the CPU way (``torch.autocast(device_type="cpu", dtype=torch.bfloat16,
enabled=False)``, ``torch.amp.GradScaler("cpu", enabled=False)`` whose ``scale(loss).backward()``,
``unscale_``, ``step`` and ``update`` pass through), gradient accumulation with ``loss /
accum_steps`` and ``(micro_step + 1) % accum_steps``, ``clip_grad_norm_(...,
error_if_nonfinite=True)``, AdamW parameter groups by ``p.dim() >= 2`` (nanoGPT's rule) with
``fused``/``foreach`` chosen through ``inspect.signature(torch.optim.AdamW).parameters``,
``OneCycleLR(total_steps=..., pct_start, anneal_strategy="cos", div_factor,
final_div_factor, three_phase)``, ``zero_grad(set_to_none=True)``, ``torch.inference_mode()`` and
``model.train(False)`` for evaluation, and early stopping on the
best validation loss with a ``copy.deepcopy`` of the ``state_dict``."""

from __future__ import annotations

import copy
import inspect

import numpy as np


def training_loop(torch, nn, F, optim, data, init, path, x, y, three_phase):
    log = []
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device_type = "cuda" if "cuda" in str(device) else "cpu"
    torch.backends.cudnn.benchmark = True
    torch.set_float32_matmul_precision("high")

    class MixerBlock(nn.Module):
        def __init__(self, tokens, channels, hidden=16):
            super().__init__()
            self.norm1 = nn.LayerNorm(channels)
            self.token_mix = nn.Sequential(nn.Linear(tokens, hidden), nn.GELU(), nn.Linear(hidden, tokens))  # fmt: skip
            self.norm2 = nn.LayerNorm(channels)
            self.channel_mix = nn.Sequential(nn.Linear(channels, hidden), nn.GELU(), nn.Linear(hidden, channels))  # fmt: skip

        def forward(self, x):
            x = x + self.token_mix(self.norm1(x).transpose(1, 2)).transpose(1, 2)
            return x + self.channel_mix(self.norm2(x))

    class Mixer(nn.Module):
        def __init__(self, tokens=4, patch=3, channels=8, classes=3, depth=2):
            super().__init__()
            self.tokens, self.patch = tokens, patch
            self.stem = nn.Linear(patch, channels)
            self.blocks = nn.Sequential(*[MixerBlock(tokens, channels) for _ in range(depth)])
            self.norm = nn.LayerNorm(channels)
            self.head = nn.Linear(channels, classes)

        def forward(self, x):
            x = self.stem(x.view(x.shape[0], self.tokens, self.patch))
            x = self.norm(self.blocks(x))
            return self.head(x.mean(dim=1))

    model = init(Mixer()).to(device)

    param_dict = {pn: p for pn, p in model.named_parameters() if p.requires_grad}
    decay_params = [p for n, p in param_dict.items() if p.dim() >= 2]
    nodecay_params = [p for n, p in param_dict.items() if p.dim() < 2]
    optim_groups = [{"params": decay_params, "weight_decay": 0.1},
                    {"params": nodecay_params, "weight_decay": 0.0}]  # fmt: skip
    num_decay = sum(p.numel() for p in decay_params)
    num_nodecay = sum(p.numel() for p in nodecay_params)
    fused_available = "fused" in inspect.signature(torch.optim.AdamW).parameters
    use_fused = fused_available and device_type == "cuda"
    extra_args = dict(fused=True) if use_fused else dict()
    optimizer = torch.optim.AdamW(optim_groups, lr=1e-3, betas=(0.9, 0.95), **extra_args)
    log.append([len(decay_params), num_decay, len(nodecay_params), num_nodecay, fused_available])

    ds = data.TensorDataset(torch.tensor(x[:16]), torch.tensor(y[:16]))
    loader = data.DataLoader(ds, batch_size=2, shuffle=False, pin_memory=True, num_workers=0,
                             persistent_workers=False, drop_last=True)  # fmt: skip
    accum_steps, epochs = 2, 3
    total_steps = epochs * len(loader) // accum_steps
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=[1e-2, 5e-3], total_steps=total_steps,
                                              pct_start=0.25, anneal_strategy="cos", div_factor=10.0,
                                              final_div_factor=100.0, three_phase=three_phase)  # fmt: skip
    scaler = torch.amp.GradScaler("cpu", enabled=False)
    ctx = torch.autocast(device_type=device_type, dtype=torch.bfloat16, enabled=False)
    x_val, y_val = torch.tensor(x[16:]), torch.tensor(y[16:])
    best_loss, best_state, bad_epochs = float("inf"), None, 0
    for epoch in range(epochs):
        model.train()
        optimizer.zero_grad(set_to_none=True)
        for micro_step, (xb, yb) in enumerate(loader):
            xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
            with ctx:
                logits = model(xb)
                loss = F.cross_entropy(logits, yb, label_smoothing=0.05)
                loss = loss / accum_steps
            scaler.scale(loss).backward()
            if (micro_step + 1) % accum_steps == 0:
                scaler.unscale_(optimizer)
                norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=True)  # fmt: skip
                scaler.step(optimizer)
                scaler.update()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                log.append([loss.item() * accum_steps, norm.item(),
                            optimizer.param_groups[0]["lr"], optimizer.param_groups[1]["lr"],
                            optimizer.param_groups[0]["betas"][0]])  # fmt: skip
        model.train(False)
        with torch.inference_mode():
            val_loss = F.cross_entropy(model(x_val), y_val).item()
            acc = (model(x_val).argmax(-1) == y_val).float().mean().item()
        log.append([val_loss, acc, model.training])
        if val_loss < best_loss:
            best_loss, bad_epochs = val_loss, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            bad_epochs += 1
    model.load_state_dict(best_state)
    with torch.no_grad():
        log.append(F.cross_entropy(model(x_val), y_val).item() == best_loss)
    log.append(sorted(best_state)[:3])
    return log


def _data():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 22)
    x = rng.standard_normal((22, 12)) + y[:, None] * 0.5
    return x, y


def test_training_loop_one_cycle_two_phases(portability):
    x, y = _data()
    portability.assert_same(training_loop, rtol=1e-8, x=x, y=y, three_phase=False)


def test_training_loop_one_cycle_three_phases(portability):
    x, y = _data()
    portability.assert_same(training_loop, rtol=1e-8, x=x, y=y, three_phase=True)
