package dev.vecrnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.io.Checkpoint.CheckpointException;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.Predictor;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.model.TensorSpec;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PyTorch interchange against fixtures that PyTorch wrote ({@code bench/make_torch_fixtures.py}: d2l's concise
 * RNNModel on nn.RNN, a 2-layer nn.LSTM and nn.GRU trained by d2l_torch.py, with the logits PyTorch computed
 * for a fixed input and its greedy predict_ch8 text): an imported model computes the same function and
 * predicts the same text; export and import are inverse; every malformed file is refused in one line.
 */
class TorchStateDictTest {
    @TempDir
    Path tmp;

    static final List<String> FIXTURES = List.of("rnn1", "lstm2", "gru1");

    static Path fixture(String name) {
        try {
            return Path.of(TorchStateDictTest.class.getResource("/dev/vecrnn/io/torch/" + name + ".safetensors").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Arguments> fixturesAndKernels() {
        return FIXTURES.stream().flatMap(f -> KernelProvider.available().stream()
                .map(k -> Arguments.of(f, Named.of(k.name(), k))));
    }

    /** The largest |a − b| over the arrays. */
    static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("fixturesAndKernels")
    void importedModelComputesPyTorchsLogitsAndPredictsItsText(String name, Kernels k) throws IOException {
        RnnModel m = TorchStateDict.read(fixture(name));
        SafeTensors.Contents expected = SafeTensors.read(fixture(name + ".expected"));
        int[] tokens = expected.tensors().get("tokens").ints();
        float[] torch = expected.tensors().get("logits").floats();
        assertArrayEquals(new int[] {tokens.length, m.vocab().size()}, expected.tensors().get("logits").shape());
        float[] ours = new Predictor(m, k).logits(tokens);
        double scale = 0;
        for (float x : torch) scale = Math.max(scale, Math.abs(x));
        assertTrue(scale > 1, name + ": logits that say something, max " + scale);
        // float32 in both, summed in other orders, FastMath's tanh/σ within 4e-7: measured 9.5e-7 (rnn1, gru1) and
        // 1.4e-6 (lstm2) at scales 5.2-5.8, on the scalar and 512-bit kernels; a wrong gate or bias is off by O(1)
        assertTrue(maxDiff(torch, ours) <= 2e-6 * scale, name + ": max |logit diff| " + maxDiff(torch, ours) + " at scale " + scale);
        String prefix = expected.metadata().get("prefix");
        int numPreds = Integer.parseInt(expected.metadata().get("num_preds"));
        assertEquals(expected.metadata().get("prediction"), new Predictor(m, k).predict(prefix, numPreds));
    }

    @Test
    void fixturesMapToTheirCells() throws IOException {
        RnnModel rnn = TorchStateDict.read(fixture("rnn1")), lstm = TorchStateDict.read(fixture("lstm2"));
        RnnModel gru = TorchStateDict.read(fixture("gru1"));
        assertEquals(List.of("rnn", 1, 32), List.of(rnn.cellType(), rnn.numLayers(), rnn.hidden()));
        assertEquals(List.of("lstm", 2, 24), List.of(lstm.cellType(), lstm.numLayers(), lstm.hidden()));
        assertEquals(List.of("gru-torch", 1, 20), List.of(gru.cellType(), gru.numLayers(), gru.hidden()));
        assertEquals(28, rnn.vocab().size());
        // nn.LSTM's rows are i, f, g, o: its third block (g) is d2l's candidate W_xc, not W_xo
        SafeTensors.Contents sd = SafeTensors.read(fixture("lstm2"));
        float[] wi = sd.tensors().get("rnn.weight_ih_l1").floats();
        int h = 24;
        float[] wxc = lstm.tensor("rnns.1.W_xc");
        for (int j = 0; j < h; j++) for (int i = 0; i < h; i++) assertEquals(wi[(2 * h + j) * h + i], wxc[i * h + j]);
        float[] bi = sd.tensors().get("rnn.bias_ih_l0").floats(), bh = sd.tensors().get("rnn.bias_hh_l0").floats();
        float[] bo = lstm.tensor("rnns.0.b_o");
        for (int j = 0; j < h; j++) assertEquals(bi[3 * h + j] + bh[3 * h + j], bo[j]);
    }

    static RnnModel randomModel(String cell, int layers, int hidden, long seed) {
        RnnModel m = new RnnModel(cell, layers, new Vocab(List.of(Vocab.UNK, "a", "b", " ", "c")), Tokenization.CHAR, hidden);
        Random r = new Random(seed);
        float[] p = m.params().data();
        for (int i = 0; i < m.table().size(); i++) p[m.params().base() + i] = (float) r.nextGaussian();
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"rnn:1", "rnn:3", "lstm:1", "lstm:2", "gru-torch:1", "gru-torch:2"})
    void exportThenImportGivesIdenticalParameters(String spec) throws IOException {
        String cell = spec.split(":")[0];
        int layers = Integer.parseInt(spec.split(":")[1]);
        RnnModel m = randomModel(cell, layers, 7, 5);
        Path file = tmp.resolve("m.safetensors");
        TorchStateDict.write(m, file);
        RnnModel back = TorchStateDict.read(file);
        assertEquals(m.cellType(), back.cellType());
        assertEquals(m.numLayers(), back.numLayers());
        assertEquals(m.table().specs(), back.table().specs());
        for (TensorSpec s : m.table().specs()) assertArrayEquals(m.tensor(s.name()), back.tensor(s.name()), s.name());
        assertEquals(m.vocab().tokens(), back.vocab().tokens());
        SafeTensors.Contents c = SafeTensors.read(file);
        assertEquals(Integer.toString(layers), c.metadata().get("num_layers"));
        assertEquals(cell.equals("gru-torch") ? "gru" : cell, c.metadata().get("cell"), "d2l_torch.py's cell names");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rnn1", "lstm2", "gru1"})
    void exportOfAnImportedModelGivesBackPyTorchsFunction(String name) throws IOException {
        SafeTensors.Contents torch = SafeTensors.read(fixture(name));
        RnnModel m = TorchStateDict.read(fixture(name));
        TorchStateDict.StateDict sd = TorchStateDict.of(m);
        assertEquals(List.copyOf(torch.tensors().keySet()), List.copyOf(sd.tensors().keySet()), "load_state_dict's keys, in order");
        for (String key : torch.tensors().keySet()) {
            SafeTensors.Tensor a = torch.tensors().get(key), b = sd.tensors().get(key);
            assertArrayEquals(a.shape(), b.shape(), key);
            if (key.contains("weight") || key.equals("linear.bias")) assertArrayEquals(a.floats(), b.floats(), key);
        }
        // The biases are summed on import, so only their sums come back (nn.GRU's candidate keeps both):
        // compare the function, bit for bit.
        byte[] bytes = SafeTensors.serialize(sd.tensors(), sd.metadata());
        RnnModel again = TorchStateDict.parse(bytes);
        int[] tokens = SafeTensors.read(fixture(name + ".expected")).tensors().get("tokens").ints();
        Kernels k = KernelProvider.get();
        assertArrayEquals(new Predictor(m, k).logits(tokens), new Predictor(again, k).logits(tokens));
        assertEquals(Checkpoint.parseVocab(torch.metadata().get("idx_to_token")).tokens(),
                Checkpoint.parseVocab(sd.metadata().get("idx_to_token")).tokens());
    }

    @Test
    void exportRefusesD2lsGru() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchStateDict.of(randomModel("gru", 1, 4, 1)));
        assertTrue(e.getMessage().contains("--cell gru-torch"), e.getMessage());
    }

    // ---- bad files -------------------------------------------------------------------------------------

    /** The rnn1 fixture with its tensors and metadata edited. */
    static byte[] edited(Consumer<Map<String, SafeTensors.Tensor>> tensors, Consumer<Map<String, String>> meta) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(fixture("rnn1"));
        Map<String, SafeTensors.Tensor> t = new LinkedHashMap<>(c.tensors());
        Map<String, String> m = new LinkedHashMap<>(c.metadata());
        tensors.accept(t);
        meta.accept(m);
        return SafeTensors.serialize(t, m);
    }

    static String refused(byte[] file) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchStateDict.parse(file));
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    static void assertContains(String needle, String message) {
        assertTrue(message.contains(needle), "expected '" + needle + "' in: " + message);
    }

    @Test
    void missingKeyIsRefused() throws IOException {
        assertContains("missing tensor rnn.bias_hh_l0", refused(edited(t -> t.remove("rnn.bias_hh_l0"), m -> {})));
        assertContains("missing tensor linear.weight", refused(edited(t -> t.remove("linear.weight"), m -> {})));
        assertContains("missing tensor rnn.weight_ih_l0", refused(edited(t -> t.remove("rnn.weight_ih_l0"), m -> {})));
        assertContains("missing tensor rnn.weight_ih_l1", refused(edited(t -> {}, m -> m.put("num_layers", "2"))));
    }

    @Test
    void extraKeyIsRefused() throws IOException {
        String msg = refused(edited(t -> t.put("rnn.weight_ih_l0_reverse", t.get("rnn.weight_ih_l0")), m -> {}));
        assertContains("unexpected tensor rnn.weight_ih_l0_reverse", msg);
        assertContains("nn.RNN", msg);
        assertContains("unexpected tensor rnn.weight_hh_l1",
                refused(edited(t -> t.put("rnn.weight_hh_l1", t.get("rnn.weight_hh_l0")), m -> {})));
    }

    @Test
    void wrongShapeIsRefused() throws IOException {
        assertContains("tensor linear.bias has shape [27], expected [28]", refused(edited(
                t -> t.put("linear.bias", SafeTensors.Tensor.f32(new float[27], 27)), m -> {})));
        assertContains("tensor rnn.weight_ih_l0 has shape [28, 32], expected [32, 28]", refused(edited(
                t -> t.put("rnn.weight_ih_l0", SafeTensors.Tensor.f32(new float[28 * 32], 28, 32)), m -> {})));
        // a vocabulary one token short of the weights
        assertContains("expected [32, 27]", refused(edited(t -> {}, m -> m.put("idx_to_token",
                m.get("idx_to_token").replaceFirst(", \"[^\"]*\"\\]$", "]").replaceFirst(",\"[^\"]*\"\\]$", "]")))));
        assertContains("is I32, not F32", refused(edited(
                t -> t.put("linear.bias", SafeTensors.Tensor.i32(new int[28], 28)), m -> {})));
    }

    @Test
    void unknownCellIsRefused() throws IOException {
        assertContains("unknown cell 'transformer'", refused(edited(t -> {}, m -> m.put("cell", "transformer"))));
        // no metadata to say, and 2 gates' rows: no RNNModel module has them
        assertContains("unknown cell: rnn.weight_hh_l0 has 64 rows for hidden size 32", refused(edited(t -> {
            t.put("rnn.weight_hh_l0", SafeTensors.Tensor.f32(new float[64 * 32], 64, 32));
        }, m -> m.remove("cell"))));
    }

    @Test
    void missingVocabularyIsRefused() throws IOException {
        assertContains("metadata has no idx_to_token", refused(edited(t -> {}, m -> m.remove("idx_to_token"))));
        assertContains("idx_to_token is not a valid JSON list", refused(edited(t -> {}, m -> m.put("idx_to_token", "[oops"))));
    }

    @Test
    void nonFiniteWeightIsRefused() throws IOException {
        String msg = refused(edited(t -> t.get("linear.weight").floats()[5] = Float.NaN, m -> {}));
        assertContains("holds NaN", msg);
    }

    @Test
    void aVecrnnModelIsNotImported() {
        RnnModel m = randomModel("rnn", 1, 3, 1);
        assertContains("already a vecrnn model", refused(Checkpoint.serialize(m, Map.of())));
    }

    @Test
    void checkpointLoadPointsAPyTorchFileToImport() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(fixture("rnn1")));
        assertContains("vecrnn import", e.getMessage());
    }

    @Test
    void importedModelSavesAndLoadsAsAVecrnnModel() throws IOException {
        RnnModel m = TorchStateDict.read(fixture("gru1"));
        Path file = tmp.resolve("imported.safetensors");
        Checkpoint.save(m, Map.of(), file);
        Checkpoint.Loaded back = Checkpoint.load(file);
        assertEquals("gru-torch", back.model().cellType());
        assertEquals("gru-torch", back.metadata().get("cell"));
        for (TensorSpec s : m.table().specs()) assertArrayEquals(m.tensor(s.name()), back.model().tensor(s.name()), s.name());
        assertTrue(Files.size(file) > 0);
    }
}
