package dev.vecrnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code train --cell --layers}: parsing, refusals, and a deep gated model that predict reads back from its file. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CellOptionsTest {
    @TempDir
    Path tmp;

    @Test
    void defaultsAreD2l85sOneLayerRnn() {
        TrainCommand cmd = CliTest.parseTrain();
        assertEquals("rnn", cmd.cell);
        assertEquals(1, cmd.layers);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--cell=GRU", "--cell=transformer", "--cell=", "--layers=0", "--layers=-1", "--layers=65"})
    void badCellsAndDepthsAreUsageErrors(String arg) {
        UserException e = assertThrows(UserException.class, () -> CliTest.parseTrain(arg).config());
        assertEquals(ExitCode.USAGE, e.exitCode);
        assertTrue(e.getMessage().contains(arg.substring(0, arg.indexOf('='))), e.getMessage());
    }

    @Test
    void aTwoLayerGruTrainsSavesWithStackedNamesAndPredicts() throws IOException {
        Path save = tmp.resolve("gru2.safetensors");
        CliTest.Result r = CliTest.run("train", "--data-dir", CliTest.sharedDataDir().toString(), "--cell", "gru",
                "--layers", "2", "--hidden", "12", "--epochs", "2", "--batch-size", "4", "--num-steps", "5",
                "--threads", "1", "--save", save.toString());
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertTrue(r.outLines().get(0).contains("2-layer gru, hidden 12"), r.toString());

        SafeTensors.Contents file = SafeTensors.read(save);
        assertEquals("gru", file.metadata().get("cell"));
        assertEquals("2", file.metadata().get("num_layers"));
        for (String name : List.of("rnns.0.W_xz", "rnns.0.b_h", "rnns.1.W_xr", "rnns.1.W_hh", "W_hq", "b_q")) {
            assertTrue(file.tensors().containsKey(name), name + " in " + file.tensors().keySet());
        }
        assertEquals(List.of(28, 12), List.of(file.tensors().get("rnns.0.W_xz").shape()[0], file.tensors().get("rnns.0.W_xz").shape()[1]));
        assertEquals(List.of(12, 12), List.of(file.tensors().get("rnns.1.W_xz").shape()[0], file.tensors().get("rnns.1.W_xz").shape()[1]));
        Checkpoint.Loaded loaded = Checkpoint.load(save);
        assertEquals("gru", loaded.model().cellType());
        assertEquals(2, loaded.model().numLayers());

        CliTest.Result p = CliTest.run("predict", "--model", save.toString(), "--prefix", "time", "--num-preds", "10");
        assertEquals(ExitCode.OK, p.code(), p.toString());
        assertEquals(14, p.outLines().get(0).length(), p.toString());
    }
}
