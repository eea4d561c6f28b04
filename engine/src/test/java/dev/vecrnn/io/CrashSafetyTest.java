package dev.vecrnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM (SIGKILL) at random moments while it saves checkpoints in a loop: every time, the file
 * left behind must load and pass its checksum, and the next save must clear away the killed saves' temporaries.
 */
class CrashSafetyTest {

    @Test
    void aKilledSaveLeavesALoadableFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("model.safetensors");
        Random rng = new Random(42);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        long lastIteration = -1;
        int kills = 12;
        for (int round = 0; round < kills; round++) {
            List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                    SaveLoop.class.getName(), file.toString()));
            Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", out.readLine(), "child did not start");
            Thread.sleep(150 + rng.nextInt(400));
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
            Checkpoint.Loaded loaded = Checkpoint.load(file); // throws if torn or corrupted
            long iteration = Long.parseLong(loaded.metadata().get("iteration"));
            assertTrue(iteration >= 0);
            lastIteration = iteration;
        }
        assertTrue(lastIteration >= 0);
        // The next save removes what the killed ones left (each as large as the model) and leaves only the file.
        Checkpoint.save(Checkpoint.load(file).model(), Map.of("iteration", "last"), file);
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }
}
