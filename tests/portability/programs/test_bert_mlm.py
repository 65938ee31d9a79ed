"""A BERT-style masked language model as the from-scratch tutorials and HuggingFace's
``DataCollatorForLanguageModeling`` write it: ``nn.TransformerEncoder(nn.TransformerEncoderLayer(
d_model, nhead, dim_feedforward, dropout=0.0, activation="gelu", batch_first=True,
norm_first=...), num_layers, enable_nested_tensor=False)`` with a ``src_key_padding_mask`` (``x ==
pad_id``), token + learned position (``torch.arange(L).unsqueeze(0).expand_as(ids)``) + segment
embeddings with ``padding_idx``, the 80/10/10 masking from a fixed probability tensor
(``torch.bernoulli`` replaced by ``rand < p`` on precomputed draws, ``special_tokens_mask``,
``labels[~masked_indices] = -100``, ``inputs[indices_replaced] = mask_id``,
``torch.randint``-free random words from a fixed tensor, ``torch.where``), the MLM head
(``Linear`` + ``GELU`` + ``LayerNorm`` then a decoder whose ``weight`` is tied to the word
embedding and whose ``bias`` is its own ``nn.Parameter(torch.zeros(vocab))``), ``F.cross_entropy(
logits.view(-1, V), labels.view(-1), ignore_index=-100)``, a pooled ``[CLS]`` NSP-style head
(``torch.tanh``), masked accuracy (``labels != -100``), ``AdamW`` with BERT's ``no_decay =
["bias", "LayerNorm.weight"]`` groups and ``get_linear_schedule_with_warmup`` written as a
``LambdaLR``, ``clip_grad_norm_``, and ``zero_grad(set_to_none=True)``."""

from __future__ import annotations

import numpy as np


def bert_program(torch, nn, F, optim, data, init, path, ids, pad_len, draws, norm_first):
    log = []
    V, PAD, CLS, SEP, MASK = 20, 0, 1, 2, 3
    d_model, L = 16, ids.shape[1]

    class BertEmbeddings(nn.Module):
        def __init__(self):
            super().__init__()
            self.word_embeddings = nn.Embedding(V, d_model, padding_idx=PAD)
            self.position_embeddings = nn.Embedding(L, d_model)
            self.token_type_embeddings = nn.Embedding(2, d_model)
            self.LayerNorm = nn.LayerNorm(d_model, eps=1e-12)
            self.dropout = nn.Dropout(0.0)
            self.register_buffer("position_ids", torch.arange(L).expand((1, -1)), persistent=False)  # fmt: skip

        def forward(self, input_ids, token_type_ids):
            seq_length = input_ids.size(1)
            position_ids = self.position_ids[:, :seq_length].expand_as(input_ids)
            embeddings = (self.word_embeddings(input_ids) + self.position_embeddings(position_ids)
                          + self.token_type_embeddings(token_type_ids))  # fmt: skip
            return self.dropout(self.LayerNorm(embeddings))

    class BertForPreTraining(nn.Module):
        def __init__(self):
            super().__init__()
            self.embeddings = BertEmbeddings()
            layer = nn.TransformerEncoderLayer(d_model, nhead=2, dim_feedforward=32, dropout=0.0,
                                               activation="gelu", batch_first=True,
                                               norm_first=norm_first)  # fmt: skip
            self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
            self.transform = nn.Sequential(nn.Linear(d_model, d_model), nn.GELU(), nn.LayerNorm(d_model, eps=1e-12))  # fmt: skip
            self.decoder = nn.Linear(d_model, V, bias=False)
            self.bias = nn.Parameter(torch.zeros(V))
            self.decoder.weight = self.embeddings.word_embeddings.weight  # tie
            self.pooler = nn.Linear(d_model, d_model)
            self.seq_relationship = nn.Linear(d_model, 2)

        def forward(self, input_ids, token_type_ids, attention_mask):
            h = self.embeddings(input_ids, token_type_ids)
            h = self.encoder(h, src_key_padding_mask=attention_mask == 0)
            prediction_scores = self.decoder(self.transform(h)) + self.bias
            pooled_output = torch.tanh(self.pooler(h[:, 0]))
            return prediction_scores, self.seq_relationship(pooled_output)

    def mask_tokens(inputs, attention_mask, draws, mlm_probability=0.15):
        labels = inputs.clone()
        probability_matrix = torch.full(labels.shape, mlm_probability)
        special_tokens_mask = (inputs == CLS) | (inputs == SEP) | (attention_mask == 0)
        probability_matrix.masked_fill_(special_tokens_mask, value=0.0)
        masked_indices = draws[0] < probability_matrix  # torch.bernoulli(probability_matrix).bool()
        labels[~masked_indices] = -100  # We only compute loss on masked tokens
        indices_replaced = (draws[1] < 0.8) & masked_indices
        inputs = inputs.clone()
        inputs[indices_replaced] = MASK
        indices_random = (draws[2] < 0.5) & masked_indices & ~indices_replaced
        random_words = (draws[3] * (V - 4)).long() + 4
        inputs = torch.where(indices_random, random_words, inputs)
        return inputs, labels

    model = init(BertForPreTraining())
    log.append([len(list(model.parameters())), len(model.state_dict()),
                "embeddings.position_ids" in model.state_dict()])  # fmt: skip
    no_decay = ["bias", "LayerNorm.weight"]
    grouped = [
        {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)],
         "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)],
         "weight_decay": 0.0},
    ]  # fmt: skip
    log.append([len(g["params"]) for g in grouped])
    optimizer = optim.AdamW(grouped, lr=3e-3, eps=1e-6)
    num_warmup_steps, num_training_steps = 2, 8

    def lr_lambda(current_step: int):
        if current_step < num_warmup_steps:
            return float(current_step) / float(max(1, num_warmup_steps))
        return max(0.0, float(num_training_steps - current_step)
                   / float(max(1, num_training_steps - num_warmup_steps)))  # fmt: skip

    scheduler = optim.lr_scheduler.LambdaLR(optimizer, lr_lambda, last_epoch=-1)
    ids = torch.tensor(ids)
    attention_mask = (torch.arange(L)[None, :] < torch.tensor(pad_len)[:, None]).long()
    ids = ids.masked_fill(attention_mask == 0, PAD)
    token_type_ids = (torch.arange(L) >= L // 2).long().unsqueeze(0).repeat(ids.shape[0], 1)
    nsp_labels = torch.tensor(pad_len) % 2
    draws = torch.tensor(draws)
    B = 4
    for step in range(num_training_steps):
        sl = slice((step * B) % ids.shape[0], (step * B) % ids.shape[0] + B)
        inputs, labels = mask_tokens(ids[sl], attention_mask[sl], draws[:, sl])
        model.train()
        prediction_scores, seq_relationship_score = model(inputs, token_type_ids[sl], attention_mask[sl])  # fmt: skip
        masked_lm_loss = F.cross_entropy(prediction_scores.view(-1, V), labels.view(-1), ignore_index=-100)  # fmt: skip
        next_sentence_loss = F.cross_entropy(seq_relationship_score.view(-1, 2), nsp_labels[sl].view(-1))  # fmt: skip
        loss = masked_lm_loss + next_sentence_loss
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        sel = labels != -100
        acc = (prediction_scores.argmax(-1)[sel] == labels[sel]).float().mean() if sel.any() else torch.tensor(0.0)  # fmt: skip
        log.append([loss.item(), masked_lm_loss.item(), gnorm.item(), acc.item(),
                    scheduler.get_last_lr()[0], int(sel.sum())])  # fmt: skip
    log.append(model.embeddings.word_embeddings.weight[PAD].abs().sum().item())
    return log


def _data():
    rng = np.random.default_rng(0)
    n, L = 8, 10
    ids = rng.integers(4, 20, (n, L))
    ids[:, 0], ids[:, L // 2] = 1, 2
    pad_len = rng.integers(6, L + 1, n)
    draws = rng.random((4, n, L))
    return ids, pad_len, draws


def test_bert_mlm_post_norm(portability):
    ids, pad_len, draws = _data()
    portability.assert_same(bert_program, rtol=1e-8, ids=ids, pad_len=pad_len, draws=draws,
                            norm_first=False)  # fmt: skip


def test_bert_mlm_pre_norm(portability):
    ids, pad_len, draws = _data()
    portability.assert_same(bert_program, rtol=1e-8, ids=ids, pad_len=pad_len, draws=draws,
                            norm_first=True)  # fmt: skip
