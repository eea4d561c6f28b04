package dev.vecrnn.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The checkpoint reader on arbitrary bytes: it may refuse them, but only with its own one-line exceptions,
 * never with another exception, a hang or an attempt to allocate what the file merely claims; what it loads
 * has finite parameters and no tensor the model does not use.
 * CI runs it in regression mode over {@code src/test/resources/dev/vecrnn/fuzz/CheckpointFuzzTestInputs};
 * {@code JAZZER_FUZZ=1 mvn test -pl engine -Dtest=CheckpointFuzzTest} fuzzes (see README).
 */
class CheckpointFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void readerRefusesCleanly(byte[] bytes) throws IOException {
        Path file = Files.createTempFile("fuzz", ".safetensors");
        try {
            Files.write(file, bytes);
            try {
                SafeTensors.parse(bytes);
            } catch (SafeTensors.FormatException expected) {
                // a clear refusal
            }
            try {
                Checkpoint.Loaded loaded = Checkpoint.load(file);
                if (loaded.model().hidden() <= 0) throw new AssertionError("loaded a model with no hidden units");
                for (float p : loaded.model().params().data()) {
                    if (!Float.isFinite(p)) throw new AssertionError("loaded a non-finite parameter");
                }
                if (SafeTensors.parse(bytes).tensors().size() != loaded.model().table().specs().size()) {
                    throw new AssertionError("loaded a file holding tensors the model does not use");
                }
            } catch (Checkpoint.CheckpointException expected) {
                if (expected.getMessage() == null || expected.getMessage().contains("\n")) {
                    throw new AssertionError("message must be one line: " + expected.getMessage());
                }
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
