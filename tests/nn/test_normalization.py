def test_norm_layers_print_as_pytorchs(torch):
    """PyTorch 2.13 prints the bias flag of batch, instance and layer norm."""
    import deepgrad as dg

    cases = [
        ("BatchNorm1d", (3,), {}),
        ("BatchNorm2d", (3,), {"affine": False}),
        ("BatchNorm2d", (3,), {"bias": False}),
        ("InstanceNorm2d", (3,), {}),
        ("InstanceNorm1d", (3,), {"affine": True}),
        ("LazyBatchNorm2d", (), {}),
        ("LayerNorm", (4,), {}),
        ("LayerNorm", (4,), {"bias": False}),
        ("LayerNorm", (4,), {"elementwise_affine": False}),
        ("GroupNorm", (2, 4), {}),
        ("RMSNorm", (4,), {}),
    ]
    for name, args, kwargs in cases:
        assert repr(getattr(dg.nn, name)(*args, **kwargs)) == repr(
            getattr(torch.nn, name)(*args, **kwargs)
        ), (name, kwargs)
