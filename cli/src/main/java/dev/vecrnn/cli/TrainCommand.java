package dev.vecrnn.cli;

import dev.vecrnn.data.Corpus;
import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.Predictor;
import dev.vecrnn.model.RnnCell;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.train.TrainConfig;
import dev.vecrnn.train.Training;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
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

    @Option(names = "--hidden", paramLabel = "N", defaultValue = "512", description = "Hidden units. Default: ${DEFAULT-VALUE}.")
    int hidden;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32", description = "Sequences per minibatch. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--num-steps", paramLabel = "N", defaultValue = "35", description = "Time steps per sequence (BPTT length). Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "500", description = "Epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "1", description = "SGD learning rate. Default: ${DEFAULT-VALUE}.")
    float lr;

    @Option(names = "--clip", paramLabel = "THETA", defaultValue = "1", description = "Global gradient-norm clipping threshold. Default: ${DEFAULT-VALUE}.")
    float clip;

    @Option(names = "--random-iter", description = "Random sampling (state re-initialised per minibatch) instead of sequential partitioning.")
    boolean randomIter;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of the weights and the data order. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--save", paramLabel = "FILE", defaultValue = "vecrnn-model.safetensors",
            description = "Where to write the trained model (safetensors). Default: ${DEFAULT-VALUE}.")
    Path save;

    @Option(names = "--print-every", paramLabel = "N", defaultValue = "10", description = "Print progress every N epochs. Default: ${DEFAULT-VALUE}.")
    int printEvery;

    @Option(names = "--quiet", description = "Print only the final summary.")
    boolean quiet;

    static final String PREFIX = "time traveller";

    /** Validates the command line without touching the corpus; public for tests. */
    TrainConfig config() {
        checkThreads();
        if (hidden <= 0 || hidden > 16384) throw UserException.usage("--hidden must be between 1 and 16384, not " + hidden);
        if (batch <= 0 || batch > 65536) throw UserException.usage("--batch-size must be between 1 and 65536, not " + batch);
        if (steps <= 0 || steps > 65536) throw UserException.usage("--num-steps must be between 1 and 65536, not " + steps);
        if (epochs <= 0 || epochs > 100_000_000) throw UserException.usage("--epochs must be between 1 and 100000000, not " + epochs);
        if (!(lr > 0) || lr > 1e6f) throw UserException.usage("--lr must be a number above 0 and at most 1e6, not " + lr);
        if (!(clip > 0) || Float.isInfinite(clip)) throw UserException.usage("--clip must be a positive finite number, not " + clip);
        if (printEvery <= 0) throw UserException.usage("--print-every must be positive, not " + printEvery);
        long arenaFloats = (long) batch * (steps + 1) * hidden * 3 + (long) hidden * hidden * 4;
        if (arenaFloats > (1L << 31) - 1024) {
            throw UserException.usage("--hidden " + hidden + ", --batch-size " + batch + " and --num-steps " + steps
                    + " need more than 8 GiB of buffers; lower one of them");
        }
        return new TrainConfig(hidden, batch, steps, epochs, lr, clip, randomIter, seed, common.threads);
    }

    @Override
    int run() throws IOException {
        TrainConfig cfg = config();
        checkWritable(save);
        Corpus data = corpus.load();
        Kernels k = kernels();
        PrintWriter out = out();
        out.printf(Locale.ROOT, "%s: %,d tokens (of %,d), vocab %d; hidden %d, batch %d, steps %d, %s, %d epochs, lr %s, clip %s; "
                        + "%d thread%s, %s kernels%n",
                corpus.describe(), data.ids().length, data.tokensBeforeTruncation(), data.vocab().size(), hidden, batch, steps,
                randomIter ? "random sampling" : "sequential partitioning", epochs, num(lr), num(clip),
                cfg.threads(), cfg.threads() == 1 ? "" : "s", k.name());
        out.flush();
        RnnModel model = new RnnModel(new RnnCell(), data.vocab(), data.tokenization(), hidden).initialize(new Random(seed));
        Predictor predictor = new Predictor(model, k);
        Training.EpochStats last;
        try {
            last = Training.run(model, data, cfg, k, (s, progress) -> {
                if (!quiet && (s.epoch() % printEvery == 0 || s.epoch() == s.epochs())) {
                    out.printf(Locale.ROOT, "epoch %d/%d  perplexity %.2f  %,.0f tokens/sec  %s%n", s.epoch(), s.epochs(),
                            s.perplexity(), s.tokensPerSecond(), predictor.predict(PREFIX, 50));
                    out.flush();
                }
                return true;
            });
        } catch (IllegalArgumentException e) {
            throw UserException.usage(e.getMessage());
        } catch (ArithmeticException e) {
            throw UserException.failure(e.getMessage() + "; nothing was saved");
        }
        out.printf(Locale.ROOT, "perplexity %.1f, %.1f tokens/sec on cpu (%d thread%s, %s kernels, JDK %s)%n",
                last.perplexity(), last.tokensPerSecond(), cfg.threads(), cfg.threads() == 1 ? "" : "s", k.name(),
                Runtime.version().feature() + "." + Runtime.version().interim() + "." + Runtime.version().update());
        out.println(predictor.predict(PREFIX, 50));
        out.println(predictor.predict("traveller", 50));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("batch_size", Integer.toString(batch));
        meta.put("num_steps", Integer.toString(steps));
        meta.put("epochs", Integer.toString(epochs));
        meta.put("lr", num(lr));
        meta.put("clip_theta", num(clip));
        meta.put("random_iter", Boolean.toString(randomIter));
        meta.put("seed", Long.toString(seed));
        meta.put("max_tokens", Integer.toString(corpus.maxTokens));
        meta.put("perplexity", String.format(Locale.ROOT, "%.6f", last.perplexity()));
        try {
            Checkpoint.save(model, meta, save);
        } catch (IOException e) {
            throw UserException.failure("cannot write the model to " + save + " (" + e.getMessage() + ")");
        }
        out.println("saved the model to " + save);
        return ExitCode.OK;
    }

    /** Fails before training, not after it, when the model could not be saved. */
    static void checkWritable(Path file) {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (Files.isDirectory(abs)) throw UserException.usage("--save " + file + " is a folder; give a file name");
        if (dir == null || !Files.isDirectory(dir)) throw UserException.usage("--save " + file + ": folder " + dir + " does not exist");
        if (!Files.isWritable(dir)) throw UserException.usage("--save " + file + ": folder " + dir + " is not writable");
        if (Files.exists(abs) && !Files.isWritable(abs)) throw UserException.usage("--save " + file + " exists and is read-only");
    }

    private static String num(float v) {
        return v == Math.rint(v) && Math.abs(v) < 1e7 ? Long.toString((long) v) : Float.toString(v);
    }
}
