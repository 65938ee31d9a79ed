""" "NLP From Scratch: Translation with a Sequence to Sequence Network and Attention": a GRU
encoder (``batch_first``), the Bahdanau attention decoder (``Va(tanh(Wa(q) + Ua(keys)))``,
``torch.bmm``), a start token from ``torch.empty(...).fill_(SOS)``, teacher forcing with
``target[:, i].unsqueeze(1)`` and greedy decoding through ``topk(1)``/``squeeze(-1).detach()``,
``NLLLoss`` on ``log_softmax`` outputs, two Adam optimizers; then the older decoder (attention
weights from ``cat((embedded[0], hidden[0]), 1)``, ``bmm`` of ``unsqueeze(0)``s) stepped one
token at a time with SGD (its ``encoder_outputs`` filled row by row with
``encoder_outputs[ei] = encoder_output[0, 0]``, an assignment the graph records, as PyTorch's)."""

from __future__ import annotations

import numpy as np

SOS_token, EOS_token = 0, 1


def seq2seq(torch, nn, F, optim, data, init, path, pairs, n_words, max_length):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    log = []

    class EncoderRNN(nn.Module):
        def __init__(self, input_size, hidden_size, dropout_p=0.0):
            super().__init__()
            self.hidden_size = hidden_size
            self.embedding = nn.Embedding(input_size, hidden_size)
            self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
            self.dropout = nn.Dropout(dropout_p)

        def forward(self, input):
            embedded = self.dropout(self.embedding(input))
            output, hidden = self.gru(embedded)
            return output, hidden

    class BahdanauAttention(nn.Module):
        def __init__(self, hidden_size):
            super().__init__()
            self.Wa = nn.Linear(hidden_size, hidden_size)
            self.Ua = nn.Linear(hidden_size, hidden_size)
            self.Va = nn.Linear(hidden_size, 1)

        def forward(self, query, keys):
            scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
            scores = scores.squeeze(2).unsqueeze(1)
            weights = F.softmax(scores, dim=-1)
            context = torch.bmm(weights, keys)
            return context, weights

    class AttnDecoderRNN(nn.Module):
        def __init__(self, hidden_size, output_size, dropout_p=0.0):
            super().__init__()
            self.embedding = nn.Embedding(output_size, hidden_size)
            self.attention = BahdanauAttention(hidden_size)
            self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
            self.out = nn.Linear(hidden_size, output_size)
            self.dropout = nn.Dropout(dropout_p)

        def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
            batch_size = encoder_outputs.size(0)
            decoder_input = torch.empty(batch_size, 1, dtype=torch.long, device=device).fill_(
                SOS_token
            )
            decoder_hidden = encoder_hidden
            decoder_outputs = []
            attentions = []
            for i in range(max_length):
                decoder_output, decoder_hidden, attn_weights = self.forward_step(
                    decoder_input, decoder_hidden, encoder_outputs
                )
                decoder_outputs.append(decoder_output)
                attentions.append(attn_weights)
                if target_tensor is not None:
                    decoder_input = target_tensor[:, i].unsqueeze(1)  # Teacher forcing
                else:
                    _, topi = decoder_output.topk(1)
                    decoder_input = topi.squeeze(-1).detach()
            decoder_outputs = torch.cat(decoder_outputs, dim=1)
            decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
            attentions = torch.cat(attentions, dim=1)
            return decoder_outputs, decoder_hidden, attentions

        def forward_step(self, input, hidden, encoder_outputs):
            embedded = self.dropout(self.embedding(input))
            query = hidden.permute(1, 0, 2)
            context, attn_weights = self.attention(query, encoder_outputs)
            input_gru = torch.cat((embedded, context), dim=2)
            output, hidden = self.gru(input_gru, hidden)
            output = self.out(output)
            return output, hidden, attn_weights

    def get_dataloader(batch_size):
        n = len(pairs)
        input_ids = np.zeros((n, max_length), dtype=np.int32)
        target_ids = np.zeros((n, max_length), dtype=np.int32)
        for idx, (inp_ids, tgt_ids) in enumerate(pairs):
            inp_ids = list(inp_ids) + [EOS_token]
            tgt_ids = list(tgt_ids) + [EOS_token]
            input_ids[idx, : len(inp_ids)] = inp_ids
            target_ids[idx, : len(tgt_ids)] = tgt_ids
        train_data = data.TensorDataset(
            torch.LongTensor(input_ids).to(device), torch.LongTensor(target_ids).to(device)
        )
        train_sampler = data.SequentialSampler(train_data)
        return data.DataLoader(train_data, sampler=train_sampler, batch_size=batch_size)

    hidden_size, batch_size = 12, 4
    train_dataloader = get_dataloader(batch_size)
    encoder = init(EncoderRNN(n_words, hidden_size).to(device))
    decoder = init(AttnDecoderRNN(hidden_size, n_words).to(device))
    encoder_optimizer = optim.Adam(encoder.parameters(), lr=0.01)
    decoder_optimizer = optim.Adam(decoder.parameters(), lr=0.01)
    criterion = nn.NLLLoss()
    for epoch in range(3):
        total_loss = 0
        for batch in train_dataloader:
            input_tensor, target_tensor = batch
            encoder_optimizer.zero_grad()
            decoder_optimizer.zero_grad()
            encoder_outputs, encoder_hidden = encoder(input_tensor)
            decoder_outputs, _, _ = decoder(encoder_outputs, encoder_hidden, target_tensor)
            loss = criterion(
                decoder_outputs.view(-1, decoder_outputs.size(-1)), target_tensor.view(-1)
            )
            loss.backward()
            encoder_optimizer.step()
            decoder_optimizer.step()
            total_loss += loss.item()
            log.append(loss.item())
        log.append(total_loss / len(train_dataloader))

    with torch.no_grad():
        input_tensor = torch.tensor(list(pairs[0][0]) + [EOS_token], dtype=torch.long).view(1, -1)
        encoder_outputs, encoder_hidden = encoder(input_tensor)
        decoder_outputs, decoder_hidden, decoder_attn = decoder(encoder_outputs, encoder_hidden)
        _, topi = decoder_outputs.topk(1)
        decoded_ids = topi.squeeze()
        decoded_words = []
        for idx in decoded_ids:
            if idx.item() == EOS_token:
                decoded_words.append("<EOS>")
                break
            decoded_words.append(idx.item())
    log.append([decoded_words, list(decoder_attn.shape), decoder_attn.sum().item()])

    # the older tutorial: one token at a time, attention over a fixed MAX_LENGTH
    class EncoderRNN1(nn.Module):
        def __init__(self, input_size, hidden_size):
            super().__init__()
            self.hidden_size = hidden_size
            self.embedding = nn.Embedding(input_size, hidden_size)
            self.gru = nn.GRU(hidden_size, hidden_size)

        def forward(self, input, hidden):
            embedded = self.embedding(input).view(1, 1, -1)
            output = embedded
            output, hidden = self.gru(output, hidden)
            return output, hidden

        def initHidden(self):
            return torch.zeros(1, 1, self.hidden_size, device=device)

    class AttnDecoderRNN1(nn.Module):
        def __init__(self, hidden_size, output_size, dropout_p=0.0, max_length=max_length):
            super().__init__()
            self.hidden_size = hidden_size
            self.max_length = max_length
            self.embedding = nn.Embedding(output_size, hidden_size)
            self.attn = nn.Linear(hidden_size * 2, max_length)
            self.attn_combine = nn.Linear(hidden_size * 2, hidden_size)
            self.dropout = nn.Dropout(dropout_p)
            self.gru = nn.GRU(hidden_size, hidden_size)
            self.out = nn.Linear(hidden_size, output_size)

        def forward(self, input, hidden, encoder_outputs):
            embedded = self.embedding(input).view(1, 1, -1)
            embedded = self.dropout(embedded)
            attn_weights = F.softmax(self.attn(torch.cat((embedded[0], hidden[0]), 1)), dim=1)
            attn_applied = torch.bmm(attn_weights.unsqueeze(0), encoder_outputs.unsqueeze(0))
            output = torch.cat((embedded[0], attn_applied[0]), 1)
            output = self.attn_combine(output).unsqueeze(0)
            output = F.relu(output)
            output, hidden = self.gru(output, hidden)
            output = F.log_softmax(self.out(output[0]), dim=1)
            return output, hidden, attn_weights

    encoder = init(EncoderRNN1(n_words, hidden_size))
    decoder = init(AttnDecoderRNN1(hidden_size, n_words))
    encoder_optimizer = optim.SGD(encoder.parameters(), lr=0.05)
    decoder_optimizer = optim.SGD(decoder.parameters(), lr=0.05)
    for k, (inp, tgt) in enumerate(pairs):
        input_tensor = torch.tensor(list(inp) + [EOS_token], dtype=torch.long).view(-1, 1)
        target_tensor = torch.tensor(list(tgt) + [EOS_token], dtype=torch.long).view(-1, 1)
        encoder_hidden = encoder.initHidden()
        encoder_optimizer.zero_grad()
        decoder_optimizer.zero_grad()
        input_length = input_tensor.size(0)
        target_length = target_tensor.size(0)
        encoder_outputs = torch.zeros(max_length, encoder.hidden_size, device=device)
        loss = 0
        for ei in range(input_length):
            encoder_output, encoder_hidden = encoder(input_tensor[ei], encoder_hidden)
            encoder_outputs[ei] = encoder_output[0, 0]
        decoder_input = torch.tensor([[SOS_token]], device=device)
        decoder_hidden = encoder_hidden
        use_teacher_forcing = k % 2 == 0
        for di in range(target_length):
            decoder_output, decoder_hidden, decoder_attention = decoder(
                decoder_input, decoder_hidden, encoder_outputs
            )
            loss += criterion(decoder_output, target_tensor[di])
            if use_teacher_forcing:
                decoder_input = target_tensor[di]
            else:
                topv, topi = decoder_output.topk(1)
                decoder_input = topi.squeeze().detach()
                if decoder_input.item() == EOS_token:
                    break
        loss.backward()
        encoder_optimizer.step()
        decoder_optimizer.step()
        log.append(loss.item() / target_length)
    return log


def test_seq2seq(portability):
    rng = np.random.default_rng(0)
    n_words, max_length = 12, 7
    pairs = []
    for _ in range(12):
        src = rng.integers(2, n_words, size=rng.integers(2, max_length - 1))
        pairs.append((src.tolist(), src[::-1].tolist()))
    portability.assert_same(
        seq2seq, dtype="float32", rtol=1e-4, pairs=pairs, n_words=n_words, max_length=max_length
    )
