package dev.vecrnn.api;

import java.util.Map;

/**
 * A model's loss on a text: the mean cross-entropy of its predictions of each next token.
 *
 * <p>The text's tokens are cut into {@code streams} contiguous streams read side by side, each from a zero
 * state; a stream's first token is only read, so a stream of {@code L} tokens makes {@code L - 1}
 * predictions. The remainder of the tokens that does not fill a stream is dropped.
 *
 * @param nats          mean loss per predicted token, in nats
 * @param bits          the same in bits: {@code nats / ln 2}
 * @param perplexity    {@code exp(nats)}
 * @param tokens        tokens in the text, after the model's preprocessing
 * @param predictions   tokens predicted and scored
 * @param streams       streams the tokens were cut into
 * @param unknownTokens tokens of the text the model's vocabulary lacks, counted as {@code <unk>}, with how
 *                      often each occurs, in order of first occurrence (empty for a validation split, whose
 *                      vocabulary came from the same text)
 * @param seconds       wall time of the evaluation
 */
public record Evaluation(double nats, double bits, double perplexity, int tokens, long predictions, int streams,
                         Map<String, Integer> unknownTokens, double seconds) {

    /**
     * Copies the map of unknown tokens, keeping its order.
     *
     * @param nats          mean loss per predicted token, in nats
     * @param bits          the same in bits
     * @param perplexity    {@code exp(nats)}
     * @param tokens        tokens in the text
     * @param predictions   tokens predicted and scored
     * @param streams       streams the tokens were cut into
     * @param unknownTokens tokens the vocabulary lacks, with their counts
     * @param seconds       wall time of the evaluation
     * @throws NullPointerException when {@code unknownTokens} is null
     */
    public Evaluation {
        unknownTokens = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(unknownTokens));
    }

    /**
     * How many of the text's tokens the vocabulary lacks.
     *
     * @return the sum of {@link #unknownTokens()}' counts
     */
    public long unknownCount() {
        long n = 0;
        for (int c : unknownTokens.values()) n += c;
        return n;
    }

    /**
     * Throughput of the evaluation.
     *
     * @return predictions per second of wall time
     */
    public double tokensPerSecond() {
        return predictions / Math.max(seconds, 1e-9);
    }
}
