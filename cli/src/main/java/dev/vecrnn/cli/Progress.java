package dev.vecrnn.cli;

import dev.vecrnn.train.Evaluator;
import dev.vecrnn.train.Training;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.Supplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** How training reports its epochs: a progress bar on a terminal, plain periodic lines otherwise. */
interface Progress extends AutoCloseable {

    /** An epoch ended; {@code val} is the validation result measured at its end, or null. */
    void epoch(Training.EpochStats stats, Evaluator.Result val, Supplier<String> prediction);

    /** A validation evaluation in the middle of an epoch ({@code --eval-every Nb}). */
    void evaluation(int epoch, int epochs, int batch, int batches, Evaluator.Result val);

    @Override
    void close();

    static Progress choose(boolean quiet, int printEvery, int firstEpoch, int epochs, PrintWriter out) {
        if (quiet) return new Quiet();
        if (isTerminal()) return new Bar(firstEpoch, epochs);
        return new Lines(printEvery, out);
    }

    /** {@code System.console()} is non-null for pipes on JDK 22+, where {@code Console.isTerminal()} tells. */
    static boolean isTerminal() {
        java.io.Console c = System.console();
        if (c == null) return false;
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true; // JDK 17–21: a console exists only on a terminal
        }
    }

    /** d2l's periodic line: epoch, perplexity, tokens/sec and the prediction for {@code time traveller}. */
    final class Lines implements Progress {
        private final int every;
        private final PrintWriter out;

        Lines(int every, PrintWriter out) {
            this.every = every;
            this.out = out;
        }

        @Override
        public void epoch(Training.EpochStats s, Evaluator.Result val, Supplier<String> prediction) {
            if (s.epoch() % every != 0 && s.epoch() != s.epochs()) return;
            out.printf(Locale.ROOT, "epoch %d/%d  perplexity %.2f  %s%,.0f tokens/sec  %s%n", s.epoch(), s.epochs(),
                    s.perplexity(), val == null ? "" : Validation.describe(val) + "  ", s.tokensPerSecond(), prediction.get());
            out.flush();
        }

        @Override
        public void evaluation(int epoch, int epochs, int batch, int batches, Evaluator.Result val) {
            out.printf(Locale.ROOT, "epoch %d/%d, minibatch %,d/%,d  %s%n", epoch, epochs, batch, batches, Validation.describe(val));
            out.flush();
        }

        @Override public void close() {}
    }

    final class Bar implements Progress {
        private final ProgressBar bar;

        Bar(int firstEpoch, int epochs) {
            bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(epochs).startsFrom(firstEpoch, java.time.Duration.ZERO)
                    .setStyle(ProgressBarStyle.ASCII).setUnit(" epochs", 1).showSpeed()
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        }

        @Override
        public void epoch(Training.EpochStats s, Evaluator.Result val, Supplier<String> prediction) {
            bar.stepTo(s.epoch());
            bar.setExtraMessage(String.format(Locale.ROOT, "  perplexity %.2f, %s%,.0f tokens/sec", s.perplexity(),
                    val == null ? "" : String.format(Locale.ROOT, "val %.4f, ", val.nats()), s.tokensPerSecond()));
        }

        @Override
        public void evaluation(int epoch, int epochs, int batch, int batches, Evaluator.Result val) {
            bar.setExtraMessage(String.format(Locale.ROOT, "  minibatch %,d/%,d, val %.4f", batch, batches, val.nats()));
        }

        @Override public void close() { bar.close(); }
    }

    final class Quiet implements Progress {
        @Override public void epoch(Training.EpochStats s, Evaluator.Result val, Supplier<String> prediction) {}

        @Override public void evaluation(int epoch, int epochs, int batch, int batches, Evaluator.Result val) {}

        @Override public void close() {}
    }
}
