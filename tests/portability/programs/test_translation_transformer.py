""" "Language Translation with nn.Transformer": ``TokenEmbedding`` (``embedding(tokens.long())
* math.sqrt(emb_size)``), a ``PositionalEncoding`` built as ``(maxlen, emb_size)`` then
``unsqueeze(-2)`` and kept by ``register_buffer``, ``Seq2SeqTransformer`` around
``nn.Transformer`` with the positional argument order ``(src, tgt, src_mask, tgt_mask, None,
src_padding_mask, tgt_padding_mask, memory_key_padding_mask)``, ``encode``/``decode`` through
``transformer.encoder``/``transformer.decoder``, the tutorial's float
``generate_square_subsequent_mask`` (``masked_fill`` of a transposed ``triu == 1``), a bool
all-False ``src_mask``, key-padding masks ``(src == PAD_IDX).transpose(0, 1)``, xavier_uniform_
on every ``p.dim() > 1``, ``CrossEntropyLoss(ignore_index=PAD_IDX)`` (and a label-smoothing
variant), Adam with ``betas=(0.9, 0.98), eps=1e-9``, a ``collate_fn`` with
``pad_sequence(padding_value=PAD_IDX)`` and ``greedy_decode`` (``torch.ones(1, 1).fill_(…)
.type(torch.long)``, ``.type(torch.bool)`` of the float mask, ``type_as(src.data)``)."""

from __future__ import annotations

import math

import numpy as np

UNK_IDX, PAD_IDX, BOS_IDX, EOS_IDX = 0, 1, 2, 3


def translation(torch, nn, F, optim, data, init, path, pairs, vocab, label_smoothing):
    log = []
    Transformer = nn.Transformer  # the tutorial's ``from torch.nn import Transformer``
    pad_sequence = nn.utils.rnn.pad_sequence
    DataLoader = data.DataLoader

    class PositionalEncoding(nn.Module):
        def __init__(self, emb_size, dropout, maxlen=5000):
            super(PositionalEncoding, self).__init__()
            den = torch.exp(-torch.arange(0, emb_size, 2) * math.log(10000) / emb_size)
            pos = torch.arange(0, maxlen).reshape(maxlen, 1)
            pos_embedding = torch.zeros((maxlen, emb_size))
            pos_embedding[:, 0::2] = torch.sin(pos * den)
            pos_embedding[:, 1::2] = torch.cos(pos * den)
            pos_embedding = pos_embedding.unsqueeze(-2)

            self.dropout = nn.Dropout(dropout)
            self.register_buffer("pos_embedding", pos_embedding)

        def forward(self, token_embedding):
            return self.dropout(token_embedding + self.pos_embedding[: token_embedding.size(0), :])

    class TokenEmbedding(nn.Module):
        def __init__(self, vocab_size, emb_size):
            super(TokenEmbedding, self).__init__()
            self.embedding = nn.Embedding(vocab_size, emb_size)
            self.emb_size = emb_size

        def forward(self, tokens):
            return self.embedding(tokens.long()) * math.sqrt(self.emb_size)

    class Seq2SeqTransformer(nn.Module):
        def __init__(self, num_encoder_layers, num_decoder_layers, emb_size, nhead,
                     src_vocab_size, tgt_vocab_size, dim_feedforward=512, dropout=0.1):  # fmt: skip
            super(Seq2SeqTransformer, self).__init__()
            self.transformer = Transformer(
                d_model=emb_size,
                nhead=nhead,
                num_encoder_layers=num_encoder_layers,
                num_decoder_layers=num_decoder_layers,
                dim_feedforward=dim_feedforward,
                dropout=dropout,
            )
            self.generator = nn.Linear(emb_size, tgt_vocab_size)
            self.src_tok_emb = TokenEmbedding(src_vocab_size, emb_size)
            self.tgt_tok_emb = TokenEmbedding(tgt_vocab_size, emb_size)
            self.positional_encoding = PositionalEncoding(emb_size, dropout=dropout)

        def forward(self, src, trg, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask,
                    memory_key_padding_mask):  # fmt: skip
            src_emb = self.positional_encoding(self.src_tok_emb(src))
            tgt_emb = self.positional_encoding(self.tgt_tok_emb(trg))
            outs = self.transformer(src_emb, tgt_emb, src_mask, tgt_mask, None,
                                    src_padding_mask, tgt_padding_mask, memory_key_padding_mask)  # fmt: skip
            return self.generator(outs)

        def encode(self, src, src_mask):
            return self.transformer.encoder(self.positional_encoding(self.src_tok_emb(src)), src_mask)  # fmt: skip

        def decode(self, tgt, memory, tgt_mask):
            return self.transformer.decoder(self.positional_encoding(self.tgt_tok_emb(tgt)), memory, tgt_mask)  # fmt: skip

    def generate_square_subsequent_mask(sz):
        mask = (torch.triu(torch.ones((sz, sz))) == 1).transpose(0, 1)
        mask = mask.float().masked_fill(mask == 0, float("-inf")).masked_fill(mask == 1, float(0.0))
        return mask

    def create_mask(src, tgt):
        src_seq_len = src.shape[0]
        tgt_seq_len = tgt.shape[0]

        tgt_mask = generate_square_subsequent_mask(tgt_seq_len)
        src_mask = torch.zeros((src_seq_len, src_seq_len)).type(torch.bool)

        src_padding_mask = (src == PAD_IDX).transpose(0, 1)
        tgt_padding_mask = (tgt == PAD_IDX).transpose(0, 1)
        return src_mask, tgt_mask, src_padding_mask, tgt_padding_mask

    torch.manual_seed(0)
    SRC_VOCAB_SIZE = TGT_VOCAB_SIZE = vocab
    EMB_SIZE, NHEAD, FFN_HID_DIM, BATCH_SIZE = 16, 2, 32, 4
    NUM_ENCODER_LAYERS = NUM_DECODER_LAYERS = 2

    transformer = Seq2SeqTransformer(NUM_ENCODER_LAYERS, NUM_DECODER_LAYERS, EMB_SIZE, NHEAD,
                                     SRC_VOCAB_SIZE, TGT_VOCAB_SIZE, FFN_HID_DIM, dropout=0.0)  # fmt: skip
    for p in transformer.parameters():
        if p.dim() > 1:
            nn.init.xavier_uniform_(p)
    transformer = init(transformer)
    log.append(sorted(k for k in transformer.state_dict() if "pos" in k))

    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=PAD_IDX, label_smoothing=label_smoothing)
    optimizer = torch.optim.Adam(transformer.parameters(), lr=0.001, betas=(0.9, 0.98), eps=1e-9)

    def tensor_transform(token_ids):
        return torch.cat((torch.tensor([BOS_IDX]), torch.tensor(token_ids), torch.tensor([EOS_IDX])))  # fmt: skip

    def collate_fn(batch):
        src_batch, tgt_batch = [], []
        for src_sample, tgt_sample in batch:
            src_batch.append(tensor_transform(src_sample))
            tgt_batch.append(tensor_transform(tgt_sample))
        src_batch = pad_sequence(src_batch, padding_value=PAD_IDX)
        tgt_batch = pad_sequence(tgt_batch, padding_value=PAD_IDX)
        return src_batch, tgt_batch

    train_iter, val_iter = pairs[:12], pairs[12:]

    def train_epoch(model, optimizer):
        model.train()
        losses = 0
        train_dataloader = DataLoader(train_iter, batch_size=BATCH_SIZE, collate_fn=collate_fn)
        for src, tgt in train_dataloader:
            tgt_input = tgt[:-1, :]
            src_mask, tgt_mask, src_padding_mask, tgt_padding_mask = create_mask(src, tgt_input)
            logits = model(src, tgt_input, src_mask, tgt_mask, src_padding_mask,
                           tgt_padding_mask, src_padding_mask)  # fmt: skip
            optimizer.zero_grad()
            tgt_out = tgt[1:, :]
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
            loss.backward()
            optimizer.step()
            losses += loss.item()
            log.append(loss.item())
        return losses / len(list(train_dataloader))

    def evaluate(model):
        model.eval()
        losses = 0
        val_dataloader = DataLoader(val_iter, batch_size=BATCH_SIZE, collate_fn=collate_fn)
        for src, tgt in val_dataloader:
            tgt_input = tgt[:-1, :]
            src_mask, tgt_mask, src_padding_mask, tgt_padding_mask = create_mask(src, tgt_input)
            logits = model(src, tgt_input, src_mask, tgt_mask, src_padding_mask,
                           tgt_padding_mask, src_padding_mask)  # fmt: skip
            tgt_out = tgt[1:, :]
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
            losses += loss.item()
        return losses / len(list(val_dataloader))

    for epoch in range(1, 4):
        train_loss = train_epoch(transformer, optimizer)
        val_loss = evaluate(transformer)
        log.append([train_loss, val_loss])

    def greedy_decode(model, src, src_mask, max_len, start_symbol):
        memory = model.encode(src, src_mask)
        ys = torch.ones(1, 1).fill_(start_symbol).type(torch.long)
        for i in range(max_len - 1):
            tgt_mask = generate_square_subsequent_mask(ys.size(0)).type(torch.bool)
            out = model.decode(ys, memory, tgt_mask)
            out = out.transpose(0, 1)
            prob = model.generator(out[:, -1])
            log.append(prob.tolist())
            _, next_word = torch.max(prob, dim=1)
            next_word = next_word.item()
            ys = torch.cat([ys, torch.ones(1, 1).type_as(src.data).fill_(next_word)], dim=0)
            if next_word == EOS_IDX:
                break
        return ys

    def translate(model, src_sentence):
        model.eval()
        src = tensor_transform(src_sentence).view(-1, 1)
        num_tokens = src.shape[0]
        src_mask = (torch.zeros(num_tokens, num_tokens)).type(torch.bool)
        tgt_tokens = greedy_decode(model, src, src_mask, max_len=num_tokens + 5, start_symbol=BOS_IDX).flatten()  # fmt: skip
        return list(tgt_tokens.cpu().numpy())

    log.append([int(t) for t in translate(transformer, pairs[0][0])])
    return log


def _pairs(vocab, n=16, seed=0):
    rng = np.random.default_rng(seed)
    pairs = []
    for _ in range(n):
        src = rng.integers(4, vocab, rng.integers(2, 7)).tolist()
        tgt = [4 + (t - 4 + 1) % (vocab - 4) for t in reversed(src)]
        pairs.append((src, tgt))
    return pairs


def test_translation_transformer(portability):
    portability.assert_same(translation, rtol=1e-7, pairs=_pairs(12), vocab=12, label_smoothing=0.0)


def test_translation_transformer_label_smoothing(portability):
    portability.assert_same(translation, rtol=1e-7, pairs=_pairs(12), vocab=12, label_smoothing=0.1)
