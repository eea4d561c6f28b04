package dev.vecrnn.cli;

import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.Preprocessing;
import dev.vecrnn.data.TimeMachine;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.Cells;
import dev.vecrnn.model.Predictor;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.optim.Optimizer;
import dev.vecrnn.optim.Optimizers;
import dev.vecrnn.optim.Schedule;
import dev.vecrnn.data.SequenceIterator;
import dev.vecrnn.train.Evaluator;
import dev.vecrnn.train.TrainConfig;
import dev.vecrnn.train.Trainer;
import dev.vecrnn.train.Training;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import picocli.CommandLine.ParseResult;

/**
 * One {@code train} run from a validated command line: the corpus and the model (fresh, resumed or
 * initialised from another), the optimizer and its schedule, the epoch loop with its validation, best-model
 * saves, early stop and time budget, and the final save. {@link TrainCommand} holds the options only.
 */
final class TrainingRun {
    private final TrainCommand cmd;
    private final ParseResult given;
    private final PrintWriter w;

    // Set up by prepare(), read by the loop.
    private TrainConfig cfg;
    private Resume.Point point;
    private Corpus data;
    private RnnModel model;
    private Training.Progress from;
    private Optimizer optimizer;
    private Schedule schedule;
    private String corpusSha1;
    private int maxTokens, minFreq;
    private double valFraction;
    private Preprocessing preprocessing;
    private Kernels k;
    private Path out;
    private String prefix;

    // The loop's state.
    private Trainer trainer;
    private Validation validation;
    private ValidationOptions.Every every;
    private long deadline; // System.nanoTime() at the time limit, or Long.MAX_VALUE
    private String stopped; // why training stopped early, or null
    private Training.Progress reached, saved;
    private Training.EpochStats lastEpoch;
    private boolean bestSaved;
    private String midEpoch; // "epoch E, minibatch B of N" while saving in the middle of an epoch, else null
    private String stopAt;   // where a stop in the middle of an epoch happened, else null
    private double stopFraction;
    private long evaluatedAtStep = -1;

    TrainingRun(TrainCommand cmd, ParseResult given) {
        this.cmd = cmd;
        this.given = given;
        this.w = cmd.out();
    }

    int run() throws IOException {
        prepare();
        printFirstLine();
        return loop();
    }

    private boolean has(String option) {
        return given != null && given.hasMatchedOption(option);
    }

    private void prepare() throws IOException {
        cfg = cmd.config();
        if (cmd.resume != null && cmd.fineTune.initFrom != null) {
            throw UserException.usage("--resume continues a run and --init-from starts a new one from a model's weights; give one");
        }
        if (cmd.resume != null) cmd.allocating("loading the checkpoint " + cmd.resume + BaseCommand.fileSize(cmd.resume), "");
        point = cmd.resume == null ? null : Resume.load(cmd.resume);
        if (point != null) {
            cfg = point.config(cmd, given);
            point.checkOptimizer(cmd.optimizer, given);
        }
        Checkpoint.Loaded init = cmd.fineTune.initFrom == null ? null : FineTune.load("--init-from", cmd.fineTune.initFrom);
        Checkpoint.Loaded vocabFrom = cmd.fineTune.vocabFrom == null ? null
                : cmd.fineTune.vocabFrom.equals(cmd.fineTune.initFrom) ? init : FineTune.load("--vocab-from", cmd.fineTune.vocabFrom);
        out = cmd.save != null ? cmd.save : cmd.resume != null ? cmd.resume : TrainCommand.DEFAULT_SAVE;
        OutputPaths.checkWritable("--save", out);
        if (cmd.metrics != null) OutputPaths.checkWritable("--metrics", cmd.metrics);
        if (cmd.plot != null) OutputPaths.checkWritable("--plot", cmd.plot);

        cmd.allocating("loading the corpus", "lower --max-tokens");
        String text = cmd.corpus.text();
        corpusSha1 = TimeMachine.sha1(text.getBytes(StandardCharsets.UTF_8));
        maxTokens = point != null ? point.maxTokens() : cmd.corpus.maxTokens;
        preprocessing = point != null ? point.preprocessing() : cmd.corpus.preprocessing();
        minFreq = point != null ? point.minFreq() : cmd.corpus.minFreq;
        valFraction = point != null ? point.valFraction() : cmd.corpus.valFraction();
        Tokenization tok = point != null ? point.model().tokenization() : cmd.corpus.tokenization();
        if (point != null) sameAsCheckpoint();
        cmd.validation.requireSplit(valFraction > 0);
        data = vocabFrom != null
                ? cmd.corpus.load(text, preprocessing, tok, maxTokens, vocabFrom.model().vocab(), valFraction, cfg.batch())
                : cmd.corpus.load(text, preprocessing, tok, maxTokens, minFreq, valFraction, cfg.batch());
        String optimizerName = point != null ? point.optimizerName() : cmd.optimizer.name();
        MemoryBudget.check(point != null ? point.model().layers() : Cells.stack(cmd.cell, cmd.layers), data.vocab().size(), cfg,
                Optimizers.stateCopies(optimizerName), minFreq, Runtime.getRuntime().maxMemory());

        cmd.allocating("allocating the model and its training buffers", "lower --hidden, --batch-size or --num-steps");
        if (point != null) {
            point.checkCorpus(corpusSha1, data);
            model = point.model();
            from = point.progress();
        } else if (init != null) {
            FineTune.checkShape(cmd, init, data);
            model = init.model();
            from = Training.Progress.start(cfg.seed());
        } else {
            model = new RnnModel(cmd.cell, cmd.layers, data.vocab(), data.tokenization(), cfg.hidden()).initialize(new Random(cfg.seed()));
            from = Training.Progress.start(cfg.seed());
        }
        if (from.epochsDone() >= cfg.epochs()) {
            throw UserException.usage(cmd.resume + " has already trained " + from.epochsDone() + " epochs"
                    + (has("--epochs") ? "" : ", all it was started for") + "; give --epochs above " + from.epochsDone() + " to continue");
        }
        optimizer = point != null && point.optimizer() != null
                ? Optimizers.create(point.optimizer().name(), point.optimizer().hyperparameters(), model.table())
                : point != null ? Optimizers.create("sgd", Map.of(), model.table()) : cmd.optimizer.create(model.table());
        long perEpoch = new SequenceIterator(data.ids(), cfg.batch(), cfg.steps(), cfg.randomIter(), new dev.vecrnn.data.Rng(0))
                .minBatchesPerEpoch();
        long total = Math.max(1, perEpoch) * cfg.epochs();
        schedule = point != null ? point.schedule(cfg.lr(), total) : cmd.optimizer.schedule(cfg.lr(), total);
        k = cmd.kernels();
        if (point != null) point.warnIfOtherKernels(k, cmd.err());
        prefix = prefix();
    }

    /** Corpus options given with --resume must be the checkpoint's: they decide the tokens and the split. */
    private void sameAsCheckpoint() {
        if (has("--preprocess") && cmd.corpus.preprocessing() != preprocessing) {
            throw UserException.usage("--preprocess " + cmd.corpus.preprocessing().id() + " differs from the " + preprocessing.id()
                    + " that " + cmd.resume + " was trained with; leave it out to resume");
        }
        if (has("--min-freq") && cmd.corpus.minFreq != minFreq) {
            throw UserException.usage("--min-freq " + cmd.corpus.minFreq + " differs from the " + minFreq + " that " + cmd.resume
                    + " was trained with; leave it out to resume");
        }
        if (has("--val-fraction") && cmd.corpus.valFraction() != valFraction) {
            throw UserException.usage("--val-fraction " + cmd.corpus.valFraction() + " differs from the " + valFraction + " that "
                    + cmd.resume + " was trained with; leave it out to resume");
        }
    }

    /** What the progress lines extend: --prefix, d2l's for The Time Machine, else the start of the held-out text. */
    private String prefix() {
        if (cmd.prefix != null) return cmd.prefix;
        if (cmd.corpus.corpus == null && preprocessing == Preprocessing.D2L) return TrainCommand.PREFIX;
        int[] ids = data.valIds().length > 0 ? data.valIds() : data.ids();
        int n = Math.min(ids.length, data.tokenization() == Tokenization.CHAR ? 16 : 4);
        List<String> tokens = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) tokens.add(data.vocab().token(ids[i]));
        String p = data.tokenization().join(tokens);
        return p.isBlank() ? data.vocab().token(1) : p;
    }

    private void printFirstLine() {
        String source = cmd.corpus.corpus == null && preprocessing == Preprocessing.D2L && valFraction == 0
                ? String.format(Locale.ROOT, "%s: %,d tokens (of %,d), vocab %d", cmd.corpus.name(), data.ids().length,
                        data.tokensBeforeTruncation(), data.vocab().size())
                : cmd.corpus.summary(data);
        String opt = optimizer.name().equals("sgd") && schedule == null ? ""
                : ", " + optimizer.name() + (schedule == null ? "" : " with a " + schedule.kind().name().toLowerCase(Locale.ROOT)
                        + " schedule" + (schedule.warmup() > 0 ? " (warmup " + schedule.warmup() + ")" : ""));
        w.printf(Locale.ROOT, "%s; %s, hidden %d, batch %d, steps %d, %s, %d epochs%s, lr %s%s, clip %s%s; %d thread%s, %s kernels%n",
                source, TrainCommand.describe(model), cfg.hidden(), cfg.batch(), cfg.steps(),
                cfg.randomIter() ? "random sampling" : "sequential partitioning", cfg.epochs(),
                point != null ? " (resuming after epoch " + from.epochsDone() + ")" : "", TrainCommand.num(cfg.lr()), opt,
                TrainCommand.num(cfg.clip()), cmd.fineTune.initFrom != null ? "; from the weights of " + cmd.fineTune.initFrom : "",
                cfg.threads(), cfg.threads() == 1 ? "" : "s", k.name());
        w.flush();
    }

    private int loop() throws IOException {
        Predictor predictor = new Predictor(model, k);
        validation = valFraction > 0 ? new Validation(model, k, cfg.batch(), cfg.steps(), data.valIds()) : null;
        if (validation != null && point != null && point.meta().containsKey("best_val_loss")) {
            validation.restoreBest(point.real("best_val_loss"), point.meta().get("best_epoch"));
        }
        every = cmd.validation.every(cmd.printEvery);
        Duration limit = cmd.validation.timeLimit();
        long start = System.nanoTime();
        deadline = limit == null ? Long.MAX_VALUE : start + limit.toNanos();
        reached = from;
        MetricsLog log = MetricsLog.open(cmd.metrics, from.epochsDone(), validation != null);
        trainer = new Trainer(model, k, cfg.batch(), cfg.steps(), cfg.lr(), cfg.clip(), cfg.threads(), optimizer);
        if (point != null && point.optimizer() != null) {
            System.arraycopy(point.optimizer().state().data(), point.optimizer().state().base(), trainer.optimizerState().data(),
                    trainer.optimizerState().base(), trainer.optimizerState().size());
            trainer.setOptimizerSteps(point.optimizer().steps());
        }
        Training.EpochStats last;
        try (Trainer t = trainer; log; Progress progress = Progress.choose(cmd.quiet, cmd.printEvery, from.epochsDone(), cfg.epochs(), w)) {
            last = Training.run(trainer, data, cfg, schedule, from, new Training.Listener() {
                @Override
                public boolean onBatch(int epoch, int batch, int batches) {
                    try {
                        if (batch == batches) return true; // the epoch's end: onEpoch decides
                        String here = String.format(Locale.ROOT, "epoch %d, minibatch %,d of %,d", epoch, batch, batches);
                        double at = epoch - 1 + (double) batch / batches;
                        if (validation != null && every.batches() > 0 && trainer.optimizerSteps() % every.batches() == 0) {
                            midEpoch = here;
                            evaluate(String.format(Locale.ROOT, "%.3f", at));
                            midEpoch = null;
                            progress.evaluation(epoch, cfg.epochs(), batch, batches, validation.last);
                            log.addEvaluation(at, validation.last);
                        }
                        if (stopped == null && System.nanoTime() - deadline >= 0) stopped = "time limit " + cmd.validation.timeLimit;
                        if (stopped != null) {
                            stopAt = here;
                            stopFraction = at;
                            return false;
                        }
                        return true;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }

                @Override
                public boolean onEpoch(Training.EpochStats s, Training.Progress p) {
                    reached = p;
                    lastEpoch = s;
                    try {
                        Evaluator.Result val = null;
                        boolean timeUp = System.nanoTime() - deadline >= 0;
                        boolean due = every.epochs() > 0 && s.epoch() % every.epochs() == 0 || s.epoch() == s.epochs() || timeUp;
                        if (validation != null && due && evaluatedAtStep != trainer.optimizerSteps()) {
                            evaluate(Integer.toString(s.epoch()));
                            val = validation.last;
                        }
                        progress.epoch(s, val, () -> oneLine(predictor.predict(prefix, 50)));
                        log.add(s, val);
                        if (timeUp && s.epoch() < s.epochs() && stopped == null) stopped = "time limit " + cmd.validation.timeLimit;
                        if (cmd.checkpointEvery > 0 && s.epoch() % cmd.checkpointEvery == 0 && s.epoch() < s.epochs() && stopped == null) {
                            save(p, s);
                            saved = p;
                        }
                        if (cmd.stopAfterEpoch > 0 && s.epoch() >= cmd.stopAfterEpoch) {
                            stopped = "killed";
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return stopped == null;
                }
            });
        } catch (UncheckedIOException e) {
            throw UserException.failure("cannot write a checkpoint or the metrics (" + e.getCause().getMessage() + ")");
        } catch (IllegalArgumentException e) {
            throw UserException.usage(e.getMessage());
        } catch (Training.DivergedException e) {
            throw UserException.failure(e.getMessage() + (saved != null
                    ? "; " + out + " keeps the checkpoint of epoch " + saved.epochsDone()
                    : bestSaved ? "; " + out + " keeps the best model (epoch " + validation.bestAt + ")" : "; nothing was saved"));
        }
        if ("killed".equals(stopped)) return ExitCode.OK; // a test's stand-in for a kill: nothing more happens
        return finish(predictor, last, log);
    }

    /**
     * Evaluates the validation split at {@code at} (an epoch, or a fractional one mid-epoch) and, with --save-best,
     * saves an improvement; sets {@link #stopped} when patience runs out.
     */
    private void evaluate(String at) throws IOException {
        evaluatedAtStep = trainer.optimizerSteps();
        boolean better = validation.evaluate(at);
        if (better && cmd.validation.saveBest) {
            save(reached, lastEpoch);
            bestSaved = true;
        }
        Integer patience = cmd.validation.patience;
        if (patience != null && validation.sinceBest >= patience && stopped == null) {
            stopped = "no lower validation loss in " + patience + " evaluation" + (patience == 1 ? "" : "s");
        }
    }

    private int finish(Predictor predictor, Training.EpochStats last, MetricsLog log) throws IOException {
        if (stopped != null) {
            w.println("stopped: " + stopped + (stopAt != null ? ", in " + stopAt : " after epoch " + reached.epochsDone()));
        }
        midEpoch = stopAt;
        if (validation != null && evaluatedAtStep != trainer.optimizerSteps()) {
            // What is saved is what was evaluated last: a stop mid-epoch evaluates the model as it stands.
            evaluate(String.format(Locale.ROOT, "%.3f", stopFraction));
            log.addEvaluation(stopFraction, validation.last);
        }
        w.printf(Locale.ROOT, "perplexity %.1f, %.1f tokens/sec on cpu (%d thread%s, %s kernels, JDK %s)%n",
                last.perplexity(), last.tokensPerSecond(), cfg.threads(), cfg.threads() == 1 ? "" : "s", k.name(),
                Runtime.version().feature() + "." + Runtime.version().interim() + "." + Runtime.version().update());
        if (validation != null && validation.last != null) {
            Evaluator.Result r = validation.last;
            w.printf(Locale.ROOT, "validation: loss %.4f nats/token, %.4f bits/token, perplexity %.3f on %,d tokens%s%n", r.nats(),
                    r.bits(), r.perplexity(), r.tokens(), Double.isFinite(validation.best)
                            ? String.format(Locale.ROOT, "; best %.4f at epoch %s", validation.best, validation.bestAt) : "");
        }
        w.println(predictor.predict(prefix, 50));
        if (prefix.equals(TrainCommand.PREFIX)) w.println(predictor.predict("traveller", 50));
        if (cmd.validation.saveBest) {
            if (bestSaved) {
                w.printf(Locale.ROOT, "kept the best model (validation loss %.4f at epoch %s) in %s%n", validation.best, validation.bestAt, out);
            } else {
                w.println("no evaluation improved on the resumed run's best; " + out + " is unchanged");
            }
        } else {
            try {
                save(reached, last);
            } catch (IOException e) {
                throw UserException.failure("cannot write the model to " + out + " (" + e.getMessage() + ")");
            }
            w.println("saved the model to " + out);
        }
        if (cmd.plot != null && !(log.rows.isEmpty() && log.valRows.isEmpty())) {
            try {
                PerplexityPlot.write(cmd.plot, log.rows, log.valRows, "vecrnn: " + cmd.corpus.describe());
            } catch (IOException | RuntimeException e) {
                throw UserException.failure("cannot draw the plot " + cmd.plot + " (" + e.getMessage() + ")");
            }
            w.println("plotted perplexity to " + cmd.plot);
        }
        return ExitCode.OK;
    }

    /**
     * Saves the model with everything a resume, predict and eval need. A save in the middle of an epoch
     * ({@link #midEpoch}) is marked so: resuming there would not be exact, so {@code --resume} refuses it.
     */
    private void save(Training.Progress p, Training.EpochStats s) throws IOException {
        Map<String, String> meta = Resume.metadata(cfg, maxTokens, corpusSha1, p, s != null ? s : placeholder(), k);
        meta.putAll(extraMetadata());
        if (midEpoch != null) meta.put("stopped_in_epoch", midEpoch);
        if (stopped != null) meta.put("stopped", stopped);
        Checkpoint.save(model, meta, Checkpoint.OptimizerState.of(optimizer, trainer.optimizerSteps(), trainer.optimizerState()), out);
    }

    /** Statistics before any epoch ended (a time limit inside epoch 1): the perplexity is unknown. */
    private Training.EpochStats placeholder() {
        return new Training.EpochStats(0, cfg.epochs(), Double.NaN, Double.NaN, 0, 0);
    }

    /** What the model file records besides {@link Resume#metadata}: how the text was read, the optimizer's schedule, validation. */
    private Map<String, String> extraMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("preprocessing", preprocessing.id());
        m.put("min_freq", Integer.toString(minFreq));
        m.put("val_fraction", Double.toString(valFraction));
        m.put("corpus", cmd.corpus.corpus == null ? "timemachine" : cmd.corpus.corpus.toAbsolutePath().toString());
        m.put("dropout", Float.toString(cfg.dropout()));
        m.putAll(OptimizerOptions.metadata(schedule));
        if (validation != null && validation.last != null) {
            m.put("val_loss", Double.toString(validation.last.nats()));
            m.put("best_val_loss", Double.toString(validation.best));
            m.put("best_epoch", validation.bestAt);
        }
        if (cmd.fineTune.initFrom != null) m.put("init_from", cmd.fineTune.initFrom.toString());
        return m;
    }

    /** A prediction on one line: raw text has newlines and tabs. */
    static String oneLine(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
    }
}
