package dev.vecrnn.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * When the held-out tokens are evaluated, and what follows from it: keeping the best model, stopping when it no
 * longer improves, and a wall-time budget. The split itself is {@link CorpusOptions}' {@code --val-fraction}.
 */
public final class ValidationOptions {
    @Option(names = "--eval-every", paramLabel = "N|Nb",
            description = "Evaluate the validation split every N epochs, or every N minibatches with a b suffix (200b): "
                    + "a large corpus's epoch is long. Default: with each progress line (--print-every).")
    String evalEvery;

    @Option(names = "--save-best",
            description = "Keep in --save the model with the lowest validation loss seen (its loss and epoch in the metadata) "
                    + "instead of the last one.")
    boolean saveBest;

    @Option(names = "--patience", paramLabel = "N",
            description = "Stop after N evaluations in a row without a lower validation loss.")
    Integer patience;

    @Option(names = "--time-limit", paramLabel = "DURATION",
            description = "Stop cleanly after this much wall time (90s, 10m, 1h30m), evaluate and save.")
    String timeLimit;

    /** How often to evaluate: every {@code epochs} epochs, or every {@code batches} minibatches (the other is 0). */
    record Every(int epochs, long batches) {
        @Override public String toString() {
            return batches > 0 ? batches + " minibatches" : epochs == 1 ? "epoch" : epochs + " epochs";
        }
    }

    private static final Pattern EVERY = Pattern.compile("(\\d{1,18})(b?)");
    private static final Pattern DURATION = Pattern.compile("(?:(\\d{1,9})h)?(?:(\\d{1,9})m)?(?:(\\d{1,9})s)?");

    /** The --eval-every value, or every {@code printEvery} epochs when it is not given. */
    Every every(int printEvery) {
        if (evalEvery == null) return new Every(printEvery, 0);
        Matcher m = EVERY.matcher(evalEvery.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw UserException.usage("--eval-every must be a number of epochs (5) or of minibatches (200b), not '" + evalEvery + "'");
        }
        long n = Long.parseLong(m.group(1));
        if (n <= 0) throw UserException.usage("--eval-every must be positive, not " + evalEvery);
        if (m.group(2).isEmpty()) {
            if (n > Integer.MAX_VALUE) throw UserException.usage("--eval-every " + evalEvery + " epochs is too many");
            return new Every((int) n, 0);
        }
        return new Every(0, n);
    }

    /** The --time-limit, or null without one. */
    Duration timeLimit() {
        if (timeLimit == null) return null;
        String t = timeLimit.trim().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(t);
        if (t.isEmpty() || !m.matches()) {
            throw UserException.usage("--time-limit must be a duration such as 90s, 10m or 1h30m, not '" + timeLimit + "'");
        }
        Duration d = Duration.ZERO;
        if (m.group(1) != null) d = d.plusHours(Long.parseLong(m.group(1)));
        if (m.group(2) != null) d = d.plusMinutes(Long.parseLong(m.group(2)));
        if (m.group(3) != null) d = d.plusSeconds(Long.parseLong(m.group(3)));
        if (d.isZero()) throw UserException.usage("--time-limit must be longer than 0, not '" + timeLimit + "'");
        return d;
    }

    /** Checks every value, without the corpus. */
    void validate(int printEvery) {
        every(printEvery);
        timeLimit();
        if (patience != null && patience <= 0) throw UserException.usage("--patience must be positive, not " + patience);
    }

    /** Refuses the options that need a validation split when the run has none. */
    void requireSplit(boolean validating) {
        if (!validating) {
            String needs = saveBest ? "--save-best" : patience != null ? "--patience" : evalEvery != null ? "--eval-every" : null;
            if (needs != null) {
                throw UserException.usage(needs + " needs a validation split; give --val-fraction above 0");
            }
        }
    }
}
