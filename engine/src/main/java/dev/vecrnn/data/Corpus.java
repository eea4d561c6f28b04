package dev.vecrnn.data;

import java.util.List;

/**
 * A text as token ids: d2l's {@code load_corpus_time_machine} generalised. The text is preprocessed and
 * tokenised ({@link Preprocessing}), its vocabulary built, the token sequence cut to {@code maxTokens}, and
 * the last {@code valFraction} of what remains held out for validation, as nanoGPT's
 * {@code shakespeare_char} does: {@code ids} are the training tokens, {@code valIds} the validation ones.
 *
 * <p>The vocabulary is built from the whole text, validation part and the part past {@code maxTokens}
 * included (nanoGPT builds it from the whole file; d2l builds it before truncating). So the validation
 * loss never meets a character the model has no class for, and the vocabulary, hence the model's shape,
 * does not depend on the split.
 *
 * @param tokensBeforeTruncation every token of the text, before the {@code maxTokens} cut
 */
public record Corpus(Vocab vocab, int[] ids, int[] valIds, int tokensBeforeTruncation, Tokenization tokenization,
                     Preprocessing preprocessing) {

    /** A corpus of training tokens only, with d2l's preprocessing. */
    public Corpus(Vocab vocab, int[] ids, int tokensBeforeTruncation, Tokenization tokenization) {
        this(vocab, ids, new int[0], tokensBeforeTruncation, tokenization, Preprocessing.D2L);
    }

    /**
     * d2l's {@code load_corpus_time_machine}: d2l's preprocessing, no validation split.
     *
     * @param maxTokens keep the first this many tokens; {@code <= 0} keeps all, as d2l's {@code max_tokens=-1}.
     */
    public static Corpus of(String text, Tokenization tokenization, int maxTokens) {
        return of(text, Preprocessing.D2L, tokenization, maxTokens, 0, 0);
    }

    /**
     * @param maxTokens   keep the first this many tokens, before the split; {@code <= 0} keeps all
     * @param minFreq     tokens seen fewer times in the whole text map to {@code <unk>} (d2l's {@code min_freq})
     * @param valFraction the share of the kept tokens, at their end, held out for validation, in {@code [0, 1)}
     */
    public static Corpus of(String text, Preprocessing preprocessing, Tokenization tokenization, int maxTokens,
                            int minFreq, double valFraction) {
        if (!(valFraction >= 0 && valFraction < 1)) {
            throw new IllegalArgumentException("the validation fraction must be in [0, 1), not " + valFraction);
        }
        List<List<String>> lines = preprocessing.tokenize(text, tokenization);
        return of(lines, Vocab.build(lines, minFreq), preprocessing, tokenization, maxTokens, valFraction);
    }

    /**
     * The text with a given vocabulary (a model's, to fine-tune it or to evaluate it): tokens it lacks map to
     * {@code <unk>}, as d2l's {@code Vocab} maps them.
     */
    public static Corpus of(String text, Preprocessing preprocessing, Tokenization tokenization, int maxTokens,
                            Vocab vocab, double valFraction) {
        if (!(valFraction >= 0 && valFraction < 1)) {
            throw new IllegalArgumentException("the validation fraction must be in [0, 1), not " + valFraction);
        }
        return of(preprocessing.tokenize(text, tokenization), vocab, preprocessing, tokenization, maxTokens, valFraction);
    }

    private static Corpus of(List<List<String>> lines, Vocab vocab, Preprocessing preprocessing, Tokenization tokenization,
                             int maxTokens, double valFraction) {
        int total = 0;
        for (List<String> line : lines) total += line.size();
        int n = maxTokens > 0 ? Math.min(maxTokens, total) : total;
        int train = trainTokens(n, valFraction);
        int[] ids = new int[train], valIds = new int[n - train];
        int i = 0;
        outer:
        for (List<String> line : lines) {
            for (String t : line) {
                if (i == n) break outer;
                if (i < train) ids[i] = vocab.index(t);
                else valIds[i - train] = vocab.index(t);
                i++;
            }
        }
        return new Corpus(vocab, ids, valIds, total, tokenization, preprocessing);
    }

    /**
     * Training tokens of {@code n}: the first {@code floor(n·(1 − valFraction))} in double arithmetic, which is
     * Python's {@code int(n * (1 - f))}, so {@code 0.1} gives nanoGPT's {@code data[:int(n*0.9)]}; the
     * remaining tokens are the validation ones.
     */
    public static int trainTokens(int n, double valFraction) {
        return (int) Math.floor(n * (1.0 - valFraction));
    }

    /** Tokens kept after the {@code maxTokens} cut: training and validation together. */
    public int tokens() { return ids.length + valIds.length; }

    /** Distinct token ids among all kept tokens ({@code <unk>} counts when rare tokens mapped to it). */
    public int distinctTokens() {
        boolean[] seen = new boolean[vocab.size()];
        int distinct = 0;
        for (int[] part : new int[][] {ids, valIds}) {
            for (int id : part) {
                if (!seen[id]) {
                    seen[id] = true;
                    distinct++;
                }
            }
        }
        return distinct;
    }
}
