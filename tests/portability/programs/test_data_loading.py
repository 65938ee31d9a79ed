""" "Writing Custom Datasets, DataLoaders and Transforms" on a synthetic landmarks set: a
``FaceLandmarksDataset(Dataset)`` whose ``__getitem__`` returns a dict sample (``if
torch.is_tensor(idx): idx = idx.tolist()``), callable transform classes (``Rescale``-like
``RandomCrop`` made deterministic, ``ToTensor`` with ``torch.from_numpy(image.transpose((2, 0,
1)))``) chained by a ``Compose``; the default collate of dict samples; a custom
``collate_fn`` that pads variable-length sequences and returns lengths; ``drop_last``;
``worker_init_fn`` with ``num_workers=0``; a ``Sampler`` subclass (buckets by length), a
``BatchSampler`` over a ``SequentialSampler``, ``sampler=`` with ``shuffle=False``,
``batch_size=None`` (no batching), ``ConcatDataset`` and ``Subset``; an ``IterableDataset``
that yields windows of a series; then a model trained on each loader's batches."""

from __future__ import annotations

import numpy as np


def data_loading(torch, nn, F, optim, data, init, path, images, landmarks, seqs):
    log = []

    class FaceLandmarksDataset(data.Dataset):
        """Face Landmarks dataset."""

        def __init__(self, images, landmarks, transform=None):
            self.images = images
            self.landmarks = landmarks
            self.transform = transform

        def __len__(self):
            return len(self.images)

        def __getitem__(self, idx):
            if torch.is_tensor(idx):
                idx = idx.tolist()
            image = self.images[idx]
            landmarks = np.array([self.landmarks[idx]], dtype=float).reshape(-1, 2)
            sample = {"image": image, "landmarks": landmarks}
            if self.transform:
                sample = self.transform(sample)
            return sample

    class CenterCrop:
        def __init__(self, output_size):
            if isinstance(output_size, int):
                self.output_size = (output_size, output_size)
            else:
                assert len(output_size) == 2
                self.output_size = output_size

        def __call__(self, sample):
            image, landmarks = sample["image"], sample["landmarks"]
            h, w = image.shape[:2]
            new_h, new_w = self.output_size
            top, left = (h - new_h) // 2, (w - new_w) // 2
            image = image[top : top + new_h, left : left + new_w]
            landmarks = landmarks - [left, top]
            return {"image": image, "landmarks": landmarks}

    class ToTensor:
        """Convert ndarrays in sample to Tensors."""

        def __call__(self, sample):
            image, landmarks = sample["image"], sample["landmarks"]
            # swap color axis because numpy image: H x W x C, torch image: C x H x W
            image = image.transpose((2, 0, 1))
            return {"image": torch.from_numpy(image), "landmarks": torch.from_numpy(landmarks)}

    class Compose:
        def __init__(self, transforms):
            self.transforms = transforms

        def __call__(self, sample):
            for t in self.transforms:
                sample = t(sample)
            return sample

    dataset = FaceLandmarksDataset(images, landmarks, transform=Compose([CenterCrop(6), ToTensor()]))  # fmt: skip
    sample = dataset[torch.tensor(3)]
    log.append([len(dataset), list(sample["image"].size()), list(sample["landmarks"].size()), sample["image"].dtype == torch.float64])  # fmt: skip

    seen = []

    def worker_init_fn(worker_id):
        seen.append(worker_id)

    loader = data.DataLoader(dataset, batch_size=4, shuffle=False, num_workers=0,
                             drop_last=True, worker_init_fn=worker_init_fn)  # fmt: skip
    log.append([len(loader), seen])
    model = init(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 6)))  # fmt: skip
    opt = optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(2):
        for i_batch, sample_batched in enumerate(loader):
            images_batch, landmarks_batch = sample_batched["image"], sample_batched["landmarks"]
            if epoch == 0 and i_batch == 0:
                log.append([list(images_batch.size()), list(landmarks_batch.size()), sorted(sample_batched)])  # fmt: skip
            pred = model(images_batch.to(torch.get_default_dtype())).view(-1, 3, 2)
            loss = F.smooth_l1_loss(pred, landmarks_batch.to(torch.get_default_dtype()))
            opt.zero_grad()
            loss.backward()
            opt.step()
            log.append(loss.item())

    # variable-length sequences: a custom collate_fn, a Sampler that buckets by length
    class SeqDataset(data.Dataset):
        def __init__(self, seqs):
            self.seqs = seqs

        def __len__(self):
            return len(self.seqs)

        def __getitem__(self, i):
            s = self.seqs[i]
            return torch.tensor(s[:-1]), torch.tensor(s[-1])

    def pad_collate(batch):
        xs, ys = zip(*batch)
        lengths = torch.tensor([len(x) for x in xs])
        padded = nn.utils.rnn.pad_sequence(xs, batch_first=True, padding_value=0.0)
        return padded, lengths, torch.stack(ys)

    class BucketSampler(data.Sampler):
        def __init__(self, lengths, batch_size):
            self.order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
            self.batch_size = batch_size

        def __iter__(self):
            batches = [self.order[i : i + self.batch_size] for i in range(0, len(self.order), self.batch_size)]  # fmt: skip
            yield from batches[::-1]

        def __len__(self):
            return (len(self.order) + self.batch_size - 1) // self.batch_size

    seq_ds = SeqDataset(seqs)
    lengths = [len(s) - 1 for s in seqs]
    bucket_loader = data.DataLoader(seq_ds, batch_sampler=BucketSampler(lengths, 3), collate_fn=pad_collate)  # fmt: skip
    rnn = init(nn.GRU(1, 5, batch_first=True))
    head = init(nn.Linear(5, 1))
    opt = optim.SGD(list(rnn.parameters()) + list(head.parameters()), lr=0.1, momentum=0.5)
    for padded, lens, ys in bucket_loader:
        packed = nn.utils.rnn.pack_padded_sequence(padded.unsqueeze(-1), lens, batch_first=True, enforce_sorted=False)  # fmt: skip
        _, h = rnn(packed)
        loss = F.mse_loss(head(h[-1]).squeeze(-1), ys)
        opt.zero_grad()
        loss.backward()
        opt.step()
        log.append([list(padded.shape), lens.tolist(), loss.item()])

    # BatchSampler over a SequentialSampler, sampler= on a Subset, batch_size=None, ConcatDataset
    bs = data.BatchSampler(data.SequentialSampler(range(10)), batch_size=4, drop_last=False)
    log.append(list(bs))
    log.append(list(data.BatchSampler(range(10), batch_size=4, drop_last=True)))
    subset = data.Subset(seq_ds, [5, 1, 3])
    sub_loader = data.DataLoader(subset, batch_size=2, sampler=[2, 0, 1], collate_fn=pad_collate)
    log.append([[p.tolist(), ln.tolist(), y.tolist()] for p, ln, y in sub_loader])
    single = data.DataLoader(data.TensorDataset(torch.arange(6.0).view(3, 2)), batch_size=None)
    log.append([[t.tolist() for t in item] for item in single])
    concat = data.ConcatDataset([seq_ds, subset])
    log.append([len(concat), concat[len(seq_ds) + 1][1].item(), concat.cumulative_sizes])

    # an IterableDataset of sliding windows
    class Windows(data.IterableDataset):
        def __init__(self, series, width):
            self.series, self.width = series, width

        def __iter__(self):
            for start in range(len(self.series) - self.width):
                window = self.series[start : start + self.width + 1]
                yield torch.tensor(window[:-1]), torch.tensor(window[-1])

    series = [float(np.sin(0.3 * t)) for t in range(30)]
    wl = data.DataLoader(Windows(series, 4), batch_size=8)
    lin = init(nn.Linear(4, 1))
    opt = optim.SGD(lin.parameters(), lr=0.2)
    for epoch in range(3):
        for xb, yb in wl:
            loss = F.mse_loss(lin(xb).squeeze(-1), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        log.append([loss.item(), list(xb.shape)])
    return log


def test_data_loading(portability):
    rng = np.random.default_rng(0)
    images = rng.random((10, 8, 8, 3))
    landmarks = (rng.random((10, 6)) * 6).tolist()
    seqs = [rng.standard_normal(int(rng.integers(3, 8))).tolist() for _ in range(11)]
    portability.assert_same(data_loading, rtol=1e-8, images=images, landmarks=landmarks, seqs=seqs)  # fmt: skip
