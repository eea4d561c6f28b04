package dev.vecrnn.api;

import dev.vecrnn.generate.SamplingOptions;

/**
 * How {@link LanguageModel#generate(String, int, Sampling)} chooses each next token. {@link #greedy()}, the
 * default, takes the most likely token, as d2l's {@code predict_ch8} does; a temperature above 0 samples from
 * {@code softmax(logits / temperature)} instead, optionally cut to the {@code topK} most likely tokens and then
 * to the smallest set of most likely tokens whose probability reaches {@code topP}.
 *
 * <p>The draw for a token is a function of the seed, the sample's index and the token's position only, so the
 * same options give the same text on any number of threads and in any batch of samples.
 *
 * <pre>{@code
 * Sampling s = Sampling.greedy().withTemperature(0.8).withTopK(40).withSeed(7);
 * }</pre>
 *
 * @param temperature 0 for greedy argmax, else a finite number above 0 dividing the logits
 * @param topK        sample among this many most likely tokens only; 0 keeps all
 * @param topP        then among the smallest set of most likely tokens whose probability reaches this, in (0, 1];
 *                    1 keeps all
 * @param seed        keys the draws; the same seed gives the same text
 */
public record Sampling(double temperature, int topK, double topP, long seed) {
    private static final Sampling GREEDY = new Sampling(0, 0, 1, 0);

    /**
     * Checks the values.
     *
     * @param temperature 0 for greedy, else a finite number above 0
     * @param topK        0 (all) or more
     * @param topP        in (0, 1]
     * @param seed        any
     * @throws IllegalArgumentException when a value is out of range; the message starts with its name
     *                                  ({@code temperature}, {@code top-k}, {@code top-p})
     */
    public Sampling {
        new SamplingOptions(temperature, topK, topP, seed); // its checks and messages are the command line's
    }

    /**
     * d2l's greedy decoding: always the most likely token.
     *
     * @return temperature 0, no top-k or top-p cut, seed 0
     */
    public static Sampling greedy() {
        return GREEDY;
    }

    /**
     * These options with another temperature.
     *
     * @param temperature 0 for greedy, else a finite number above 0
     * @return a copy with {@code temperature} changed
     * @throws IllegalArgumentException when {@code temperature} is negative, NaN or infinite
     */
    public Sampling withTemperature(double temperature) {
        return new Sampling(temperature, topK, topP, seed);
    }

    /**
     * These options with another top-k cut.
     *
     * @param topK how many of the most likely tokens to sample among; 0 keeps all
     * @return a copy with {@code topK} changed
     * @throws IllegalArgumentException when {@code topK} is negative
     */
    public Sampling withTopK(int topK) {
        return new Sampling(temperature, topK, topP, seed);
    }

    /**
     * These options with another nucleus (top-p) cut.
     *
     * @param topP the probability the kept tokens must reach, in (0, 1]; 1 keeps all
     * @return a copy with {@code topP} changed
     * @throws IllegalArgumentException when {@code topP} is not in (0, 1]
     */
    public Sampling withTopP(double topP) {
        return new Sampling(temperature, topK, topP, seed);
    }

    /**
     * These options with another seed.
     *
     * @param seed keys the draws
     * @return a copy with {@code seed} changed
     */
    public Sampling withSeed(long seed) {
        return new Sampling(temperature, topK, topP, seed);
    }

    /**
     * Whether tokens are chosen by argmax rather than drawn.
     *
     * @return true when the temperature is 0
     */
    public boolean isGreedy() {
        return temperature == 0;
    }

    SamplingOptions options() {
        return new SamplingOptions(temperature, topK, topP, seed);
    }
}
