"""The official super-resolution example (pytorch/examples super_resolution): the ESPCN
``Net`` (convolutions with tuple kernel/stride/padding, ``nn.PixelShuffle``), weights from
``init.orthogonal_(..., init.calculate_gain('relu'))``, ``MSELoss`` + Adam, the test pass's
PSNR ``10 * log10(1 / mse.item())``, the model saved and loaded back to super-resolve one image (``out[0].detach().numpy()``, ``*= 255.0``,
``.clip(0, 255)``). The example saves the whole module (``torch.save(model, path)``, a pickle);
deepgrad never pickles (README's table: ``dg.save`` refuses a module and names
``state_dict()``), so here the state dict goes through the file."""

from __future__ import annotations

from math import log10

import numpy as np


def super_resolution(torch, nn, F, optim, data, init, path, lr_images, hr_images):
    import importlib

    torch_init = importlib.import_module(nn.__name__ + ".init")

    class Net(nn.Module):
        def __init__(self, upscale_factor):
            super().__init__()
            self.relu = nn.ReLU()
            self.conv1 = nn.Conv2d(1, 64, (5, 5), (1, 1), (2, 2))
            self.conv2 = nn.Conv2d(64, 64, (3, 3), (1, 1), (1, 1))
            self.conv3 = nn.Conv2d(64, 32, (3, 3), (1, 1), (1, 1))
            self.conv4 = nn.Conv2d(32, upscale_factor**2, (3, 3), (1, 1), (1, 1))
            self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
            self._initialize_weights()

        def forward(self, x):
            x = self.relu(self.conv1(x))
            x = self.relu(self.conv2(x))
            x = self.relu(self.conv3(x))
            x = self.pixel_shuffle(self.conv4(x))
            return x

        def _initialize_weights(self):
            torch_init.orthogonal_(self.conv1.weight, torch_init.calculate_gain("relu"))
            torch_init.orthogonal_(self.conv2.weight, torch_init.calculate_gain("relu"))
            torch_init.orthogonal_(self.conv3.weight, torch_init.calculate_gain("relu"))
            torch_init.orthogonal_(self.conv4.weight)

    log = []
    model = Net(upscale_factor=3)
    w = model.conv2.weight.detach().reshape(64, -1)
    log.append(float(torch.allclose(w @ w.t(), 2 * torch.eye(64), atol=1e-6)))
    model = init(model)
    criterion = nn.MSELoss()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    dataset = data.TensorDataset(torch.tensor(lr_images), torch.tensor(hr_images))
    training_data_loader = data.DataLoader(dataset=data.Subset(dataset, range(8)), batch_size=4)
    testing_data_loader = data.DataLoader(dataset=data.Subset(dataset, range(8, 12)), batch_size=2)

    def train(epoch):
        epoch_loss = 0
        for iteration, batch in enumerate(training_data_loader, 1):
            input, target = batch[0], batch[1]
            optimizer.zero_grad()
            loss = criterion(model(input), target)
            epoch_loss += loss.item()
            loss.backward()
            optimizer.step()
            log.append(f"===> Epoch[{epoch}]({iteration}/{len(training_data_loader)}): Loss: {loss.item():.4f}")  # fmt: skip
            log.append(loss.item())
        log.append(epoch_loss / len(training_data_loader))

    def test():
        avg_psnr = 0
        with torch.no_grad():
            for batch in testing_data_loader:
                input, target = batch[0], batch[1]
                prediction = model(input)
                mse = criterion(prediction, target)
                psnr = 10 * log10(1 / mse.item())
                avg_psnr += psnr
        log.append(avg_psnr / len(testing_data_loader))

    def checkpoint(epoch):
        model_out_path = path / f"model_epoch_{epoch}.pth"
        torch.save(model.state_dict(), model_out_path)  # the example: torch.save(model, ...)
        return model_out_path

    for epoch in range(1, 3):
        train(epoch)
        test()
        model_path = checkpoint(epoch)

    # super_resolve.py
    model = Net(upscale_factor=3)  # the example: model = torch.load(opt.model)
    model.load_state_dict(torch.load(model_path))
    y = lr_images[0, 0]
    input = torch.from_numpy(y).view(1, -1, y.shape[0], y.shape[1])
    out = model(input)
    out_img_y = out[0].detach().numpy()
    out_img_y *= 255.0
    out_img_y = out_img_y.clip(0, 255)
    log.append(out_img_y.shape)
    log.append(out_img_y.flatten()[:20].tolist())
    return log


def test_super_resolution(portability):
    rng = np.random.default_rng(0)
    hr = rng.random((12, 1, 12, 12))
    lr = hr.reshape(12, 1, 4, 3, 4, 3).mean(axis=(3, 5))
    portability.assert_same(super_resolution, lr_images=lr, hr_images=hr)
