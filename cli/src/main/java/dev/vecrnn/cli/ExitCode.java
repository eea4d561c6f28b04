package dev.vecrnn.cli;

/** Process exit codes, documented in README. */
public final class ExitCode {
    private ExitCode() {}

    /** Success. */
    public static final int OK = 0;
    /** The command ran and failed: missing or bad corpus, unreadable model, diverged training, I/O error. */
    public static final int FAILURE = 1;
    /** The command line is wrong: unknown option, bad value, missing argument. Nothing was run. */
    public static final int USAGE = 2;
}
