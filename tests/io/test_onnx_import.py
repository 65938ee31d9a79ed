"""ONNX import: ``deepgrad.io.load_onnx`` on the zoo's exported models (export → import → the
same outputs), the exported models in onnxruntime (two batch sizes), gradients through an
imported model, and the error that lists unsupported operators."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")

import deepgrad as dg  # noqa: E402
from deepgrad import models  # noqa: E402
from deepgrad.io import export_onnx, load_onnx  # noqa: E402
from deepgrad.io.onnx_import import OnnxImportError, OnnxModule  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5


def _f32(rng, *shape):
    return rng.normal(size=shape).astype(np.float32)


def _run(model, x):
    model.eval()
    with dg.no_grad():
        y = model(dg.tensor(x))
    return y[0].numpy() if isinstance(y, tuple) else y.numpy()


def _warm(model, x):
    model.train()
    with dg.no_grad():
        model(dg.tensor(x))
    model.eval()
    return model


def _zoo(rng):
    """(name, model, two example batches of different sizes)."""
    img = lambda n, c=1, s=8: _f32(rng, n, c, s, s)  # noqa: E731
    seq = lambda n: _f32(rng, n, 4, 3)  # noqa: E731
    return [
        ("MLP", models.MLP(4, [8, 8], 3, activation="tanh"), _f32(rng, 2, 4), _f32(rng, 5, 4)),
        ("MLP-bn", _warm(models.MLP(4, [8], 3, dropout=0.5, batch_norm=True), _f32(rng, 16, 4)),
         _f32(rng, 2, 4), _f32(rng, 3, 4)),
        ("LeNet5", _warm(models.LeNet5(1, 10, padding=2), img(2)), img(2), img(3)),
        ("VGG", _warm(models.VGG(1, 5, stages=((4,), (8,)), hidden=16), img(8)), img(2), img(3)),
        ("ResNet", _warm(models.ResNet(1, 5, blocks=(1, 1), widths=(4, 8)), img(8)), img(2),
         img(3)),
        ("ConvAutoencoder", models.ConvAutoencoder(1, 4, 2), img(2), img(3)),
        ("DenseAutoencoder", models.DenseAutoencoder(12, (8,), 3), _f32(rng, 2, 12),
         _f32(rng, 3, 12)),
        ("LSTMAutoencoder", models.LSTMAutoencoder(3, 5), seq(2), seq(3)),
        ("RNNClassifier-lstm", models.RNNClassifier(3, 5, input_size=3, num_layers=2,
                                                   bidirectional=True), seq(2), seq(3)),
        ("RNNClassifier-gru", models.RNNClassifier(3, 5, input_size=3, cell="gru"), seq(2),
         seq(3)),
        ("Transformer", models.TransformerClassifier(3, input_size=4, d_model=8, nhead=2,
                                                     num_layers=1, dim_feedforward=16),
         _f32(rng, 2, 5, 4), _f32(rng, 3, 5, 4)),
        ("Generator", models.Generator(4, 6, 8), _f32(rng, 2, 4), _f32(rng, 3, 4)),
        ("UNet", models.UNet(1, 4, base=4, depth=2), img(2, 1, 16), img(3, 1, 16)),
        ("UNet-bilinear", models.UNet(1, 4, base=4, depth=2, upsample="bilinear"),
         img(2, 1, 16), img(3, 1, 16)),
        ("CenterNet", models.CenterNet(1, 3, width=4), img(2, 1, 32), img(3, 1, 32)),
        ("ImageNetResNet", models.ImageNetResNet((1, 1, 1, 1), 5, widths=(4, 8, 8, 8)),
         img(2, 3, 32), img(3, 3, 32)),
        ("ImageNetVGG-bn", models.ImageNetVGG([4, "M", 8, "M"], 5, batch_norm=True, hidden=8),
         img(2, 3, 16), img(3, 3, 16)),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    rng = np.random.default_rng(0)
    out = []
    for name, model, a, b in _zoo(rng):
        path = export_onnx(model, tmp_path_factory.mktemp(name) / "m.onnx", a)
        out.append((name, model, path, a, b))
    return out


def test_round_trip_gives_the_same_outputs_for_the_zoo(exported):
    for name, model, path, a, b in exported:
        net = load_onnx(path)
        assert isinstance(net, OnnxModule)
        for x in (a, b):  # two batch sizes (the exported graph has a dynamic batch)
            with dg.no_grad():
                got = net(dg.tensor(x))
            got = got[0] if isinstance(got, tuple) else got
            np.testing.assert_allclose(got.numpy(), _run(model, x), rtol=RTOL, atol=ATOL,
                                       err_msg=name)  # fmt: skip


def test_exported_models_run_in_onnxruntime(exported):
    ort = pytest.importorskip("onnxruntime")
    for name, model, path, a, b in exported:
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        feed = sess.get_inputs()[0].name
        for x in (a, b):
            got = sess.run(None, {feed: x})[0]
            np.testing.assert_allclose(got, _run(model, x), rtol=RTOL, atol=ATOL, err_msg=name)


def test_imported_weights_are_parameters_and_train(tmp_path):
    rng = np.random.default_rng(1)
    model = models.LeNet5(1, 10, padding=2)
    x = _f32(rng, 4, 1, 8, 8)
    net = load_onnx(export_onnx(model, tmp_path / "m.onnx", x))
    params = dict(net.named_parameters())
    assert len(params) == len(list(model.parameters()))
    assert sum(p.numpy().size for p in params.values()) == sum(
        p.numpy().size for p in model.parameters()
    )
    net.train()
    loss = dg.functional.cross_entropy(net(dg.tensor(x)), dg.tensor(np.arange(4)))
    loss.backward()
    assert all(p.grad is not None and np.abs(p.grad.numpy()).sum() > 0 for p in params.values())
    # the same gradient as the original model's
    model.train()
    loss2 = dg.functional.cross_entropy(model(dg.tensor(x)), dg.tensor(np.arange(4)))
    loss2.backward()
    np.testing.assert_allclose(
        sorted(float(np.abs(p.grad.numpy()).sum()) for p in params.values()),
        sorted(float(np.abs(p.grad.numpy()).sum()) for p in model.parameters()),
        rtol=1e-4,
    )


def _model(nodes, inputs, outputs, inits=()):
    from onnx import helper

    g = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def test_unsupported_operators_are_listed_before_anything_runs():
    from onnx import TensorProto, helper

    vi = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, [2])  # noqa: E731
    nodes = [
        helper.make_node("Relu", ["x"], ["a"]),
        helper.make_node("Hardmax", ["a"], ["b"]),
        helper.make_node("LpPool", ["b"], ["c"], kernel_shape=[1]),
        helper.make_node("Hardmax", ["c"], ["y"]),
    ]
    with pytest.raises(OnnxImportError) as e:
        load_onnx(_model(nodes, [vi("x")], [vi("y")]))
    msg = str(e.value)
    assert "2 operator(s)" in msg and "Hardmax ×2" in msg and "LpPool ×1" in msg
    assert "nearest supported: " in msg and "Relu" in msg  # names what is supported


def test_bad_path_and_type():
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_onnx("/nonexistent/model.onnx")
    with pytest.raises(TypeError, match="ModelProto"):
        load_onnx(3)


def test_attention_shaped_subgraph():
    """MatMul → scale → Softmax → MatMul (what an exported attention layer holds)."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(2)
    q, k, v = (_f32(rng, 2, 3, 4) for _ in range(3))
    nodes = [
        helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 2, 1]),
        helper.make_node("MatMul", ["q", "kt"], ["s"]),
        helper.make_node("Mul", ["s", "scale"], ["ss"]),
        helper.make_node("Softmax", ["ss"], ["p"], axis=-1),
        helper.make_node("MatMul", ["p", "v"], ["y"]),
    ]
    vi = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, [2, 3, 4])  # noqa: E731
    scale = numpy_helper.from_array(np.array(0.5, np.float32), "scale")
    net = load_onnx(_model(nodes, [vi("q"), vi("k"), vi("v")], [vi("y")], [scale]))
    s = q @ k.transpose(0, 2, 1) * 0.5
    p = np.exp(s - s.max(-1, keepdims=True))
    want = (p / p.sum(-1, keepdims=True)) @ v
    np.testing.assert_allclose(net(q, k, v).numpy(), want, rtol=1e-5, atol=1e-6)


def test_a_file_that_is_not_onnx_is_refused_clearly(tmp_path):
    from deepgrad.io.onnx_import.registry import OnnxImportError

    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\xff\x00 definitely not a protobuf model \x00" * 10)
    with pytest.raises(OnnxImportError, match="is not an ONNX model"):
        dg.io.load_onnx(bad)
    with pytest.raises(OnnxImportError, match="is not an ONNX model"):
        dg.io.load_onnx(b"\x08\x07")  # parses, but holds no graph


def test_external_data_is_refused_not_followed(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    from deepgrad.io.onnx_import.registry import OnnxImportError

    w = onnx.numpy_helper.from_array(np.arange(4, dtype=np.float32).reshape(2, 2), "w")
    node = helper.make_node("MatMul", ["x", "w"], ["y"])
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
        initializer=[w],
    )  # fmt: skip
    model = helper.make_model(graph)
    path = tmp_path / "ext.onnx"
    onnx.save(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
              location="data.bin", size_threshold=0)  # fmt: skip
    with pytest.raises(OnnxImportError, match="external files"):
        dg.io.load_onnx(path)


def _one_node_model(node, initializers=()):
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=list(initializers),
    )  # fmt: skip
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_external_data_in_a_constant_node_is_not_opened(tmp_path, monkeypatch):
    """Only the graph's initializers were checked: a Constant node's tensor naming a file in
    the working folder was read from there (onnx resolves it against '')."""
    from onnx import TensorProto, helper

    (tmp_path / "secret.bin").write_bytes(np.float32(42).tobytes())
    monkeypatch.chdir(tmp_path)
    value = TensorProto(name="c", data_type=TensorProto.FLOAT, dims=[1])
    value.data_location = TensorProto.EXTERNAL
    entry = value.external_data.add()
    entry.key, entry.value = "location", "secret.bin"
    node = helper.make_node("Constant", [], ["y"], value=value)
    data = _one_node_model(node).SerializeToString()
    with pytest.raises(OnnxImportError, match="node 'Constant', attribute 'value', tensor 'c' "
                       "is kept in an external file"):  # fmt: skip
        dg.io.load_onnx(data)


@pytest.mark.parametrize(
    ("dims", "raw", "match"),
    [
        ([2**20, 2**20], bytes(8), r"declares dims \(1048576, 1048576\) .* but holds 8 bytes"),
        ([2**32, 2**32], b"", "declares dims"),  # 2**64 values: int64 would wrap to 0
        ([-1, 2], bytes(8), r"has dims \(-1, 2\); expected non-negative sizes"),  # was loaded
        ([3], bytes(4), r"does not hold the values its dims \(3,\) declare"),
    ],
)
def test_initializers_that_lie_about_their_size(dims, raw, match):
    from onnx import TensorProto, helper

    w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=dims, raw_data=raw)
    model = _one_node_model(helper.make_node("Add", ["x", "w"], ["y"]), [w])
    with pytest.raises(OnnxImportError, match=match):
        dg.io.load_onnx(model.SerializeToString())


def test_string_tensors_are_refused():
    from onnx import TensorProto, helper

    w = helper.make_tensor("w", TensorProto.STRING, [1], [b"abc"])
    model = _one_node_model(helper.make_node("Identity", ["w"], ["y"]), [w])
    with pytest.raises(OnnxImportError, match="initializer 'w' has data type STRING"):
        dg.io.load_onnx(model.SerializeToString())


# --- operators whose output size comes from the model's values ---------------------------


def _graph_model(nodes, inputs, initializers=(), opset=17):
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=list(initializers),
    )  # fmt: skip
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _ints(name, values):
    from onnx import numpy_helper

    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def _floats(name, values):
    from onnx import numpy_helper

    return numpy_helper.from_array(np.array(values, dtype=np.float32), name)


_X = ("x", 1, [None])  # a float input of any length (TensorProto.FLOAT == 1)


@pytest.mark.parametrize(
    ("node", "inits", "match"),
    [
        # 256 GiB of float32, and a size NumPy cannot even represent ('array is too big')
        (("ConstantOfShape", ["s"]), [_ints("s", [2**18, 2**18])], r"shape \(262144, 262144\)"),
        (("ConstantOfShape", ["s"]), [_ints("s", [2**40, 2**40])], r"68,719,476,736|1,208,925"),
        (("ConstantOfShape", ["s"]), [_ints("s", [-3])], r"\(-3,\); expected non-negative"),
        (("Expand", ["x", "s"]), [_ints("s", [2**20, 2**20])], r"as large as \(1048576, 1048"),
        (("Tile", ["x", "s"]), [_ints("s", [2**62])], r"repeats \(4611686018427387904,\)"),
        (("Range", ["a", "b", "c"]), [_floats(k, v) for k, v in zip("abc", (0, 1e30, 1))],
         r"an output of shape \(1000000015047466219876688855040,\)"),
        (("Range", ["a", "b", "c"]), [_floats(k, v) for k, v in zip("abc", (0, 10, 0))],
         "delta != 0"),  # was a ZeroDivisionError
        (("Range", ["a", "b", "c"]), [_floats(k, v) for k, v in zip("abc", (0, np.nan, 1))],
         "expected finite values"),
        (("Reshape", ["x", "s"]), [_ints("s", [-5])], "at most one -1"),  # was taken as -1
    ],
)  # fmt: skip
def test_constant_sizes_past_the_limit_are_refused_at_load(node, inits, match):
    """Sizes that are constants in the file are checked when it is loaded: they allocated
    whatever they asked at run time (or failed inside NumPy)."""
    from onnx import helper

    op_type, ins = node
    model = _graph_model([helper.make_node(op_type, ins, ["y"])], [_X], inits)
    with pytest.raises(OnnxImportError, match=rf"ONNX {op_type} node '{op_type}_0': .*{match}"):
        load_onnx(model.SerializeToString())


def _run_refused(model, *inputs, match):
    net = load_onnx(model.SerializeToString())
    with pytest.raises(OnnxImportError, match=match):
        net(*inputs)
    return net


def test_sizes_from_the_inputs_are_checked_at_run_time(monkeypatch):
    """Sizes computed from the inputs: at most 16x the largest tensor of the run (at least
    MIN_LIMIT elements); the error names the node, the op and the shape asked for."""
    from onnx import TensorProto, helper

    from deepgrad.io.onnx_import import registry

    model = _graph_model(
        [helper.make_node("ConstantOfShape", ["s"], ["y"])], [("s", TensorProto.INT64, [None])]
    )
    # NumPy's 'array is too big' (a ValueError) before; checked before allocating now
    _run_refused(model, np.array([2**40, 2**40]), match=r"ConstantOfShape node .* shape \(1099")
    monkeypatch.setattr(registry, "MIN_LIMIT", 10)
    net = load_onnx(model.SerializeToString())
    assert net(np.array([4, 8])).shape == (4, 8)  # 16 x the largest tensor (2 elements): 32
    with pytest.raises(OnnxImportError, match=r"shape \(4, 9\) \(36 elements\), more than the 32 "):
        net(np.array([4, 9]))
    monkeypatch.setattr(registry, "MIN_LIMIT", 100)  # ...or MIN_LIMIT, whichever is more
    assert net(np.array([4, 9])).shape == (4, 9)
    with pytest.raises(OnnxImportError, match=r"\(110 elements\), more than the 100 "):
        net(np.array([10, 11]))
    # a trusted model may be given more
    big = load_onnx(model.SerializeToString(), max_elements=10**6)
    assert big(np.array([1000, 1000])).shape == (1000, 1000)
    with pytest.raises(OnnxImportError, match="more than the 1,000,000"):
        big(np.array([1001, 1000]))


def _conv_model(op_type, **attrs):
    from onnx import helper

    ins = ["x", "w"] if op_type.startswith("Conv") else ["x"]
    node = helper.make_node(op_type, ins, ["y"], **attrs)
    return _graph_model([node], [("x", 1, [1, 1, 4, 4])], [_floats("w", np.ones((1, 1, 1, 1)))])


_IMAGE = np.ones((1, 1, 4, 4), np.float32)
_SCALAR = ("s", 1, [])


@pytest.mark.parametrize(
    ("make", "inputs", "match"),
    [
        (lambda h: _graph_model([h.make_node("Expand", ["x", "s"], ["y"])], [_X, ("s", 7, [2])]),
         (np.ones(1, np.float32), np.array([100, 1000])), r"Expand .*shape \(100, 1000\)"),
        (lambda h: _graph_model([h.make_node("Tile", ["x", "s"], ["y"])], [_X, ("s", 7, [1])]),
         (np.ones(1, np.float32), np.array([10**5])), r"Tile .*shape \(100000,\)"),
        (lambda h: _graph_model([h.make_node("Range", ["a", "b", "c"], ["y"])],
                                [("a", 1, []), ("b", 1, []), ("c", 1, [])]),
         (np.float32(0), np.float32(1e5), np.float32(1)), r"Range .*shape \(100000,\)"),
        (lambda h: _graph_model([h.make_node("Pad", ["x", "p"], ["y"])], [_X, ("p", 7, [2])]),
         (np.ones(1, np.float32), np.array([0, 10**5])), r"Pad .*shape \(100001,\)"),
        (lambda h: _conv_model("Conv", pads=[10**4, 0, 10**4, 0]), (_IMAGE,),
         r"Conv .*padded input of shape \(1, 1, 20004, 4\)"),
        (lambda h: _conv_model("ConvTranspose", strides=[300, 300]), (_IMAGE,),
         r"ConvTranspose .*shape \(1, 1, 901, 901\)"),
        (lambda h: _conv_model("MaxPool", kernel_shape=[1, 1], pads=[10**4, 0, 10**4, 0]),
         (_IMAGE,), r"MaxPool .*padded input of shape \(1, 1, 20004, 4\)"),
        (lambda h: _conv_model("AveragePool", kernel_shape=[1, 1], pads=[10**4, 0, 10**4, 0]),
         (_IMAGE,), r"AveragePool .*padded input of shape \(1, 1, 20004, 4\)"),
    ],
)  # fmt: skip
def test_each_data_sized_operator_is_checked_before_allocating(monkeypatch, make, inputs, match):
    from onnx import helper

    from deepgrad.io.onnx_import import registry

    monkeypatch.setattr(registry, "MIN_LIMIT", 1000)  # the inputs here hold at most 16 values
    _run_refused(make(helper), *inputs, match=match + r" \([\d,]+ elements\), more than the 1,000 ")


@pytest.mark.parametrize(
    ("attrs", "match"),
    [
        ({"strides": [0, 1]}, r"strides \(0, 1\): expected 2 positive sizes"),  # ZeroDivisionError
        ({"kernel_shape": [1, 1], "dilations": [1]}, r"dilations \(1,\): expected 2 positive"),
        ({"pads": [1]}, r"pads \(1,\): expected 4 values"),  # was an IndexError
    ],
)
def test_convolution_geometry_is_checked(attrs, match):
    _run_refused(_conv_model("Conv", **attrs), _IMAGE, match=match)


def test_sparse_initializers_are_refused_at_load():
    """A sparse initializer was ignored: its name failed as a KeyError in forward."""
    from onnx import TensorProto, helper

    values = helper.make_tensor("w", TensorProto.FLOAT, [1], [2.0])
    indices = helper.make_tensor("w_idx", TensorProto.INT64, [1], [0])
    model = _graph_model([helper.make_node("Add", ["x", "w"], ["y"])], [_X])
    model.graph.sparse_initializer.append(helper.make_sparse_tensor(values, indices, [3]))
    with pytest.raises(OnnxImportError, match=r"1 sparse initializer\(s\) \('w'\); deepgrad "
                       "reads dense initializers only"):  # fmt: skip
        load_onnx(model.SerializeToString())


def test_names_that_nothing_defines_are_refused_at_load():
    from onnx import helper

    model = _graph_model([helper.make_node("Add", ["x", "xs"], ["y"])], [_X])
    with pytest.raises(OnnxImportError, match=r"Add node 'Add_0': input 'xs' is not a graph "
                       r"input, an initializer or an earlier node's output \(nearest: 'x'\)"):  # fmt: skip
        load_onnx(model.SerializeToString())
    model = _graph_model([helper.make_node("Relu", ["x"], ["z"])], [_X])
    with pytest.raises(OnnxImportError, match="graph output 'y' is not"):
        load_onnx(model.SerializeToString())


def test_other_errors_in_forward_name_the_node():
    from onnx import helper

    model = _graph_model([helper.make_node("MatMul", ["x", "w"], ["y"])], [_X],
                         [_floats("w", np.ones((3, 2)))])  # fmt: skip
    with pytest.raises(ValueError) as info:
        load_onnx(model.SerializeToString())(np.ones(2, np.float32))
    assert "(in ONNX MatMul node 'MatMul_0')" in info.value.__notes__


def test_recurrent_hidden_size_must_match_the_weights():
    """hidden_size was read from the attribute alone: 2**40 allocated the initial state."""
    from onnx import helper

    w, r = _floats("w", np.ones((1, 8, 3))), _floats("r", np.ones((1, 8, 2)))
    node = helper.make_node("LSTM", ["x", "w", "r"], ["y"], hidden_size=2**40)
    model = _graph_model([node], [("x", 1, [1, 1, 3])], [w, r])
    _run_refused(model, np.ones((1, 1, 3), np.float32),
                 match=r"LSTM node 'LSTM_0': hidden_size 1099511627776 does not match the "
                 r"recurrence weights of shape \(1, 8, 2\)")  # fmt: skip


# --- broadcasting and products: two small inputs make a large output -------------------------


def _pair_model(op_type, a, b, **attrs):
    """A graph with no inputs: ``op_type`` of the initializers ``a`` and ``b``."""
    from onnx import helper

    node = helper.make_node(op_type, ["a", "b"], ["y"], **attrs)
    return _graph_model([node], [], [_floats("a", a), _floats("b", b)])


@pytest.mark.parametrize("op_type", ["Add", "Mul", "Max", "Equal", "Pow", "PRelu"])
def test_constant_broadcasts_past_the_limit_are_refused_at_load(op_type):
    """(N, 1) and (1, N) initializers broadcast to N² elements: the file holds 2N values. The
    shape was not checked, so the run allocated whatever the broadcast asked for."""
    n = 2**14  # 2 x 64 KiB of float32 in the file; 2**28 elements (1 GiB) broadcast
    model = _pair_model(op_type, np.ones((n, 1)), np.ones((1, n)))
    with pytest.raises(OnnxImportError, match=rf"ONNX {op_type} node '{op_type}_0': asks for the "
                       r"broadcast of \(16384, 1\), \(1, 16384\), of shape \(16384, 16384\) "
                       r"\(268,435,456 elements\), more than the 67,108,864"):  # fmt: skip
        load_onnx(model.SerializeToString())


def test_chained_constant_broadcasts_are_refused_at_load():
    """Each broadcast in the limit, the chain past it: 3 x 16 KiB make 2**36 elements."""
    from onnx import helper

    n = 2**12
    inits = [_floats(k, np.ones(s)) for k, s in zip("abc", ((n, 1, 1), (1, n, 1), (1, 1, n)))]
    nodes = [helper.make_node("Mul", ["a", "b"], ["ab"]), helper.make_node("Add", ["ab", "c"], ["y"])]  # fmt: skip
    model = _graph_model(nodes, [], inits)
    with pytest.raises(OnnxImportError, match=r"Add node 'Add_1': .*of shape \(4096, 4096, 4096\)"):
        load_onnx(model.SerializeToString())


def test_shapes_that_do_not_broadcast_are_refused_at_load():
    model = _pair_model("Add", np.ones((2, 3)), np.ones((4,)))
    with pytest.raises(OnnxImportError, match=r"Add node 'Add_0': inputs of shapes \(2, 3\), "
                       r"\(4,\) do not broadcast together"):  # fmt: skip
        load_onnx(model.SerializeToString())


def _limited(make, *inputs, match):
    """``make(helper)``'s model run under a 1,000-element limit: refused, naming the node."""
    from onnx import helper

    net = load_onnx(make(helper).SerializeToString(), max_elements=1000)
    with pytest.raises(
        OnnxImportError, match=match + r" \([\d,]+ elements\), more than the 1,000 "
    ):
        net(*inputs)


_COL, _ROW = np.ones((100, 1), np.float32), np.ones((1, 100), np.float32)
_AB = [("a", 1, [None, None]), ("b", 1, [None, None])]


@pytest.mark.parametrize(
    ("make", "inputs", "match"),
    [
        (lambda h: _graph_model([h.make_node("Sub", ["a", "b"], ["y"])], _AB), (_COL, _ROW),
         r"Sub node 'Sub_0': asks for the broadcast of \(100, 1\), \(1, 100\), of shape \(100, 100\)"),
        (lambda h: _graph_model([h.make_node("Where", ["c", "a", "b"], ["y"])],
                                [("c", 9, [None]), *_AB]), (np.ones(1, bool), _COL, _ROW),
         r"Where .*of shape \(100, 100\)"),
        (lambda h: _graph_model([h.make_node("Mean", ["a", "b", "a"], ["y"])], _AB), (_COL, _ROW),
         r"Mean .*of shape \(100, 100\)"),
        (lambda h: _graph_model([h.make_node("MatMul", ["a", "b"], ["y"])], _AB), (_COL, _ROW),
         r"MatMul node 'MatMul_0': asks for an output of shape \(100, 100\)"),
        (lambda h: _graph_model([h.make_node("MatMul", ["a", "b"], ["y"])],
                                [("a", 1, [None] * 4), ("b", 1, [None] * 4)]),
         (_COL.reshape(100, 1, 1, 1), _ROW.reshape(1, 100, 1, 1)),
         r"MatMul .*the broadcast of \(100, 1\), \(1, 100\), of shape \(100, 100\)"),
        (lambda h: _graph_model([h.make_node("Gemm", ["a", "b"], ["y"])], _AB), (_COL, _ROW),
         r"Gemm .*an output of shape \(100, 100\)"),
        (lambda h: _graph_model([h.make_node("Einsum", ["a", "b"], ["y"], equation="i,j->ij")],
                                [("a", 1, [None]), ("b", 1, [None])]),
         (np.ones(100, np.float32), np.ones(100, np.float32)),
         r"Einsum .*an output of shape \(100, 100\)"),
        (lambda h: _graph_model([h.make_node("Gather", ["a", "i"], ["y"])],
                                [("a", 1, [None, None]), ("i", 7, [None])]),
         (_ROW, np.zeros(100, np.int64)), r"Gather .*an output of shape \(100, 100\)"),
    ],
)  # fmt: skip
def test_outputs_larger_than_their_inputs_are_checked_at_run_time(make, inputs, match):
    """Broadcasts, outer products and gathers make N² elements from 2N: each is refused
    before it is computed (they allocated whatever the inputs asked for)."""
    _limited(make, *inputs, match=match)


def _vectors(n, k):
    return [(c, 1, [None]) for c in "abc"[:k]], [np.ones(n, np.float32)] * k


@pytest.mark.parametrize(
    ("make", "inputs", "match"),
    [
        (lambda h: _graph_model([h.make_node("Einsum", ["a", "b", "c"], ["y"], equation="i,j,k->")],
                                _vectors(10**4, 3)[0]),
         _vectors(10**4, 3)[1],
         r"Einsum node 'Einsum_0': the einsum 'i,j,k->' over \{'i': 10000, 'j': 10000, 'k': 10000\} "
         r"takes 1,000,000,000,000 steps, more than the 68,719,476,736"),
        (lambda h: _graph_model([h.make_node("MaxPool", ["x"], ["y"], kernel_shape=[1000, 1000])],
                                [("x", 1, [None] * 4)]),
         (np.ones((1, 1, 2000, 2000), np.float32),),
         r"MaxPool node 'MaxPool_0': pooling 1,004,004 windows of 1,000,000 taps takes "
         r"1,004,004,000,000 steps"),
        (lambda h: _graph_model([h.make_node("AveragePool", ["x"], ["y"], kernel_shape=[1000, 1000])],
                                [("x", 1, [None] * 4)]),
         (np.ones((1, 1, 2000, 2000), np.float32),), r"AveragePool .* takes 1,004,004,000,000 steps"),
        (lambda h: _graph_model([h.make_node("MatMul", ["a", "b"], ["y"])], _AB),
         (np.ones((100, 5000), np.float32), np.ones((5000, 100), np.float32)),
         r"MatMul .*a product of \(100, 100\) over 5000 takes 50,000,000 steps, more than the "
         r"20,480,000 .*; if the model is trusted, load_onnx\(path, max_elements=N\) with N at "
         r"least 48,829 allows it"),
    ],
)  # fmt: skip
def test_work_not_bounded_by_the_output_is_refused_before_it_starts(make, inputs, match):
    """``i,j,k->`` makes one number in N³ steps, a pooling window of K² taps reads K² values per
    output, a product's inner dimension multiplies its output: each ran however long the
    shapes asked (an einsum of three 10^4 vectors, a 1000x1000 window over a 2000x2000 image)."""
    from onnx import helper

    fixed = {"max_elements": 20_000} if "MatMul" in match else {}
    net = load_onnx(make(helper).SerializeToString(), **fixed)
    with pytest.raises(OnnxImportError, match=match):
        net(*inputs)


def test_the_work_limit_names_the_max_elements_that_allows_the_product():
    """The refusal said 'max_elements=N allows more' without the N: 48,829 x 1024 steps cover
    the product's 50,000,000."""
    from onnx import helper

    model = _graph_model([helper.make_node("MatMul", ["a", "b"], ["y"])], _AB).SerializeToString()
    a, b = np.ones((100, 5000), np.float32), np.ones((5000, 100), np.float32)
    with pytest.raises(OnnxImportError, match="at least 48,829 allows it"):
        load_onnx(model, max_elements=48_828)(a, b)
    assert np.all(load_onnx(model, max_elements=48_829)(a, b).numpy() == 5000)


def test_a_big_dense_layer_loads_and_runs_within_the_default_limits():
    """A 4096 x 4096 Gemm (a transformer's projection) on a batch of 1: 16.8M multiply-adds
    against a work limit of 1024 x 16 x its weight's 16.8M elements."""
    from onnx import helper, numpy_helper

    rng = np.random.default_rng(0)
    w = rng.standard_normal((4096, 4096), np.float32) / 64
    bias = rng.standard_normal(4096).astype(np.float32)
    inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(bias, "c")]
    node = helper.make_node("Gemm", ["x", "w", "c"], ["y"], transB=1)
    net = load_onnx(_graph_model([node], [("x", 1, [None, 4096])], inits).SerializeToString())
    x = rng.standard_normal((1, 4096), np.float32)
    np.testing.assert_allclose(net(x).numpy(), x @ w.T + bias, rtol=1e-4, atol=1e-4)


def test_lrn_window_wider_than_the_channels_is_bounded_and_exact():
    """``size = 10**9``: padded the channels by 10^9 and looped 10^9 times; a window covering
    every channel sums them all, whatever its size."""
    from onnx import helper

    node = helper.make_node("LRN", ["x"], ["y"], size=10**9, alpha=0.5, beta=0.75, bias=2.0)
    net = load_onnx(_graph_model([node], [("x", 1, [None] * 4)]).SerializeToString())
    x = np.random.default_rng(0).standard_normal((2, 3, 2, 2)).astype(np.float32)
    expected = x / (2.0 + 0.5 / 10**9 * (x * x).sum(axis=1, keepdims=True)) ** 0.75
    np.testing.assert_allclose(net(x).numpy(), expected, rtol=1e-6)
    small = helper.make_node("LRN", ["x"], ["y"], size=3)
    net = load_onnx(_graph_model([small], [("x", 1, [None] * 4)]).SerializeToString())
    sq = np.pad(x * x, [(0, 0), (1, 1), (0, 0), (0, 0)])
    window = sq[:, :3] + sq[:, 1:4] + sq[:, 2:5]
    np.testing.assert_allclose(net(x).numpy(), x / (1.0 + 1e-4 / 3 * window) ** 0.75, rtol=1e-6)


def test_convtranspose_negative_pads_and_split_num_outputs_are_bounded():
    """Negative pads grew the output with zeros unchecked (20004² here); ``num_outputs`` looped
    that many times whatever the node's outputs."""
    from onnx import helper

    from deepgrad.io.onnx_import import registry

    pads = [-(10**4)] * 4
    _run_refused(_conv_model("ConvTranspose", pads=pads), _IMAGE,
                 match=r"ConvTranspose .*an output grown by negative pads to \(1, 1, 20004, 20004\)")  # fmt: skip
    assert registry.MIN_LIMIT < 20004**2
    split = helper.make_node("Split", ["x"], ["y", "z"], axis=0, num_outputs=10**9)
    with pytest.raises(OnnxImportError, match="num_outputs = 1000000000 for a node with 2 outputs"):
        load_onnx(_graph_model([split], [_X], opset=18).SerializeToString())(np.ones(4, np.float32))


def test_a_reduction_over_a_huge_broadcast_is_refused_at_the_broadcast():
    from onnx import helper

    nodes = [
        helper.make_node("Add", ["a", "b"], ["s"]),
        helper.make_node("ReduceSum", ["s"], ["y"]),
    ]
    _limited(lambda h: _graph_model(nodes, _AB), _COL, _ROW,
             match=r"Add node 'Add_0': asks for the broadcast of \(100, 1\), \(1, 100\), of shape \(100, 100\)")  # fmt: skip
