"""Module system, Linear, activation modules, initializers."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.nn import init


class Encoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.act = nn.Tanh()
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class AutoEncoder(nn.Module):
    """Subclassed encoder-decoder with a lazily sized decoder: no build step needed."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = Encoder()
        self.decoder = nn.Sequential(nn.Linear(None, 8), nn.ReLU(), nn.Linear(8, 4))
        self.scale = nn.Parameter(dg.ones(1))
        self.register_buffer("calls", dg.zeros(1))

    def forward(self, x):
        return self.decoder(self.encoder(x)) * self.scale


def test_registration_order_and_names_are_deterministic():
    m = AutoEncoder()
    m(dg.randn(2, 4))
    names = [n for n, _ in m.named_parameters()]
    assert names == [
        "scale",
        "encoder.fc1.weight",
        "encoder.fc1.bias",
        "encoder.fc2.weight",
        "encoder.fc2.bias",
        "decoder.0.weight",
        "decoder.0.bias",
        "decoder.2.weight",
        "decoder.2.bias",
    ]
    assert list(m.state_dict()) == names[:1] + ["calls"] + names[1:]  # as in PyTorch
    assert [type(c).__name__ for c in m.children()] == ["Encoder", "Sequential"]
    assert len(list(m.modules())) == 1 + 4 + 4
    assert m.decoder[0].weight.shape == (8, 3)


def test_shared_parameters_are_listed_once():
    lin = nn.Linear(3, 3)
    m = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(m.parameters())) == 2


def test_state_dict_round_trip_and_snapshot_semantics():
    dg.manual_seed(1)
    a = AutoEncoder()
    x = dg.randn(5, 4)
    ya = a(x).numpy()
    sd = a.state_dict()  # shares the parameters' memory, as PyTorch's
    snapshot = copy.deepcopy(sd)  # a snapshot is not changed by later updates
    a.encoder.fc1.weight.data += 1.0
    np.testing.assert_array_equal(sd["encoder.fc1.weight"], a.encoder.fc1.weight.numpy())
    assert not np.allclose(snapshot["encoder.fc1.weight"], a.encoder.fc1.weight.numpy())
    dg.manual_seed(2)
    b = AutoEncoder()
    b(x)
    b.load_state_dict(snapshot)
    np.testing.assert_array_equal(b(x).numpy(), ya)


def test_load_state_dict_errors_name_keys_and_shapes():
    m = nn.Sequential(nn.Linear(3, 2))
    sd = m.state_dict()
    with pytest.raises(KeyError, match=r"missing keys \['0.bias'\]"):
        m.load_state_dict({"0.weight": sd["0.weight"]})
    with pytest.raises(KeyError, match=r"unexpected keys \['extra'\]"):
        m.load_state_dict({**sd, "extra": np.zeros(1)})
    with pytest.raises(ValueError, match=r"'0.weight' has shape \(3, 2\).*\(2, 3\)"):
        m.load_state_dict({**sd, "0.weight": np.zeros((3, 2))})
    m.load_state_dict({"0.weight": sd["0.weight"]}, strict=False)


def test_torch_state_dict_loads_one_to_one():
    torch = pytest.importorskip("torch")
    tm = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    m = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    m.load_state_dict(tm.state_dict())
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(
        m(dg.tensor(x)).numpy(), tm(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


def test_train_eval_and_freezing():
    m = AutoEncoder()
    m.eval()
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())
    m.encoder.requires_grad_(False)
    x = dg.randn(3, 4)
    m(x).sum().backward()
    assert m.encoder.fc1.weight.grad is None
    assert m.decoder[0].weight.grad is not None
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_repr_is_a_tree():
    r = repr(AutoEncoder())
    assert "(encoder): Encoder(" in r
    assert "(fc1): Linear(in_features=4, out_features=8, bias=True)" in r
    assert "(decoder): Sequential(" in r


def test_assigning_before_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self) -> None:
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match="super"):
        Bad()


def test_get_config_records_constructor_arguments():
    assert nn.Linear(3, 4, bias=False).get_config() == {
        "in_features": 3,
        "out_features": 4,
        "bias": False,
    }
    assert nn.LeakyReLU(0.2).get_config() == {"negative_slope": 0.2}


def test_containers():
    ml = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
    md = nn.ModuleDict({"a": nn.Linear(2, 3)})
    holder = nn.Module()
    holder.ml, holder.md = ml, md
    assert [n for n, _ in holder.named_parameters()] == [
        "ml.0.weight",
        "ml.0.bias",
        "ml.1.weight",
        "ml.1.bias",
        "md.a.weight",
        "md.a.bias",
    ]
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert isinstance(seq[0:2], nn.Sequential) and len(seq[0:2]) == 2
    with pytest.raises(TypeError, match="not a Module"):
        nn.Sequential(nn.Linear(2, 2), "relu")


@pytest.mark.parametrize("batch_shape", [(5,), (2, 3), ()])
def test_linear_shapes_gradcheck_and_torch(batch_shape):
    torch = pytest.importorskip("torch")
    m = nn.Linear(4, 3).double()
    x = dg.tensor(np.random.default_rng(0).standard_normal((*batch_shape, 4)), requires_grad=True)
    assert m(x).shape == (*batch_shape, 3)
    assert dg.gradcheck(lambda a, w, b: dg.functional.linear(a, w, b), x, m.weight, m.bias)
    tm = torch.nn.Linear(4, 3).double()
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})
    tx = torch.tensor(x.numpy(), requires_grad=True)
    y = m(x)
    ty = tm(tx)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
    g = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(m.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(m.bias.grad.numpy(), tm.bias.grad.numpy(), rtol=1e-10)


def test_linear_errors_and_lazy():
    m = nn.Linear(4, 3)
    with pytest.raises(
        ValueError, match=r"Linear\(4, 3\): expected input with last axis 4, got shape \(2, 5\)"
    ):
        m(dg.zeros(2, 5))
    lazy = nn.Linear(None, 3)
    assert all(nn.parameter.is_lazy(p) for p in lazy.parameters())  # PyTorch's placeholders
    assert lazy(dg.zeros(2, 7)).shape == (2, 3)
    assert lazy.weight.shape == (3, 7)
    with pytest.raises(ValueError, match=">= 0"):
        nn.Linear(-1, 3)


def test_linear_default_init_is_pytorchs_uniform():
    dg.manual_seed(0)
    m = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w = m.weight.numpy()
    assert w.dtype == np.float32
    assert w.min() >= -bound and w.max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.002


@pytest.mark.parametrize(
    "name, std",
    [
        ("normal", 0.01),
        ("xavier_normal", math.sqrt(2 / (300 + 400))),
        ("xavier_uniform", math.sqrt(2 / (300 + 400))),
        ("kaiming_normal", math.sqrt(2 / 400)),
        ("kaiming_uniform", math.sqrt(2 / 400)),
    ],
)
def test_initializers_have_the_documented_scale(name, std):
    dg.manual_seed(0)
    m = nn.Linear(400, 300, weight_init=name, bias_init="zeros")
    assert m.weight.numpy().std() == pytest.approx(std, rel=0.03)
    assert not m.bias.numpy().any()


def test_init_functions():
    w = dg.zeros(64, 32)
    init.orthogonal_(w)
    np.testing.assert_allclose(w.numpy().T @ w.numpy(), np.eye(32), atol=1e-5)
    init.constant_(w, 0.5)
    assert (w.numpy() == 0.5).all()
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    with pytest.raises(ValueError, match="unknown initializer"):
        init.get("glorot")
    conv_w = dg.zeros(16, 3, 3, 3)
    assert init.fan_in_and_fan_out(conv_w) == (27, 144)


def test_same_seed_same_model():
    dg.manual_seed(5)
    a = nn.Linear(3, 3).state_dict()
    dg.manual_seed(5)
    b = nn.Linear(3, 3).state_dict()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


@pytest.mark.parametrize(
    "module, fn",
    [
        (nn.ReLU(), "relu"),
        (nn.LeakyReLU(0.1), "leaky_relu"),
        (nn.ELU(), "elu"),
        (nn.GELU(), "gelu"),
        (nn.Sigmoid(), "sigmoid"),
        (nn.Tanh(), "tanh"),
        (nn.Softplus(), "softplus"),
        (nn.Softmax(dim=-1), "softmax"),
        (nn.LogSoftmax(dim=-1), "log_softmax"),
    ],
)
def test_activation_modules_match_torch(module, fn):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 5))
    tmod = {
        "relu": torch.nn.ReLU(),
        "leaky_relu": torch.nn.LeakyReLU(0.1),
        "elu": torch.nn.ELU(),
        "gelu": torch.nn.GELU(),
        "sigmoid": torch.nn.Sigmoid(),
        "tanh": torch.nn.Tanh(),
        "softplus": torch.nn.Softplus(),
        "softmax": torch.nn.Softmax(dim=-1),
        "log_softmax": torch.nn.LogSoftmax(dim=-1),
    }[fn]
    a = dg.tensor(x, requires_grad=True)
    ta = torch.tensor(x, requires_grad=True)
    y, ty = module(a), tmod(ta)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-7, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(x.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-7, atol=1e-12)
    assert dg.gradcheck(module, dg.tensor(x, requires_grad=True))


def test_flatten_and_identity():
    x = dg.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Identity()(x) is x


def test_save_and_load_weights_methods(tmp_path):
    a = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    a.save_weights(tmp_path / "w.safetensors")
    b = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    assert b.load_weights(tmp_path / "w.safetensors") is b
    x = dg.randn(5, 3)
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())


def test_a_module_accepts_a_numpy_array():
    m = nn.Linear(4, 2)
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_array_equal(m(x).numpy(), m(dg.tensor(x)).numpy())


def test_tensor_from_strings_is_refused():
    with pytest.raises(TypeError, match="cannot make a tensor"):
        dg.tensor("abc")
    with pytest.raises(TypeError, match="cannot make a tensor"):
        dg.tensor([object()])


def test_deepcopy_of_a_module_list_built_from_a_generator(torch):
    """``nn.ModuleList(Block() for _ in range(n))`` (and ``nn.TransformerEncoder``, which
    builds its layers that way) deep-copies, as the Transformer tutorial's ``best_model =
    copy.deepcopy(model)`` needs: the recorded constructor arguments held a spent generator,
    which cannot be copied."""
    import copy

    x = np.random.default_rng(0).normal(size=(5, 2, 4))
    for lib in (torch, dg):
        lib.manual_seed(0)
        m = lib.nn.ModuleList(lib.nn.Linear(4, 4) for _ in range(3))
        enc = lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(4, 2, 8, 0.0), 2)
        m2, enc2 = copy.deepcopy(m), copy.deepcopy(enc)
        assert len(m2) == 3 and m2[0].weight is not m[0].weight
        np.testing.assert_array_equal(m2[2].weight.detach().numpy(), m[2].weight.detach().numpy())
        xt = lib.tensor(x, dtype=lib.float32)
        np.testing.assert_allclose(
            enc2(xt).detach().numpy(), enc(xt).detach().numpy(), rtol=1e-6, atol=1e-6
        )
        with lib.no_grad():
            m2[0].weight.fill_(1.0)
        assert float(m[0].weight.sum()) != 16.0
    assert dg.nn.ModuleList(dg.nn.Linear(2, 2) for _ in range(2)).get_config()["modules"][1]


def test_load_state_dict_returns_torchs_incompatible_keys_and_raises_torchs_error(torch):
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    sd = m.state_dict()
    res = m.load_state_dict(sd)
    assert res == ([], []) and repr(res) == "<All keys matched successfully>"
    del sd["2.bias"]
    sd["extra"] = sd["0.bias"]
    missing, unexpected = m.load_state_dict(sd, strict=False)  # PyTorch's unpacking
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    tres = tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in sd.items()}, strict=False)
    assert (missing, unexpected) == (tres.missing_keys, tres.unexpected_keys)
    for exc in (RuntimeError, KeyError):  # PyTorch's type, and deepgrad's before
        with pytest.raises(exc, match=r"missing keys \['2.bias'\], unexpected keys \['extra'\]"):
            m.load_state_dict(sd)


def test_parameter_list_and_dict_register_as_torchs(torch):
    import deepgrad as dg

    ours = nn.Module()
    ours.ws = nn.ParameterList([nn.Parameter(dg.zeros(2, 3)), dg.zeros(3)])
    ours.d = nn.ParameterDict({"a": nn.Parameter(dg.zeros(1)), "b": dg.zeros(2)})
    tm = torch.nn.Module()
    tm.ws = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(2, 3)), torch.zeros(3)])
    tm.d = torch.nn.ParameterDict({"a": torch.nn.Parameter(torch.zeros(1)), "b": torch.zeros(2)})
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert all(p.requires_grad for p in ours.parameters()) and len(ours.ws) == 2
    ours.ws.append(dg.ones(1))
    ours.d["c"] = dg.ones(4)
    assert len(list(ours.parameters())) == 6 and "c" in ours.d and ours.ws[-1].shape == (1,)
    ours.ws.append([1.0])  # not a tensor: kept as it is, no parameter (PyTorch's)
    tm.ws.append([1.0])
    assert ours.ws[-1] == tm.ws[-1] == [1.0] and len(list(ours.parameters())) == 6
    assert [repr(w.ws).splitlines()[-2].split(": ", 1)[1] for w in (ours, tm)] == [
        "Object of type: list"
    ] * 2


def test_a_sequential_slice_keeps_the_layer_names_as_pytorch():
    torch = pytest.importorskip("torch")
    names = []
    for lib in (dg, torch):
        seq = lib.nn.Sequential()
        seq.add_module("conv_1", lib.nn.Conv2d(1, 2, 3))
        seq.add_module("relu_1", lib.nn.ReLU())
        seq.add_module("pool_1", lib.nn.MaxPool2d(2))
        head = seq[: (1 + 1)]
        assert type(head) is lib.nn.Sequential and head.conv_1 is seq[0]
        names.append(([n for n, _ in head.named_children()], list(head.state_dict()),
                      [n for n, _ in seq[1:][::-1].named_children()]))  # fmt: skip
    assert names[0] == names[1] == (["conv_1", "relu_1"], ["conv_1.weight", "conv_1.bias"],
                                    ["pool_1", "relu_1"])  # fmt: skip


def test_state_dict_keeps_a_shared_module_under_each_name_as_torch():
    # locuslab/TCN: self.conv1 is also self.net[0]; PyTorch saves and expects both key sets
    torch = pytest.importorskip("torch")
    built = {}
    for lib in (torch, dg):

        class Block(lib.nn.Module):
            def __init__(self, lib=lib):
                super().__init__()
                self.conv1 = lib.nn.Conv1d(2, 3, 2)
                self.net = lib.nn.Sequential(self.conv1, lib.nn.ReLU(), lib.nn.BatchNorm1d(3))
                self.head = lib.nn.Linear(3, 1)
                self.out = self.head

        built[lib.__name__] = Block()
    tmodel, model = built["torch"], built["deepgrad"]
    assert list(model.state_dict()) == list(tmodel.state_dict())
    assert [n for n, _ in model.named_modules(remove_duplicate=False)] == [
        n for n, _ in tmodel.named_modules(remove_duplicate=False)
    ]
    assert [n for n, _ in model.named_modules()] == [n for n, _ in tmodel.named_modules()]
    assert [n for n, _ in model.named_parameters()] == [n for n, _ in tmodel.named_parameters()]
    model.load_state_dict({k: v.numpy() for k, v in tmodel.state_dict().items()})
    np.testing.assert_array_equal(model.conv1.weight.numpy(), tmodel.conv1.weight.detach().numpy())


@pytest.mark.parametrize(
    ("build", "near"),
    [
        (lambda: nn.Linear(3, 4, bais=False), "bias"),
        (lambda: nn.Conv2d(1, 2, 3, paddin=1), "padding"),
        (lambda: nn.LSTM(3, 4, batch_frist=True), "batch_first"),
        (lambda: nn.CrossEntropyLoss(label_smothing=0.1), "label_smoothing"),
        (lambda: nn.Dropout(inplce=True), "inplace"),
    ],
)
def test_a_misspelt_constructor_keyword_names_the_class_and_the_nearest(build, near) -> None:
    with pytest.raises(
        TypeError, match=rf"\(\) got an unexpected keyword argument .*did you mean '{near}'"
    ):
        build()
    with pytest.raises(TypeError, match=r"^Dropout\(\) got"):  # the class built, not its base
        nn.Dropout(inplce=True)


def test_user_modules_get_the_same_message_and_keep_their_kwargs() -> None:
    class Block(nn.Module):
        def __init__(self, width: int, depth: int = 2) -> None:
            super().__init__()
            self.width, self.depth = width, depth

    class Open(nn.Module):
        def __init__(self, **options) -> None:
            super().__init__()
            self.options = options

    with pytest.raises(
        TypeError,
        match=r"Block\(\) got an unexpected keyword argument 'dept'; did you mean 'depth'",
    ):
        Block(3, dept=4)
    assert Block(width=3, depth=4).depth == 4
    assert Open(anything=1).options == {"anything": 1}


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.Linear(2, 3, 1),
        lambda nn: nn.Linear(2, 3, 0),
        lambda nn: nn.Conv2d(1, 2, 3, bias=0),
        lambda nn: nn.Bilinear(1, 2, 3, bias=0),
        lambda nn: nn.LayerNorm(3, bias=0),
        lambda nn: nn.BatchNorm1d(3, affine=0, track_running_stats=0),
    ],
)
def test_repr_of_a_layer_built_with_int_flags_is_pytorchs(make):
    """PyTorch takes 1/0 for these flags and prints what the layer has (bias=True), not the
    argument as it came."""
    torch = pytest.importorskip("torch")
    assert repr(make(nn)) == repr(make(torch.nn))


@pytest.mark.parametrize(
    "code",
    [
        "nn.Linear(-1, 3)", "nn.Conv2d(1, 2, -1)", "nn.BatchNorm2d(-1)", "nn.Embedding(-1, 3)",
        "nn.Bilinear(-1, 2, 3)", "nn.LayerNorm(-1)", "nn.GroupNorm(2, -2)",
        "nn.TransformerEncoderLayer(4, 2, activation='foo')",
    ],
)  # fmt: skip
def test_impossible_layer_sizes_raise_pytorchs_runtime_error(code):
    """PyTorch raises RuntimeError ("Trying to create tensor with negative dimension", an
    unknown activation); deepgrad's errors are that class too (and still ValueError)."""
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        eval(code, {"nn": torch.nn})
    with pytest.raises(RuntimeError) as got:
        eval(code, {"nn": nn})
    assert isinstance(got.value, ValueError)
