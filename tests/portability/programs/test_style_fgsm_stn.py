"""Three tutorials that differentiate with respect to the input or warp it:
"Neural Transfer Using PyTorch" (``ContentLoss``/``StyleLoss`` modules that keep
``target.detach()`` and return their input, ``gram_matrix`` through ``torch.mm(features,
features.t())``, ``Normalization`` with ``torch.tensor(mean).view(-1, 1, 1)``, the model rebuilt
from ``cnn.children()`` with ``add_module`` and cut with ``model[:(i + 1)]``, ``input_img
.requires_grad_(True)``, ``model.eval(); model.requires_grad_(False)``, ``optim.LBFGS
([input_img])`` with a closure that clamps under ``no_grad``), "Adversarial Example Generation"
(FGSM: ``data.requires_grad = True``, ``data.grad.data``, ``sign()``, ``torch.clamp``,
``output.max(1, keepdim=True)[1]``, ``init_pred.item() != target.item()``, a ``denorm`` and
``F.dropout(x, training=self.training)`` in eval mode) and "Spatial Transformer Networks"
(``F.affine_grid`` + ``F.grid_sample``, ``fc_loc[2].weight.data.zero_()``, ``bias.data.copy_
(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))``)."""

from __future__ import annotations

import numpy as np


def style_transfer(torch, nn, F, optim, data, init, path, content, style):
    content_img, style_img = torch.tensor(content), torch.tensor(style)

    class ContentLoss(nn.Module):
        def __init__(self, target):
            super().__init__()
            self.target = target.detach()

        def forward(self, input):
            self.loss = F.mse_loss(input, self.target)
            return input

    def gram_matrix(input):
        a, b, c, d = input.size()  # a=batch size(=1)
        features = input.view(a * b, c * d)  # resize F_XL into \hat F_XL
        G = torch.mm(features, features.t())  # compute the gram product
        return G.div(a * b * c * d)

    class StyleLoss(nn.Module):
        def __init__(self, target_feature):
            super().__init__()
            self.target = gram_matrix(target_feature).detach()

        def forward(self, input):
            G = gram_matrix(input)
            self.loss = F.mse_loss(G, self.target)
            return input

    cnn = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(4, 4, 3, padding=1),
        nn.ReLU(inplace=True), nn.MaxPool2d(2, 2), nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(),
        nn.Conv2d(6, 6, 3, padding=1), nn.ReLU(),
    )  # fmt: skip
    cnn = init(cnn).eval()
    cnn_normalization_mean = torch.tensor([0.485, 0.456, 0.406])
    cnn_normalization_std = torch.tensor([0.229, 0.224, 0.225])

    class Normalization(nn.Module):
        def __init__(self, mean, std):
            super().__init__()
            self.mean = torch.tensor(mean).view(-1, 1, 1)
            self.std = torch.tensor(std).view(-1, 1, 1)

        def forward(self, img):
            return (img - self.mean) / self.std

    content_layers_default = ["conv_4"]
    style_layers_default = ["conv_1", "conv_2", "conv_3", "conv_4"]

    def get_style_model_and_losses(cnn, normalization_mean, normalization_std, style_img,
                                   content_img, content_layers=content_layers_default,
                                   style_layers=style_layers_default):  # fmt: skip
        normalization = Normalization(normalization_mean, normalization_std)
        content_losses = []
        style_losses = []
        model = nn.Sequential(normalization)
        i = 0  # increment every time we see a conv
        for layer in cnn.children():
            if isinstance(layer, nn.Conv2d):
                i += 1
                name = f"conv_{i}"
            elif isinstance(layer, nn.ReLU):
                name = f"relu_{i}"
                layer = nn.ReLU(inplace=False)
            elif isinstance(layer, nn.MaxPool2d):
                name = f"pool_{i}"
            elif isinstance(layer, nn.BatchNorm2d):
                name = f"bn_{i}"
            else:
                raise RuntimeError(f"Unrecognized layer: {layer.__class__.__name__}")
            model.add_module(name, layer)
            if name in content_layers:
                target = model(content_img).detach()
                content_loss = ContentLoss(target)
                model.add_module(f"content_loss_{i}", content_loss)
                content_losses.append(content_loss)
            if name in style_layers:
                target_feature = model(style_img).detach()
                style_loss = StyleLoss(target_feature)
                model.add_module(f"style_loss_{i}", style_loss)
                style_losses.append(style_loss)
        for i in range(len(model) - 1, -1, -1):
            if isinstance(model[i], ContentLoss) or isinstance(model[i], StyleLoss):
                break
        model = model[: (i + 1)]
        return model, style_losses, content_losses

    input_img = content_img.clone()
    log = []

    def run_style_transfer(cnn, normalization_mean, normalization_std, content_img, style_img,
                           input_img, num_steps=300, style_weight=1000000, content_weight=1):  # fmt: skip
        model, style_losses, content_losses = get_style_model_and_losses(
            cnn, normalization_mean, normalization_std, style_img, content_img
        )
        log.append([name for name, _ in model.named_children()])
        input_img.requires_grad_(True)
        model.eval()
        model.requires_grad_(False)
        optimizer = optim.LBFGS([input_img])
        run = [0]
        while run[0] <= num_steps:

            def closure():
                # correct the values of updated input image
                with torch.no_grad():
                    input_img.clamp_(0, 1)
                optimizer.zero_grad()
                model(input_img)
                style_score = 0
                content_score = 0
                for sl in style_losses:
                    style_score += sl.loss
                for cl in content_losses:
                    content_score += cl.loss
                style_score *= style_weight
                content_score *= content_weight
                loss = style_score + content_score
                loss.backward()
                run[0] += 1
                log.append([style_score.item(), content_score.item()])
                return style_score + content_score

            optimizer.step(closure)
        with torch.no_grad():
            input_img.clamp_(0, 1)
        return input_img

    output = run_style_transfer(cnn, cnn_normalization_mean, cnn_normalization_std,
                                content_img, style_img, input_img, num_steps=25)  # fmt: skip
    log.append(output.detach().flatten()[:16].tolist())
    return log


def fgsm(torch, nn, F, optim, data, init, path, images, labels):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, 3, 1)
            self.conv2 = nn.Conv2d(4, 8, 3, 1)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
            self.fc1 = nn.Linear(8 * 3 * 3, 16)
            self.fc2 = nn.Linear(16, 10)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            x = F.relu(self.conv2(x))
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = torch.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.dropout(x, training=self.training)  # eval: no draw
            x = self.dropout2(x)
            x = self.fc2(x)
            output = F.log_softmax(x, dim=1)
            return output

    device = torch.device("cpu")
    model = init(Net()).to(device)
    torch.save(model.state_dict(), path / "lenet_mnist_model.pth")
    model.load_state_dict(torch.load(path / "lenet_mnist_model.pth", map_location=device,
                                     weights_only=True))  # fmt: skip
    model.eval()
    test_loader = data.DataLoader(
        data.TensorDataset(torch.tensor(images), torch.tensor(labels)), batch_size=1, shuffle=False
    )

    def fgsm_attack(image, epsilon, data_grad):
        sign_data_grad = data_grad.sign()
        perturbed_image = image + epsilon * sign_data_grad
        perturbed_image = torch.clamp(perturbed_image, 0, 1)
        return perturbed_image

    def denorm(batch, mean=[0.1307], std=[0.3081]):  # noqa: B006 - the tutorial's
        if isinstance(mean, list):
            mean = torch.tensor(mean).to(device)
        if isinstance(std, list):
            std = torch.tensor(std).to(device)
        return batch * std.view(1, -1, 1, 1) + mean.view(1, -1, 1, 1)

    def test(model, device, test_loader, epsilon):
        correct = 0
        adv_examples = []
        for data_, target in test_loader:
            data_, target = data_.to(device), target.to(device)
            data_.requires_grad = True
            output = model(data_)
            init_pred = output.max(1, keepdim=True)[1]  # get the index of the max log-probability
            if init_pred.item() != target.item():
                continue
            loss = F.nll_loss(output, target)
            model.zero_grad()
            loss.backward()
            data_grad = data_.grad.data
            data_denorm = denorm(data_)
            perturbed_data = fgsm_attack(data_denorm, epsilon, data_grad)
            perturbed_data_normalized = (perturbed_data - 0.1307) / 0.3081  # transforms.Normalize
            output = model(perturbed_data_normalized)
            final_pred = output.max(1, keepdim=True)[1]
            if final_pred.item() == target.item():
                correct += 1
                if epsilon == 0 and len(adv_examples) < 5:
                    adv_ex = perturbed_data.squeeze().detach().cpu().numpy()
                    adv_examples.append((init_pred.item(), final_pred.item(), adv_ex.sum()))
            else:
                if len(adv_examples) < 5:
                    adv_ex = perturbed_data.squeeze().detach().cpu().numpy()
                    adv_examples.append((init_pred.item(), final_pred.item(), float(adv_ex.sum())))
        final_acc = correct / float(len(test_loader))
        return final_acc, adv_examples

    accuracies, examples = [], []
    for eps in [0, 0.05, 0.1, 0.3]:
        acc, ex = test(model, device, test_loader, eps)
        accuracies.append(acc)
        examples.append([list(map(float, e)) for e in ex])
    return [accuracies, examples]


def spatial_transformer(torch, nn, F, optim, data, init, path, images, labels):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, kernel_size=5)
            self.conv2 = nn.Conv2d(4, 8, kernel_size=5)
            self.conv2_drop = nn.Dropout2d(p=0.0)
            self.fc1 = nn.Linear(8 * 1 * 1, 16)
            self.fc2 = nn.Linear(16, 10)
            # Spatial transformer localization-network
            self.localization = nn.Sequential(
                nn.Conv2d(1, 4, kernel_size=7), nn.MaxPool2d(2, stride=2), nn.ReLU(True),
                nn.Conv2d(4, 6, kernel_size=3), nn.MaxPool2d(2, stride=2), nn.ReLU(True),
            )  # fmt: skip
            # Regressor for the 3 * 2 affine matrix
            self.fc_loc = nn.Sequential(
                nn.Linear(6 * 1 * 1, 32), nn.ReLU(True), nn.Linear(32, 3 * 2)
            )
            # Initialize the weights/bias with identity transformation
            self.fc_loc[2].weight.data.zero_()
            self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

        # Spatial transformer network forward function
        def stn(self, x):
            xs = self.localization(x)
            xs = xs.view(-1, 6 * 1 * 1)
            theta = self.fc_loc(xs)
            theta = theta.view(-1, 2, 3)
            grid = F.affine_grid(theta, x.size())
            x = F.grid_sample(x, grid)
            return x

        def forward(self, x):
            # transform the input
            x = self.stn(x)
            # Perform the usual forward pass
            x = F.relu(F.max_pool2d(self.conv1(x), 2))
            x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
            x = x.view(-1, 8 * 1 * 1)
            x = F.relu(self.fc1(x))
            x = F.dropout(x, p=0.0, training=self.training)
            x = self.fc2(x)
            return F.log_softmax(x, dim=1)

    model = Net()
    log = [model.fc_loc[2].bias.tolist(), model.fc_loc[2].weight.abs().sum().item()]
    model = init(model)
    optimizer = optim.SGD(model.parameters(), lr=0.05)
    train_loader = data.DataLoader(
        data.TensorDataset(torch.tensor(images), torch.tensor(labels)), batch_size=8
    )
    for epoch in range(1, 3):
        model.train()
        for batch_idx, (data_, target) in enumerate(train_loader):
            optimizer.zero_grad()
            output = model(data_)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            log.append(loss.item())
    with torch.no_grad():
        model.eval()
        data_ = next(iter(train_loader))[0]
        transformed = model.stn(data_)
        log.append(transformed[0].flatten()[:20].tolist())
        log.append(model.fc_loc[2].bias.tolist())
    return log


def test_neural_style_transfer(portability):
    rng = np.random.default_rng(0)
    portability.assert_same(style_transfer, rtol=1e-7, content=rng.random((1, 3, 8, 8)),
                            style=rng.random((1, 3, 8, 8)))  # fmt: skip


def test_fgsm(portability):
    rng = np.random.default_rng(1)
    images = rng.standard_normal((24, 1, 10, 10))
    portability.assert_same(fgsm, images=images, labels=rng.integers(0, 10, 24))


def test_spatial_transformer(portability):
    rng = np.random.default_rng(2)
    # 16 pixels: the identity grid (the tutorial's start) lands exactly on pixels, where both
    # libraries take the same bilinear cell (elsewhere PyTorch's vector rounding decides it)
    images = rng.standard_normal((16, 1, 16, 16))
    portability.assert_same(spatial_transformer, images=images, labels=rng.integers(0, 10, 16))
