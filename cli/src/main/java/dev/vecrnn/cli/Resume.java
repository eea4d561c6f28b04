package dev.vecrnn.cli;

import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.Preprocessing;
import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.optim.Schedule;
import dev.vecrnn.train.TrainConfig;
import dev.vecrnn.train.Training;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.ParseResult;

/**
 * What a training checkpoint stores beyond the model, and {@code train --resume}: the hyperparameters, the
 * epochs done, the data generator's state and the corpus's SHA-1. Resuming from epoch {@code e} gives the
 * same bits as a run that never stopped (no hidden state crosses an epoch boundary).
 */
final class Resume {
    private Resume() {}

    static Map<String, String> metadata(TrainConfig cfg, int maxTokens, String corpusSha1, Training.Progress p,
                                        Training.EpochStats last, Kernels kernels) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("batch_size", Integer.toString(cfg.batch()));
        m.put("num_steps", Integer.toString(cfg.steps()));
        m.put("epochs", Integer.toString(cfg.epochs()));
        m.put("lr", Float.toString(cfg.lr()));
        m.put("clip_theta", Float.toString(cfg.clip()));
        m.put("random_iter", Boolean.toString(cfg.randomIter()));
        m.put("seed", Long.toString(cfg.seed()));
        m.put("max_tokens", Integer.toString(maxTokens));
        m.put("corpus_sha1", corpusSha1);
        m.put("epochs_done", Integer.toString(p.epochsDone()));
        m.put("rng_state", Long.toString(p.rngState()));
        m.put("perplexity", String.format(Locale.ROOT, "%.6f", last.perplexity()));
        // Kernels of another kind or vector width sum in another order, so a resume on them is not bit-exact.
        m.put("kernels", kernels.name());
        return m;
    }

    /** A checkpoint to continue from; {@code optimizer} is null in files from before optimizers (SGD). */
    record Point(RnnModel model, Map<String, String> meta, Training.Progress progress, Path file,
                 Checkpoint.OptimizerState optimizer) {

        int maxTokens() { return integer("max_tokens"); }

        /** Files from before raw text were read as d2l reads The Time Machine, with no split. */
        Preprocessing preprocessing() {
            try {
                return Preprocessing.parse(meta.getOrDefault("preprocessing", "d2l"));
            } catch (IllegalArgumentException e) {
                throw UserException.failure(file + ": metadata preprocessing: " + e.getMessage());
            }
        }

        int minFreq() { return meta.containsKey("min_freq") ? integer("min_freq") : 0; }

        double valFraction() { return meta.containsKey("val_fraction") ? real("val_fraction") : 0; }

        String optimizerName() { return optimizer != null ? optimizer.name() : "sgd"; }

        /**
         * The optimizer options must agree with the checkpoint's: its moments only mean something to the rule
         * that wrote them, and a different schedule would not continue the run.
         */
        void checkOptimizer(OptimizerOptions o, ParseResult given) {
            if (given == null) return;
            if (given.hasMatchedOption("--optimizer") && !o.name().equals(optimizerName())) {
                throw UserException.usage("--optimizer " + o.name() + " differs from the " + optimizerName() + " that " + file
                        + " was trained with: its state belongs to that optimizer; leave --optimizer out to resume, or start a "
                        + "new run from its weights with --init-from");
            }
            Map<String, Double> stored = optimizer != null ? optimizer.hyperparameters() : Map.of();
            o.given().forEach((k, v) -> {
                String option = "--" + k.replace('_', '-');
                if (given.hasMatchedOption(option) && !v.equals(stored.get(k))) {
                    throw UserException.usage(option + " " + v + " differs from the " + stored.getOrDefault(k, null) + " that " + file
                            + " was trained with; leave it out to resume");
                }
            });
            String kind = meta.getOrDefault("lr_schedule", "constant");
            if (given.hasMatchedOption("--lr-schedule") && !o.kind().name().equalsIgnoreCase(kind)) {
                throw UserException.usage("--lr-schedule " + o.schedule + " differs from the " + kind + " that " + file
                        + " was trained with; leave it out to resume");
            }
        }

        /** The checkpoint's schedule over a run of {@code totalSteps} minibatches (the target may have moved). */
        Schedule schedule(double lr, long totalSteps) {
            Schedule.Kind kind;
            try {
                kind = Schedule.kind(meta.getOrDefault("lr_schedule", "constant"));
            } catch (IllegalArgumentException e) {
                throw UserException.failure(file + ": metadata lr_schedule: " + e.getMessage());
            }
            long warmup = meta.containsKey("warmup") ? integer("warmup") : 0;
            double lrMin = meta.containsKey("lr_min") ? real("lr_min") : 0;
            long every = meta.containsKey("lr_step_every") ? Long.parseLong(need("lr_step_every")) : 1;
            double gamma = meta.containsKey("lr_gamma") ? real("lr_gamma") : 1;
            return OptimizerOptions.schedule(kind, lr, warmup, totalSteps, lrMin, every, gamma);
        }

        /**
         * The checkpoint's hyperparameters, with --threads from the command line, and --epochs when given:
         * else the interrupted run's target.
         */
        TrainConfig config(TrainCommand cmd, ParseResult given) {
            boolean epochsGiven = given != null && given.hasMatchedOption("--epochs");
            TrainConfig cfg = new TrainConfig(model.hidden(), integer("batch_size"), integer("num_steps"),
                    epochsGiven ? cmd.epochs : integer("epochs"),
                    (float) real("lr"), (float) real("clip_theta"), Boolean.parseBoolean(need("random_iter")),
                    Long.parseLong(need("seed")), cmd.common.threads,
                    meta.containsKey("dropout") ? (float) real("dropout") : 0f);
            same(given, "--hidden", cmd.hidden, cfg.hidden());
            same(given, "--batch-size", cmd.batch, cfg.batch());
            same(given, "--num-steps", cmd.steps, cfg.steps());
            same(given, "--lr", cmd.lr, cfg.lr());
            same(given, "--clip", cmd.clip, cfg.clip());
            same(given, "--random-iter", cmd.randomIter, cfg.randomIter());
            same(given, "--seed", cmd.seed, cfg.seed());
            same(given, "--dropout", cmd.dropout, cfg.dropout());
            same(given, "--max-tokens", cmd.corpus.maxTokens, maxTokens());
            same(given, "--tokenization", cmd.corpus.tokenization(), model.tokenization());
            return cfg;
        }

        /** Says once, on {@code err}, when these kernels differ from those the checkpoint was trained with. */
        void warnIfOtherKernels(Kernels kernels, PrintWriter err) {
            String saved = meta.get("kernels");
            if (saved != null && !saved.equals(kernels.name())) {
                err.println("warning: " + file + " was trained on " + saved + " kernels and this run uses " + kernels.name()
                        + ": training continues, but will not be bit-identical to an uninterrupted run");
                err.flush();
            }
        }

        void checkCorpus(String sha1, Corpus data) {
            if (!sha1.equals(need("corpus_sha1"))) {
                throw UserException.usage(file + " was trained on another corpus (SHA-1 " + need("corpus_sha1")
                        + "); give the same --corpus to resume");
            }
            if (!data.vocab().tokens().equals(model.vocab().tokens())) {
                throw UserException.usage(file + " has a vocabulary that does not match the corpus");
            }
        }

        private void same(ParseResult given, String option, Object asked, Object stored) {
            if (given != null && given.hasMatchedOption(option) && !asked.equals(stored)) {
                throw UserException.usage(option + " " + asked + " differs from the " + stored + " that " + file
                        + " was trained with; leave it out to resume");
            }
        }

        private String need(String key) {
            String v = meta.get(key);
            if (v == null) {
                throw UserException.failure(file + " is a model, not a training checkpoint (no " + key + "); it can still be used with predict");
            }
            return v;
        }

        int integer(String key) {
            try {
                return Integer.parseInt(need(key));
            } catch (NumberFormatException e) {
                throw UserException.failure(file + ": metadata " + key + " is not a number");
            }
        }

        double real(String key) {
            try {
                return Double.parseDouble(need(key));
            } catch (NumberFormatException e) {
                throw UserException.failure(file + ": metadata " + key + " is not a number");
            }
        }
    }

    static Point load(Path file) {
        Checkpoint.Loaded loaded;
        try {
            loaded = Checkpoint.load(file);
        } catch (Checkpoint.CheckpointException e) {
            throw UserException.failure(e.getMessage());
        }
        Map<String, String> meta = loaded.metadata();
        Point p = new Point(loaded.model(), meta, null, file, null);
        if (meta.containsKey("stopped_in_epoch")) {
            throw UserException.usage(file + " was saved in the middle of an epoch (" + meta.get("stopped_in_epoch") + "), where a run cannot continue exactly; start a new run from its "
                    + "weights with --init-from, or resume from a checkpoint saved at the end of an epoch");
        }
        int done = p.integer("epochs_done");
        long rng;
        try {
            rng = Long.parseLong(p.need("rng_state"));
        } catch (NumberFormatException e) {
            throw UserException.failure(file + ": metadata rng_state is not a number");
        }
        for (String key : List.of("batch_size", "num_steps", "lr", "clip_theta", "random_iter", "seed", "max_tokens", "corpus_sha1")) {
            p.need(key);
        }
        return new Point(loaded.model(), meta, new Training.Progress(done, rng), file, loaded.optimizer());
    }
}
