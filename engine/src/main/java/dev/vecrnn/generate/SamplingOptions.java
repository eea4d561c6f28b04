package dev.vecrnn.generate;

/**
 * How the next token is chosen from the logits. {@code temperature} 0 is d2l's greedy argmax; above 0 the
 * logits are divided by it before the softmax. {@code topK} keeps the k most likely tokens (0: all);
 * {@code topP} then keeps the smallest set of most likely tokens whose probability reaches p (1: all).
 * {@code seed} keys the draws: the same seed gives the same text on any thread count and batch size.
 *
 * <p>A refused value throws {@link IllegalArgumentException} whose message starts with the option's name as
 * the command line spells it without dashes ({@code temperature}, {@code top-k}, {@code top-p}).
 */
public record SamplingOptions(double temperature, int topK, double topP, long seed) {
    public static final SamplingOptions GREEDY = new SamplingOptions(0, 0, 1, 0);

    public SamplingOptions {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be 0 (greedy) or a finite number above 0, not " + temperature);
        }
        if (topK < 0) throw new IllegalArgumentException("top-k must be 0 (off) or more, not " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be above 0 and at most 1, not " + topP);
    }

    public boolean greedy() { return temperature == 0; }
}
