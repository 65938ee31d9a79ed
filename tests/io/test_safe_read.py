"""The checked readers of io.safe_read on hostile inputs in their real formats: every refusal
is a ModelFileError saying what was expected, never an error from deep inside NumPy or json."""

from __future__ import annotations

import io

import numpy as np
import pytest
from numpy.lib import format as npformat
from safetensors.numpy import save as st_save

import deepgrad as dg
from deepgrad.io import ModelFileError
from deepgrad.io.safe_read import read_json, read_npy


def test_json_integers_past_pythons_digit_limit_are_a_model_file_error():
    # json.loads raises a bare ValueError advising sys.set_int_max_str_digits
    with pytest.raises(ModelFileError, match="not valid JSON.*4300"):
        read_json(b"[" + b"9" * 5000 + b"]", "config.json")


def test_dg_load_with_a_huge_integer_in_the_structure(tmp_path):
    meta = {
        "format": "deepgrad.checkpoint",
        "format_version": "1",
        "deepgrad.structure": '{"epoch": ' + "1" * 5000 + "}",
    }
    path = tmp_path / "ckpt.safetensors"
    path.write_bytes(st_save({"w": np.zeros(2, np.float32)}, metadata=meta))
    with pytest.raises(ModelFileError, match="saved structure is not valid JSON"):
        dg.load(path)


@pytest.mark.parametrize("shape", [(-1, -1), (-1, 4), (0, -5)])
def test_npy_with_negative_dimensions(shape):
    buf = io.BytesIO()
    header = {"descr": "<f4", "fortran_order": False, "shape": shape}
    npformat.write_array_header_1_0(buf, header)
    data = buf.getvalue() + bytes(16)  # (-1, 4) of float32 would reshape 16 bytes to (1, 4)
    with pytest.raises(ModelFileError, match=r"declares an array of shape .*non-negative sizes"):
        read_npy(data, "x.npy")
