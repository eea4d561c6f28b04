package dev.vecrnn.cli;

import dev.vecrnn.api.Sampling;
import picocli.CommandLine.Option;

/** How {@code predict} chooses tokens: greedy by default (d2l's predict_ch8), or sampled. */
public final class SamplingMixin {
    static final int MAX_SAMPLES = 100_000;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0",
            description = "0: greedy argmax (d2l's predict_ch8); above 0: sample from softmax(logits / T). Default: ${DEFAULT-VALUE}.")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0",
            description = "Sample only among the K most likely tokens (0: all). Default: ${DEFAULT-VALUE}.")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1",
            description = "Sample only among the smallest set of most likely tokens whose probability reaches P, in (0, 1]. Default: ${DEFAULT-VALUE}.")
    double topP;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the draws: the same seed gives the same text on any thread count. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "1",
            description = "Independent continuations of the prefix, generated as one batch, one per line. Default: ${DEFAULT-VALUE}.")
    int samples;

    /** The options, or a usage error naming the flag. */
    Sampling options() {
        if (samples < 1 || samples > MAX_SAMPLES) {
            throw UserException.usage("--samples must be between 1 and " + MAX_SAMPLES + ", not " + samples);
        }
        try {
            return new Sampling(temperature, topK, topP, seed);
        } catch (IllegalArgumentException e) {
            throw UserException.usage("--" + e.getMessage()); // its message starts with the option's name
        }
    }
}
