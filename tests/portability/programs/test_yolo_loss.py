"""A YOLO-style detector head and loss as the from-scratch implementations write them
(Aladdin Persson's YOLOv1/v3 series, the ``yolov3`` tutorials): ``intersection_over_union``
of midpoint boxes with ``torch.max``/``torch.min`` and ``.clamp(0)``, a target tensor built
with integer index arithmetic, ``torch.cat`` of per-anchor IoUs, ``torch.max(ious, dim=0)``,
``exists_box = target[..., 20].unsqueeze(3)``, ``torch.sign(x) * torch.sqrt(torch.abs(x +
1e-6))`` for the width/height terms, ``torch.flatten(..., end_dim=-2)``; the v3 form with bool
masks ``obj = target[..., 0] == 1`` indexing ``predictions[..., 0:1][noobj]``,
``nn.BCEWithLogitsLoss`` on objectness, ``torch.exp`` of anchors, ``iou.detach()`` as the
target, ``nn.CrossEntropyLoss`` on classes; and ``torch.where``-based non-max suppression."""

from __future__ import annotations

import numpy as np


def yolo(torch, nn, F, optim, data, init, path, imgs, boxes):
    log = []

    def intersection_over_union(boxes_preds, boxes_labels):
        box1_x1 = boxes_preds[..., 0:1] - boxes_preds[..., 2:3] / 2
        box1_y1 = boxes_preds[..., 1:2] - boxes_preds[..., 3:4] / 2
        box1_x2 = boxes_preds[..., 0:1] + boxes_preds[..., 2:3] / 2
        box1_y2 = boxes_preds[..., 1:2] + boxes_preds[..., 3:4] / 2
        box2_x1 = boxes_labels[..., 0:1] - boxes_labels[..., 2:3] / 2
        box2_y1 = boxes_labels[..., 1:2] - boxes_labels[..., 3:4] / 2
        box2_x2 = boxes_labels[..., 0:1] + boxes_labels[..., 2:3] / 2
        box2_y2 = boxes_labels[..., 1:2] + boxes_labels[..., 3:4] / 2
        x1 = torch.max(box1_x1, box2_x1)
        y1 = torch.max(box1_y1, box2_y1)
        x2 = torch.min(box1_x2, box2_x2)
        y2 = torch.min(box1_y2, box2_y2)
        intersection = (x2 - x1).clamp(0) * (y2 - y1).clamp(0)
        box1_area = abs((box1_x2 - box1_x1) * (box1_y2 - box1_y1))
        box2_area = abs((box2_x2 - box2_x1) * (box2_y2 - box2_y1))
        return intersection / (box1_area + box2_area - intersection + 1e-6)

    S, B, C = 3, 2, 4

    class YoloLoss(nn.Module):
        def __init__(self):
            super(YoloLoss, self).__init__()
            self.mse = nn.MSELoss(reduction="sum")
            self.lambda_noobj, self.lambda_coord = 0.5, 5

        def forward(self, predictions, target):
            predictions = predictions.reshape(-1, S, S, C + B * 5)
            iou_b1 = intersection_over_union(
                predictions[..., C + 1 : C + 5], target[..., C + 1 : C + 5]
            )
            iou_b2 = intersection_over_union(
                predictions[..., C + 6 : C + 10], target[..., C + 1 : C + 5]
            )
            ious = torch.cat([iou_b1.unsqueeze(0), iou_b2.unsqueeze(0)], dim=0)
            iou_maxes, bestbox = torch.max(ious, dim=0)
            exists_box = target[..., C].unsqueeze(3)
            box_predictions = exists_box * (
                bestbox * predictions[..., C + 6 : C + 10]
                + (1 - bestbox) * predictions[..., C + 1 : C + 5]
            )
            box_targets = exists_box * target[..., C + 1 : C + 5]
            box_predictions[..., 2:4] = torch.sign(box_predictions[..., 2:4]) * torch.sqrt(
                torch.abs(box_predictions[..., 2:4] + 1e-6)
            )
            box_targets[..., 2:4] = torch.sqrt(box_targets[..., 2:4])
            box_loss = self.mse(torch.flatten(box_predictions, end_dim=-2),
                                torch.flatten(box_targets, end_dim=-2))  # fmt: skip
            pred_box = (
                bestbox * predictions[..., C + 5 : C + 6]
                + (1 - bestbox) * predictions[..., C : C + 1]
            )
            object_loss = self.mse(torch.flatten(exists_box * pred_box),
                                   torch.flatten(exists_box * target[..., C : C + 1]))  # fmt: skip
            no_object_loss = self.mse(
                torch.flatten((1 - exists_box) * predictions[..., C : C + 1], start_dim=1),
                torch.flatten((1 - exists_box) * target[..., C : C + 1], start_dim=1),
            )
            no_object_loss += self.mse(
                torch.flatten((1 - exists_box) * predictions[..., C + 5 : C + 6], start_dim=1),
                torch.flatten((1 - exists_box) * target[..., C : C + 1], start_dim=1),
            )
            class_loss = self.mse(torch.flatten(exists_box * predictions[..., :C], end_dim=-2),
                                  torch.flatten(exists_box * target[..., :C], end_dim=-2))  # fmt: skip
            return (self.lambda_coord * box_loss + object_loss
                    + self.lambda_noobj * no_object_loss + class_loss)  # fmt: skip

    def encode(labels):
        """Boxes (class, x, y, w, h) in [0, 1] -> the S x S x (C + 5) target."""
        label_matrix = torch.zeros((S, S, C + 5 * B))
        for box in labels:
            class_label, x, y, width, height = box
            class_label = int(class_label)
            i, j = int(S * y), int(S * x)
            x_cell, y_cell = S * x - j, S * y - i
            width_cell, height_cell = width * S, height * S
            if label_matrix[i, j, C] == 0:
                label_matrix[i, j, C] = 1
                label_matrix[i, j, C + 1 : C + 5] = torch.tensor(
                    [x_cell, y_cell, width_cell, height_cell]
                )
                label_matrix[i, j, class_label] = 1
        return label_matrix

    class Yolov1(nn.Module):
        def __init__(self):
            super().__init__()
            self.darknet = nn.Sequential(
                nn.Conv2d(3, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8), nn.LeakyReLU(0.1),
                nn.MaxPool2d(2, 2),
                nn.Conv2d(8, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.LeakyReLU(0.1),
                nn.AdaptiveAvgPool2d((S, S)),
            )  # fmt: skip
            self.fcs = nn.Sequential(nn.Flatten(), nn.Linear(16 * S * S, 64), nn.Dropout(0.0),
                                     nn.LeakyReLU(0.1), nn.Linear(64, S * S * (C + B * 5)))  # fmt: skip

        def forward(self, x):
            return self.fcs(self.darknet(x))

    model = init(Yolov1())
    loss_fn = YoloLoss()
    optimizer = optim.Adam(model.parameters(), lr=2e-4, weight_decay=1e-4)
    x = torch.tensor(imgs)
    targets = torch.stack([encode(b) for b in boxes])
    log.append(targets.sum().item())
    for step in range(6):
        out = model(x)
        loss = loss_fn(out, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        log.append(loss.item())

    # YOLOv3-style loss on one scale, with bool masks and BCEWithLogits
    anchors = torch.tensor([[0.3, 0.4], [0.6, 0.5], [0.2, 0.2]])

    class YoloV3Loss(nn.Module):
        def __init__(self):
            super().__init__()
            self.mse, self.bce = nn.MSELoss(), nn.BCEWithLogitsLoss()
            self.entropy, self.sigmoid = nn.CrossEntropyLoss(), nn.Sigmoid()

        def forward(self, predictions, target, anchors):
            obj = target[..., 0] == 1
            noobj = target[..., 0] == 0
            no_object_loss = self.bce(predictions[..., 0:1][noobj], target[..., 0:1][noobj])
            anchors = anchors.reshape(1, 3, 1, 1, 2)
            box_preds = torch.cat([self.sigmoid(predictions[..., 1:3]),
                                   torch.exp(predictions[..., 3:5]) * anchors], dim=-1)  # fmt: skip
            ious = intersection_over_union(box_preds[obj], target[..., 1:5][obj]).detach()
            object_loss = self.mse(
                self.sigmoid(predictions[..., 0:1][obj]), ious * target[..., 0:1][obj]
            )
            predictions = predictions.clone()
            predictions[..., 1:3] = self.sigmoid(predictions[..., 1:3])
            target = target.clone()
            target[..., 3:5] = torch.log(1e-16 + target[..., 3:5] / anchors)
            box_loss = self.mse(predictions[..., 1:5][obj], target[..., 1:5][obj])
            class_loss = self.entropy(predictions[..., 5:][obj], target[..., 5][obj].long())
            return box_loss * 10 + object_loss + no_object_loss * 10 + class_loss

    head = init(nn.Conv2d(3, 3 * (5 + C), 3, stride=3, padding=1))
    opt = optim.SGD(head.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    g = 2
    t3 = torch.zeros(len(boxes), 3, g, g, 6)
    for n, bx in enumerate(boxes):
        for k, (c, bx_x, bx_y, w, h) in enumerate(bx):
            a = int(torch.argmax(intersection_over_union(
                torch.tensor([[0.5, 0.5, w, h]]).repeat(3, 1),
                torch.cat([torch.full((3, 2), 0.5), anchors], dim=1))).item())  # fmt: skip
            i, j = int(g * bx_y), int(g * bx_x)
            if t3[n, a, i, j, 0] == 0:
                t3[n, a, i, j] = torch.tensor([1.0, g * bx_x - j, g * bx_y - i, w, h, float(c)])
    log.append([int(t3[..., 0].sum().item()), (t3[..., 0] == 1).nonzero().tolist()])
    for step in range(5):
        p = head(x).reshape(x.shape[0], 3, 5 + C, g, g).permute(0, 1, 3, 4, 2)
        loss = YoloV3Loss()(p, t3, anchors)
        opt.zero_grad()
        loss.backward()
        opt.step()
        log.append(loss.item())

    # non-max suppression with torch.where
    with torch.no_grad():
        p = head(x).reshape(x.shape[0], 3, 5 + C, g, g).permute(0, 1, 3, 4, 2)
        scores = torch.sigmoid(p[0, ..., 0]).flatten()
        cells = torch.cat(
            [
                torch.sigmoid(p[0, ..., 1:3]),
                torch.exp(p[0, ..., 3:5]) * anchors.reshape(3, 1, 1, 2),
            ],
            -1,
        ).reshape(-1, 4)
        order = torch.argsort(scores, descending=True)
        keep = []
        while order.numel() > 0:
            i = order[0].item()
            keep.append(i)
            if order.numel() == 1:
                break
            ious = intersection_over_union(cells[i].unsqueeze(0), cells[order[1:]]).squeeze(1)
            order = order[1:][torch.where(ious <= 0.3)[0]]
        log.append(keep)
        log.append(scores[keep].tolist())
    return log


def test_yolo_loss(portability):
    rng = np.random.default_rng(6)
    imgs = rng.standard_normal((4, 3, 6, 6))
    boxes = []
    for _ in range(4):
        n = int(rng.integers(1, 4))
        boxes.append([[int(rng.integers(0, 4)), *rng.uniform(0.05, 0.95, 2).tolist(),
                       *rng.uniform(0.1, 0.6, 2).tolist()] for _ in range(n)])  # fmt: skip
    portability.assert_same(yolo, rtol=1e-8, imgs=imgs, boxes=boxes)
