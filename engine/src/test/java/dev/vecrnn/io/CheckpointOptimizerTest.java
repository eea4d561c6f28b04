package dev.vecrnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.data.Tokenization;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.model.Slab;
import dev.vecrnn.model.TensorTable;
import dev.vecrnn.optim.Optimizer;
import dev.vecrnn.optim.Optimizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A training checkpoint carries its optimizer's state as {@code optim.*} tensors, and only the ones that optimizer declares. */
class CheckpointOptimizerTest {
    @TempDir
    Path tmp;

    private static final List<String> TOKENS = List.of("<unk>", "a", "b", "c");

    private static Slab randomState(Optimizer o, long seed) {
        Slab s = Slab.allocate(new TensorTable(o.state()));
        Random r = new Random(seed);
        for (int i = 0; i < s.size(); i++) s.data()[s.base() + i] = (float) r.nextGaussian();
        return s;
    }

    @Test
    void adamStateRoundTripsBitForBitAndPredictLeavesItOnDisk() throws IOException {
        RnnModel m = CheckpointTest.randomModel(Tokenization.CHAR, TOKENS, 5, 1);
        Optimizer adam = Optimizers.create("adam", Map.of("beta2", 0.95, "weight_decay", 0.1), m.table());
        Slab state = randomState(adam, 2);
        Path f = tmp.resolve("adam.safetensors");
        Checkpoint.save(m, Map.of(), Checkpoint.OptimizerState.of(adam, 123, state), f);

        Checkpoint.Loaded loaded = Checkpoint.load(f);
        Checkpoint.OptimizerState o = loaded.optimizer();
        assertEquals("adam", o.name());
        assertEquals(adam.hyperparameters(), o.hyperparameters());
        assertEquals(123, o.steps());
        assertEquals(new TensorTable(adam.state()).specs(), o.state().table().specs());
        float[] a = java.util.Arrays.copyOfRange(state.data(), state.base(), state.base() + state.size());
        float[] b = java.util.Arrays.copyOfRange(o.state().data(), o.state().base(), o.state().base() + o.state().size());
        CheckpointTest.assertSameBits(a, b, "optimizer state");
        assertTrue(SafeTensors.read(f).tensors().containsKey("optim.exp_avg_sq.W_hq"));
        assertNull(Checkpoint.load(f, false).optimizer(), "predict and eval do not read the moments");
        CheckpointTest.assertSameBits(m.params().data(), Checkpoint.load(f, false).model().params().data(), "parameters");
    }

    @Test
    void sgdHasNoStateTensorsAndAModelFileHasNoOptimizer() throws IOException {
        RnnModel m = CheckpointTest.randomModel(Tokenization.CHAR, TOKENS, 5, 1);
        Path f = tmp.resolve("sgd.safetensors");
        Checkpoint.save(m, Map.of(), Checkpoint.OptimizerState.of(Optimizers.create("sgd", Map.of(), m.table()), 7, Slab.allocate(new TensorTable(List.of()))), f);
        assertEquals("sgd", Checkpoint.load(f).optimizer().name());
        assertEquals(7, Checkpoint.load(f).optimizer().steps());
        assertEquals(5, SafeTensors.read(f).tensors().size());
        Path plain = tmp.resolve("plain.safetensors");
        // Metadata copied from a checkpoint does not make a plain save claim state it does not hold.
        Checkpoint.save(m, Checkpoint.load(f).metadata(), plain);
        assertNull(Checkpoint.load(plain).optimizer());
        assertEquals(null, Checkpoint.load(plain).metadata().get("optimizer"));
    }

    @Test
    void stateTensorsOfAnotherOptimizerOrOfNoneAreRefused() throws IOException {
        RnnModel m = CheckpointTest.randomModel(Tokenization.CHAR, TOKENS, 5, 1);
        Optimizer adam = Optimizers.create("adam", Map.of(), m.table());
        Path f = tmp.resolve("adam.safetensors");
        Checkpoint.save(m, Map.of(), Checkpoint.OptimizerState.of(adam, 3, randomState(adam, 4)), f);
        SafeTensors.Contents c = SafeTensors.read(f);

        Map<String, String> rms = new HashMap<>(c.metadata());
        rms.put("optimizer", "rmsprop");
        rms.put("optimizer_hparams", "{}");
        assertRefused(c.tensors(), rms, "optim.exp_avg.W_xh", "rmsprop");

        Map<String, String> none = new HashMap<>(c.metadata());
        none.remove("optimizer");
        assertRefused(c.tensors(), none, "optim.", "names none");

        Map<String, SafeTensors.Tensor> missing = new java.util.LinkedHashMap<>(c.tensors());
        missing.remove("optim.exp_avg_sq.b_q");
        assertRefused(missing, c.metadata(), "missing tensor optim.exp_avg_sq.b_q", "");

        Map<String, String> unknown = new HashMap<>(c.metadata());
        unknown.put("optimizer", "lion");
        assertRefused(c.tensors(), unknown, "unknown optimizer", "");

        Map<String, SafeTensors.Tensor> nan = new java.util.LinkedHashMap<>(c.tensors());
        float[] bad = nan.get("optim.exp_avg.b_h").floats().clone();
        bad[0] = Float.NaN;
        nan.put("optim.exp_avg.b_h", SafeTensors.Tensor.f32(bad, bad.length));
        Map<String, String> noCrc = new HashMap<>(c.metadata());
        noCrc.remove(Checkpoint.OPTIM_CHECKSUM);
        assertRefused(nan, noCrc, "finite", "");
        assertRefused(nan, c.metadata(), Checkpoint.OPTIM_CHECKSUM, "");
    }

    private void assertRefused(Map<String, SafeTensors.Tensor> tensors, Map<String, String> meta, String what, String also) throws IOException {
        Path f = tmp.resolve("tampered.safetensors");
        Files.write(f, SafeTensors.serialize(tensors, meta));
        Checkpoint.CheckpointException e = assertThrows(Checkpoint.CheckpointException.class, () -> Checkpoint.load(f));
        assertTrue(e.getMessage().contains(what) && e.getMessage().contains(also), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}
