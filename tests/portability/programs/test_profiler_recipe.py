"""PyTorch's profiler recipe (recipes/recipes/profiler_recipe.py), on a small CNN instead of
torchvision's ResNet: ``record_function("model_inference")`` under
``profile(activities=[ProfilerActivity.CPU], record_shapes=True)``, the tables sorted by
``cpu_time_total`` and ``self_cpu_memory_usage`` (grouped by input shape, with
``profile_memory=True``), ``export_chrome_trace``, and the long-running-job form with
``schedule(wait=1, warmup=1, active=2)``, an ``on_trace_ready`` handler and ``p.step()``.
The losses must agree; of the profiles, what both libraries report alike: the ranges, the
step numbers at which traces are ready, the table's frame and the trace file."""

from __future__ import annotations

import json
import os


def recipe(torch, nn, F, optim, data, init, path):
    # the recipe's `from torch.profiler import ...`, read off the module the harness hands in
    tp = torch.profiler
    ProfilerActivity, profile, record_function, schedule = (
        tp.ProfilerActivity, tp.profile, tp.record_function, tp.schedule
    )  # fmt: skip

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3, padding=1)
            self.fc = nn.Linear(4 * 4 * 4, 3)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv(x)), 2)
            return self.fc(x.flatten(1))

    model = init(Net())
    inputs = torch.randn(5, 1, 8, 8)
    labels = torch.tensor([0, 1, 2, 1, 0])
    log = []

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        with record_function("model_inference"):
            out = model(inputs)
    log.append(out.sum().item())
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=10)
    lines = table.splitlines()
    log += [lines[0].startswith("---"), "Name" in lines[1], lines[-1].startswith("Self CPU")]
    keys = [e.key for e in prof.key_averages()]
    log.append("model_inference" in keys)
    shaped = prof.key_averages(group_by_input_shape=True).table(sort_by="cpu_time_total")
    log.append("Input Shapes" in shaped)

    with profile(
        activities=[ProfilerActivity.CPU], profile_memory=True, record_shapes=True
    ) as prof:
        model(inputs)
    log.append("CPU Mem" in prof.key_averages().table(sort_by="self_cpu_memory_usage"))

    trace = os.path.join(path, "trace.json")
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        model(inputs)
    prof.export_chrome_trace(trace)
    with open(trace) as f:
        log.append(len(json.load(f)["traceEvents"]) > 0)

    ready = []

    def trace_handler(p):
        output = p.key_averages().table(sort_by="self_cpu_time_total", row_limit=10)
        ready.append((p.step_num, "ProfilerStep*" in output))

    opt = optim.SGD(model.parameters(), lr=0.1)
    with profile(
        activities=[ProfilerActivity.CPU],
        schedule=schedule(wait=1, warmup=1, active=2),
        on_trace_ready=trace_handler,
    ) as p:
        for _ in range(8):
            opt.zero_grad()
            loss = F.cross_entropy(model(inputs), labels)
            loss.backward()
            opt.step()
            log.append(loss.item())
            p.step()
    log.append(ready)
    return log


def test_profiler_recipe(portability):
    portability.assert_same(recipe)
