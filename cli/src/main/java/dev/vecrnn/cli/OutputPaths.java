package dev.vecrnn.cli;

import dev.vecrnn.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks an output path before any work starts, so a bad one fails in a second, not after training. */
final class OutputPaths {
    private OutputPaths() {}

    static void checkWritable(String option, Path file) {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (Files.isDirectory(abs)) throw UserException.usage(option + " " + file + " is a folder; give a file name");
        if (dir == null || !Files.isDirectory(dir)) throw UserException.usage(option + " " + file + ": folder " + dir + " does not exist");
        if (!Files.isWritable(dir)) throw UserException.usage(option + " " + file + ": folder " + dir + " is not writable");
        if (Files.exists(abs) && !Files.isWritable(abs)) throw UserException.usage(option + " " + file + " exists and is read-only");
        try {
            AtomicFiles.checkWritable(abs); // the names a save creates, e.g. one the file system finds too long
        } catch (IOException e) {
            throw UserException.usage(option + " " + file + ": " + e.getMessage());
        }
    }
}
