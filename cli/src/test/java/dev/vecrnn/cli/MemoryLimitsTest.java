package dev.vecrnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.model.Cells;
import dev.vecrnn.model.RnnCell;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.train.TrainConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The up-front size check of {@code train} and what an out-of-memory error says. */
class MemoryLimitsTest {
    @TempDir
    Path tmp;

    private static TrainConfig config(int hidden, int batch, int steps) {
        return new TrainConfig(hidden, batch, steps, 1, 1f, 1f, false, 0, 1);
    }

    @Test
    void theVocabularyCountsInTheHeapCheck() {
        // d2l's defaults fit in 64 MiB with 28 characters, not with a 20,000-word vocabulary.
        MemoryBudget.check(Cells.stack("rnn", 1), 28, config(512, 32, 35), 64L << 20);
        UserException e = assertThrows(UserException.class,
                () -> MemoryBudget.check(Cells.stack("rnn", 1), 20_000, config(512, 32, 35), 64L << 20));
        assertEquals(ExitCode.USAGE, e.exitCode);
        assertTrue(e.getMessage().contains("vocabulary of 20,000"), e.getMessage());
        assertTrue(e.getMessage().contains("64.0 MiB this JVM may use"), e.getMessage());
        assertTrue(e.getMessage().contains("--max-tokens") && e.getMessage().contains("-Xmx"), e.getMessage());
    }

    @Test
    void aWordVocabularyPastTheArrayLimitIsAUsageErrorBeforeTraining() {
        // 4,580 words × 4096 hidden units, mirrored by 40 chunks' gradient partials: more than one array holds,
        // though the same sizes with a character vocabulary would fit.
        CliTest.Result r = CliTest.run("train", "--data-dir", CliTest.sharedDataDir().toString(), "--tokenization", "word",
                "--max-tokens", "0", "--hidden", "4096", "--batch-size", "640", "--num-steps", "1",
                "--save", tmp.resolve("never.safetensors").toString());
        CliTest.assertUsage(r);
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("with a vocabulary of 4,580") && r.err().contains("a Java array can hold"), r.toString());
        assertFalse(Files.exists(tmp.resolve("never.safetensors")));
    }

    @Test
    void predictOutOfMemorySaysWhichModelDidNotFit() throws Exception {
        List<String> tokens = new ArrayList<>(List.of(Vocab.UNK, "a", "b"));
        RnnModel big = new RnnModel(new RnnCell(), new Vocab(tokens), Tokenization.CHAR, 3000); // 36 MB of weights
        Path file = tmp.resolve("big.safetensors");
        Checkpoint.save(big, Map.of(), file);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx24m", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "predict", "--model", file.toString(), "--prefix", "ab").start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        List<String> lines = err.lines().filter(l -> !l.startsWith("WARNING")).toList();
        assertEquals(ExitCode.FAILURE, p.exitValue(), err);
        assertEquals(1, lines.size(), err);
        assertTrue(lines.get(0).contains("out of memory loading the model " + file + " (" + MemoryBudget.gib(Files.size(file)) + ")"), err);
        assertTrue(lines.get(0).contains("raise -Xmx"), err);
        assertFalse(lines.get(0).contains("--hidden"), err);
    }
}
