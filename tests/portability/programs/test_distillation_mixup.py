"""Knowledge distillation and mixup, the way blog posts write them: a teacher MLP trained with
``CrossEntropyLoss(label_smoothing=0.1)``, then a smaller student trained on
``nn.KLDivLoss(reduction="batchmean")`` between temperature-softened ``log_softmax`` outputs
(scaled by ``T * T``) plus the hard-label loss, a second variant with ``log_target=True`` and
``F.kl_div``; mixup with a Beta-drawn ``lam`` (supplied from NumPy), ``torch.randperm``-style
index (supplied), one-hot soft targets mixed and fed to ``CrossEntropyLoss`` with probability
targets and label smoothing; gradient accumulation with ``clip_grad_norm_`` (its returned total
norm logged) and ``OneCycleLR`` stepping per optimizer step."""

from __future__ import annotations

import numpy as np
import pytest


def distillation_mixup(torch, nn, F, optim, data, init, path, x, y, lams, perms):
    log = []
    n_classes = 4

    def mlp(hidden):
        return nn.Sequential(nn.Linear(6, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                             nn.GELU(), nn.Linear(hidden, n_classes))  # fmt: skip

    X = torch.tensor(x)
    Y = torch.tensor(y)
    loader = data.DataLoader(data.TensorDataset(X, Y), batch_size=8, shuffle=False)

    # teacher: label smoothing, mixup with soft targets, accumulation + clip_grad_norm_ + OneCycleLR
    teacher = init(mlp(32))
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    opt = optim.SGD(teacher.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
    accum = 2
    epochs = 3
    steps_per_epoch = len(loader) // accum
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.2, epochs=epochs,
                                          steps_per_epoch=steps_per_epoch)  # fmt: skip
    k = 0
    for epoch in range(epochs):
        teacher.train()
        opt.zero_grad()
        for i, (xb, yb) in enumerate(loader):
            lam = float(lams[k])
            index = torch.tensor(perms[k])
            k += 1
            mixed_x = lam * xb + (1 - lam) * xb[index, :]
            y_onehot = F.one_hot(yb, num_classes=n_classes).float()
            mixed_y = lam * y_onehot + (1 - lam) * y_onehot[index]
            out = teacher(mixed_x)
            loss = criterion(out, mixed_y) / accum
            loss.backward()
            if (i + 1) % accum == 0:
                total_norm = nn.utils.clip_grad_norm_(teacher.parameters(), max_norm=1.0)
                opt.step()
                sched.step()
                opt.zero_grad()
                log.append([total_norm.item(), sched.get_last_lr()[0],
                            opt.param_groups[0]["momentum"]])  # fmt: skip
            log.append(loss.item())
    teacher.eval()
    with torch.no_grad():
        t_logits = teacher(X)
        log.append((t_logits.argmax(dim=1) == Y).float().mean().item())
        log.append(F.cross_entropy(t_logits, Y, label_smoothing=0.2).item())

    # student: KLDivLoss(batchmean) on temperature-softened distributions
    T = 3.0
    alpha = 0.7
    for variant in ("kl_module", "kl_log_target"):
        student = init(mlp(8))
        s_opt = optim.Adam(student.parameters(), lr=1e-2)
        kl = nn.KLDivLoss(reduction="batchmean", log_target=(variant == "kl_log_target"))
        for epoch in range(2):
            for xb, yb in loader:
                with torch.no_grad():
                    teacher_logits = teacher(xb)
                s_logits = student(xb)
                soft_student = F.log_softmax(s_logits / T, dim=-1)
                if variant == "kl_module":
                    soft_teacher = F.softmax(teacher_logits / T, dim=-1)
                else:
                    soft_teacher = F.log_softmax(teacher_logits / T, dim=-1)
                distill = kl(soft_student, soft_teacher) * (T * T)
                hard = F.cross_entropy(s_logits, yb)
                loss = alpha * distill + (1.0 - alpha) * hard
                s_opt.zero_grad()
                loss.backward()
                s_opt.step()
                log.append([distill.item(), hard.item()])
        with torch.no_grad():
            s_logits = student(X)
            log.append(F.kl_div(F.log_softmax(s_logits, 1), F.log_softmax(t_logits, 1),
                                reduction="sum", log_target=True).item())  # fmt: skip
            log.append(F.kl_div(F.log_softmax(s_logits, 1), F.softmax(t_logits, 1),
                                reduction="mean").item())  # fmt: skip
            log.append(F.kl_div(F.log_softmax(s_logits, 1), F.softmax(t_logits, 1),
                                reduction="none").sum(1).tolist())  # fmt: skip
        log.append([p.detach().sum().item() for p in student.parameters()])
    return log


@pytest.mark.filterwarnings("ignore:reduction. .mean. divides")
def test_distillation_mixup(portability):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((48, 6))
    y = (np.abs(x[:, 0] * 2 + x[:, 1]) + (x[:, 2] > 0)).astype(int) % 4
    lams = rng.beta(0.4, 0.4, size=20)
    perms = [rng.permutation(8).tolist() for _ in range(20)]
    portability.assert_same(distillation_mixup, rtol=1e-8, x=x, y=y.tolist(), lams=lams,
                            perms=perms)  # fmt: skip
