"""BackupAndRestore: a run killed with SIGKILL mid-epoch resumes and ends exactly where an
uninterrupted run with the same seed ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim

SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np
    import deepgrad as dg
    from deepgrad import nn, optim

    backup, out, kill_at, marker = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 6))
    y = rng.integers(0, 3, 96)
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(None, 3))
    model.compile(optim.Adam(lr=1e-2), "cross_entropy", ["accuracy"])
    sched = optim.StepLR(model.__dict__["_dg_compiled"].optimizer, step_size=1, gamma=0.7)


    class PauseAt(dg.train.Callback):
        def on_batch_end(self, batch, logs=None):
            if kill_at and self.trainer.global_step == kill_at:
                open(marker, "w").close()
                time.sleep(120)  # the parent kills us here, mid-epoch


    es = dg.callbacks.EarlyStopping(monitor="loss", patience=50)
    cbs = [
        PauseAt(),
        es,
        dg.callbacks.LearningRateScheduler(sched),
        dg.callbacks.BackupAndRestore(backup, save_freq=2),
    ]
    h = model.fit(x, y, epochs=4, batch_size=16, validation_split=0.25, seed=11, verbose=0,
                  callbacks=cbs)
    np.savez(out + ".npz", **model.state_dict())
    with open(out + ".json", "w") as f:
        json.dump({"history": h.history, "epoch": h.epoch, "es": [es.best, es.wait]}, f)
    """
)


def _run(tmp: Path, name: str, backup: str, kill_at: int = 0) -> subprocess.Popen:
    script = tmp / "train.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    src = str(Path(dg.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen(
        [sys.executable, str(script), backup, str(tmp / name), str(kill_at), str(tmp / "marker")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _finish(p: subprocess.Popen) -> None:
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err.decode()[-3000:]


@pytest.mark.slow
def test_sigkill_mid_epoch_then_resume_matches_uninterrupted_run(tmp_path):
    reference = _run(tmp_path, "reference", str(tmp_path / "bk_ref"))
    victim = _run(tmp_path, "resumed", str(tmp_path / "bk"), kill_at=9)  # epoch 2, step 4 of 6
    marker = tmp_path / "marker"
    deadline = time.time() + 120
    while not marker.exists():
        assert victim.poll() is None, victim.communicate()[1].decode()[-3000:]
        assert time.time() < deadline, "the training subprocess never reached the kill point"
        time.sleep(0.05)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    assert victim.returncode == -signal.SIGKILL
    assert (tmp_path / "bk" / "backup.dg").exists()  # written at step 8, mid-epoch
    assert not (tmp_path / "resumed.npz").exists()
    _finish(reference)
    resumed = _run(tmp_path, "resumed", str(tmp_path / "bk"))  # the same command, run again
    _finish(resumed)
    ref_w, res_w = np.load(tmp_path / "reference.npz"), np.load(tmp_path / "resumed.npz")
    assert set(ref_w.files) == set(res_w.files)
    for k in ref_w.files:
        np.testing.assert_array_equal(res_w[k], ref_w[k], err_msg=k)
    ref = json.loads((tmp_path / "reference.json").read_text())
    res = json.loads((tmp_path / "resumed.json").read_text())
    assert res == ref  # history (all 4 epochs), EarlyStopping's best and wait count
    assert ref["history"]["lr"] == pytest.approx([0.01, 0.007, 0.0049, 0.00343])
    assert not (tmp_path / "bk" / "backup.dg").exists()  # deleted once training completed


def test_backup_restores_in_process(tmp_path):
    """Stop a run mid-epoch (an exception), run fit again: same weights as one run."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 4)), rng.integers(0, 2, 40)

    def make():
        dg.manual_seed(0)
        m = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        return m.compile(optim.SGD(lr=0.1, momentum=0.9), "cross_entropy", ["accuracy"])

    class Crash(dg.train.Callback):
        def __init__(self, at):
            self.at = at

        def on_batch_end(self, batch, logs=None):
            if self.trainer.global_step == self.at:
                raise KeyboardInterrupt

    ref = make()
    h_ref = ref.fit(x, y, epochs=3, batch_size=8, seed=1, verbose=0, callbacks=[Crash(-1)])
    m = make()
    bk = dg.callbacks.BackupAndRestore(tmp_path, save_freq=1)
    with pytest.raises(KeyboardInterrupt):
        m.fit(x, y, epochs=3, batch_size=8, seed=1, verbose=0, callbacks=[Crash(7), bk])
    m2 = make()  # a fresh process would rebuild the model like this
    bk2 = dg.callbacks.BackupAndRestore(tmp_path, save_freq=1)
    h = m2.fit(x, y, epochs=3, batch_size=8, seed=1, verbose=0, callbacks=[Crash(-1), bk2])
    assert bk2.restored_from == (1, 1)  # the backup of step 6 (5 steps per epoch)
    assert h.history == h_ref.history
    for k, v in ref.state_dict().items():
        np.testing.assert_array_equal(m2.state_dict()[k], v)


def test_backup_found_by_declared_capability_not_class_name(tmp_path):
    """A subclass of BackupAndRestore (another class name), given before the other callbacks,
    is still run last, restored at train begin and left out of the saved callback states."""
    from deepgrad.train.callback import backup_callbacks

    class MyBackup(dg.callbacks.BackupAndRestore):
        pass

    class Other(dg.train.Callback):
        pass

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(20, 3)), rng.integers(0, 2, 20)
    dg.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 2)).compile(optim.SGD(lr=0.1), "cross_entropy")
    bk, other = MyBackup(tmp_path, delete_checkpoint=False), Other()
    assert backup_callbacks([other, bk]) == [bk]
    seen = []

    class Order(dg.train.Callback):
        def on_train_begin(self, logs=None):
            seen.append([type(cb).__name__ for cb in self.trainer.callbacks.callbacks])

    m.fit(x, y, epochs=1, batch_size=10, verbose=0, callbacks=[bk, other, Order()])
    assert seen[0][-1] == "MyBackup"  # run last, after the user's others
    assert (tmp_path / "backup.dg").exists()
    m2 = nn.Sequential(nn.Linear(3, 2)).compile(optim.SGD(lr=0.1), "cross_entropy")
    bk2 = MyBackup(tmp_path)
    m2.fit(x, y, epochs=2, batch_size=10, verbose=0, callbacks=[bk2, Other(), Order()])
    assert bk2.restored_from == (1, 0)  # resumed after the first run's epoch


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda st: st.pop("epoch"), r"lacks \['epoch'\]"),
        (lambda st: [st.pop(k) for k in ("step", "rng")], r"lacks \['step', 'rng'\]"),
        (lambda st: st.update(epoch="2"), "epoch is '2', expected an int"),
        (lambda st: st.update(callbacks=[{"state": {}}]), "list of {'class'"),
    ],
)
def test_incomplete_backup_is_refused_naming_the_file(tmp_path, edit, match):
    """A backup lacking entries (or with one of the wrong kind) is a ValueError naming the
    missing keys and the file (a bare KeyError), before the model or optimizer change."""
    from deepgrad.io import pack_state, read_archive, unpack_state, write_archive

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(20, 3)), rng.integers(0, 2, 20)
    dg.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 2)).compile(optim.SGD(lr=0.1), "cross_entropy")
    bk = dg.callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False)
    m.fit(x, y, epochs=1, batch_size=10, verbose=0, callbacks=[bk])
    config, weights, arrays = read_archive(bk.path)
    state = unpack_state(config["training"], arrays)
    edit(state)
    arrays = {}
    write_archive(bk.path, {"kind": "backup", "training": pack_state(state, arrays, "t")},
                  {k: v * 0 for k, v in weights.items()}, arrays)  # fmt: skip
    m2 = nn.Sequential(nn.Linear(3, 2)).compile(optim.SGD(lr=0.1), "cross_entropy")
    before = {k: np.array(v, copy=True) for k, v in m2.state_dict().items()}
    with pytest.raises(ValueError, match=match) as e:
        m2.fit(x, y, epochs=2, batch_size=10, verbose=0,
               callbacks=[dg.callbacks.BackupAndRestore(tmp_path)])  # fmt: skip
    assert "backup.dg" in str(e.value)
    for k, v in m2.state_dict().items():
        np.testing.assert_array_equal(np.asarray(v), before[k])


def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    from deepgrad.io import write_archive

    write_archive(tmp_path / "backup.dg", {"kind": "backup"}, {}, {})
    m = nn.Sequential(nn.Linear(3, 2)).compile(optim.SGD(lr=0.1), "cross_entropy")
    with pytest.raises(ValueError, match="not a training backup .*'training' entry"):
        m.fit(np.zeros((4, 3)), np.zeros(4, dtype=int), epochs=1, verbose=0,
              callbacks=[dg.callbacks.BackupAndRestore(tmp_path)])  # fmt: skip
