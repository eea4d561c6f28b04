package dev.vecrnn.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --force}: conversions never replace a file the user has unless asked to. */
public final class OverwriteOptions {
    @Option(names = "--force", description = "Replace the output file if it exists.")
    boolean force;

    /** Refuses an existing {@code file} without {@code --force}, then checks it can be written. */
    void checkOutput(String option, Path file) {
        if (!force && Files.exists(file) && !Files.isDirectory(file)) {
            throw UserException.usage(option + " " + file + " exists; give --force to replace it");
        }
        OutputPaths.checkWritable(option, file);
    }
}
