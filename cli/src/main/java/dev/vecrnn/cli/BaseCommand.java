package dev.vecrnn.cli;

import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import java.io.PrintWriter;
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
            throw UserException.failure("out of memory; lower --hidden, --batch-size or --num-steps, or raise -Xmx");
        }
    }

    abstract int run() throws Exception;
}
