"""DETR (facebookresearch/detr): the model of the paper's minimal demo notebook (``DETRdemo``: a
conv backbone, ``nn.Conv2d(2048, hidden_dim, 1)`` → here a small one, ``nn.Transformer``, learned
``query_pos``/``row_embed``/``col_embed`` ``nn.Parameter(torch.rand(...))``, ``pos =
torch.cat([col_embed[:W].unsqueeze(0).repeat(H, 1, 1), row_embed[:H].unsqueeze(1).repeat(1, W,
1)], dim=-1).flatten(0, 1).unsqueeze(1)``, ``h.flatten(2).permute(2, 0, 1)``, ``.sigmoid()``
boxes) trained with the repository's ``HungarianMatcher`` and ``SetCriterion`` as written in
``models/matcher.py``, ``models/detr.py`` and ``util/box_ops.py``: ``@torch.no_grad()``
``forward``, ``flatten(0, 1).softmax(-1)``, ``-out_prob[:, tgt_ids]``, ``torch.cdist(out_bbox,
tgt_bbox, p=1)``, ``generalized_box_iou`` (``x.unbind(-1)``, ``torch.max(boxes1[:, None, :2],
boxes2[:, :2])``, ``clamp(min=0)``), ``C.view(bs, num_queries, -1).cpu()``, SciPy's
``linear_sum_assignment(c[i])`` on ``C.split(sizes, -1)`` (a tensor handed to NumPy),
``torch.as_tensor(i, dtype=torch.int64)``, ``_get_src_permutation_idx`` (``torch.full_like(src,
i)``), ``target_classes[idx] = target_classes_o`` into ``torch.full(..., num_classes,
dtype=torch.int64)``, ``F.cross_entropy(src_logits.transpose(1, 2), target_classes,
self.empty_weight)`` with a registered ``empty_weight`` buffer (``eos_coef``), the top-k
``accuracy`` helper (``pred.t()``, ``pred.eq(target.view(1, -1).expand_as(pred))``,
``correct_k.mul_(100.0 / batch_size)``), the cardinality error, ``F.l1_loss(reduction='none')``,
``torch.diag(generalized_box_iou(...))``, ``torch.clamp(num_boxes / world_size, min=1).item()``,
the weighted sum over ``weight_dict``, AdamW with a backbone param group
(``"backbone" in n``), ``clip_grad_norm_(max_norm=0.1)`` and ``StepLR``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment


def detr(torch, nn, F, optim, data, init, path, images, targets_np):
    num_classes, num_queries = 3, 6

    # ---- util/box_ops.py ---------------------------------------------------------------------
    def box_cxcywh_to_xyxy(x):
        x_c, y_c, w, h = x.unbind(-1)
        b = [(x_c - 0.5 * w), (y_c - 0.5 * h), (x_c + 0.5 * w), (y_c + 0.5 * h)]
        return torch.stack(b, dim=-1)

    def box_area(boxes):
        return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])

    def box_iou(boxes1, boxes2):
        area1 = box_area(boxes1)
        area2 = box_area(boxes2)
        lt = torch.max(boxes1[:, None, :2], boxes2[:, :2])  # [N,M,2]
        rb = torch.min(boxes1[:, None, 2:], boxes2[:, 2:])  # [N,M,2]
        wh = (rb - lt).clamp(min=0)  # [N,M,2]
        inter = wh[:, :, 0] * wh[:, :, 1]  # [N,M]
        union = area1[:, None] + area2 - inter
        iou = inter / union
        return iou, union

    def generalized_box_iou(boxes1, boxes2):
        assert (boxes1[:, 2:] >= boxes1[:, :2]).all()
        assert (boxes2[:, 2:] >= boxes2[:, :2]).all()
        iou, union = box_iou(boxes1, boxes2)
        lt = torch.min(boxes1[:, None, :2], boxes2[:, :2])
        rb = torch.max(boxes1[:, None, 2:], boxes2[:, 2:])
        wh = (rb - lt).clamp(min=0)  # [N,M,2]
        area = wh[:, :, 0] * wh[:, :, 1]
        return iou - (area - union) / area

    @torch.no_grad()
    def accuracy(output, target, topk=(1,)):
        """Computes the precision@k for the specified values of k"""
        if target.numel() == 0:
            return [torch.zeros([])]
        maxk = max(topk)
        batch_size = target.size(0)
        _, pred = output.topk(maxk, 1, True, True)
        pred = pred.t()
        correct = pred.eq(target.view(1, -1).expand_as(pred))
        res = []
        for k in topk:
            correct_k = correct[:k].view(-1).float().sum(0)
            res.append(correct_k.mul_(100.0 / batch_size))
        return res

    # ---- models/matcher.py -------------------------------------------------------------------
    class HungarianMatcher(nn.Module):
        def __init__(self, cost_class: float = 1, cost_bbox: float = 1, cost_giou: float = 1):
            super().__init__()
            self.cost_class = cost_class
            self.cost_bbox = cost_bbox
            self.cost_giou = cost_giou
            assert cost_class != 0 or cost_bbox != 0 or cost_giou != 0, "all costs cant be 0"

        @torch.no_grad()
        def forward(self, outputs, targets):
            bs, num_queries = outputs["pred_logits"].shape[:2]
            out_prob = outputs["pred_logits"].flatten(0, 1).softmax(-1)
            out_bbox = outputs["pred_boxes"].flatten(0, 1)
            tgt_ids = torch.cat([v["labels"] for v in targets])
            tgt_bbox = torch.cat([v["boxes"] for v in targets])
            cost_class = -out_prob[:, tgt_ids]
            cost_bbox = torch.cdist(out_bbox, tgt_bbox, p=1)
            cost_giou = -generalized_box_iou(
                box_cxcywh_to_xyxy(out_bbox), box_cxcywh_to_xyxy(tgt_bbox)
            )
            C = (
                self.cost_bbox * cost_bbox
                + self.cost_class * cost_class
                + self.cost_giou * cost_giou
            )
            C = C.view(bs, num_queries, -1).cpu()
            sizes = [len(v["boxes"]) for v in targets]
            indices = [linear_sum_assignment(c[i]) for i, c in enumerate(C.split(sizes, -1))]
            return [
                (torch.as_tensor(i, dtype=torch.int64), torch.as_tensor(j, dtype=torch.int64))
                for i, j in indices
            ]

    # ---- models/detr.py ----------------------------------------------------------------------
    class SetCriterion(nn.Module):
        def __init__(self, num_classes, matcher, weight_dict, eos_coef, losses):
            super().__init__()
            self.num_classes = num_classes
            self.matcher = matcher
            self.weight_dict = weight_dict
            self.eos_coef = eos_coef
            self.losses = losses
            empty_weight = torch.ones(self.num_classes + 1)
            empty_weight[-1] = self.eos_coef
            self.register_buffer("empty_weight", empty_weight)

        def loss_labels(self, outputs, targets, indices, num_boxes, log=True):
            assert "pred_logits" in outputs
            src_logits = outputs["pred_logits"]
            idx = self._get_src_permutation_idx(indices)
            target_classes_o = torch.cat([t["labels"][J] for t, (_, J) in zip(targets, indices)])
            target_classes = torch.full(src_logits.shape[:2], self.num_classes,
                                        dtype=torch.int64, device=src_logits.device)  # fmt: skip
            target_classes[idx] = target_classes_o
            loss_ce = F.cross_entropy(src_logits.transpose(1, 2), target_classes, self.empty_weight)
            losses = {"loss_ce": loss_ce}
            if log:
                losses["class_error"] = 100 - accuracy(src_logits[idx], target_classes_o)[0]
            return losses

        @torch.no_grad()
        def loss_cardinality(self, outputs, targets, indices, num_boxes):
            pred_logits = outputs["pred_logits"]
            device = pred_logits.device
            tgt_lengths = torch.as_tensor([len(v["labels"]) for v in targets], device=device)
            card_pred = (pred_logits.argmax(-1) != pred_logits.shape[-1] - 1).sum(1)
            card_err = F.l1_loss(card_pred.float(), tgt_lengths.float())
            losses = {"cardinality_error": card_err}
            return losses

        def loss_boxes(self, outputs, targets, indices, num_boxes):
            assert "pred_boxes" in outputs
            idx = self._get_src_permutation_idx(indices)
            src_boxes = outputs["pred_boxes"][idx]
            target_boxes = torch.cat([t["boxes"][i] for t, (_, i) in zip(targets, indices)], dim=0)
            loss_bbox = F.l1_loss(src_boxes, target_boxes, reduction="none")
            losses = {}
            losses["loss_bbox"] = loss_bbox.sum() / num_boxes
            loss_giou = 1 - torch.diag(generalized_box_iou(
                box_cxcywh_to_xyxy(src_boxes), box_cxcywh_to_xyxy(target_boxes)
            ))  # fmt: skip
            losses["loss_giou"] = loss_giou.sum() / num_boxes
            return losses

        def _get_src_permutation_idx(self, indices):
            batch_idx = torch.cat([torch.full_like(src, i) for i, (src, _) in enumerate(indices)])
            src_idx = torch.cat([src for (src, _) in indices])
            return batch_idx, src_idx

        def get_loss(self, loss, outputs, targets, indices, num_boxes, **kwargs):
            loss_map = {
                "labels": self.loss_labels,
                "cardinality": self.loss_cardinality,
                "boxes": self.loss_boxes,
            }
            assert loss in loss_map, f"do you really want to compute {loss} loss?"
            return loss_map[loss](outputs, targets, indices, num_boxes, **kwargs)

        def forward(self, outputs, targets):
            outputs_without_aux = {k: v for k, v in outputs.items() if k != "aux_outputs"}
            indices = self.matcher(outputs_without_aux, targets)
            num_boxes = sum(len(t["labels"]) for t in targets)
            num_boxes = torch.as_tensor([num_boxes], dtype=torch.float,
                                        device=next(iter(outputs.values())).device)  # fmt: skip
            num_boxes = torch.clamp(num_boxes / 1, min=1).item()
            losses = {}
            for loss in self.losses:
                losses.update(self.get_loss(loss, outputs, targets, indices, num_boxes))
            return losses, indices

    # ---- the demo notebook's model -----------------------------------------------------------
    class DETRdemo(nn.Module):
        def __init__(self, num_classes, hidden_dim=16, nheads=2, num_encoder_layers=2,
                     num_decoder_layers=2):  # fmt: skip
            super().__init__()
            self.backbone = nn.Sequential(
                nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(8, 12, 3, padding=1)
            )
            self.conv = nn.Conv2d(12, hidden_dim, 1)
            self.transformer = nn.Transformer(hidden_dim, nheads, num_encoder_layers,
                                              num_decoder_layers, dim_feedforward=32,
                                              dropout=0.0)  # fmt: skip
            self.linear_class = nn.Linear(hidden_dim, num_classes + 1)
            self.linear_bbox = nn.Linear(hidden_dim, 4)
            self.query_pos = nn.Parameter(torch.rand(num_queries, hidden_dim))
            self.row_embed = nn.Parameter(torch.rand(50, hidden_dim // 2))
            self.col_embed = nn.Parameter(torch.rand(50, hidden_dim // 2))

        def forward(self, inputs):
            x = self.backbone(inputs)
            h = self.conv(x)
            B, _, H, W = h.shape
            pos = torch.cat([
                self.col_embed[:W].unsqueeze(0).repeat(H, 1, 1),
                self.row_embed[:H].unsqueeze(1).repeat(1, W, 1),
            ], dim=-1).flatten(0, 1).unsqueeze(1)  # fmt: skip
            h = self.transformer(pos + 0.1 * h.flatten(2).permute(2, 0, 1),
                                 self.query_pos.unsqueeze(1).repeat(1, B, 1)).transpose(0, 1)  # fmt: skip
            return {"pred_logits": self.linear_class(h),
                    "pred_boxes": self.linear_bbox(h).sigmoid()}  # fmt: skip

    model = init(DETRdemo(num_classes))
    matcher = HungarianMatcher(cost_class=1, cost_bbox=5, cost_giou=2)
    weight_dict = {"loss_ce": 1, "loss_bbox": 5, "loss_giou": 2}
    criterion = SetCriterion(num_classes, matcher=matcher, weight_dict=weight_dict,
                             eos_coef=0.1, losses=["labels", "boxes", "cardinality"])  # fmt: skip
    param_dicts = [
        {
            "params": [
                p for n, p in model.named_parameters() if "backbone" not in n and p.requires_grad
            ]
        },  # fmt: skip
        {
            "params": [
                p for n, p in model.named_parameters() if "backbone" in n and p.requires_grad
            ],
            "lr": 1e-4,
        },  # fmt: skip
    ]
    optimizer = torch.optim.AdamW(param_dicts, lr=1e-3, weight_decay=1e-4)
    lr_scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 3)
    targets = [{"labels": torch.as_tensor(lab), "boxes": torch.as_tensor(box)}
               for lab, box in targets_np]  # fmt: skip
    log = []
    for epoch in range(5):
        model.train()
        criterion.train()
        outputs = model(images)
        loss_dict, indices = criterion(outputs, targets)
        weight_dict = criterion.weight_dict
        losses = sum(loss_dict[k] * weight_dict[k] for k in loss_dict.keys() if k in weight_dict)
        loss_value = losses.item()
        if not math.isfinite(loss_value):
            raise SystemExit(1)
        optimizer.zero_grad()
        losses.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        optimizer.step()
        lr_scheduler.step()
        log.append({
            "loss": loss_value,
            **{k: v.item() for k, v in loss_dict.items()},
            "indices": [[i.tolist(), j.tolist()] for i, j in indices],
            "lr": optimizer.param_groups[0]["lr"],
        })  # fmt: skip
    return log


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_detr_set_criterion(portability):
    rng = np.random.default_rng(0)
    images = rng.standard_normal((2, 3, 8, 8))
    targets_np = []
    for n in (2, 3):
        centers = rng.uniform(0.3, 0.7, (n, 2))
        sizes = rng.uniform(0.1, 0.4, (n, 2))
        targets_np.append((rng.integers(0, 3, n), np.concatenate([centers, sizes], 1)))

    def program(torch, **kw):
        return detr(torch, images=torch.from_numpy(images), targets_np=targets_np, **kw)

    portability.assert_same(program, rtol=1e-7)
