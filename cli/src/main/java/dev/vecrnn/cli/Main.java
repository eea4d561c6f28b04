package dev.vecrnn.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code vecrnn}: the command-line entry point. */
@Command(name = "vecrnn", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        subcommands = {TrainCommand.class, PredictCommand.class, EvalCommand.class, ImportCommand.class, ExportCommand.class,
                CommandLine.HelpCommand.class},
        description = "Character-level RNN language models on the CPU (d2l 8.5), with Java Vector API kernels.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the command failed (bad corpus, bad model file, I/O error, diverged training)",
                "2:bad command line (unknown option, invalid value)"})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: give 'train', 'predict', 'eval', 'import' or 'export'");
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams and returns the exit code: what tests call. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExitCodeExceptionMapper(t -> t instanceof UserException u ? u.exitCode : ExitCode.FAILURE);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("vecrnn: " + firstLine(ex.getMessage()));
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help'.");
            return ExitCode.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            boolean debug = parseResult.subcommand() != null && parseResult.subcommand().hasMatchedOption("--debug");
            if (debug) ex.printStackTrace(c.getErr());
            if (ex instanceof UserException u) {
                c.getErr().println("vecrnn " + c.getCommandName() + ": " + u.getMessage());
                return u.exitCode;
            }
            c.getErr().println("vecrnn " + c.getCommandName() + ": " + ex.getClass().getSimpleName() + ": "
                    + firstLine(String.valueOf(ex.getMessage())) + (debug ? "" : " (rerun with --debug for details)"));
            return ExitCode.FAILURE;
        });
        return cl;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Reads the version Maven wrote into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/vecrnn-version.properties")) {
                if (in != null) p.load(in);
            }
            return new String[] {"vecrnn " + p.getProperty("version", "unknown"),
                    "JDK " + Runtime.version() + ", " + dev.vecrnn.kernels.KernelProvider.get().name() + " kernels"};
        }
    }
}
