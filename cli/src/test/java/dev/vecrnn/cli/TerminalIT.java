package dev.vecrnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fat jar on a pseudo-terminal (util-linux {@code script}), as a user starts it: the progress bar's
 * JLine loads a native library, which on JDK 22+ prints four restricted-method warnings unless the jar's
 * manifest enables native access. The only warning left is the JVM's own line about the incubator module.
 */
class TerminalIT {
    @TempDir
    Path tmp;

    @Test
    void trainOnATerminalPrintsNoWarningButTheIncubatorLine() throws Exception {
        Path script = Path.of("/usr/bin/script");
        Assumptions.assumeTrue(Files.isExecutable(script), "needs util-linux's script for a pseudo-terminal");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String jar = System.getProperty("vecrnn.cli.jar");
        String cmd = String.join(" ", java, "--add-modules", "jdk.incubator.vector", "-jar", jar, "train",
                "--hidden", "8", "--epochs", "2", "--threads", "1", "--save", tmp.resolve("m.safetensors").toString());
        Path log = tmp.resolve("tty.log");
        Process p = new ProcessBuilder(script.toString(), "-qec", cmd, log.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("out.log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "train on a terminal did not finish");
        String screen = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), screen);
        assertTrue(screen.contains("saved the model to"), screen);
        List<String> warnings = screen.lines().filter(l -> l.contains("WARNING")).toList();
        assertEquals(List.of("WARNING: Using incubator modules: jdk.incubator.vector"),
                warnings.stream().map(String::strip).toList(), screen);
    }
}
