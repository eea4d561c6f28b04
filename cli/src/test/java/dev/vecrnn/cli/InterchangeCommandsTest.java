package dev.vecrnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.io.SafeTensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code vecrnn import} and {@code export} on the engine's PyTorch fixtures: imported models predict PyTorch's
 * text through {@code predict}, exports round-trip, outputs are never overwritten without {@code --force}, and
 * bad files fail in one line with exit code 1.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InterchangeCommandsTest {
    @TempDir
    Path tmp;

    /** The engine's test fixtures, written by bench/make_torch_fixtures.py. */
    static Path fixture(String name) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path f = p.resolve("engine/src/test/resources/dev/vecrnn/io/torch").resolve(name + ".safetensors");
            if (Files.isRegularFile(f)) return f;
        }
        throw new IllegalStateException("no fixture " + name + " above " + Path.of("").toAbsolutePath());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rnn1", "lstm2", "gru1"})
    void importedModelPredictsPyTorchsText(String name) throws IOException {
        Path out = tmp.resolve(name + ".safetensors");
        CliTest.Result r = CliTest.run("import", "--from", fixture(name).toString(), "--out", out.toString());
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertTrue(r.out().startsWith("imported "), r.toString());
        Map<String, String> expected = SafeTensors.read(fixture(name + ".expected")).metadata();
        CliTest.Result p = CliTest.run("predict", "--model", out.toString(), "--prefix", expected.get("prefix"),
                "--num-preds", expected.get("num_preds"));
        assertEquals(ExitCode.OK, p.code(), p.toString());
        assertEquals(List.of(expected.get("prediction")), p.outLines());
    }

    @Test
    void aGruTorchModelTrainsExportsAndImportsBackToTheSameText() throws IOException {
        Path model = tmp.resolve("g.safetensors"), exported = tmp.resolve("g-torch.safetensors"), back = tmp.resolve("back.safetensors");
        CliTest.Result t = CliTest.run("train", "--data-dir", CliTest.sharedDataDir().toString(), "--cell", "gru-torch",
                "--hidden", "10", "--epochs", "2", "--batch-size", "4", "--num-steps", "5", "--threads", "1",
                "--save", model.toString());
        assertEquals(ExitCode.OK, t.code(), t.toString());
        CliTest.Result e = CliTest.run("export", "--model", model.toString(), "--out", exported.toString());
        assertEquals(ExitCode.OK, e.code(), e.toString());
        SafeTensors.Contents sd = SafeTensors.read(exported);
        assertEquals(List.of("rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0", "linear.weight",
                "linear.bias"), List.copyOf(sd.tensors().keySet()));
        assertArrayEquals(new int[] {30, 28}, sd.tensors().get("rnn.weight_ih_l0").shape());
        assertEquals("gru", sd.metadata().get("cell"));
        CliTest.Result i = CliTest.run("import", "--from", exported.toString(), "--out", back.toString());
        assertEquals(ExitCode.OK, i.code(), i.toString());
        CliTest.Result p1 = CliTest.run("predict", "--model", model.toString(), "--num-preds", "30");
        CliTest.Result p2 = CliTest.run("predict", "--model", back.toString(), "--num-preds", "30");
        assertEquals(ExitCode.OK, p1.code(), p1.toString());
        assertEquals(p1.out(), p2.out());
    }

    @Test
    void existingOutputsAreKeptUnlessForced() throws IOException {
        Path out = tmp.resolve("keep.safetensors");
        Files.writeString(out, "mine");
        CliTest.Result r = CliTest.run("import", "--from", fixture("rnn1").toString(), "--out", out.toString());
        CliTest.assertUsage(r);
        assertEquals(List.of("vecrnn import: --out " + out + " exists; give --force to replace it"), r.errLines());
        assertEquals("mine", Files.readString(out));
        CliTest.Result forced = CliTest.run("import", "--from", fixture("rnn1").toString(), "--out", out.toString(), "--force");
        assertEquals(ExitCode.OK, forced.code(), forced.toString());
        assertEquals("rnn", SafeTensors.read(out).metadata().get("cell"));

        Path exported = tmp.resolve("exported.safetensors");
        Files.writeString(exported, "mine too");
        CliTest.Result x = CliTest.run("export", "--model", out.toString(), "--out", exported.toString());
        CliTest.assertUsage(x);
        assertEquals("mine too", Files.readString(exported));
        assertEquals(ExitCode.OK, CliTest.run("export", "--model", out.toString(), "--out", exported.toString(), "--force").code());
    }

    /** A copy of rnn1 without its vocabulary. */
    Path withoutVocabulary() throws IOException {
        SafeTensors.Contents c = SafeTensors.read(fixture("rnn1"));
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        meta.remove("idx_to_token");
        Path f = tmp.resolve("novocab.safetensors");
        Files.write(f, SafeTensors.serialize(c.tensors(), meta));
        return f;
    }

    @Test
    void badInputsFailInOneLineAndWriteNothing() throws IOException {
        Path out = tmp.resolve("out.safetensors");
        CliTest.Result r = CliTest.run("import", "--from", withoutVocabulary().toString(), "--out", out.toString());
        CliTest.assertFailureOneLine(r);
        assertTrue(r.err().contains("metadata has no idx_to_token"), r.toString());
        assertFalse(Files.exists(out));

        CliTest.Result missing = CliTest.run("import", "--from", tmp.resolve("absent.safetensors").toString(), "--out", out.toString());
        CliTest.assertFailureOneLine(missing);
        assertTrue(missing.err().contains("does not exist"), missing.toString());

        Path text = tmp.resolve("notes.safetensors");
        Files.write(text, "not a model at all".getBytes(StandardCharsets.UTF_8));
        CliTest.assertFailureOneLine(CliTest.run("import", "--from", text.toString(), "--out", out.toString()));
        assertFalse(Files.exists(out));

        CliTest.assertUsage(CliTest.run("import", "--from", fixture("rnn1").toString()));
        CliTest.assertUsage(CliTest.run("export", "--model", fixture("rnn1").toString()));
    }

    @Test
    void exportRefusesD2lsGruAndPyTorchFilesAndPredictPointsToImport() throws IOException {
        Path model = tmp.resolve("d2lgru.safetensors"), out = tmp.resolve("x.safetensors");
        CliTest.Result t = CliTest.run("train", "--data-dir", CliTest.sharedDataDir().toString(), "--cell", "gru",
                "--hidden", "6", "--epochs", "1", "--batch-size", "4", "--num-steps", "5", "--threads", "1",
                "--save", model.toString());
        assertEquals(ExitCode.OK, t.code(), t.toString());
        CliTest.Result e = CliTest.run("export", "--model", model.toString(), "--out", out.toString());
        CliTest.assertFailureOneLine(e);
        assertTrue(e.err().contains("--cell gru-torch"), e.toString());
        assertFalse(Files.exists(out));

        CliTest.Result p = CliTest.run("predict", "--model", fixture("rnn1").toString());
        CliTest.assertFailureOneLine(p);
        assertTrue(p.err().contains("vecrnn import --from"), p.toString());
    }
}
