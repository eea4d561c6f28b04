package dev.vecrnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.model.RnnModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vecrnn eval}: a loss known in closed form, unknown characters, and bad inputs. */
class EvalCommandTest {
    @TempDir
    Path tmp;

    /** A model whose output layer is all zeros predicts the uniform distribution: ln V nats per token, whatever the text. */
    private Path uniformModel() throws IOException {
        Path trained = tmp.resolve("t.safetensors");
        Path corpus = Files.writeString(tmp.resolve("c.txt"), "the cat sat on the mat. ".repeat(60));
        CliTest.Result r = CliTest.run("train", "--corpus", corpus.toString(), "--hidden", "8", "--batch-size", "4", "--num-steps", "5",
                "--epochs", "1", "--threads", "1", "--save", trained.toString(), "--quiet");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        Checkpoint.Loaded loaded = Checkpoint.load(trained);
        RnnModel m = loaded.model();
        m.setTensor("W_hq", new float[m.hidden() * m.vocab().size()]);
        m.setTensor("b_q", new float[m.vocab().size()]);
        Path uniform = tmp.resolve("u.safetensors");
        Checkpoint.save(m, loaded.metadata(), uniform);
        return uniform;
    }

    @Test
    void aUniformModelCostsLnVAndUnknownCharactersAreCounted() throws IOException {
        Path model = uniformModel();
        int v = Checkpoint.load(model).model().vocab().size();
        Path text = Files.writeString(tmp.resolve("x.txt"), "the mat sat on the cat ΩΩ! ".repeat(20));
        CliTest.Result r = CliTest.run("eval", "--model", model.toString(), "--text", text.toString(), "--batch-size", "4");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        String last = r.outLines().get(r.outLines().size() - 1);
        assertTrue(last.matches("loss [0-9.]+ nats/token, [0-9.]+ bits/token, perplexity [0-9.]+ on \\d+ tokens.*"), last);
        assertEquals(Math.log(v), TrainValidationTest.nats(last), 1e-6);
        double bits = Double.parseDouble(last.substring(last.indexOf(", ") + 2, last.indexOf(" bits/token")));
        assertEquals(Math.log(v) / Math.log(2), bits, 1e-6);
        int tokens = "the mat sat on the cat ΩΩ! ".length() * 20;
        assertTrue(last.contains(" on " + 4 * (tokens / 4 - 1) + " tokens"), last);
        // Ω is not in the vocabulary ('!' is not either): 3 unknown tokens a line, on one line of stderr.
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("60 tokens") && r.err().contains("'Ω'") && r.err().contains("<unk>"), r.toString());
    }

    @Test
    void badInputs() throws IOException {
        Path model = uniformModel();
        Path empty = Files.createFile(tmp.resolve("empty.txt"));
        CliTest.Result r = CliTest.run("eval", "--model", model.toString(), "--text", empty.toString());
        CliTest.assertFailureOneLine(r);
        assertTrue(r.err().contains("empty"), r.toString());

        Path one = Files.writeString(tmp.resolve("one.txt"), "t");
        CliTest.assertFailureOneLine(CliTest.run("eval", "--model", model.toString(), "--text", one.toString()));
        CliTest.assertFailureOneLine(CliTest.run("eval", "--model", tmp.resolve("missing.safetensors").toString()));
        CliTest.assertUsage(CliTest.run("eval", "--model", model.toString(), "--batch-size", "0"));

        // A model trained without a split has none to rebuild.
        Path tm = tmp.resolve("tm.safetensors");
        assertEquals(ExitCode.OK, CliTest.run("train", "--data-dir", CliTest.sharedDataDir().toString(), "--hidden", "8", "--epochs", "1",
                "--batch-size", "4", "--num-steps", "5", "--max-tokens", "500", "--save", tm.toString(), "--quiet").code());
        CliTest.Result none = CliTest.run("eval", "--model", tm.toString());
        CliTest.assertUsage(none);
        assertTrue(none.err().contains("--text"), none.toString());
        assertEquals(List.of(), none.outLines());
    }
}
