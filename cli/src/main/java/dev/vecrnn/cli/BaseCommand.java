package dev.vecrnn.cli;

import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What every subcommand shares: common flags, the output streams, and the kernels. */
abstract class BaseCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common = new CommonOptions();

    @Spec
    CommandSpec spec;

    PrintWriter out() { return spec.commandLine().getOut(); }

    PrintWriter err() { return spec.commandLine().getErr(); }

    Kernels kernels() { return KernelProvider.get(); }

    /** What the command is allocating now, and what would make it smaller: the out-of-memory message says both. */
    private String allocating = "";
    private String lower = "";

    /** " (3.0 GiB)", or nothing when the size cannot be read (the load then says why). */
    static String fileSize(Path file) {
        try {
            return " (" + MemoryBudget.gib(Files.size(file)) + ")";
        } catch (IOException | SecurityException e) {
            return "";
        }
    }

    void allocating(String what, String howToLower) {
        allocating = what;
        lower = howToLower;
    }

    void checkThreads() {
        if (common.threads <= 0 || common.threads > 1024) {
            throw UserException.usage("--threads must be between 1 and 1024, not " + common.threads);
        }
    }

    @Override
    public final Integer call() throws Exception {
        try {
            return run();
        } catch (OutOfMemoryError e) {
            throw UserException.failure("out of memory" + (allocating.isEmpty() ? "" : " " + allocating) + "; "
                    + (lower.isEmpty() ? "" : lower + ", or ") + "raise -Xmx (this JVM may use "
                    + MemoryBudget.gib(Runtime.getRuntime().maxMemory()) + ")");
        }
    }

    abstract int run() throws Exception;
}
