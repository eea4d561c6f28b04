package dev.vecrnn.data;

import java.util.ArrayList;
import java.util.List;

/**
 * d2l's {@code load_corpus_time_machine}: preprocessed, tokenised lines, their vocabulary, and the token ids
 * of all lines concatenated (no separator between lines, as in d2l), cut to {@code maxTokens}.
 */
public record Corpus(Vocab vocab, int[] ids, int tokensBeforeTruncation, Tokenization tokenization) {

    /** @param maxTokens keep the first this many tokens; {@code <= 0} keeps all, as d2l's {@code max_tokens=-1}. */
    public static Corpus of(String text, Tokenization tokenization, int maxTokens) {
        List<List<String>> lines = new ArrayList<>();
        for (String line : Preprocess.lines(text)) lines.add(tokenization.tokens(line));
        Vocab vocab = Vocab.build(lines);
        int total = 0;
        for (List<String> line : lines) total += line.size();
        int n = maxTokens > 0 ? Math.min(maxTokens, total) : total;
        int[] ids = new int[n];
        int i = 0;
        outer:
        for (List<String> line : lines) {
            for (String t : line) {
                if (i == n) break outer;
                ids[i++] = vocab.index(t);
            }
        }
        return new Corpus(vocab, ids, total, tokenization);
    }
}
