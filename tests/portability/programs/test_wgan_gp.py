"""PyTorch-GAN's WGAN-GP (eriklindernoren/PyTorch-GAN, implementations/wgan_gp/wgan_gp.py): an MLP
generator built from ``*block(...)`` lists (``BatchNorm1d(out_feat, 0.8)``, in-place
``LeakyReLU``), the ``Tensor = torch.FloatTensor`` idiom (``Tensor(np.random.random(...))``,
``Tensor(n, 1).fill_(1.0)``, ``Variable(..., requires_grad=False)``, ``imgs.type(Tensor)``),
and the gradient penalty: ``autograd.grad(outputs=..., inputs=..., grad_outputs=...,
create_graph=True, retain_graph=True, only_inputs=True)`` on interpolates made with
``requires_grad_(True)``, ``gradients.norm(2, dim=1)``, differentiated again by
``d_loss.backward()``; Adam with ``betas=(b1, b2)`` and a generator step every ``n_critic``."""

from __future__ import annotations

import importlib

import numpy as np


def wgan_gp(torch, nn, F, optim, data, init, path, images, tensor_type):
    autograd = importlib.import_module(torch.__name__ + ".autograd")
    Variable = autograd.Variable
    np.random.seed(0)  # noqa: NPY002 - the program draws from NumPy's global stream
    latent_dim, n_critic, lambda_gp = 8, 2, 10
    img_shape = (1, 4, 4)

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()

            def block(in_feat, out_feat, normalize=True):
                layers = [nn.Linear(in_feat, out_feat)]
                if normalize:
                    layers.append(nn.BatchNorm1d(out_feat, 0.8))
                layers.append(nn.LeakyReLU(0.2, inplace=True))
                return layers

            self.model = nn.Sequential(
                *block(latent_dim, 16, normalize=False),
                *block(16, 32),
                nn.Linear(32, int(np.prod(img_shape))),
                nn.Tanh(),
            )

        def forward(self, z):
            img = self.model(z)
            img = img.view(img.shape[0], *img_shape)
            return img

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.model = nn.Sequential(
                nn.Linear(int(np.prod(img_shape)), 32),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Linear(32, 16),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Linear(16, 1),
            )

        def forward(self, img):
            img_flat = img.view(img.shape[0], -1)
            validity = self.model(img_flat)
            return validity

    generator = init(Generator())
    discriminator = init(Discriminator())
    optimizer_G = torch.optim.Adam(generator.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=0.0002, betas=(0.5, 0.999))
    Tensor = getattr(torch, tensor_type)  # the program: torch.FloatTensor (or cuda's)

    def compute_gradient_penalty(D, real_samples, fake_samples):
        """Calculates the gradient penalty loss for WGAN GP"""
        # Random weight term for interpolation between real and fake samples
        alpha = Tensor(np.random.random((real_samples.size(0), 1, 1, 1)))  # noqa: NPY002
        # Get random interpolation between real and fake samples
        interpolates = (alpha * real_samples + ((1 - alpha) * fake_samples)).requires_grad_(True)
        d_interpolates = D(interpolates)
        fake = Variable(Tensor(real_samples.shape[0], 1).fill_(1.0), requires_grad=False)
        # Get gradient w.r.t. interpolates
        gradients = autograd.grad(
            outputs=d_interpolates,
            inputs=interpolates,
            grad_outputs=fake,
            create_graph=True,
            retain_graph=True,
            only_inputs=True,
        )[0]
        gradients = gradients.view(gradients.size(0), -1)
        gradient_penalty = ((gradients.norm(2, dim=1) - 1) ** 2).mean()
        return gradient_penalty

    dataloader = data.DataLoader(
        data.TensorDataset(torch.tensor(images), torch.zeros(len(images))), batch_size=8
    )
    log = []
    batches_done = 0
    for epoch in range(2):
        for i, (imgs, _) in enumerate(dataloader):
            # Configure input
            real_imgs = Variable(imgs.type(Tensor))
            #  Train Discriminator
            optimizer_D.zero_grad()
            # Sample noise as generator input
            z = Variable(Tensor(np.random.normal(0, 1, (imgs.shape[0], latent_dim))))  # noqa: NPY002
            # Generate a batch of images
            fake_imgs = generator(z)
            # Real images
            real_validity = discriminator(real_imgs)
            # Fake images
            fake_validity = discriminator(fake_imgs)
            # Gradient penalty
            gradient_penalty = compute_gradient_penalty(
                discriminator, real_imgs.data, fake_imgs.data
            )
            # Adversarial loss
            d_loss = (
                -torch.mean(real_validity)
                + torch.mean(fake_validity)
                + lambda_gp * gradient_penalty
            )
            d_loss.backward()
            optimizer_D.step()
            optimizer_G.zero_grad()
            log.append([d_loss.item(), gradient_penalty.item()])
            # Train the generator every n_critic steps
            if i % n_critic == 0:
                #  Train Generator
                # Generate a batch of images
                fake_imgs = generator(z)
                # Loss measures generator's ability to fool the discriminator
                # Train on fake images
                fake_validity = discriminator(fake_imgs)
                g_loss = -torch.mean(fake_validity)
                g_loss.backward()
                optimizer_G.step()
                log.append("[Epoch %d/%d] [Batch %d/%d]" % (epoch, 2, i, len(dataloader)))
                log.append([d_loss.item(), g_loss.item()])
                batches_done += n_critic
    log.append(batches_done)
    log.append(fake_imgs.data[:2].flatten().tolist())
    return log


def test_wgan_gp(portability):
    rng = np.random.default_rng(0)
    images = rng.random((32, 1, 4, 4)) * 2 - 1
    portability.assert_same(wgan_gp, images=images, tensor_type="DoubleTensor")


def test_wgan_gp_in_float32_as_written(portability):
    """``torch.FloatTensor`` as the program writes it: float32 rounding in tiny gradients
    moves Adam's first, sign-like steps, so the losses agree to float32's noise only."""
    rng = np.random.default_rng(0)
    images = (rng.random((32, 1, 4, 4)) * 2 - 1).astype(np.float32)
    portability.assert_same(wgan_gp, dtype="float32", rtol=2e-3, images=images,
                            tensor_type="FloatTensor")  # fmt: skip
