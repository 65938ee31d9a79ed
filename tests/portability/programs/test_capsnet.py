"""A capsule network with dynamic routing as the PyTorch reimplementations of Sabour et al.
write it (gram-ai's ``capsule-networks`` and the ``CapsNet-Pytorch`` repositories): primary
capsules from ``nn.ModuleList`` convs ``stack``-ed and ``view``-ed, ``squash`` with
``(squared_norm / (1 + squared_norm)) * tensor / torch.sqrt(squared_norm)``, the route weights
``[num_caps, num_routes, in, out]`` applied by ``x[None, :, :, None, :] @ route_weights[:,
None, :, :, :]`` (matmul broadcasting over two batch dims), routing logits ``torch.zeros(*
priors.size())``, ``F.softmax`` over routes, ``(probs * priors).sum(dim=2, keepdim=True)``
and the agreement update; the margin loss (``F.relu(0.9 - lengths) ** 2``), the masked
reconstruction through ``torch.eye(10).index_select(dim=0, index=...)``; and the einsum
form of the same routing (``torch.einsum('bij,jkil->bjkl', ...)``)."""

from __future__ import annotations

import numpy as np


def capsnet(torch, nn, F, optim, data, init, path, images, labels):
    log = []

    def squash(tensor, dim=-1):
        squared_norm = (tensor**2).sum(dim=dim, keepdim=True)
        scale = squared_norm / (1 + squared_norm)
        return scale * tensor / torch.sqrt(squared_norm)

    def softmax(input, dim=1):
        transposed_input = input.transpose(dim, len(input.size()) - 1)
        softmaxed_output = F.softmax(
            transposed_input.contiguous().view(-1, transposed_input.size(-1)), dim=-1
        )
        return softmaxed_output.view(*transposed_input.size()).transpose(dim, len(input.size()) - 1)

    class CapsuleLayer(nn.Module):
        def __init__(self, num_capsules, num_route_nodes, in_channels, out_channels,
                     kernel_size=None, stride=None, num_iterations=3):  # fmt: skip
            super(CapsuleLayer, self).__init__()
            self.num_route_nodes = num_route_nodes
            self.num_iterations = num_iterations
            self.num_capsules = num_capsules
            if num_route_nodes != -1:
                self.route_weights = nn.Parameter(
                    torch.randn(num_capsules, num_route_nodes, in_channels, out_channels)
                )
            else:
                self.capsules = nn.ModuleList(
                    [nn.Conv2d(in_channels, out_channels, kernel_size=kernel_size, stride=stride,
                               padding=0) for _ in range(num_capsules)])  # fmt: skip

        def forward(self, x):
            if self.num_route_nodes != -1:
                priors = x[None, :, :, None, :] @ self.route_weights[:, None, :, :, :]
                logits = torch.zeros(*priors.size())
                for i in range(self.num_iterations):
                    probs = softmax(logits, dim=2)
                    outputs = squash((probs * priors).sum(dim=2, keepdim=True))
                    if i != self.num_iterations - 1:
                        delta_logits = (priors * outputs).sum(dim=-1, keepdim=True)
                        logits = logits + delta_logits
            else:
                outputs = [capsule(x).view(x.size(0), -1, 1) for capsule in self.capsules]
                outputs = torch.cat(outputs, dim=-1)
                outputs = squash(outputs)
            return outputs

    NUM_CLASSES = 4

    class CapsuleNet(nn.Module):
        def __init__(self):
            super(CapsuleNet, self).__init__()
            self.conv1 = nn.Conv2d(1, 8, kernel_size=3, stride=1)
            self.primary_capsules = CapsuleLayer(num_capsules=4, num_route_nodes=-1,
                                                 in_channels=8, out_channels=2, kernel_size=3,
                                                 stride=2)  # fmt: skip
            self.digit_capsules = CapsuleLayer(num_capsules=NUM_CLASSES,
                                               num_route_nodes=2 * 3 * 3, in_channels=4,
                                               out_channels=6)  # fmt: skip
            self.decoder = nn.Sequential(
                nn.Linear(6 * NUM_CLASSES, 32), nn.ReLU(inplace=True),
                nn.Linear(32, 81), nn.Sigmoid(),
            )  # fmt: skip

        def forward(self, x, y=None):
            x = F.relu(self.conv1(x), inplace=True)
            x = self.primary_capsules(x)
            x = self.digit_capsules(x).squeeze().transpose(0, 1)
            classes = (x**2).sum(dim=-1) ** 0.5
            classes = F.softmax(classes, dim=-1)
            if y is None:
                _, max_length_indices = classes.max(dim=1)
                y = torch.eye(NUM_CLASSES).index_select(dim=0, index=max_length_indices)
            reconstructions = self.decoder((x * y[:, :, None]).reshape(x.size(0), -1))
            return classes, reconstructions

    class CapsuleLoss(nn.Module):
        def __init__(self):
            super(CapsuleLoss, self).__init__()
            self.reconstruction_loss = nn.MSELoss(reduction="sum")

        def forward(self, images, labels, classes, reconstructions):
            left = F.relu(0.9 - classes, inplace=True) ** 2
            right = F.relu(classes - 0.1, inplace=True) ** 2
            margin_loss = labels * left + 0.5 * (1.0 - labels) * right
            margin_loss = margin_loss.sum()
            assert torch.numel(images) == torch.numel(reconstructions)
            images = images.view(reconstructions.size()[0], -1)
            reconstruction_loss = self.reconstruction_loss(reconstructions, images)
            return (margin_loss + 0.0005 * reconstruction_loss) / images.size(0)

    model = init(CapsuleNet())
    capsule_loss = CapsuleLoss()
    optimizer = optim.Adam(model.parameters())
    imgs, labs = torch.tensor(images), torch.tensor(labels)
    for step in range(5):
        x, t = imgs[step * 4 : step * 4 + 4], labs[step * 4 : step * 4 + 4]
        y = torch.eye(NUM_CLASSES).index_select(dim=0, index=t)
        classes, recon = model(x, y)
        loss = capsule_loss(x, y, classes, recon)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        acc = (classes.argmax(1) == t).float().mean()
        log.append([loss.item(), acc.item()])
    model.eval()
    with torch.no_grad():
        classes, recon = model(imgs[:6])
        log.append(classes.sum(0).tolist())
        log.append(recon.mean().item())

    # einsum routing on precomputed u_hat (the "CapsNet-Pytorch" form)
    class Routing(nn.Module):
        def __init__(self, in_caps=6, in_dim=4, out_caps=3, out_dim=5, iters=3):
            super().__init__()
            self.W = nn.Parameter(0.01 * torch.randn(out_caps, in_caps, out_dim, in_dim))
            self.iters = iters

        def forward(self, u):
            u_hat = torch.squeeze(torch.matmul(self.W, u[:, None, :, :, None]), dim=-1)
            u_hat_detached = u_hat.detach()
            b = torch.zeros(u.size(0), self.W.size(0), self.W.size(1))
            for i in range(self.iters):
                c = F.softmax(b, dim=1)
                if i == self.iters - 1:
                    v = squash(torch.sum(c[:, :, :, None] * u_hat, dim=-2, keepdim=True))
                else:
                    v = squash(torch.sum(c[:, :, :, None] * u_hat_detached, dim=-2, keepdim=True))
                    b = b + torch.sum(v * u_hat_detached, dim=-1)
            v2 = torch.einsum("bij,bijk->bik", c, u_hat)
            return torch.squeeze(v, dim=-2), v2

    routing = init(Routing())
    opt = optim.SGD(routing.parameters(), lr=0.5)
    u = torch.tensor(images[:8, 0, :6, :4])
    target = torch.tensor(labels[:8])
    for step in range(4):
        v, v2 = routing(u)
        lengths = v.norm(dim=-1)
        loss = F.cross_entropy(lengths * 10, target % 3) + v2.pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        log.append([loss.item(), routing.W.grad.abs().sum().item()])
    return log


def test_capsnet(portability):
    rng = np.random.default_rng(4)
    images = rng.random((20, 1, 9, 9))
    labels = rng.integers(0, 4, 20)
    for i, c in enumerate(labels):
        images[i, 0, 2 * c : 2 * c + 2] += 1.0
    portability.assert_same(capsnet, rtol=1e-8, images=images / 2, labels=labels.tolist())
