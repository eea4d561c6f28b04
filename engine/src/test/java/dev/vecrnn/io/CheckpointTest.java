package dev.vecrnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.Fixtures;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.model.RnnCell;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.model.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    static final List<String> NAMES = List.of("W_xh", "W_hh", "b_h", "W_hq", "b_q");

    @TempDir
    Path tmp;

    static RnnModel randomModel(Tokenization tok, List<String> tokens, int hidden, long seed) {
        RnnModel m = new RnnModel(new RnnCell(), new Vocab(tokens), tok, hidden);
        Random r = new Random(seed);
        float[] p = m.params().data();
        for (int i = 0; i < p.length; i++) p[i] = (float) r.nextGaussian();
        p[0] = -0f;
        p[1] = Float.MIN_VALUE;
        return m;
    }

    static void assertSameBits(float[] a, float[] b, String what) {
        assertEquals(a.length, b.length, what);
        for (int i = 0; i < a.length; i++) assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), what + "[" + i + "]");
    }

    /** The tensors and metadata of a model as another writer would hand them over, for tampering. */
    static Map<String, SafeTensors.Tensor> tensors(RnnModel m) {
        Map<String, SafeTensors.Tensor> t = new LinkedHashMap<>();
        for (TensorSpec s : m.table().specs()) t.put(s.name(), SafeTensors.Tensor.f32(m.tensor(s.name()), s.shape()));
        return t;
    }

    static String vocabJson(List<String> tokens) {
        return new com.google.gson.Gson().toJson(tokens);
    }

    Path write(Map<String, SafeTensors.Tensor> tensors, Map<String, String> meta) throws IOException {
        Path f = Files.createTempFile(tmp, "m", ".safetensors");
        Files.write(f, SafeTensors.serialize(tensors, meta));
        return f;
    }

    static Checkpoint.CheckpointException refused(Path f) {
        Checkpoint.CheckpointException e = assertThrows(Checkpoint.CheckpointException.class, () -> Checkpoint.load(f));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    @Test
    void saveLoadRoundTripIsBitIdentical() throws IOException {
        for (Tokenization tok : Tokenization.values()) {
            List<String> tokens = tok == Tokenization.CHAR ? List.of(Vocab.UNK, " ", "e", "t", "\"", "é")
                    : List.of(Vocab.UNK, "the", "time", "machine");
            RnnModel m = randomModel(tok, tokens, 7, 3);
            Path f = tmp.resolve("model-" + tok.id() + ".safetensors");
            Checkpoint.save(m, Map.of("epochs", "3", "perplexity", "1.5"), f);
            Checkpoint.Loaded l = Checkpoint.load(f);
            RnnModel r = l.model();
            assertEquals(tokens, r.vocab().tokens());
            assertEquals(tok, r.tokenization());
            assertEquals(7, r.hidden());
            assertEquals("rnn", r.cellType());
            assertSameBits(m.params().data(), r.params().data(), "params");
            for (String n : NAMES) assertSameBits(m.tensor(n), r.tensor(n), n);
            assertEquals("3", l.metadata().get("epochs"));
            assertEquals("1.5", l.metadata().get("perplexity"));
            assertEquals(Checkpoint.FORMAT, l.metadata().get("format"));
            assertEquals(Integer.toString(Checkpoint.FORMAT_VERSION), l.metadata().get("format_version"));
            // The file is plain safetensors with d2l's names and shapes.
            SafeTensors.Contents c = SafeTensors.read(f);
            assertArrayEquals(new int[] {tokens.size(), 7}, c.tensors().get("W_xh").shape());
            assertArrayEquals(new int[] {7, tokens.size()}, c.tensors().get("W_hq").shape());
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(2, s.count(), "no temporary files are left");
        }
    }

    @Test
    void saveReplacesAnExistingFile() throws IOException {
        Path f = tmp.resolve("m.safetensors");
        Files.writeString(f, "old contents");
        RnnModel m = randomModel(Tokenization.CHAR, List.of(Vocab.UNK, "a"), 2, 1);
        Checkpoint.save(m, Map.of(), f);
        assertSameBits(m.params().data(), Checkpoint.load(f).model().params().data(), "params");
    }

    @Test
    void saveIntoAMissingFolderFails() {
        RnnModel m = randomModel(Tokenization.CHAR, List.of(Vocab.UNK, "a"), 2, 1);
        assertThrows(IOException.class, () -> Checkpoint.save(m, Map.of(), tmp.resolve("no/such/dir/m.safetensors")));
    }

    @Test
    void aFileWithOnlyTheVocabularyInItsMetadataLoads() throws IOException {
        List<String> tokens = List.of(Vocab.UNK, "a", "b", "c");
        RnnModel m = randomModel(Tokenization.CHAR, tokens, 5, 9);
        Map<String, SafeTensors.Tensor> t = tensors(m);
        Map<String, SafeTensors.Tensor> reordered = new LinkedHashMap<>();
        for (String n : List.of("b_q", "W_hh", "W_hq", "b_h", "W_xh")) reordered.put(n, t.get(n));
        Path f = write(reordered, Map.of("idx_to_token", vocabJson(tokens)));
        Checkpoint.Loaded l = Checkpoint.load(f);
        assertEquals(tokens, l.model().vocab().tokens());
        assertEquals(Tokenization.CHAR, l.model().tokenization());
        assertEquals("rnn", l.model().cellType());
        assertEquals(5, l.model().hidden());
        for (String n : NAMES) assertSameBits(m.tensor(n), l.model().tensor(n), n);
    }

    Map<String, String> meta(List<String> tokens) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("idx_to_token", vocabJson(tokens));
        return meta;
    }

    /** Writes a valid model, lets {@code tamper} spoil it, and expects a one-line refusal naming {@code expect}. */
    void assertRefused(String expect, Consumer<Map<String, SafeTensors.Tensor>> tamperTensors, Consumer<Map<String, String>> tamperMeta)
            throws IOException {
        List<String> tokens = List.of(Vocab.UNK, "a", "b");
        RnnModel m = randomModel(Tokenization.CHAR, tokens, 4, 2);
        Map<String, SafeTensors.Tensor> t = tensors(m);
        Map<String, String> meta = meta(tokens);
        meta.put("format", Checkpoint.FORMAT);
        meta.put("format_version", "1");
        tamperTensors.accept(t);
        tamperMeta.accept(meta);
        Path f = write(t, meta);
        Checkpoint.CheckpointException e = refused(f);
        assertTrue(e.getMessage().contains(expect), e.getMessage());
        assertTrue(e.getMessage().contains(f.toString()), "names the file: " + e.getMessage());
    }

    @Test
    void wrongShapesAreRefused() throws IOException {
        // W_hq transposed: the right number of values, the wrong shape.
        assertRefused("W_hq", t -> t.put("W_hq", SafeTensors.Tensor.f32(t.get("W_hq").floats(), 3, 4)), m -> {});
        // W_xh for a larger vocabulary than idx_to_token.
        assertRefused("W_xh", t -> t.put("W_xh", SafeTensors.Tensor.f32(new float[4 * 4], 4, 4)), m -> {});
        // W_hh for another hidden size than b_h.
        assertRefused("W_hh", t -> t.put("W_hh", SafeTensors.Tensor.f32(new float[25], 5, 5)), m -> {});
        // b_q flattened to 2-D.
        assertRefused("b_q", t -> t.put("b_q", SafeTensors.Tensor.f32(t.get("b_q").floats(), 1, 3)), m -> {});
        // b_h as a matrix.
        assertRefused("b_h", t -> t.put("b_h", SafeTensors.Tensor.f32(t.get("b_h").floats(), 2, 2)), m -> {});
        // An empty hidden layer.
        assertRefused("b_h", t -> t.put("b_h", SafeTensors.Tensor.f32(new float[0], 0)), m -> {});
    }

    @Test
    void missingTensorsAreRefused() throws IOException {
        for (String n : NAMES) assertRefused(n, t -> t.remove(n), m -> {});
    }

    @Test
    void aHugeHiddenSizeInAnIncompleteFileIsRefusedWithoutAllocatingIt() throws IOException {
        // b_h says hidden = 100000 (W_hh would be 10^10 floats), but the file holds no such W_hh.
        assertRefused("100000", t -> {
            t.remove("W_hh");
            t.put("b_h", SafeTensors.Tensor.f32(new float[100_000], 100_000));
        }, m -> {});
        assertRefused("W_", t -> t.put("b_h", SafeTensors.Tensor.f32(new float[30_000], 30_000)), m -> {});
    }

    @Test
    void integerTensorsAreRefused() throws IOException {
        assertRefused("I32", t -> t.put("W_hh", SafeTensors.Tensor.i32(new int[16], 4, 4)), m -> {});
        assertRefused("W_hh", t -> t.put("W_hh", SafeTensors.Tensor.i32(new int[16], 4, 4)), m -> {});
    }

    @Test
    void newerFormatVersionsAreRefused() throws IOException {
        assertRefused("newer", t -> {}, m -> m.put("format_version", Integer.toString(Checkpoint.FORMAT_VERSION + 1)));
        assertRefused("format_version", t -> {}, m -> m.put("format_version", "two"));
    }

    @Test
    void vocabularyProblemsAreRefused() throws IOException {
        assertRefused("idx_to_token", t -> {}, m -> m.remove("idx_to_token"));
        assertRefused("idx_to_token", t -> {}, m -> m.put("idx_to_token", "not json ["));
        assertRefused("idx_to_token", t -> {}, m -> m.put("idx_to_token", "{\"a\": 1}"));
        assertRefused("idx_to_token", t -> {}, m -> m.put("idx_to_token", "[\"<unk>\", 1, \"b\"]"));
        assertRefused("idx_to_token", t -> {}, m -> m.put("idx_to_token", ""));
        // <unk> not first, a duplicate token: not a d2l vocabulary.
        assertRefused("idx_to_token", t -> {}, m -> m.put("idx_to_token", vocabJson(List.of("a", "<unk>", "b"))));
        assertRefused("idx_to_token", t -> {}, m -> m.put("idx_to_token", vocabJson(List.of("<unk>", "a", "a"))));
        // A vocabulary of another size than the tensors.
        assertRefused("W_xh", t -> {}, m -> m.put("idx_to_token", vocabJson(List.of("<unk>", "a", "b", "c"))));
    }

    @Test
    void unknownCellOrTokenizationIsRefused() throws IOException {
        assertRefused("lstm", t -> {}, m -> m.put("cell", "lstm"));
        assertRefused("bpe", t -> {}, m -> m.put("tokenization", "bpe"));
    }

    @Test
    void aCorruptedTensorByteIsDetected() throws IOException {
        RnnModel m = randomModel(Tokenization.CHAR, List.of(Vocab.UNK, "a", "b"), 4, 2);
        Path f = tmp.resolve("m.safetensors");
        Checkpoint.save(m, Map.of(), f);
        byte[] bytes = Files.readAllBytes(f);
        bytes[bytes.length - 5] ^= 0x10;   // a bit of b_q's data: still a well-formed file
        Files.write(f, bytes);
        SafeTensors.read(f);                // parses
        refused(f);
    }

    @Test
    void aFolderIsRefused() {
        Checkpoint.CheckpointException e = refused(tmp);
        assertTrue(e.getMessage().contains("folder"), e.getMessage());
    }

    @Test
    void aMissingFileIsRefused() {
        Path f = tmp.resolve("missing.safetensors");
        Checkpoint.CheckpointException e = refused(f);
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void garbageAndTruncatedFilesAreRefused() throws IOException {
        RnnModel m = randomModel(Tokenization.CHAR, List.of(Vocab.UNK, "a", "b"), 4, 2);
        byte[] good = Checkpoint.serialize(m, Map.of());
        List<byte[]> bad = new ArrayList<>();
        bad.add(java.util.Arrays.copyOf(good, good.length - 3));
        bad.add(java.util.Arrays.copyOf(good, good.length / 2));
        bad.add(java.util.Arrays.copyOf(good, 7));
        bad.add(new byte[0]);
        bad.add("hello, this is a text file\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        byte[] random = new byte[4096];
        new Random(5).nextBytes(random);
        bad.add(random);
        for (byte[] b : bad) {
            Path f = Files.createTempFile(tmp, "bad", ".safetensors");
            Files.write(f, b);
            Checkpoint.CheckpointException e = refused(f);
            assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        }
    }

    @Test
    void theGoldenFixtureIsNotAModelFile() {
        // It holds the parameters but no vocabulary.
        Checkpoint.CheckpointException e = refused(Fixtures.goldenDir().resolve("rnn_small.safetensors"));
        assertTrue(e.getMessage().contains("idx_to_token"), e.getMessage());
    }

    @Test
    void theGoldenParametersLoadOnceAVocabularyIsAdded() throws IOException {
        SafeTensors.Contents g = SafeTensors.read(Fixtures.goldenDir().resolve("rnn_small.safetensors"));
        List<String> tokens = new ArrayList<>(List.of(Vocab.UNK));
        for (int i = 1; i < 28; i++) tokens.add("t" + i);
        Map<String, String> meta = new LinkedHashMap<>(g.metadata());
        meta.put("idx_to_token", vocabJson(tokens));
        Map<String, SafeTensors.Tensor> params = new LinkedHashMap<>();
        for (String n : NAMES) params.put(n, g.tensors().get(n)); // without its inputs and outputs (X1, logits1, …)
        Path f = write(params, meta);
        RnnModel m = Checkpoint.load(f).model();
        assertEquals(16, m.hidden());
        for (String n : NAMES) assertSameBits(g.tensors().get(n).floats(), m.tensor(n), n);
    }

    @Test
    void theGoldenFixtureWithAVocabularyIsRefusedForItsExtraTensors() throws IOException {
        SafeTensors.Contents g = SafeTensors.read(Fixtures.goldenDir().resolve("rnn_small.safetensors"));
        List<String> tokens = new ArrayList<>(List.of(Vocab.UNK));
        for (int i = 1; i < 28; i++) tokens.add("t" + i);
        Map<String, String> meta = new LinkedHashMap<>(g.metadata());
        meta.put("idx_to_token", vocabJson(tokens));
        Checkpoint.CheckpointException e = refused(write(g.tensors(), meta));
        assertTrue(e.getMessage().contains("X1") && e.getMessage().contains("not a parameter of a 1-layer rnn model"), e.getMessage());
    }

    @Test
    void nonFiniteParametersAreRefusedNamingTheTensor() throws IOException {
        // No tensor_crc32c, as in a file written by PyTorch: only the finiteness check can catch these.
        assertRefused("b_q", t -> t.get("b_q").floats()[1] = Float.NaN, m -> {});
        assertRefused("W_hh", t -> t.get("W_hh").floats()[7] = Float.POSITIVE_INFINITY, m -> {});
        assertRefused("W_xh", t -> t.get("W_xh").floats()[0] = Float.NEGATIVE_INFINITY, m -> {});
        assertRefused("finite", t -> t.get("b_h").floats()[3] = Float.NaN, m -> {});
    }

    @Test
    void aSavedModelWithNonFiniteWeightsIsRefusedAfterItsChecksumPasses() throws IOException {
        RnnModel m = randomModel(Tokenization.CHAR, List.of(Vocab.UNK, "a", "b"), 4, 2);
        m.params().data()[m.params().off("W_hq") + 2] = Float.NaN;
        Path f = tmp.resolve("nan.safetensors");
        Checkpoint.save(m, Map.of(), f);
        Checkpoint.CheckpointException e = refused(f);
        assertTrue(e.getMessage().contains("W_hq") && e.getMessage().contains("NaN"), e.getMessage());
    }

    @Test
    void tensorsTheCellDoesNotDeclareAreRefusedWithAHint() throws IOException {
        // A GRU gate beside the RNN's tensors, no cell metadata: it must not load as a tanh RNN.
        String msg = refusedMessage(t -> t.put("b_z", SafeTensors.Tensor.f32(new float[4], 4)), m -> {});
        assertTrue(msg.contains("tensor b_z is not a parameter of a 1-layer rnn model (its names suggest a gru; "
                + "this file's metadata names no cell, so rnn was assumed)"), msg);
        msg = refusedMessage(t -> t.put("b_z", SafeTensors.Tensor.f32(new float[4], 4)), m -> m.put("cell", "rnn"));
        assertTrue(msg.contains("(its names suggest a gru; this file's metadata says cell rnn)"), msg);
        // A whole d2l GRU exported from PyTorch: it has every name a tanh RNN has, and more.
        msg = refusedMessage(t -> {
            for (String n : List.of("W_xz", "W_xr")) t.put(n, SafeTensors.Tensor.f32(new float[12], 3, 4));
            for (String n : List.of("W_hz", "W_hr")) t.put(n, SafeTensors.Tensor.f32(new float[16], 4, 4));
            for (String n : List.of("b_z", "b_r")) t.put(n, SafeTensors.Tensor.f32(new float[4], 4));
        }, m -> {});
        assertTrue(msg.contains("suggest a gru"), msg);
        msg = refusedMessage(t -> t.put("W_xi", SafeTensors.Tensor.f32(new float[12], 3, 4)), m -> {});
        assertTrue(msg.contains("W_xi") && msg.contains("suggest an lstm"), msg);
        // A deep model: d2l prefixes each layer's cell tensors.
        msg = refusedMessage(t -> {
            for (String n : List.of("W_xh", "W_hh", "b_h")) {
                SafeTensors.Tensor v = t.remove(n);
                t.put("rnns.0." + n, v);
                t.put("rnns.1." + n, v);
            }
        }, m -> {});
        assertTrue(msg.contains("rnns.0.W_xh") && msg.contains("suggest a 2-layer rnn"), msg);
        // Nothing to suggest.
        msg = refusedMessage(t -> t.put("extra_tensor", SafeTensors.Tensor.i32(new int[] {1, 2}, 2)), m -> {});
        assertTrue(msg.contains("tensor extra_tensor is not a parameter of a 1-layer rnn model (this file's metadata"), msg);
    }

    String refusedMessage(Consumer<Map<String, SafeTensors.Tensor>> tamperTensors, Consumer<Map<String, String>> tamperMeta)
            throws IOException {
        List<String> tokens = List.of(Vocab.UNK, "a", "b");
        Map<String, SafeTensors.Tensor> t = tensors(randomModel(Tokenization.CHAR, tokens, 4, 2));
        Map<String, String> meta = meta(tokens);
        tamperTensors.accept(t);
        tamperMeta.accept(meta);
        return refused(write(t, meta)).getMessage();
    }

    @Test
    void aDeeplyNestedHeaderIsRefusedInOneLine() throws IOException {
        // The crafted files of issue 12 (10,000 and 20,000 deep overflowed predict's stack), deeper still, as
        // tests run with a larger stack.
        for (String entry : List.of("\"__x__\": " + "[".repeat(100_000) + "]".repeat(100_000),
                "\"W_xh\": {\"dtype\": \"F32\", \"shape\": " + "[".repeat(200_000) + "]".repeat(200_000)
                        + ", \"data_offsets\": [0, 0]}")) {
            Path f = tmp.resolve("deep.safetensors");
            Files.write(f, SafeTensorsTest.file("{" + entry + "}"));
            Checkpoint.CheckpointException e = refused(f);
            assertTrue(e.getMessage().length() < 300, "the nested text is not echoed: " + e.getMessage().length() + " chars");
        }
    }
}
