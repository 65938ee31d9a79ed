"""Detection metrics: box IoU, NMS and mAP@0.5 on hand-computed cases, and mAP against
pycocotools' COCOeval (the reference implementation of COCO's AP)."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from deepgrad import metrics


def test_box_iou_hand_cases():
    a = np.array([[0, 0, 4, 4], [10, 10, 12, 12]])
    b = np.array([[2, 2, 6, 6], [0, 0, 4, 4], [20, 20, 21, 21], [1, 1, 1, 3]])
    iou = metrics.box_iou(a, b)
    np.testing.assert_allclose(iou[0], [4 / 28, 1.0, 0.0, 0.0])
    np.testing.assert_allclose(iou[1], [0.0, 0.0, 0.0, 0.0])  # disjoint; b[3] is empty
    assert metrics.box_iou(np.zeros((0, 4)), b).shape == (0, 4)


def _brute_nms(boxes, scores, thr):
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    keep = []
    for i in order:
        if all(metrics.box_iou(boxes[[i]], boxes[[j]])[0, 0] <= thr for j in keep):
            keep.append(i)
    return keep


def test_nms_hand_case_and_random_against_brute_force():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 9], [20, 20, 30, 30]], float)
    scores = np.array([0.8, 0.9, 0.3, 0.5])
    # box 1 (0.9) suppresses 0 (IoU 81/119 = 0.68) and 2 (IoU 72/118 = 0.61); 3 is apart
    assert metrics.nms(boxes, scores, 0.5).tolist() == [1, 3]
    assert metrics.nms(boxes, scores, 0.7).tolist() == [1, 0, 3]
    rng = np.random.default_rng(0)
    for _ in range(5):
        xy = rng.uniform(0, 50, (30, 2))
        b = np.concatenate([xy, xy + rng.uniform(5, 20, (30, 2))], 1)
        s = rng.random(30)
        assert metrics.nms(b, s, 0.4).tolist() == _brute_nms(b, s, 0.4)


def test_batched_nms_keeps_classes_apart():
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10]], float)
    keep = metrics.batched_nms(boxes, np.array([0.9, 0.8, 0.7]), np.array([1, 2, 1]), 0.5)
    assert keep.tolist() == [0, 1]


def test_average_precision_hand_computed():
    # ranked detections: TP, FP, TP with 3 true boxes
    recall = np.array([1 / 3, 1 / 3, 2 / 3])
    precision = np.array([1.0, 0.5, 2 / 3])
    # VOC all-point: 1/3·1 + 0·(…) + 1/3·(2/3) = 5/9
    assert metrics.average_precision(recall, precision, "voc") == pytest.approx(5 / 9)
    # COCO 101 points: r in [0, 1/3] -> 1 (34 points), (1/3, 2/3] -> 2/3 (33), beyond -> 0
    assert metrics.average_precision(recall, precision, "coco") == pytest.approx(
        (34 * 1 + 33 * 2 / 3) / 101
    )
    with pytest.raises(ValueError, match="method"):
        metrics.average_precision(recall, precision, "11point")


def test_map_hand_computed_two_images():
    t = [
        {"boxes": np.array([[0, 0, 10, 10], [20, 20, 30, 30]]), "labels": np.array([1, 1])},
        {"boxes": np.array([[0, 0, 10, 10]]), "labels": np.array([2])},
    ]
    p = [
        {  # a hit (0.9), a duplicate of it (0.8: FP), a miss elsewhere (0.7: FP)
            "boxes": np.array([[0, 0, 10, 10], [1, 0, 10, 10], [40, 40, 45, 45]]),
            "scores": np.array([0.9, 0.8, 0.7]),
            "labels": np.array([1, 1, 1]),
        },
        {"boxes": np.array([[0, 0, 10, 11]]), "scores": np.array([0.6]), "labels": np.array([2])},
    ]
    m, per = metrics.mean_average_precision(p, t, per_class=True)
    # class 1: TP FP FP, 2 true -> recall 1/2 at precision 1: AP 0.5; class 2: AP 1
    assert per == {1: pytest.approx(0.5), 2: pytest.approx(1.0)}
    assert m == pytest.approx(0.75)
    # at IoU 0.95 the class-2 box (IoU 10/11) no longer counts
    assert metrics.mean_average_precision(p, t, iou_threshold=0.95, per_class=True)[1][2] == 0.0


def test_map_against_pycocotools():
    pytest.importorskip("pycocotools")
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    rng = np.random.default_rng(0)
    targets, preds, images, anns, dets = [], [], [], [], []
    for i in range(30):
        k = int(rng.integers(1, 4))
        xy = rng.uniform(0, 80, (k, 2))
        gt = np.concatenate([xy, xy + rng.uniform(8, 20, (k, 2))], 1)
        lab = rng.integers(1, 4, k)
        targets.append({"boxes": gt, "labels": lab})
        # noisy copies of the true boxes, some with the wrong class, plus random boxes
        d = gt + rng.normal(0, 2.5, gt.shape)
        dl = np.where(rng.random(k) < 0.8, lab, rng.integers(1, 4, k))
        extra = rng.uniform(0, 90, (2, 2))
        d = np.concatenate([d, np.concatenate([extra, extra + 10], 1)])
        dl = np.concatenate([dl, rng.integers(1, 4, 2)])
        ds = rng.random(len(d))
        preds.append({"boxes": d, "scores": ds, "labels": dl})
        images.append({"id": i, "width": 100, "height": 100})
        for b, c in zip(gt, lab):
            anns.append({"id": len(anns) + 1, "image_id": i, "category_id": int(c),
                         "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]],
                         "area": float((b[2] - b[0]) * (b[3] - b[1])), "iscrowd": 0})  # fmt: skip
        for b, c, s in zip(d, dl, ds):
            dets.append({"image_id": i, "category_id": int(c), "score": float(s),
                         "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]]})  # fmt: skip
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = {"images": images, "annotations": anns,
                      "categories": [{"id": c} for c in (1, 2, 3)]}  # fmt: skip
        gt.createIndex()
        ev = COCOeval(gt, gt.loadRes(dets), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    want = ev.stats[1]  # AP at IoU 0.5, all areas, 100 detections
    got = metrics.mean_average_precision(preds, targets, method="coco")
    assert got == pytest.approx(want, abs=1e-9)
    assert 0.2 < got < 0.95  # a case with both hits and misses


def test_mismatched_lengths_and_bad_boxes():
    with pytest.raises(ValueError, match="2 predictions but 1 targets"):
        metrics.mean_average_precision([{}, {}], [{"boxes": [], "labels": []}])
    with pytest.raises(ValueError, match=r"\(K, 4\) boxes"):
        metrics.box_iou(np.zeros((2, 3)), np.zeros((1, 4)))
