package dev.vecrnn.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Starting a new run from a trained model's weights, and reading a new corpus with its vocabulary. */
public final class FineTuneOptions {
    @Option(names = "--init-from", paramLabel = "MODEL",
            description = "Start from this model's weights (same --cell, --layers, --hidden and vocabulary) with a fresh optimizer.")
    Path initFrom;

    @Option(names = "--vocab-from", paramLabel = "MODEL",
            description = "Read the corpus with this model's vocabulary: tokens it lacks become <unk>. Needed by --init-from "
                    + "when the new text's own vocabulary differs.")
    Path vocabFrom;
}
