package dev.vecrnn.cli;

import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.TimeMachine;
import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.Predictor;
import dev.vecrnn.model.Cells;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.train.TrainConfig;
import dev.vecrnn.train.Training;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code vecrnn train}: d2l 8.5's {@code train_ch8} on The Time Machine (or any text). */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a character-level RNN language model (d2l 8.5 defaults) and save it.")
public final class TrainCommand extends BaseCommand {
    @Mixin
    CorpusOptions corpus = new CorpusOptions();

    @Mixin
    OptimizerOptions optimizer = new OptimizerOptions();

    @Mixin
    ValidationOptions validation = new ValidationOptions();

    @Mixin
    FineTuneOptions fineTune = new FineTuneOptions();

    @Option(names = "--cell", paramLabel = "rnn|gru|lstm|gru-torch", defaultValue = "rnn",
            description = "Recurrent cell: d2l 8.5's tanh RNN, 9.1's GRU or 9.2's LSTM, or PyTorch's nn.GRU (gru-torch). "
                    + "Default: ${DEFAULT-VALUE}.")
    String cell;

    @Option(names = "--layers", paramLabel = "N", defaultValue = "1",
            description = "Stacked recurrent layers (d2l 9.3). Default: ${DEFAULT-VALUE}.")
    int layers;

    @Option(names = "--hidden", paramLabel = "N", defaultValue = "512", description = "Hidden units. Default: ${DEFAULT-VALUE}.")
    int hidden;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32", description = "Sequences per minibatch. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--num-steps", paramLabel = "N", defaultValue = "35", description = "Time steps per sequence (BPTT length). Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "500",
            description = "Epochs (in all, when resuming). Default: ${DEFAULT-VALUE}, or the --resume run's own target.")
    int epochs;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "1",
            description = "Learning rate (the peak one under a schedule); d2l's 1 suits SGD, Adam wants about 0.002. Default: ${DEFAULT-VALUE}.")
    float lr;

    @Option(names = "--clip", paramLabel = "THETA", defaultValue = "1", description = "Global gradient-norm clipping threshold. Default: ${DEFAULT-VALUE}.")
    float clip;

    @Option(names = "--random-iter", description = "Random sampling (state re-initialised per minibatch) instead of sequential partitioning.")
    boolean randomIter;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of the weights and the data order. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--save", paramLabel = "FILE",
            description = "Where to write the model (safetensors). Default: vecrnn-model.safetensors, or the --resume file.")
    Path save;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "0",
            description = "Also save to --save every N epochs (0: only at the end). Default: ${DEFAULT-VALUE}.")
    int checkpointEvery;

    @Option(names = "--resume", paramLabel = "FILE",
            description = "Continue the run saved in FILE (up to --epochs if given); its hyperparameters are used.")
    Path resume;

    @Option(names = "--metrics", paramLabel = "FILE.csv", description = "Log epoch, loss, perplexity, tokens/sec and seconds per epoch.")
    Path metrics;

    @Option(names = "--plot", paramLabel = "FILE.png|.svg", description = "Draw the perplexity curve at the end.")
    Path plot;

    @Option(names = "--print-every", paramLabel = "N", defaultValue = "10", description = "Progress line every N epochs when not on a terminal. Default: ${DEFAULT-VALUE}.")
    int printEvery;

    @Option(names = "--quiet", description = "Print only the final summary.")
    boolean quiet;

    @Option(names = "--prefix", paramLabel = "TEXT",
            description = "Text the progress lines extend. Default: time traveller for The Time Machine, else the start of the "
                    + "validation text (or of the corpus).")
    String prefix;

    @Option(names = "--dropout", paramLabel = "P", defaultValue = "0",
            description = "Probability of dropping a unit in training, in [0, 1); recorded in the model. Default: ${DEFAULT-VALUE}.")
    float dropout;

    /** A stand-in for a kill after this epoch's checkpoint: training stops, nothing more is saved (tests only). */
    @Option(names = "--stop-after-epoch", hidden = true, defaultValue = "0")
    int stopAfterEpoch;

    static final String PREFIX = "time traveller";
    static final Path DEFAULT_SAVE = Path.of("vecrnn-model.safetensors");

    /** Validates the command line without touching the corpus or any file. */
    TrainConfig config() {
        checkThreads();
        if (!Cells.TYPES.contains(cell)) throw UserException.usage("--cell must be one of " + String.join(", ", Cells.TYPES) + ", not '" + cell + "'");
        if (layers < 1 || layers > 64) throw UserException.usage("--layers must be between 1 and 64, not " + layers);
        if (hidden <= 0 || hidden > 16384) throw UserException.usage("--hidden must be between 1 and 16384, not " + hidden);
        if (batch <= 0 || batch > 65536) throw UserException.usage("--batch-size must be between 1 and 65536, not " + batch);
        if (steps <= 0 || steps > 65536) throw UserException.usage("--num-steps must be between 1 and 65536, not " + steps);
        if (epochs <= 0 || epochs > 100_000_000) throw UserException.usage("--epochs must be between 1 and 100000000, not " + epochs);
        if (!(lr > 0) || lr > 1e6f) throw UserException.usage("--lr must be a number above 0 and at most 1e6, not " + lr);
        if (!(clip > 0) || Float.isInfinite(clip)) throw UserException.usage("--clip must be a positive finite number, not " + clip);
        if (printEvery <= 0) throw UserException.usage("--print-every must be positive, not " + printEvery);
        if (checkpointEvery < 0) throw UserException.usage("--checkpoint-every must be 0 or positive, not " + checkpointEvery);
        if (plot != null && !PerplexityPlot.supported(plot)) throw UserException.usage("--plot " + plot + ": the file name must end in .png or .svg");
        if (!(dropout >= 0 && dropout < 1)) throw UserException.usage("--dropout must be at least 0 and below 1, not " + dropout);
        if (prefix != null && prefix.isEmpty()) throw UserException.usage("--prefix is empty; give at least one character");
        corpus.validate();
        optimizer.validate();
        validation.validate(printEvery);
        if (validation.saveBest && checkpointEvery > 0) {
            throw UserException.usage("--save-best keeps the best model in --save, which --checkpoint-every would overwrite; give one of them");
        }
        TrainConfig cfg = new TrainConfig(hidden, batch, steps, epochs, lr, clip, randomIter, seed, common.threads, dropout);
        MemoryBudget.check(Cells.stack(cell, layers), 0, cfg, dev.vecrnn.optim.Optimizers.stateCopies(optimizer.name()), corpus.minFreq,
                Runtime.getRuntime().maxMemory()); // again once the vocabulary is known
        return cfg;
    }

    private Path savePath() {
        return save != null ? save : resume != null ? resume : DEFAULT_SAVE;
    }

    @Override
    int run() throws IOException {
        return new TrainingRun(this, spec.commandLine().getParseResult()).run();
    }

    /** {@code rnn}, {@code gru}, or {@code 2-layer lstm}. */
    static String describe(RnnModel m) {
        return describe(m.numLayers(), m.cellType());
    }

    static String describe(int layers, String cell) {
        return (layers > 1 ? layers + "-layer " : "") + cell;
    }

    static String num(float v) {
        return v == Math.rint(v) && Math.abs(v) < 1e7 ? Long.toString((long) v) : Float.toString(v);
    }
}
