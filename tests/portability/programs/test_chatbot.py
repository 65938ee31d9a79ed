""" "Chatbot Tutorial": a ``Voc`` vocabulary, batches from ``itertools.zip_longest`` padding
(``torch.LongTensor(padList)``, ``torch.BoolTensor(mask)``, lengths on the CPU), a bidirectional
two-layer GRU encoder over ``nn.utils.rnn.pack_padded_sequence`` / ``pad_packed_sequence``
with the directions summed (``outputs[:, :, :hidden] + outputs[:, :, hidden:]``), Luong
attention (``dot``, ``general``, ``concat`` scores, ``hidden.expand(n, -1, -1)``,
``attn_energies.t()``), the decoder's ``attn_weights.bmm(encoder_outputs.transpose(0, 1))``,
``maskNLLLoss`` (``torch.gather`` + ``masked_select``), teacher forcing and greedy decoding
(``torch.LongTensor([[topi[i][0] for i in ...]])``), ``clip_grad_norm_``, two Adam optimizers,
a checkpoint dict with both optimizers' state dicts and ``voc.__dict__`` saved and loaded
(``optimizer.state.values()`` walked as for CUDA), and ``GreedySearchDecoder`` (``torch.ones(1,
1, dtype=torch.long) * SOS_token``, ``torch.zeros([0])`` grown by ``torch.cat``)."""

from __future__ import annotations

import itertools
import random

PAIRS = [
    ["hi .", "hello ."],
    ["how are you ?", "i am fine ."],
    ["what is your name ?", "my name is bot ."],
    ["where are you from ?", "i am from here ."],
    ["are you a bot ?", "yes i am ."],
    ["good night .", "good night ."],
]


def chatbot(torch, nn, F, optim, data, init, path, attn_model):
    random.seed(0)
    device = torch.device("cpu")
    PAD_token, SOS_token, EOS_token = 0, 1, 2
    MAX_LENGTH = 10

    class Voc:
        def __init__(self, name):
            self.name = name
            self.trimmed = False
            self.word2index = {}
            self.word2count = {}
            self.index2word = {PAD_token: "PAD", SOS_token: "SOS", EOS_token: "EOS"}
            self.num_words = 3  # Count SOS, EOS, PAD

        def addSentence(self, sentence):
            for word in sentence.split(" "):
                self.addWord(word)

        def addWord(self, word):
            if word not in self.word2index:
                self.word2index[word] = self.num_words
                self.word2count[word] = 1
                self.index2word[self.num_words] = word
                self.num_words += 1
            else:
                self.word2count[word] += 1

    voc = Voc("toy")
    for pair in PAIRS:
        voc.addSentence(pair[0])
        voc.addSentence(pair[1])

    def indexesFromSentence(voc, sentence):
        return [voc.word2index[word] for word in sentence.split(" ")] + [EOS_token]

    def zeroPadding(l, fillvalue=PAD_token):  # noqa: E741
        return list(itertools.zip_longest(*l, fillvalue=fillvalue))

    def binaryMatrix(l, value=PAD_token):  # noqa: E741
        m = []
        for i, seq in enumerate(l):
            m.append([])
            for token in seq:
                if token == PAD_token:
                    m[i].append(0)
                else:
                    m[i].append(1)
        return m

    def inputVar(l, voc):  # noqa: E741
        indexes_batch = [indexesFromSentence(voc, sentence) for sentence in l]
        lengths = torch.tensor([len(indexes) for indexes in indexes_batch])
        padList = zeroPadding(indexes_batch)
        padVar = torch.LongTensor(padList)
        return padVar, lengths

    def outputVar(l, voc):  # noqa: E741
        indexes_batch = [indexesFromSentence(voc, sentence) for sentence in l]
        max_target_len = max([len(indexes) for indexes in indexes_batch])
        padList = zeroPadding(indexes_batch)
        mask = binaryMatrix(padList)
        mask = torch.BoolTensor(mask)
        padVar = torch.LongTensor(padList)
        return padVar, mask, max_target_len

    def batch2TrainData(voc, pair_batch):
        pair_batch.sort(key=lambda x: len(x[0].split(" ")), reverse=True)
        input_batch, output_batch = [], []
        for pair in pair_batch:
            input_batch.append(pair[0])
            output_batch.append(pair[1])
        inp, lengths = inputVar(input_batch, voc)
        output, mask, max_target_len = outputVar(output_batch, voc)
        return inp, lengths, output, mask, max_target_len

    class EncoderRNN(nn.Module):
        def __init__(self, hidden_size, embedding, n_layers=1, dropout=0):
            super().__init__()
            self.n_layers = n_layers
            self.hidden_size = hidden_size
            self.embedding = embedding
            self.gru = nn.GRU(hidden_size, hidden_size, n_layers,
                              dropout=(0 if n_layers == 1 else dropout), bidirectional=True)  # fmt: skip

        def forward(self, input_seq, input_lengths, hidden=None):
            embedded = self.embedding(input_seq)
            packed = nn.utils.rnn.pack_padded_sequence(embedded, input_lengths)
            outputs, hidden = self.gru(packed, hidden)
            outputs, _ = nn.utils.rnn.pad_packed_sequence(outputs)
            outputs = outputs[:, :, : self.hidden_size] + outputs[:, :, self.hidden_size :]
            return outputs, hidden

    class Attn(nn.Module):
        def __init__(self, method, hidden_size):
            super().__init__()
            self.method = method
            if self.method not in ["dot", "general", "concat"]:
                raise ValueError(self.method, "is not an appropriate attention method.")
            self.hidden_size = hidden_size
            if self.method == "general":
                self.attn = nn.Linear(self.hidden_size, hidden_size)
            elif self.method == "concat":
                self.attn = nn.Linear(self.hidden_size * 2, hidden_size)
                self.v = nn.Parameter(torch.zeros(hidden_size))  # the tutorial: FloatTensor

        def dot_score(self, hidden, encoder_output):
            return torch.sum(hidden * encoder_output, dim=2)

        def general_score(self, hidden, encoder_output):
            energy = self.attn(encoder_output)
            return torch.sum(hidden * energy, dim=2)

        def concat_score(self, hidden, encoder_output):
            energy = self.attn(
                torch.cat((hidden.expand(encoder_output.size(0), -1, -1), encoder_output), 2)
            ).tanh()
            return torch.sum(self.v * energy, dim=2)

        def forward(self, hidden, encoder_outputs):
            if self.method == "general":
                attn_energies = self.general_score(hidden, encoder_outputs)
            elif self.method == "concat":
                attn_energies = self.concat_score(hidden, encoder_outputs)
            elif self.method == "dot":
                attn_energies = self.dot_score(hidden, encoder_outputs)
            attn_energies = attn_energies.t()
            return F.softmax(attn_energies, dim=1).unsqueeze(1)

    class LuongAttnDecoderRNN(nn.Module):
        def __init__(self, attn_model, embedding, hidden_size, output_size, n_layers=1,
                     dropout=0.1):  # fmt: skip
            super().__init__()
            self.attn_model = attn_model
            self.hidden_size = hidden_size
            self.output_size = output_size
            self.n_layers = n_layers
            self.dropout = dropout
            self.embedding = embedding
            self.embedding_dropout = nn.Dropout(dropout)
            self.gru = nn.GRU(hidden_size, hidden_size, n_layers,
                              dropout=(0 if n_layers == 1 else dropout))  # fmt: skip
            self.concat = nn.Linear(hidden_size * 2, hidden_size)
            self.out = nn.Linear(hidden_size, output_size)
            self.attn = Attn(attn_model, hidden_size)

        def forward(self, input_step, last_hidden, encoder_outputs):
            embedded = self.embedding(input_step)
            embedded = self.embedding_dropout(embedded)
            rnn_output, hidden = self.gru(embedded, last_hidden)
            attn_weights = self.attn(rnn_output, encoder_outputs)
            context = attn_weights.bmm(encoder_outputs.transpose(0, 1))
            rnn_output = rnn_output.squeeze(0)
            context = context.squeeze(1)
            concat_input = torch.cat((rnn_output, context), 1)
            concat_output = torch.tanh(self.concat(concat_input))
            output = self.out(concat_output)
            output = F.softmax(output, dim=1)
            return output, hidden

    def maskNLLLoss(inp, target, mask):
        nTotal = mask.sum()
        crossEntropy = -torch.log(torch.gather(inp, 1, target.view(-1, 1)).squeeze(1))
        loss = crossEntropy.masked_select(mask).mean()
        loss = loss.to(device)
        return loss, nTotal.item()

    teacher_forcing_ratio = 0.5

    def train(input_variable, lengths, target_variable, mask, max_target_len, encoder, decoder,
              embedding, encoder_optimizer, decoder_optimizer, batch_size, clip,
              max_length=MAX_LENGTH):  # fmt: skip
        encoder_optimizer.zero_grad()
        decoder_optimizer.zero_grad()
        input_variable = input_variable.to(device)
        target_variable = target_variable.to(device)
        mask = mask.to(device)
        lengths = lengths.to("cpu")
        loss = 0
        print_losses = []
        n_totals = 0
        encoder_outputs, encoder_hidden = encoder(input_variable, lengths)
        decoder_input = torch.LongTensor([[SOS_token for _ in range(batch_size)]])
        decoder_input = decoder_input.to(device)
        decoder_hidden = encoder_hidden[: decoder.n_layers]
        use_teacher_forcing = True if random.random() < teacher_forcing_ratio else False  # noqa: SIM210
        if use_teacher_forcing:
            for t in range(max_target_len):
                decoder_output, decoder_hidden = decoder(decoder_input, decoder_hidden,
                                                         encoder_outputs)  # fmt: skip
                decoder_input = target_variable[t].view(1, -1)
                mask_loss, nTotal = maskNLLLoss(decoder_output, target_variable[t], mask[t])
                loss += mask_loss
                print_losses.append(mask_loss.item() * nTotal)
                n_totals += nTotal
        else:
            for t in range(max_target_len):
                decoder_output, decoder_hidden = decoder(decoder_input, decoder_hidden,
                                                         encoder_outputs)  # fmt: skip
                _, topi = decoder_output.topk(1)
                decoder_input = torch.LongTensor([[topi[i][0] for i in range(batch_size)]])
                decoder_input = decoder_input.to(device)
                mask_loss, nTotal = maskNLLLoss(decoder_output, target_variable[t], mask[t])
                loss += mask_loss
                print_losses.append(mask_loss.item() * nTotal)
                n_totals += nTotal
        loss.backward()
        _ = nn.utils.clip_grad_norm_(encoder.parameters(), clip)
        _ = nn.utils.clip_grad_norm_(decoder.parameters(), clip)
        encoder_optimizer.step()
        decoder_optimizer.step()
        return sum(print_losses) / n_totals

    hidden_size, encoder_n_layers, decoder_n_layers, dropout, batch_size = 8, 2, 2, 0.0, 4
    embedding = nn.Embedding(voc.num_words, hidden_size)
    encoder = EncoderRNN(hidden_size, embedding, encoder_n_layers, dropout)
    decoder = LuongAttnDecoderRNN(attn_model, embedding, hidden_size, voc.num_words,
                                  decoder_n_layers, dropout)  # fmt: skip
    encoder, decoder = init(encoder), init(decoder)
    encoder = encoder.to(device)
    decoder = decoder.to(device)
    encoder.train()
    decoder.train()
    clip, learning_rate, decoder_learning_ratio = 50.0, 0.01, 5.0
    encoder_optimizer = optim.Adam(encoder.parameters(), lr=learning_rate)
    decoder_optimizer = optim.Adam(decoder.parameters(), lr=learning_rate * decoder_learning_ratio)
    log = []
    training_batches = [batch2TrainData(voc, [PAIRS[(i + j) % len(PAIRS)] for j in range(batch_size)])
                        for i in range(6)]  # fmt: skip
    for iteration in range(1, 7):
        training_batch = training_batches[iteration - 1]
        input_variable, lengths, target_variable, mask, max_target_len = training_batch
        loss = train(input_variable, lengths, target_variable, mask, max_target_len, encoder,
                     decoder, embedding, encoder_optimizer, decoder_optimizer, batch_size, clip)  # fmt: skip
        log.append(loss)
        if iteration % 3 == 0:
            torch.save({
                "iteration": iteration,
                "en": encoder.state_dict(),
                "de": decoder.state_dict(),
                "en_opt": encoder_optimizer.state_dict(),
                "de_opt": decoder_optimizer.state_dict(),
                "loss": loss,
                "voc_dict": voc.__dict__,
                "embedding": embedding.state_dict(),
            }, path / f"{iteration}_checkpoint.tar")  # fmt: skip

    # load the checkpoint into fresh modules and optimizers, and train on
    checkpoint = torch.load(path / "6_checkpoint.tar", weights_only=False)
    voc = Voc("restored")
    voc.__dict__ = checkpoint["voc_dict"]
    log.append([voc.num_words, voc.index2word[3], checkpoint["iteration"]])
    embedding = nn.Embedding(voc.num_words, hidden_size)
    embedding.load_state_dict(checkpoint["embedding"])
    encoder = EncoderRNN(hidden_size, embedding, encoder_n_layers, dropout)
    decoder = LuongAttnDecoderRNN(attn_model, embedding, hidden_size, voc.num_words,
                                  decoder_n_layers, dropout)  # fmt: skip
    encoder.load_state_dict(checkpoint["en"])
    decoder.load_state_dict(checkpoint["de"])
    encoder_optimizer = optim.Adam(encoder.parameters(), lr=learning_rate)
    decoder_optimizer = optim.Adam(decoder.parameters(), lr=learning_rate * decoder_learning_ratio)
    encoder_optimizer.load_state_dict(checkpoint["en_opt"])
    decoder_optimizer.load_state_dict(checkpoint["de_opt"])
    # If you have CUDA, configure CUDA to call
    for state in encoder_optimizer.state.values():
        for k, v in state.items():
            if isinstance(v, torch.Tensor):
                state[k] = v.to(device)
    for state in decoder_optimizer.state.values():
        for k, v in state.items():
            if isinstance(v, torch.Tensor):
                state[k] = v.to(device)
    for iteration in range(7, 10):
        log.append(train(*training_batches[iteration % 6], encoder, decoder, embedding,
                         encoder_optimizer, decoder_optimizer, batch_size, clip))  # fmt: skip

    class GreedySearchDecoder(nn.Module):
        def __init__(self, encoder, decoder):
            super().__init__()
            self.encoder = encoder
            self.decoder = decoder

        def forward(self, input_seq, input_length, max_length):
            encoder_outputs, encoder_hidden = self.encoder(input_seq, input_length)
            decoder_hidden = encoder_hidden[: decoder.n_layers]
            decoder_input = torch.ones(1, 1, device=device, dtype=torch.long) * SOS_token
            all_tokens = torch.zeros([0], device=device, dtype=torch.long)
            all_scores = torch.zeros([0], device=device)
            for _ in range(max_length):
                decoder_output, decoder_hidden = self.decoder(decoder_input, decoder_hidden,
                                                              encoder_outputs)  # fmt: skip
                decoder_scores, decoder_input = torch.max(decoder_output, dim=1)
                all_tokens = torch.cat((all_tokens, decoder_input), dim=0)
                all_scores = torch.cat((all_scores, decoder_scores), dim=0)
                decoder_input = torch.unsqueeze(decoder_input, 0)
            return all_tokens, all_scores

    def evaluate(encoder, decoder, searcher, voc, sentence, max_length=MAX_LENGTH):
        indexes_batch = [indexesFromSentence(voc, sentence)]
        lengths = torch.tensor([len(indexes) for indexes in indexes_batch])
        input_batch = torch.LongTensor(indexes_batch).transpose(0, 1)
        input_batch = input_batch.to(device)
        lengths = lengths.to("cpu")
        tokens, scores = searcher(input_batch, lengths, max_length)
        decoded_words = [voc.index2word[token.item()] for token in tokens]
        return decoded_words, scores.tolist()

    encoder.eval()
    decoder.eval()
    searcher = GreedySearchDecoder(encoder, decoder)
    with torch.no_grad():
        for sentence in ["hi .", "how are you ?"]:
            output_words, scores = evaluate(encoder, decoder, searcher, voc, sentence)
            output_words[:] = [x for x in output_words if not (x == "EOS" or x == "PAD")]
            log.append("Bot: " + " ".join(output_words))
            log.append(scores)
    return log


def test_chatbot_dot_attention(portability):
    portability.assert_same(chatbot, attn_model="dot")


def test_chatbot_general_and_concat_attention(portability):
    portability.assert_same(chatbot, attn_model="general")
    portability.tmp_path = portability.tmp_path / "concat"
    portability.tmp_path.mkdir()
    portability.assert_same(chatbot, attn_model="concat")
