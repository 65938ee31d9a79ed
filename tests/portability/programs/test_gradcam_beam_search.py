"""Two inference-time programs. Grad-CAM as the ``pytorch-grad-cam`` repository and the
tutorials write it: ``register_forward_hook`` saving the target layer's activations,
``register_full_backward_hook`` saving ``grad_output[0]`` (and the tensor-hook form,
``activation.register_hook``), ``model.zero_grad()``, a one-hot ``backward`` of the class
score, weights as ``torch.mean(gradients, dim=[2, 3])`` of channel gradients, ``F.relu`` of the
weighted sum, ``F.interpolate(..., mode='bilinear', align_corners=False)`` to the input size,
min-max normalisation, the hooks' ``remove()``; guided backprop with a backward hook on ReLU
modules returning ``(torch.clamp(grad_in[0], min=0.0),)``. Beam search over a small GRU
seq2seq trained a few steps first: ``torch.no_grad``, ``log_softmax``, scores ``view(-1)``
and ``topk`` over ``beam * vocab``, ``//`` and ``%`` to recover beams and tokens,
``index_select`` of the hidden states, finished hypotheses kept by ``.item()`` checks, a
length penalty; and greedy decoding for comparison."""

from __future__ import annotations

import numpy as np


def gradcam_beam(torch, nn, F, optim, data, init, path, images, src, tgt):
    log = []

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(),
                nn.Conv2d(8, 12, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(12, 16, 3, padding=1), nn.ReLU(),
            )  # fmt: skip
            self.classifier = nn.Linear(16, 5)

        def forward(self, x):
            f = self.features(x)
            return self.classifier(F.adaptive_avg_pool2d(f, 1).flatten(1))

    model = init(Net())
    x = torch.tensor(images)

    class GradCAM:
        def __init__(self, model, target_layer):
            self.model = model
            self.gradients = None
            self.activations = None
            self.handles = [
                target_layer.register_forward_hook(self.save_activation),
                target_layer.register_full_backward_hook(self.save_gradient),
            ]

        def save_activation(self, module, input, output):
            self.activations = output.detach()

        def save_gradient(self, module, grad_input, grad_output):
            self.gradients = grad_output[0].detach()

        def __call__(self, x, class_idx=None):
            self.model.zero_grad()
            output = self.model(x)
            if class_idx is None:
                class_idx = output.argmax(dim=1)
            one_hot = torch.zeros_like(output)
            one_hot[torch.arange(output.size(0)), class_idx] = 1
            output.backward(gradient=one_hot, retain_graph=True)
            weights = torch.mean(self.gradients, dim=[2, 3], keepdim=True)
            cam = F.relu(torch.sum(weights * self.activations, dim=1, keepdim=True))
            cam = F.interpolate(cam, size=x.shape[2:], mode="bilinear", align_corners=False)
            b = cam.size(0)
            flat = cam.view(b, -1)
            cam_min = flat.min(dim=1, keepdim=True)[0].view(b, 1, 1, 1)
            cam_max = flat.max(dim=1, keepdim=True)[0].view(b, 1, 1, 1)
            return (cam - cam_min) / (cam_max - cam_min + 1e-8), class_idx

        def remove(self):
            for h in self.handles:
                h.remove()

    model.eval()
    cam_engine = GradCAM(model, model.features[6])  # the last conv's ReLU
    cam, idx = cam_engine(x)
    log.append(idx.tolist())
    log.append(cam.sum(dim=(1, 2, 3)).tolist())
    log.append(cam[0, 0, 3].tolist())
    cam2, _ = cam_engine(x, class_idx=torch.tensor([1, 1, 1]))
    log.append(cam2.mean().item())
    cam_engine.remove()
    cam_engine.gradients = cam_engine.activations = None
    model(x).sum().backward()
    log.append([cam_engine.gradients is None, cam_engine.activations is None])

    # the tensor-hook form on the activation inside forward
    store = {}

    def forward_with_hook(inp):
        h = model.features(inp)
        h.register_hook(lambda g: store.__setitem__("grad", g))
        store["act"] = h
        return model.classifier(F.adaptive_avg_pool2d(h, 1).flatten(1))

    out = forward_with_hook(x)
    out[:, 2].sum().backward()
    w = store["grad"].mean(dim=(2, 3))
    heat = F.relu(torch.einsum("bc,bchw->bhw", w, store["act"].detach()))
    log.append(heat.flatten(1).sum(1).tolist())

    # guided backprop
    def relu_hook(module, grad_in, grad_out):
        return (torch.clamp(grad_in[0], min=0.0),)

    handles = [m.register_full_backward_hook(relu_hook) for m in model.modules()
               if isinstance(m, nn.ReLU)]  # fmt: skip
    inp = x.clone().requires_grad_(True)
    model.zero_grad()
    out = model(inp)
    out[0, out[0].argmax()].backward()
    log.append([inp.grad.abs().sum().item(), inp.grad.max().item()])
    for h in handles:
        h.remove()

    # beam search over a small GRU seq2seq
    V, SOS, EOS = 9, 0, 1

    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(V, 12)
            self.enc = nn.GRU(12, 16, batch_first=True)
            self.dec = nn.GRU(12, 16, batch_first=True)
            self.out = nn.Linear(16, V)

        def encode(self, src):
            _, h = self.enc(self.emb(src))
            return h

        def step(self, tok, h):
            o, h = self.dec(self.emb(tok).unsqueeze(1), h)
            return F.log_softmax(self.out(o.squeeze(1)), dim=-1), h

        def forward(self, src, tgt_in):
            o, _ = self.dec(self.emb(tgt_in), self.encode(src))
            return self.out(o)

    s2s = init(Seq2Seq())
    S, T = torch.tensor(src), torch.tensor(tgt)
    opt = optim.Adam(s2s.parameters(), lr=0.02)
    tgt_in = torch.cat([torch.full((T.size(0), 1), SOS, dtype=torch.long), T[:, :-1]], 1)
    for step in range(15):
        logits = s2s(S, tgt_in)
        loss = F.cross_entropy(logits.reshape(-1, V), T.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(s2s.parameters(), 1.0)
        opt.step()
    log.append(loss.item())

    def beam_search(src_seq, beam_size=3, max_len=6, alpha=0.7):
        with torch.no_grad():
            h = s2s.encode(src_seq.unsqueeze(0))  # (1, 1, H)
            h = h.repeat(1, beam_size, 1)
            tokens = torch.full((beam_size, 1), SOS, dtype=torch.long)
            scores = torch.zeros(beam_size)
            scores[1:] = float("-inf")
            finished = []
            for t in range(max_len):
                logp, h = s2s.step(tokens[:, -1], h)
                cand = (scores.unsqueeze(1) + logp).view(-1)
                top_scores, top_idx = cand.topk(beam_size)
                beam_idx = top_idx // V
                tok_idx = top_idx % V
                tokens = torch.cat([tokens.index_select(0, beam_idx), tok_idx.unsqueeze(1)], 1)
                h = h.index_select(1, beam_idx)
                scores = top_scores.clone()
                for b in range(beam_size):
                    if tok_idx[b].item() == EOS:
                        lp = ((5 + tokens.size(1) - 1) / 6) ** alpha
                        finished.append((scores[b].item() / lp, tokens[b, 1:].tolist()))
                        scores[b] = float("-inf")
                if len(finished) >= beam_size:
                    break
            for b in range(beam_size):
                if scores[b].item() > float("-inf"):
                    lp = ((5 + tokens.size(1) - 1) / 6) ** alpha
                    finished.append((scores[b].item() / lp, tokens[b, 1:].tolist()))
            finished.sort(key=lambda f: -f[0])
            return finished[0]

    def greedy(src_seq, max_len=6):
        with torch.no_grad():
            h = s2s.encode(src_seq.unsqueeze(0))
            tok = torch.tensor([SOS])
            out, total = [], 0.0
            for _ in range(max_len):
                logp, h = s2s.step(tok, h)
                lp, tok = logp.max(dim=-1)
                total += lp.item()
                out.append(tok.item())
                if tok.item() == EOS:
                    break
            return total, out

    for i in range(4):
        score, seq = beam_search(S[i])
        g_score, g_seq = greedy(S[i])
        log.append([score, seq, g_score, g_seq])
    return log


def test_gradcam_beam_search(portability):
    rng = np.random.default_rng(12)
    images = rng.standard_normal((3, 3, 8, 8))
    src = rng.integers(2, 9, (6, 5))
    tgt = np.concatenate([np.sort(src, axis=1)[:, :4], np.ones((6, 1), int)], 1)
    portability.assert_same(gradcam_beam, rtol=1e-8, images=images, src=src.tolist(),
                            tgt=tgt.tolist())  # fmt: skip
