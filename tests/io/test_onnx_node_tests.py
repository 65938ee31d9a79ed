"""The ONNX project's backend node tests through deepgrad's importer (``onnx.backend.test``).

The full run with the per-operator table is ``python -m benchmarks.onnx_node_tests`` (it writes
docs/onnx-import.md); here the same runner runs every generated test of the supported
operators except the generator modules that are slow to build (pooling: ~12 s) or hold no
supported operator, and asserts the pass rate."""

from __future__ import annotations

import pytest

pytest.importorskip("onnx")

from benchmarks import onnx_node_tests as T  # noqa: E402


@pytest.fixture(scope="module")
def results():
    cases = [c for c in T.collect(skip=T.SLOW_OR_UNSUPPORTED)]
    return T.run(cases)


def test_at_least_95_percent_of_the_supported_operators_tests_pass(results):
    native = [r for r in results if not r.foreign_type]
    assert len(native) > 600  # the run really covers the supported operators
    passed = sum(r.passed for r in native)
    failing = [f"{r.name}: {r.error}" for r in native if not r.passed]
    assert passed / len(native) >= 0.95, failing


@pytest.mark.parametrize(
    "op",
    [
        "Conv",
        "ConvTranspose",
        "Gemm",
        "MatMul",
        "BatchNormalization",
        "LSTM",
        "GRU",
        "LayerNormalization",
        "Softmax",
        "Reshape",
        "Transpose",
        "Concat",
        "Slice",
        "Gather",
    ],
)
def test_the_core_operators_pass_all_their_single_node_tests(results, op):
    mine = [r for r in results if r.operator == op and not r.foreign_type]
    assert mine, op
    fails = [f"{r.name}: {r.error}" for r in mine if not r.passed and "3d" not in r.name]
    assert not fails


@pytest.mark.parametrize(
    "name", ["light_resnet50", "light_inception_v1", "light_shufflenet", "light_densenet121"]
)
def test_real_architectures_give_the_stored_outputs(name):
    r = T.light_model(name)
    assert r.passed, r.error
