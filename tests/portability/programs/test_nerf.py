"""NeRF as yenchenlin/nerf-pytorch and krrish94/nerf-pytorch write it: the positional
``Embedder`` (``freq_bands = 2.**torch.linspace(0., max_freq, steps=N_freqs)`` or ``2.0 **
torch.arange(L)``, a list of ``lambda x, p_fn=p_fn, freq=freq: p_fn(x * freq)`` over
``torch.sin, torch.cos``, ``torch.cat([fn(inputs) for fn in self.embed_fns], -1)``), the MLP
with a skip connection (``torch.cat([input_pts, h], -1)``) and ``torch.split(x,
[self.input_ch, self.input_ch_views], dim=-1)``, rays sampled with ``torch.linspace(0., 1.,
steps=N_samples)``, ``z_vals.expand([N_rays, N_samples])``, stratified jitter (``mids = .5 *
(z_vals[..., 1:] + z_vals[..., :-1])``, ``upper``/``lower`` and ``t_rand = torch.rand(...)``),
``pts = rays_o[..., None, :] + rays_d[..., None, :] * z_vals[..., :, None]``, ``raw2outputs``
(``raw2alpha = lambda raw, dists, act_fn=F.relu: 1. - torch.exp(-act_fn(raw) * dists)``,
``torch.cat([dists, torch.Tensor([1e10]).expand(dists[..., :1].shape)], -1)``, ``dists *
torch.norm(rays_d[..., None, :], dim=-1)``, the exclusive ``torch.cumprod(torch.cat([torch.ones(
(alpha.shape[0], 1)), 1. - alpha + 1e-10], -1), -1)[:, :-1]``, ``torch.sum(weights[..., None] *
rgb, -2)``, ``disp_map = 1. / torch.max(1e-10 * torch.ones_like(depth_map), depth_map /
torch.sum(weights, -1))``), hierarchical ``sample_pdf`` (``torch.cumsum``, ``torch.searchsorted(cdf,
u, right=True)``, ``torch.max``/``torch.min`` with ``zeros_like``/``ones_like``, ``torch.stack``,
``torch.gather`` on an expanded cdf, ``torch.where(denom < 1e-5, torch.ones_like(denom),
denom)``, ``.detach()``, ``torch.sort``), ``img2mse`` and ``mse2psnr = lambda x: -10. *
torch.log(x) / torch.log(torch.Tensor([10.]))``; Adam with the paper's exponential decay
written into ``param_group['lr']``."""

from __future__ import annotations

import numpy as np


def nerf_program(torch, nn, F, optim, data, init, path, rays_o, rays_d, target, use_arange):
    log = []

    class Embedder:
        def __init__(self, **kwargs):
            self.kwargs = kwargs
            self.create_embedding_fn()

        def create_embedding_fn(self):
            embed_fns = []
            d = self.kwargs["input_dims"]
            out_dim = 0
            if self.kwargs["include_input"]:
                embed_fns.append(lambda x: x)
                out_dim += d
            max_freq = self.kwargs["max_freq_log2"]
            N_freqs = self.kwargs["num_freqs"]
            if use_arange:
                freq_bands = 2.0 ** torch.arange(N_freqs)
            elif self.kwargs["log_sampling"]:
                freq_bands = 2.0 ** torch.linspace(0.0, max_freq, steps=N_freqs)
            else:
                freq_bands = torch.linspace(2.0**0.0, 2.0**max_freq, steps=N_freqs)
            for freq in freq_bands:
                for p_fn in self.kwargs["periodic_fns"]:
                    embed_fns.append(lambda x, p_fn=p_fn, freq=freq: p_fn(x * freq))
                    out_dim += d
            self.embed_fns = embed_fns
            self.out_dim = out_dim

        def embed(self, inputs):
            return torch.cat([fn(inputs) for fn in self.embed_fns], -1)

    def get_embedder(multires, log_sampling=True):
        embed_kwargs = {"include_input": True, "input_dims": 3, "max_freq_log2": multires - 1,
                        "num_freqs": multires, "log_sampling": log_sampling,
                        "periodic_fns": [torch.sin, torch.cos]}  # fmt: skip
        embedder_obj = Embedder(**embed_kwargs)
        return (lambda x, eo=embedder_obj: eo.embed(x)), embedder_obj.out_dim

    class NeRF(nn.Module):
        def __init__(self, D=4, W=16, input_ch=3, input_ch_views=3, output_ch=4, skips=(2,),
                     use_viewdirs=True):  # fmt: skip
            super().__init__()
            self.D, self.W = D, W
            self.input_ch = input_ch
            self.input_ch_views = input_ch_views
            self.skips = skips
            self.use_viewdirs = use_viewdirs
            self.pts_linears = nn.ModuleList(
                [nn.Linear(input_ch, W)]
                + [
                    nn.Linear(W, W) if i not in self.skips else nn.Linear(W + input_ch, W)
                    for i in range(D - 1)
                ]  # fmt: skip
            )
            self.views_linears = nn.ModuleList([nn.Linear(input_ch_views + W, W // 2)])
            if use_viewdirs:
                self.feature_linear = nn.Linear(W, W)
                self.alpha_linear = nn.Linear(W, 1)
                self.rgb_linear = nn.Linear(W // 2, 3)
            else:
                self.output_linear = nn.Linear(W, output_ch)

        def forward(self, x):
            input_pts, input_views = torch.split(x, [self.input_ch, self.input_ch_views], dim=-1)
            h = input_pts
            for i, l in enumerate(self.pts_linears):
                h = self.pts_linears[i](h)
                h = F.relu(h)
                if i in self.skips:
                    h = torch.cat([input_pts, h], -1)
            if self.use_viewdirs:
                alpha = self.alpha_linear(h)
                feature = self.feature_linear(h)
                h = torch.cat([feature, input_views], -1)
                for i, l in enumerate(self.views_linears):
                    h = self.views_linears[i](h)
                    h = F.relu(h)
                rgb = self.rgb_linear(h)
                outputs = torch.cat([rgb, alpha], -1)
            else:
                outputs = self.output_linear(h)
            return outputs

    def raw2outputs(raw, z_vals, rays_d):
        raw2alpha = lambda raw, dists, act_fn=F.relu: 1.0 - torch.exp(-act_fn(raw) * dists)  # noqa: E731
        dists = z_vals[..., 1:] - z_vals[..., :-1]
        dists = torch.cat([dists, torch.Tensor([1e10]).expand(dists[..., :1].shape)], -1)
        dists = dists * torch.norm(rays_d[..., None, :], dim=-1)
        rgb = torch.sigmoid(raw[..., :3])
        alpha = raw2alpha(raw[..., 3], dists)
        weights = (
            alpha
            * torch.cumprod(
                torch.cat([torch.ones((alpha.shape[0], 1)), 1.0 - alpha + 1e-10], -1), -1
            )[:, :-1]
        )
        rgb_map = torch.sum(weights[..., None] * rgb, -2)
        depth_map = torch.sum(weights * z_vals, -1)
        disp_map = 1.0 / torch.max(1e-10 * torch.ones_like(depth_map), depth_map / torch.sum(weights, -1))  # fmt: skip
        acc_map = torch.sum(weights, -1)
        rgb_map = rgb_map + (1.0 - acc_map[..., None])  # white background
        return rgb_map, disp_map, acc_map, weights, depth_map

    def sample_pdf(bins, weights, N_samples, det=True):
        weights = weights + 1e-5  # prevent nans
        pdf = weights / torch.sum(weights, -1, keepdim=True)
        cdf = torch.cumsum(pdf, -1)
        cdf = torch.cat([torch.zeros_like(cdf[..., :1]), cdf], -1)  # (batch, len(bins))
        if det:
            u = torch.linspace(0.0, 1.0, steps=N_samples)
            u = u.expand(list(cdf.shape[:-1]) + [N_samples])
        else:
            u = torch.rand(list(cdf.shape[:-1]) + [N_samples])
        u = u.contiguous()
        inds = torch.searchsorted(cdf, u, right=True)
        below = torch.max(torch.zeros_like(inds - 1), inds - 1)
        above = torch.min((cdf.shape[-1] - 1) * torch.ones_like(inds), inds)
        inds_g = torch.stack([below, above], -1)  # (batch, N_samples, 2)
        matched_shape = [inds_g.shape[0], inds_g.shape[1], cdf.shape[-1]]
        cdf_g = torch.gather(cdf.unsqueeze(1).expand(matched_shape), 2, inds_g)
        bins_g = torch.gather(bins.unsqueeze(1).expand(matched_shape), 2, inds_g)
        denom = cdf_g[..., 1] - cdf_g[..., 0]
        denom = torch.where(denom < 1e-5, torch.ones_like(denom), denom)
        t = (u - cdf_g[..., 0]) / denom
        samples = bins_g[..., 0] + t * (bins_g[..., 1] - bins_g[..., 0])
        return samples

    embed_fn, input_ch = get_embedder(3)
    embeddirs_fn, input_ch_views = get_embedder(2)
    model = init(NeRF(input_ch=input_ch, input_ch_views=input_ch_views))
    model_fine = init(NeRF(input_ch=input_ch, input_ch_views=input_ch_views))
    grad_vars = list(model.parameters()) + list(model_fine.parameters())
    lrate, lrate_decay = 5e-3, 2
    optimizer = optim.Adam(params=grad_vars, lr=lrate, betas=(0.9, 0.999))
    img2mse = lambda x, y: torch.mean((x - y) ** 2)  # noqa: E731
    mse2psnr = lambda x: -10.0 * torch.log(x) / torch.log(torch.Tensor([10.0]))  # noqa: E731

    def network_query_fn(inputs, viewdirs, network_fn):
        inputs_flat = torch.reshape(inputs, [-1, inputs.shape[-1]])
        embedded = embed_fn(inputs_flat)
        input_dirs = viewdirs[:, None].expand(inputs.shape)
        input_dirs_flat = torch.reshape(input_dirs, [-1, input_dirs.shape[-1]])
        embedded = torch.cat([embedded, embeddirs_fn(input_dirs_flat)], -1)
        outputs_flat = network_fn(embedded)
        return torch.reshape(outputs_flat, list(inputs.shape[:-1]) + [outputs_flat.shape[-1]])

    def render_rays(rays_o, rays_d, N_samples=8, N_importance=6, near=2.0, far=6.0, perturb=1.0):
        N_rays = rays_o.shape[0]
        viewdirs = rays_d / torch.norm(rays_d, dim=-1, keepdim=True)
        t_vals = torch.linspace(0.0, 1.0, steps=N_samples)
        z_vals = near * (1.0 - t_vals) + far * (t_vals)
        z_vals = z_vals.expand([N_rays, N_samples])
        if perturb > 0.0:
            mids = 0.5 * (z_vals[..., 1:] + z_vals[..., :-1])
            upper = torch.cat([mids, z_vals[..., -1:]], -1)
            lower = torch.cat([z_vals[..., :1], mids], -1)
            t_rand = torch.rand(z_vals.shape)
            z_vals = lower + (upper - lower) * t_rand
        pts = rays_o[..., None, :] + rays_d[..., None, :] * z_vals[..., :, None]
        raw = network_query_fn(pts, viewdirs, model)
        rgb_map, disp_map, acc_map, weights, depth_map = raw2outputs(raw, z_vals, rays_d)
        rgb_map_0 = rgb_map
        z_vals_mid = 0.5 * (z_vals[..., 1:] + z_vals[..., :-1])
        z_samples = sample_pdf(z_vals_mid, weights[..., 1:-1], N_importance, det=(perturb == 0.0))
        z_samples = z_samples.detach()
        z_vals, _ = torch.sort(torch.cat([z_vals, z_samples], -1), -1)
        pts = rays_o[..., None, :] + rays_d[..., None, :] * z_vals[..., :, None]
        raw = network_query_fn(pts, viewdirs, model_fine)
        rgb_map, disp_map, acc_map, weights, depth_map = raw2outputs(raw, z_vals, rays_d)
        return {"rgb_map": rgb_map, "rgb0": rgb_map_0, "disp_map": disp_map, "acc_map": acc_map}

    rays_o, rays_d, target = torch.tensor(rays_o), torch.tensor(rays_d), torch.tensor(target)
    N_rand = 6
    for global_step in range(6):
        i = (global_step * N_rand) % rays_o.shape[0]
        batch_o, batch_d, target_s = rays_o[i : i + N_rand], rays_d[i : i + N_rand], target[i : i + N_rand]  # fmt: skip
        extras = render_rays(batch_o, batch_d, perturb=1.0 if global_step % 2 else 0.0)
        optimizer.zero_grad()
        img_loss = img2mse(extras["rgb_map"], target_s)
        loss = img_loss + img2mse(extras["rgb0"], target_s)
        psnr = mse2psnr(img_loss)
        loss.backward()
        optimizer.step()
        decay_rate = 0.1
        decay_steps = lrate_decay * 1000
        new_lrate = lrate * (decay_rate ** (global_step / decay_steps))
        for param_group in optimizer.param_groups:
            param_group["lr"] = new_lrate
        log.append([loss.item(), psnr.item(), extras["disp_map"].mean().item(),
                    extras["acc_map"].mean().item()])  # fmt: skip
    return log


def _data():
    rng = np.random.default_rng(0)
    rays_o = rng.standard_normal((12, 3)) * 0.1
    rays_d = rng.standard_normal((12, 3)) * 0.3 + np.array([0.0, 0.0, -1.0])
    target = rng.random((12, 3))
    return rays_o, rays_d, target


def test_nerf_linspace_frequencies(portability):
    o, d, t = _data()
    portability.assert_same(nerf_program, rtol=1e-8, rays_o=o, rays_d=d, target=t, use_arange=False)  # fmt: skip


def test_nerf_arange_frequencies(portability):
    o, d, t = _data()
    portability.assert_same(nerf_program, rtol=1e-8, rays_o=o, rays_d=d, target=t, use_arange=True)  # fmt: skip
