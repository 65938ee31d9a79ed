"""The guides' claims, checked on the quick runs of the lab's experiments: each test asserts
what is actually true (and, where a guide is wrong, that the lab says so)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deepgrad import lab


def _claims(res: dict) -> dict[str, dict]:
    return {c["claim"]: c for c in res["claims"]}


def _holds(res: dict, start: str) -> bool:
    hits = [c for c in res["claims"] if c["claim"].startswith(start)]
    assert len(hits) == 1, f"no single claim starting {start!r} in {res['name']}"
    return hits[0]["holds"]


@pytest.mark.parametrize("name", list(lab.EXPERIMENTS))
def test_every_experiment_writes_figure_json_and_claims(name, lab_result, lab_dir: Path):
    res = lab_result(name)
    assert res["name"] == name and res["quick"] is True
    assert (lab_dir / f"{name}.json").is_file()
    assert res["figures"], "each experiment draws at least one figure"
    for fig in res["figures"]:
        data = (lab_dir / fig).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert res["claims"] and res["summary"].endswith(".")
    for c in res["claims"]:
        assert set(c) == {"claim", "source", "check", "holds", "detail"}
        assert isinstance(c["holds"], bool) and c["check"] and c["detail"]


def test_gradients_backprop_matches_numerical_and_is_faster_by_a_growing_factor(lab_result):
    res = lab_result("gradients")
    n = res["numbers"]
    assert n["max_abs_diff"] < 1e-6  # float64 agreement
    s = n["speedups"]
    # timings: on a loaded machine only the direction is dependable (the report's claim asks
    # for a doubling, which the lab measures on an idle one)
    assert all(x > 1 for x in s) and s[-1] > s[0]
    params = [r["parameters"] for r in n["sizes"]]
    assert params == sorted(params)
    assert all(c["holds"] for c in res["claims"] if "faster" not in c["claim"])


def test_optimizer_paths_adam_is_not_best_on_the_valley(lab_result):
    res = lab_result("optimizer-paths")
    n = res["numbers"]
    final = n["final_loss"]
    # at the book's learning rates, 30 steps: the per-coordinate methods win, Adam overshoots
    assert final["RMSProp"] < final["SGD"] and final["AdaGrad"] < final["SGD"]
    assert final["Adam"] > final["SGD"]
    assert n["ranking"][0] != "Adam"
    assert not _holds(res, "Adam: the overall performance is the best")
    assert not _holds(res, "Adam converges faster than SGD")
    # ... but at an equal learning rate Adam beats SGD for most rates (SGD diverges above 1)
    assert 0.5 < n["adam_beats_sgd_share"] < 1.0
    assert _holds(res, "AdaGrad adjusts")
    assert len(n["paths"]["Adam"]) == n["steps"] + 1


def test_optimizers_adam_beats_sgd_but_is_not_clearly_the_best(lab_result):
    res = lab_result("optimizers")
    final = res["numbers"]["final_train_loss"]
    acc = res["numbers"]["test_accuracy"]
    assert final["Adam"] < 0.5 * final["SGD"] and acc["Adam"] > acc["SGD"]
    assert max(final, key=final.get) == "SGD"  # plain SGD at lr 0.01 is the slowest
    assert min(v for k, v in final.items() if k != "Adam") < 1.5 * final["Adam"]
    assert _holds(res, "Adam leads to faster convergence")
    assert _holds(res, "Adam: the overall") == (res["numbers"]["ranking"][0] == "Adam")


def test_weight_init_he_for_relu_xavier_for_sigmoid(lab_result):
    res = lab_result("weight-init")
    n = res["numbers"]
    sgd = n["final_train_loss"]["SGD lr 0.01"]
    adam = n["final_train_loss"]["Adam lr 0.001"]
    assert sgd["He"] < sgd["std 0.01"] - 0.5  # std 0.01 does not learn with SGD
    assert sgd["std 0.01"] > 2.2  # ≈ ln 10: stuck at chance
    assert adam["He"] < adam["std 0.01"]  # Adam makes std 0.01 learn, but slower
    assert adam["std 0.01"] < 2.2
    assert 0.5 < n["relu_std_ratio"]["He"] < 2 and n["relu_std_ratio"]["Xavier"] < 0.5
    st = n["activation_stats"]
    assert st["std 1"]["sigmoid"]["saturated_or_zero"][-1] > 0.3
    assert st["Xavier"]["sigmoid"]["saturated_or_zero"][-1] < 0.05
    assert all(c["holds"] for c in res["claims"])


def test_overfitting_gap_and_its_cures(lab_result):
    res = lab_result("overfitting")
    f = res["numbers"]["final"]
    none = f["no regularization"]
    dropout = next(v for k, v in f.items() if k.startswith("dropout"))
    decay = next(v for k, v in f.items() if k.startswith("weight decay"))
    assert none["train_accuracy"] >= 0.98 and none["gap"] > 0.03
    assert dropout["gap"] < none["gap"]
    assert decay["gap"] < none["gap"]
    assert _holds(res, "Dropout suppresses") and _holds(res, "Weight decay suppresses")


def test_batch_norm_trains_across_scales(lab_result):
    res = lab_result("batch-norm")
    acc = res["numbers"]["final_train_accuracy"]
    bn, plain = acc["with batch norm"], acc["without"]
    assert sum(b > p for b, p in zip(bn, plain)) >= 3
    assert sum(bn) / len(bn) > sum(plain) / len(plain) + 0.3
    assert _holds(res, "Batch normalization improves")


def test_adagrad_from_scratch_matches_library_and_wins_only_at_some_rates(lab_result):
    res = lab_result("adagrad-logreg")
    n = res["numbers"]
    assert n["max_difference_to_library"] < 1e-12
    wins = n["adagrad_wins"]
    assert not wins[0] and wins[-1]  # SGD wins at the smallest rate, AdaGrad at the largest
    assert n["train_accuracy"] > 0.85
    assert _holds(res, "AdaGrad can be implemented")


def test_loss_choice_fit_refuses_bce_on_prices(lab_result):
    res = lab_result("loss-choice")
    n = res["numbers"]
    err = n["fit_error_for_bce_on_prices"]
    assert err and "mse" in err and "mae" in err and "[0, 1]" in err
    m = n["test_metrics"]
    assert m["MSE"]["r2"] > 0.9 and m["MAE"]["r2"] > 0.9
    assert m["BCE on raw prices"]["r2"] < 0 and n["bce_raw_max_prediction"] <= 1.0
    assert (
        n["bce_raw_loss_first_last"][1] != n["bce_raw_loss_first_last"][1]
        or float(n["bce_raw_loss_first_last"][1]) < 0
    )  # NaN/-inf (as a string) or negative: unbounded below
    assert m["BCE on [0, 1]-scaled prices"]["r2"] > 0.8  # on [0, 1] targets BCE does work
    assert _holds(res, "Binary cross-entropy is very inappropriate")
    assert not _holds(res, "Cross-entropy cannot be used")


def test_early_stopping_restores_the_best_epoch(lab_result):
    res = lab_result("early-stopping")
    n = res["numbers"]
    assert n["stopped_after_epoch"] < n["epochs"]
    assert n["stopped_after_epoch"] == n["restored_epoch"] + n["patience"]
    assert n["restored_val_loss"] == pytest.approx(n["best_val_loss_seen"], abs=1e-5)
    hw = n["history_without"]["val_loss"]
    assert hw[-1] > min(hw) * 1.2  # without it, the validation loss rises again
    assert n["test_with"]["loss"] < n["test_without"]["loss"]


def test_augmentation_helps_on_shifted_and_rotated_digits(lab_result):
    res = lab_result("augmentation")
    acc = res["numbers"]["accuracy"]
    w, wo = acc["with augmentation"], acc["without augmentation"]
    assert w["shifted 1 px"] > wo["shifted 1 px"] + 0.1
    assert w["rotated ±20°"] > wo["rotated ±20°"]
    assert wo["clean"] > 0.9


def test_hyperparameter_search_random_explores_more_values(lab_result):
    res = lab_result("hyperparameter-search")
    n = res["numbers"]
    assert len(n["grid"]) == len(n["random"]) == n["budget"]
    assert len({t["lr"] for t in n["random"]}) > len({t["lr"] for t in n["grid"]})
    assert n["cv_std"] > 0 and len(n["cv_fold_accuracy"]) == 3
    assert n["winner"]["val_accuracy"] > 0.85


def test_attention_swap_transposes_scores_but_changes_outputs(lab_result):
    res = lab_result("attention")
    n = res["numbers"]
    assert n["max_scores_minus_transpose"] < 1e-12
    assert n["max_output_difference"] > 0.1
    assert n["max_swapped_minus_column_softmax"] < 1e-12
    assert all(abs(s - 1) < 1e-12 for s in n["row_sums_original"])
    assert any(abs(s - 1) > 0.05 for s in n["row_sums_swapped_transposed"])
    assert "not aligned" in n["cross_attention_swap_error"]
    learning = n["learning"]
    assert learning["renamed_max_difference"] < 1e-9
    assert learning["swapped_same_start_final"] < 0.2 * learning["initial"]
    assert not _holds(res, "In attention, Q and K can be interchanged")
    assert _holds(res, "Self-attention with learned projections")


def test_lstm_autoencoder_fresh_data_each_epoch(lab_result):
    res = lab_result("lstm-autoencoder")
    n = res["numbers"]
    assert n["fresh"]["val_loss"][-1] < 0.3 * n["mean_baseline_mse"]
    means = n["mean_final_val_loss"]  # over three seeds
    assert means["fresh"] < means["fixed"] and len(n["seeds"]) == 3
    assert all(c["holds"] for c in res["claims"])


def test_cluster_then_label_beats_chance_by_far(lab_result):
    res = lab_result("cluster-then-label")
    acc = res["numbers"]["accuracy"]
    code = acc["autoencoder code (32 numbers)"]
    assert code["10 clusters"] > 0.5 and code["30 clusters"] > 0.7
    assert code["30 clusters"] >= code["10 clusters"] - 0.02


def test_transfer_reports_what_happens(lab_result):
    res = lab_result("transfer")
    n = res["numbers"]
    acc = n["test_accuracy_5_9"]
    assert n["pretrain_test_accuracy_0_4"] > 0.9
    assert all(v > 0.5 for v in acc.values())  # all three learn from 10 images
    # the verdict follows the numbers (on 8x8 digits, from-scratch wins in the quick run)
    assert _holds(res, "Transfer learning leverages") == (
        acc["transfer (frozen features)"] > acc["from scratch"] + 0.05
    )
