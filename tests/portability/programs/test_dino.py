"""DINO as facebookresearch/dino's ``main_dino.py`` and ``utils.py`` write it, shrunk: a student
and a teacher built alike (``teacher.load_state_dict(student.state_dict())``, ``for p in
teacher.parameters(): p.requires_grad = False``), the ``DINOHead`` (MLP, ``F.normalize(x,
dim=-1, p=2)``, ``nn.utils.weight_norm``-free last layer with ``weight_g``-style norm kept by
hand), multi-crop (two global views through the teacher, all views through the student, the
``MultiCropWrapper``'s ``torch.cumsum(torch.unique_consecutive(torch.tensor([inp.shape[-1] for
inp in x]), return_counts=True)[1], 0)`` grouping), ``DINOLoss`` with a ``center`` buffer
(``teacher_out = F.softmax((teacher_output - self.center) / temp, dim=-1).detach().chunk(2)``,
``torch.sum(-q * F.log_softmax(student_out[v], dim=-1), dim=-1)``, skipping ``v == iq``,
``update_center`` under ``@torch.no_grad()``), cosine schedules from NumPy
(``cosine_scheduler``) written into ``param_group["lr"]``/``["weight_decay"]``, per-parameter
clipping (``p.grad.data.norm(2)``, ``clip_coef = clip / (param_norm + 1e-6)``,
``p.grad.data.mul_(clip_coef)``), ``cancel_gradients_last_layer`` (``p.grad = None``), and the
EMA ``param_k.data.mul_(m).add_((1 - m) * param_q.detach().data)`` under ``torch.no_grad()``."""

from __future__ import annotations

import math

import numpy as np


def cosine_scheduler(base_value, final_value, epochs, niter_per_ep, warmup_epochs=0, start_warmup_value=0):  # fmt: skip
    warmup_schedule = np.array([])
    warmup_iters = warmup_epochs * niter_per_ep
    if warmup_epochs > 0:
        warmup_schedule = np.linspace(start_warmup_value, base_value, warmup_iters)
    iters = np.arange(epochs * niter_per_ep - warmup_iters)
    schedule = final_value + 0.5 * (base_value - final_value) * (1 + np.cos(np.pi * iters / len(iters)))  # fmt: skip
    schedule = np.concatenate((warmup_schedule, schedule))
    assert len(schedule) == epochs * niter_per_ep
    return schedule


def dino(torch, nn, F, optim, data, init, path, global_crops, local_crops):
    log = []
    out_dim = 16

    class Backbone(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 6, 3, padding=1)
            self.norm = nn.GroupNorm(2, 6)
            self.fc = nn.Identity()

        def forward(self, x):
            x = F.gelu(self.norm(self.conv(x)))
            return F.adaptive_avg_pool2d(x, 1).flatten(1)

    class DINOHead(nn.Module):
        def __init__(self, in_dim, out_dim, hidden_dim=12, bottleneck_dim=8, nlayers=3):
            super().__init__()
            layers = [nn.Linear(in_dim, hidden_dim), nn.GELU()]
            for _ in range(nlayers - 2):
                layers.append(nn.Linear(hidden_dim, hidden_dim))
                layers.append(nn.GELU())
            layers.append(nn.Linear(hidden_dim, bottleneck_dim))
            self.mlp = nn.Sequential(*layers)
            self.apply(self._init_weights)
            self.last_layer = nn.Linear(bottleneck_dim, out_dim, bias=False)

        def _init_weights(self, m):
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if isinstance(m, nn.Linear) and m.bias is not None:
                    nn.init.constant_(m.bias, 0)

        def forward(self, x):
            x = self.mlp(x)
            x = nn.functional.normalize(x, dim=-1, p=2)
            return self.last_layer(x)

    class MultiCropWrapper(nn.Module):
        def __init__(self, backbone, head):
            super().__init__()
            backbone.fc, backbone.head = nn.Identity(), nn.Identity()
            self.backbone = backbone
            self.head = head

        def forward(self, x):
            if not isinstance(x, list):
                x = [x]
            idx_crops = torch.cumsum(torch.unique_consecutive(
                torch.tensor([inp.shape[-1] for inp in x]), return_counts=True)[1], 0)  # fmt: skip
            start_idx, output = 0, torch.empty(0).to(x[0].device)
            for end_idx in idx_crops:
                _out = self.backbone(torch.cat(x[start_idx:end_idx]))
                if isinstance(_out, tuple):
                    _out = _out[0]
                output = torch.cat((output, _out))
                start_idx = end_idx
            return self.head(output)

    class DINOLoss(nn.Module):
        def __init__(self, out_dim, ncrops, warmup_teacher_temp, teacher_temp,
                     warmup_teacher_temp_epochs, nepochs, student_temp=0.1, center_momentum=0.9):  # fmt: skip
            super().__init__()
            self.student_temp = student_temp
            self.center_momentum = center_momentum
            self.ncrops = ncrops
            self.register_buffer("center", torch.zeros(1, out_dim))
            self.teacher_temp_schedule = np.concatenate((
                np.linspace(warmup_teacher_temp, teacher_temp, warmup_teacher_temp_epochs),
                np.ones(nepochs - warmup_teacher_temp_epochs) * teacher_temp))  # fmt: skip

        def forward(self, student_output, teacher_output, epoch):
            student_out = student_output / self.student_temp
            student_out = student_out.chunk(self.ncrops)
            temp = self.teacher_temp_schedule[epoch]
            teacher_out = F.softmax((teacher_output - self.center) / temp, dim=-1)
            teacher_out = teacher_out.detach().chunk(2)
            total_loss = 0
            n_loss_terms = 0
            for iq, q in enumerate(teacher_out):
                for v in range(len(student_out)):
                    if v == iq:
                        continue
                    loss = torch.sum(-q * F.log_softmax(student_out[v], dim=-1), dim=-1)
                    total_loss += loss.mean()
                    n_loss_terms += 1
            total_loss /= n_loss_terms
            self.update_center(teacher_output)
            return total_loss

        @torch.no_grad()
        def update_center(self, teacher_output):
            batch_center = torch.sum(teacher_output, dim=0, keepdim=True)
            batch_center = batch_center / len(teacher_output)
            self.center = self.center * self.center_momentum + batch_center * (1 - self.center_momentum)  # fmt: skip

    def clip_gradients(model, clip):
        norms = []
        for name, p in model.named_parameters():
            if p.grad is not None:
                param_norm = p.grad.data.norm(2)
                norms.append(param_norm.item())
                clip_coef = clip / (param_norm + 1e-6)
                if clip_coef < 1:
                    p.grad.data.mul_(clip_coef)
        return norms

    def cancel_gradients_last_layer(epoch, model, freeze_last_layer):
        if epoch >= freeze_last_layer:
            return
        for n, p in model.named_parameters():
            if "last_layer" in n:
                p.grad = None

    def get_params_groups(model):
        regularized, not_regularized = [], []
        for name, param in model.named_parameters():
            if not param.requires_grad:
                continue
            if name.endswith(".bias") or len(param.shape) == 1:
                not_regularized.append(param)
            else:
                regularized.append(param)
        return [{"params": regularized}, {"params": not_regularized, "weight_decay": 0.0}]

    student = init(MultiCropWrapper(Backbone(), DINOHead(6, out_dim)))
    teacher = MultiCropWrapper(Backbone(), DINOHead(6, out_dim))
    teacher.load_state_dict(student.state_dict())
    for p in teacher.parameters():
        p.requires_grad = False
    ncrops = 2 + len(local_crops[0])
    dino_loss = DINOLoss(out_dim, ncrops, 0.04, 0.07, 2, 3)
    optimizer = optim.AdamW(get_params_groups(student))
    epochs, niter = 3, len(global_crops)
    lr_schedule = cosine_scheduler(5e-3, 1e-4, epochs, niter, warmup_epochs=1)
    wd_schedule = cosine_scheduler(0.04, 0.4, epochs, niter)
    momentum_schedule = cosine_scheduler(0.9, 1, epochs, niter)
    for epoch in range(epochs):
        for it_, (g, l) in enumerate(zip(global_crops, local_crops)):
            it = niter * epoch + it_
            for i, param_group in enumerate(optimizer.param_groups):
                param_group["lr"] = lr_schedule[it]
                if i == 0:
                    param_group["weight_decay"] = wd_schedule[it]
            images = [torch.tensor(v) for v in g] + [torch.tensor(v) for v in l]
            teacher_output = teacher(images[:2])
            student_output = student(images)
            loss = dino_loss(student_output, teacher_output, epoch)
            if not math.isfinite(loss.item()):
                raise RuntimeError(f"Loss is {loss.item()}, stopping training")
            optimizer.zero_grad()
            loss.backward()
            norms = clip_gradients(student, 0.3)
            cancel_gradients_last_layer(epoch, student, 1)
            optimizer.step()
            with torch.no_grad():
                m = momentum_schedule[it]
                for param_q, param_k in zip(student.parameters(), teacher.parameters()):
                    param_k.data.mul_(m).add_((1 - m) * param_q.detach().data)
            log.append([loss.item(), sum(norms), dino_loss.center.sum().item()])
    log.append([p.sum().item() for p in teacher.parameters()])
    log.append([p.requires_grad for p in teacher.parameters()][:2])
    return log


def test_dino_multicrop(portability):
    rng = np.random.default_rng(11)
    global_crops = [[rng.random((3, 1, 8, 8)) for _ in range(2)] for _ in range(2)]
    local_crops = [[rng.random((3, 1, 4, 4)) for _ in range(3)] for _ in range(2)]
    portability.assert_same(dino, rtol=1e-7, global_crops=global_crops, local_crops=local_crops)
