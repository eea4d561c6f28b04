package dev.vecrnn;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Where the shared, read-only test data lives: {@code ../shared} beside the repository, as CI lays it out. */
public final class Fixtures {
    private Fixtures() {}

    public static Path goldenDir() {
        return dir("vecrnn.golden.dir", "golden");
    }

    public static Path dataDir() {
        String env = System.getenv("VECRNN_DATA_DIR");
        if (env != null && !env.isBlank()) return Paths.get(env);
        return dir("vecrnn.data.dir", "data");
    }

    public static Path timeMachine() {
        Path p = dataDir().resolve("timemachine.txt");
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("the shared corpus is missing at " + p + "; set VECRNN_DATA_DIR");
        }
        return p;
    }

    private static Path dir(String property, String name) {
        String v = System.getProperty(property);
        if (v != null && !v.isBlank()) return Paths.get(v);
        // Run from an IDE: the module folder is the working directory.
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve(name);
            if (Files.isDirectory(candidate)) return candidate;
        }
        throw new IllegalStateException("cannot find shared/" + name + "; set -D" + property);
    }
}
