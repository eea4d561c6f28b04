package dev.vecrnn.cli;

import picocli.CommandLine.Option;

/** Flags every subcommand takes. */
public final class CommonOptions {
    @Option(names = "--debug", description = "Print stack traces of errors.")
    boolean debug;

    @Option(names = "--threads", paramLabel = "N",
            description = "Worker threads (default: available processors, ${DEFAULT-VALUE} here).")
    int threads = Runtime.getRuntime().availableProcessors();
}
