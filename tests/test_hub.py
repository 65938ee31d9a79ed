"""dg.hub: torch.hub's weights half (load_state_dict_from_url, download_url_to_file,
get_dir/set_dir) over file:// URLs — no network — checked against torch.hub on the same
files; its code-loading half (load, list, help) refused."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest

import deepgrad as dg


@pytest.fixture
def hub_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(dg.hub, "_hub_dir", None)
    monkeypatch.setenv("DEEPGRAD_CACHE", str(tmp_path / "cache"))
    return tmp_path


def _checkpoint(torch, folder, prefix_len=8):
    net = torch.nn.Linear(3, 2)
    buf = io.BytesIO()
    torch.save(net.state_dict(), buf)
    data = buf.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    path = folder / f"linear-{digest[:prefix_len]}.pth"
    path.write_bytes(data)
    return net, path, digest


def test_load_state_dict_from_url_as_torch(torch, hub_dir, capsys):
    net, path, _ = _checkpoint(torch, hub_dir)
    url = path.as_uri()
    assert dg.hub.get_dir() == str(hub_dir / "cache" / "hub")
    sd = dg.hub.load_state_dict_from_url(url, check_hash=True)
    assert "Downloading" in capsys.readouterr().out
    cached = hub_dir / "cache" / "hub" / "checkpoints" / path.name
    assert cached.read_bytes() == path.read_bytes()
    want = torch.hub.load_state_dict_from_url(url, model_dir=str(hub_dir / "t"), check_hash=True)
    assert list(sd) == list(want)
    for k in want:
        np.testing.assert_array_equal(sd[k].numpy(), want[k].numpy())
    model = dg.nn.Linear(3, 2)
    model.load_state_dict(sd)
    x = np.ones((1, 3), np.float32)
    np.testing.assert_allclose(
        model(dg.tensor(x)).detach().numpy(),
        net(torch.tensor(x)).detach().numpy(),
        rtol=1e-6,
        atol=1e-6,  # float32 sums of random weights: an output near 0 has no relative precision
    )
    path.unlink()  # read from the cache now, not the URL
    again = dg.hub.load_state_dict_from_url(url, file_name=None)
    np.testing.assert_array_equal(again["weight"].numpy(), sd["weight"].numpy())
    dg.hub.set_dir(hub_dir / "elsewhere")
    assert dg.hub.get_dir() == str(hub_dir / "elsewhere")


def test_a_wrong_hash_is_torchs_error_and_leaves_nothing(torch, hub_dir):
    _, path, digest = _checkpoint(torch, hub_dir)
    bad = path.with_name("linear-0000beef.pth")
    path.rename(bad)
    with pytest.raises(RuntimeError, match=r'invalid hash value \(expected "0000beef", got'):
        dg.hub.load_state_dict_from_url(bad.as_uri(), model_dir=hub_dir / "m", check_hash=True)
    assert not (hub_dir / "m" / bad.name).exists()
    dst = hub_dir / "copy.pth"
    dg.hub.download_url_to_file(bad.as_uri(), dst, hash_prefix=digest[:6])
    assert dst.read_bytes() == bad.read_bytes()
    with pytest.raises(RuntimeError, match="invalid hash value"):
        dg.hub.download_url_to_file(bad.as_uri(), hub_dir / "c2.pth", hash_prefix="ffff")
    assert not (hub_dir / "c2.pth").exists()


def test_a_pickle_that_runs_code_is_not_loaded_from_a_url(hub_dir):
    import pickle

    evil = hub_dir / "evil.pth"
    evil.write_bytes(pickle.dumps({"w": 1}))
    with pytest.raises(dg.io.ModelFileError, match="never unpickles"):
        dg.hub.load_state_dict_from_url(evil.as_uri(), model_dir=hub_dir / "m")


@pytest.mark.parametrize("fn", ["load", "list", "help"])
def test_code_loading_is_refused_naming_the_way(fn):
    args = ("pytorch/vision", "resnet18")[: 1 if fn == "list" else 2]
    with pytest.raises(
        NotImplementedError, match="never runs downloaded code.*load_state_dict_from_url"
    ):
        getattr(dg.hub, fn)(*args)


def test_a_failed_check_leaves_no_file_under_any_name(torch, hub_dir):
    _, path, _ = _checkpoint(torch, hub_dir)
    out = hub_dir / "out"
    out.mkdir()
    with pytest.raises(RuntimeError, match="invalid hash value"):
        dg.hub.download_url_to_file(path.as_uri(), out / "w.pth", hash_prefix="ffff")
    assert list(out.iterdir()) == []
