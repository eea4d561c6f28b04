package dev.vecrnn.cli;

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

    void epoch(Training.EpochStats stats, Supplier<String> prediction);

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
        public void epoch(Training.EpochStats s, Supplier<String> prediction) {
            if (s.epoch() % every != 0 && s.epoch() != s.epochs()) return;
            out.printf(Locale.ROOT, "epoch %d/%d  perplexity %.2f  %,.0f tokens/sec  %s%n", s.epoch(), s.epochs(),
                    s.perplexity(), s.tokensPerSecond(), prediction.get());
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
        public void epoch(Training.EpochStats s, Supplier<String> prediction) {
            bar.stepTo(s.epoch());
            bar.setExtraMessage(String.format(Locale.ROOT, "  perplexity %.2f, %,.0f tokens/sec", s.perplexity(), s.tokensPerSecond()));
        }

        @Override public void close() { bar.close(); }
    }

    final class Quiet implements Progress {
        @Override public void epoch(Training.EpochStats s, Supplier<String> prediction) {}

        @Override public void close() {}
    }
}
