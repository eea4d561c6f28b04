package dev.vecrnn.cli;

import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.model.Predictor;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vecrnn predict}: d2l's {@code predict_ch8} with a saved model. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Extend a prefix with a trained model: warm up on the prefix, then greedy argmax.")
public final class PredictCommand extends BaseCommand {
    @Option(names = "--model", paramLabel = "FILE", defaultValue = "vecrnn-model.safetensors",
            description = "The model file (safetensors, from 'train --save'). Default: ${DEFAULT-VALUE}.")
    Path model;

    @Option(names = "--prefix", paramLabel = "TEXT", defaultValue = "time traveller",
            description = "Text to start from; characters outside the vocabulary map to <unk>. Default: ${DEFAULT-VALUE}.")
    String prefix;

    @Option(names = "--num-preds", paramLabel = "N", defaultValue = "50", description = "Tokens to predict. Default: ${DEFAULT-VALUE}.")
    int numPreds;

    void validate() {
        if (prefix.isEmpty()) throw UserException.usage("--prefix is empty; give at least one character");
        if (numPreds < 0 || numPreds > 10_000_000) throw UserException.usage("--num-preds must be between 0 and 10000000, not " + numPreds);
    }

    @Override
    int run() {
        validate();
        Checkpoint.Loaded loaded;
        try {
            allocating("loading the model " + model + fileSize(model), "");
            loaded = Checkpoint.load(model);
        } catch (Checkpoint.CheckpointException e) {
            throw UserException.failure(e.getMessage());
        }
        allocating("", "");
        Predictor p = new Predictor(loaded.model(), kernels());
        try {
            out().println(p.predict(prefix, numPreds));
        } catch (IllegalArgumentException e) {
            throw UserException.usage("--prefix: " + e.getMessage());
        }
        return ExitCode.OK;
    }
}
