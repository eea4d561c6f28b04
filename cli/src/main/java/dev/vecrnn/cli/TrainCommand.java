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

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "1", description = "SGD learning rate. Default: ${DEFAULT-VALUE}.")
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
        TrainConfig cfg = new TrainConfig(hidden, batch, steps, epochs, lr, clip, randomIter, seed, common.threads);
        MemoryBudget.check(Cells.stack(cell, layers), 0, cfg, Runtime.getRuntime().maxMemory()); // again once the vocabulary is known
        return cfg;
    }

    private Path savePath() {
        return save != null ? save : resume != null ? resume : DEFAULT_SAVE;
    }

    @Override
    int run() throws IOException {
        TrainConfig cfg = config();
        if (resume != null) allocating("loading the checkpoint " + resume + fileSize(resume), "");
        Resume.Point point = resume == null ? null : Resume.load(resume);
        if (point != null) cfg = point.config(this, spec.commandLine().getParseResult());
        Path out = savePath();
        OutputPaths.checkWritable("--save", out);
        if (metrics != null) OutputPaths.checkWritable("--metrics", metrics);
        if (plot != null) OutputPaths.checkWritable("--plot", plot);
        allocating("loading the corpus", "lower --max-tokens");
        String text = corpus.text();
        int maxTokens = point != null ? point.maxTokens() : corpus.maxTokens;
        Corpus data = corpus.load(text, maxTokens, point != null ? point.model().tokenization() : corpus.tokenization());
        String corpusSha1 = TimeMachine.sha1(text.getBytes(StandardCharsets.UTF_8));
        MemoryBudget.check(point != null ? point.model().layers() : Cells.stack(cell, layers), data.vocab().size(), cfg, Runtime.getRuntime().maxMemory());
        allocating("allocating the model and its training buffers", "lower --hidden, --batch-size or --num-steps");
        RnnModel model;
        Training.Progress from;
        if (point != null) {
            point.checkCorpus(corpusSha1, data);
            model = point.model();
            from = point.progress();
        } else {
            model = new RnnModel(cell, layers, data.vocab(), data.tokenization(), cfg.hidden()).initialize(new Random(cfg.seed()));
            from = Training.Progress.start(cfg.seed());
        }
        if (from.epochsDone() >= cfg.epochs()) {
            throw UserException.usage(resume + " has already trained " + from.epochsDone() + " epochs"
                    + (spec.commandLine().getParseResult().hasMatchedOption("--epochs") ? "" : ", all it was started for")
                    + "; give --epochs above " + from.epochsDone() + " to continue");
        }
        Kernels k = kernels();
        if (point != null) point.warnIfOtherKernels(k, err());
        PrintWriter w = out();
        w.printf(Locale.ROOT, "%s: %,d tokens (of %,d), vocab %d; %s, hidden %d, batch %d, steps %d, %s, %d epochs%s, lr %s, clip %s; "
                        + "%d thread%s, %s kernels%n",
                corpus.describe(), data.ids().length, data.tokensBeforeTruncation(), data.vocab().size(), describe(model), cfg.hidden(),
                cfg.batch(), cfg.steps(), cfg.randomIter() ? "random sampling" : "sequential partitioning", cfg.epochs(),
                point != null ? " (resuming after epoch " + from.epochsDone() + ")" : "", num(cfg.lr()), num(cfg.clip()),
                cfg.threads(), cfg.threads() == 1 ? "" : "s", k.name());
        w.flush();
        Predictor predictor = new Predictor(model, k);
        TrainConfig config = cfg;
        Training.EpochStats last;
        Training.Progress[] saved = {null};
        Training.Progress[] reached = {from};
        MetricsLog log = MetricsLog.open(metrics, from.epochsDone());
        try (log; Progress progress = Progress.choose(quiet, printEvery, from.epochsDone(), cfg.epochs(), w)) {
            last = Training.run(model, data, cfg, k, from, (s, p) -> {
                progress.epoch(s, () -> predictor.predict(PREFIX, 50));
                reached[0] = p;
                try {
                    log.add(s);
                    if (checkpointEvery > 0 && s.epoch() % checkpointEvery == 0 && s.epoch() < s.epochs()) {
                        Checkpoint.save(model, Resume.metadata(config, maxTokens, corpusSha1, p, s, k), out);
                        saved[0] = p;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return true;
            });
        } catch (UncheckedIOException e) {
            throw UserException.failure("cannot write a checkpoint or the metrics (" + e.getCause().getMessage() + ")");
        } catch (IllegalArgumentException e) {
            throw UserException.usage(e.getMessage());
        } catch (Training.DivergedException e) {
            throw UserException.failure(e.getMessage() + (saved[0] != null
                    ? "; " + out + " keeps the checkpoint of epoch " + saved[0].epochsDone() : "; nothing was saved"));
        }
        w.printf(Locale.ROOT, "perplexity %.1f, %.1f tokens/sec on cpu (%d thread%s, %s kernels, JDK %s)%n",
                last.perplexity(), last.tokensPerSecond(), cfg.threads(), cfg.threads() == 1 ? "" : "s", k.name(),
                Runtime.version().feature() + "." + Runtime.version().interim() + "." + Runtime.version().update());
        w.println(predictor.predict(PREFIX, 50));
        w.println(predictor.predict("traveller", 50));
        try {
            Checkpoint.save(model, Resume.metadata(cfg, maxTokens, corpusSha1, reached[0], last, k), out);
        } catch (IOException e) {
            throw UserException.failure("cannot write the model to " + out + " (" + e.getMessage() + ")");
        }
        w.println("saved the model to " + out);
        if (plot != null) {
            try {
                PerplexityPlot.write(plot, log.rows, "vecrnn: " + corpus.describe());
            } catch (IOException | RuntimeException e) {
                throw UserException.failure("cannot draw the plot " + plot + " (" + e.getMessage() + ")");
            }
            w.println("plotted perplexity to " + plot);
        }
        return ExitCode.OK;
    }

    /** {@code rnn}, {@code gru}, or {@code 2-layer lstm}. */
    static String describe(RnnModel m) {
        return (m.numLayers() > 1 ? m.numLayers() + "-layer " : "") + m.cellType();
    }

    static String num(float v) {
        return v == Math.rint(v) && Math.abs(v) < 1e7 ? Long.toString((long) v) : Float.toString(v);
    }
}
