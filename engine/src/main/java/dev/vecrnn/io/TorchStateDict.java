package dev.vecrnn.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.io.Checkpoint.CheckpointException;
import dev.vecrnn.model.RnnModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * d2l's concise {@code RNNModel} (8.6, 9.x) as PyTorch saves it — {@code nn.RNN}/{@code nn.GRU}/{@code nn.LSTM}
 * in {@code rnn}, {@code nn.Linear} in {@code linear} — to and from a vecrnn model, by one table.
 *
 * <p>{@code rnn.weight_ih_l{k}} {@code (gates·H, in)} and {@code rnn.weight_hh_l{k}} {@code (gates·H, H)} stack
 * their gates' rows in PyTorch's order, which the table maps to vecrnn's letters (nn.LSTM's g is d2l's
 * candidate c; nn.GRU's r, z, n are {@code gru-torch}'s r, z, h); each block transposed is a {@code W_x*} or
 * {@code W_h*}. PyTorch adds two biases where d2l has one: they are summed on import and exported as
 * {@code bias_ih} with zeros in {@code bias_hh}, the same function. Only nn.GRU's candidate keeps both
 * ({@code b_xh}, {@code b_hh}), since its reset gate multiplies {@code bias_hh}'s part. {@code linear.weight}
 * {@code (V, H)} transposed is {@code W_hq}, {@code linear.bias} is {@code b_q}. Deep models carry
 * {@code rnns.{k}.} prefixes on vecrnn's side. The vocabulary travels as {@code idx_to_token} metadata both ways.
 */
public final class TorchStateDict {
    private TorchStateDict() {}

    /**
     * One row per PyTorch module: the {@code cell} metadata d2l_torch.py writes, the vecrnn cell type, and the
     * vecrnn gate letter of each row block in PyTorch's order.
     */
    private record Mapping(String torchCell, String module, String cellType, String... gates) {}

    private static final List<Mapping> TABLE = List.of(
            new Mapping("rnn", "nn.RNN", "rnn", "h"),
            new Mapping("lstm", "nn.LSTM", "lstm", "i", "f", "c", "o"),
            new Mapping("gru", "nn.GRU", "gru-torch", "r", "z", "h"));

    /** Where the candidate of nn.GRU keeps its recurrent bias apart. */
    private static boolean splitBias(Mapping m, String gate) {
        return m.cellType().equals("gru-torch") && gate.equals("h");
    }

    private static Mapping byTorchCell(String cell) {
        for (Mapping m : TABLE) if (m.torchCell().equals(cell) || m.cellType().equals(cell)) return m;
        return null;
    }

    private static Mapping byCellType(String type) {
        for (Mapping m : TABLE) if (m.cellType().equals(type)) return m;
        return null;
    }

    private static String prefix(int layer, int layers) {
        return layers == 1 ? "" : "rnns." + layer + ".";
    }

    private static String bias(Mapping m, String gate, String pre, boolean input) {
        return pre + (splitBias(m, gate) ? (input ? "b_xh" : "b_hh") : "b_" + gate);
    }

    // ---- import ----------------------------------------------------------------------------------------

    /** Reads a PyTorch state dict file (safetensors, {@code idx_to_token} in its metadata) as a vecrnn model. */
    public static RnnModel read(Path file) throws CheckpointException {
        if (Files.isDirectory(file)) throw new CheckpointException(file + " is a folder, not a safetensors file");
        try (SafeTensorsReader reader = SafeTensorsReader.open(file)) {
            return fromReader(reader);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + " does not exist");
        } catch (SafeTensors.FormatException e) {
            throw new CheckpointException(file + " is not a usable safetensors file: " + e.getMessage());
        } catch (CheckpointException e) {
            throw new CheckpointException(file + ": " + e.getMessage());
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + " (" + e.getMessage() + ")");
        }
    }

    /** A vecrnn model from an in-memory file; {@link #read} reads one from disk. */
    public static RnnModel parse(byte[] bytes) throws CheckpointException {
        try (SafeTensorsReader reader = SafeTensorsReader.of(bytes)) {
            return fromReader(reader);
        } catch (SafeTensors.FormatException e) {
            throw new CheckpointException("not a usable safetensors file: " + e.getMessage());
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("an array cannot fail to be read", e);
        }
    }

    static RnnModel fromReader(SafeTensorsReader reader) throws IOException {
        Map<String, String> meta = reader.metadata();
        if (!reader.contains("rnn.weight_ih_l0") && reader.contains("W_hq")) {
            throw new CheckpointException("this is already a vecrnn model (it has W_hq, not linear.weight); use it as it is");
        }
        int hidden = hiddenSize(reader);
        String vocabJson = meta.get("idx_to_token");
        if (vocabJson == null) {
            throw new CheckpointException("metadata has no idx_to_token (the vocabulary); save the state dict with "
                    + "save_file(sd, FILE, metadata={'idx_to_token': json.dumps(vocab.idx_to_token)})");
        }
        Vocab vocab = Checkpoint.parseVocab(vocabJson);
        Tokenization tokenization;
        try {
            tokenization = Tokenization.parse(meta.getOrDefault("tokenization", "char"));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(SafeTensorsHeader.printable(e.getMessage()));
        }
        Mapping m = mapping(reader, meta, hidden);
        int layers = layers(reader, meta);
        int v = vocab.size(), g = m.gates().length;
        Map<String, int[]> expected = new LinkedHashMap<>();
        for (int l = 0; l < layers; l++) {
            expected.put("rnn.weight_ih_l" + l, new int[] {g * hidden, l == 0 ? v : hidden});
            expected.put("rnn.weight_hh_l" + l, new int[] {g * hidden, hidden});
            expected.put("rnn.bias_ih_l" + l, new int[] {g * hidden});
            expected.put("rnn.bias_hh_l" + l, new int[] {g * hidden});
        }
        expected.put("linear.weight", new int[] {v, hidden});
        expected.put("linear.bias", new int[] {v});
        String model = describe(m, layers, hidden, v);
        for (String name : reader.names()) {
            if (!expected.containsKey(name)) {
                throw new CheckpointException("unexpected tensor " + SafeTensorsHeader.printable(name) + ": " + model
                        + " has only " + String.join(", ", expected.keySet()));
            }
        }
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            String name = e.getKey();
            if (!reader.contains(name)) throw new CheckpointException("missing tensor " + name + " of " + model);
            if (!reader.dtype(name).equals("F32")) {
                throw new CheckpointException("tensor " + name + " is " + reader.dtype(name) + ", not F32; save the model as float32");
            }
            if (!Arrays.equals(reader.shape(name), e.getValue())) {
                throw new CheckpointException("tensor " + name + " has shape " + Arrays.toString(reader.shape(name))
                        + ", expected " + Arrays.toString(e.getValue()) + " for " + model);
            }
        }
        RnnModel out;
        try {
            out = new RnnModel(m.cellType(), layers, vocab, tokenization, hidden);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("the model is too large to load (" + e.getMessage() + ")");
        }
        for (int l = 0; l < layers; l++) {
            int in = l == 0 ? v : hidden;
            float[] wi = floats(reader, "rnn.weight_ih_l" + l), wh = floats(reader, "rnn.weight_hh_l" + l);
            float[] bi = floats(reader, "rnn.bias_ih_l" + l), bh = floats(reader, "rnn.bias_hh_l" + l);
            String pre = prefix(l, layers);
            for (int k = 0; k < g; k++) {
                String gate = m.gates()[k];
                out.setTensor(pre + "W_x" + gate, transposeBlock(wi, k, hidden, in));
                out.setTensor(pre + "W_h" + gate, transposeBlock(wh, k, hidden, hidden));
                float[] b1 = Arrays.copyOfRange(bi, k * hidden, (k + 1) * hidden);
                float[] b2 = Arrays.copyOfRange(bh, k * hidden, (k + 1) * hidden);
                if (splitBias(m, gate)) {
                    out.setTensor(bias(m, gate, pre, true), b1);
                    out.setTensor(bias(m, gate, pre, false), b2);
                } else {
                    for (int j = 0; j < hidden; j++) b1[j] += b2[j];
                    out.setTensor(bias(m, gate, pre, true), b1);
                }
            }
        }
        out.setTensor("W_hq", transposeBlock(floats(reader, "linear.weight"), 0, v, hidden));
        out.setTensor("b_q", floats(reader, "linear.bias"));
        Checkpoint.refuseNonFinite(out);
        return out;
    }

    /** From {@code rnn.weight_hh_l0 (gates·H, H)}: every cell has it, and its columns are the hidden size. */
    private static int hiddenSize(SafeTensorsReader reader) throws CheckpointException {
        for (String name : List.of("rnn.weight_ih_l0", "rnn.weight_hh_l0")) {
            if (!reader.contains(name)) {
                throw new CheckpointException("missing tensor " + name + ": not the state dict of d2l's RNNModel "
                        + "(rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0, ..., linear.weight, linear.bias)");
            }
        }
        int[] s = reader.shape("rnn.weight_hh_l0");
        if (s.length != 2 || s[1] <= 0) {
            throw new CheckpointException("tensor rnn.weight_hh_l0 has shape " + Arrays.toString(s) + ", expected (gates·hidden, hidden)");
        }
        return s[1];
    }

    /** The cell the metadata names (d2l_torch.py writes it), else the one the gate count of the weights implies. */
    private static Mapping mapping(SafeTensorsReader reader, Map<String, String> meta, int hidden) throws CheckpointException {
        String cell = meta.get("cell");
        if (cell != null) {
            Mapping m = byTorchCell(cell);
            if (m == null) {
                throw new CheckpointException("unknown cell '" + SafeTensorsHeader.printable(cell)
                        + "' in the metadata; d2l's RNNModel holds nn.RNN, nn.GRU or nn.LSTM (cell rnn, gru or lstm)");
            }
            return m;
        }
        int rows = reader.shape("rnn.weight_hh_l0")[0];
        for (Mapping m : TABLE) if (rows == m.gates().length * hidden) return m;
        throw new CheckpointException("unknown cell: rnn.weight_hh_l0 has " + rows + " rows for hidden size " + hidden
                + ", not 1, 3 or 4 gates of nn.RNN, nn.GRU or nn.LSTM (and the metadata names no cell)");
    }

    /** The metadata's {@code num_layers} if given (keys beyond or short of it are then reported), else the keys'. */
    private static int layers(SafeTensorsReader reader, Map<String, String> meta) throws CheckpointException {
        String n = meta.get("num_layers");
        if (n != null) {
            try {
                int v = Integer.parseInt(n.trim());
                if (v >= 1 && v <= Checkpoint.MAX_LAYERS) return v;
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new CheckpointException("num_layers '" + SafeTensorsHeader.printable(n) + "' is not a number of layers from 1 to "
                    + Checkpoint.MAX_LAYERS);
        }
        int l = 0;
        while (l < Checkpoint.MAX_LAYERS && reader.contains("rnn.weight_ih_l" + l)) l++;
        return l;
    }

    private static String describe(Mapping m, int layers, int hidden, int vocab) {
        return "d2l's RNNModel with " + (layers > 1 ? "a " + layers + "-layer " : "an ") + m.module()
                + " (hidden " + hidden + ", vocab " + vocab + ")";
    }

    private static float[] floats(SafeTensorsReader reader, String name) throws IOException {
        return reader.tensor(name).floats();
    }

    /** Rows {@code [k·h, (k+1)·h)} of a {@code (·, cols)} matrix, transposed to {@code (cols, h)}. */
    private static float[] transposeBlock(float[] w, int k, int h, int cols) {
        float[] out = new float[cols * h];
        for (int j = 0; j < h; j++) {
            int row = (k * h + j) * cols;
            for (int i = 0; i < cols; i++) out[i * h + j] = w[row + i];
        }
        return out;
    }

    // ---- export ----------------------------------------------------------------------------------------

    /** A state dict file and its metadata, as {@code load_state_dict} and {@link #read} accept them. */
    public record StateDict(Map<String, SafeTensors.Tensor> tensors, Map<String, String> metadata) {}

    /** {@code model} as d2l's RNNModel state dict; refused for d2l's GRU, which no PyTorch module computes. */
    public static StateDict of(RnnModel model) throws CheckpointException {
        Mapping m = byCellType(model.cellType());
        if (m == null) {
            throw new CheckpointException("a " + model.cellType() + " model has no PyTorch module to export to"
                    + (model.cellType().equals("gru") ? ": d2l's GRU applies the reset gate before the recurrent product, "
                    + "nn.GRU after it; train with --cell gru-torch to export a GRU" : ""));
        }
        int layers = model.numLayers(), hidden = model.hidden(), v = model.vocab().size(), g = m.gates().length;
        Map<String, SafeTensors.Tensor> t = new LinkedHashMap<>();
        for (int l = 0; l < layers; l++) {
            int in = l == 0 ? v : hidden;
            String pre = prefix(l, layers);
            float[] wi = new float[g * hidden * in], wh = new float[g * hidden * hidden];
            float[] bi = new float[g * hidden], bh = new float[g * hidden];
            for (int k = 0; k < g; k++) {
                String gate = m.gates()[k];
                untransposeBlock(model.tensor(pre + "W_x" + gate), wi, k, hidden, in);
                untransposeBlock(model.tensor(pre + "W_h" + gate), wh, k, hidden, hidden);
                System.arraycopy(model.tensor(bias(m, gate, pre, true)), 0, bi, k * hidden, hidden);
                if (splitBias(m, gate)) System.arraycopy(model.tensor(bias(m, gate, pre, false)), 0, bh, k * hidden, hidden);
            }
            t.put("rnn.weight_ih_l" + l, SafeTensors.Tensor.f32(wi, g * hidden, in));
            t.put("rnn.weight_hh_l" + l, SafeTensors.Tensor.f32(wh, g * hidden, hidden));
            t.put("rnn.bias_ih_l" + l, SafeTensors.Tensor.f32(bi, g * hidden));
            t.put("rnn.bias_hh_l" + l, SafeTensors.Tensor.f32(bh, g * hidden));
        }
        float[] lw = new float[v * hidden];
        untransposeBlock(model.tensor("W_hq"), lw, 0, v, hidden);
        t.put("linear.weight", SafeTensors.Tensor.f32(lw, v, hidden));
        t.put("linear.bias", SafeTensors.Tensor.f32(model.tensor("b_q"), v));
        Map<String, String> meta = new LinkedHashMap<>();
        JsonArray vocab = new JsonArray();
        for (String s : model.vocab().tokens()) vocab.add(s);
        meta.put("idx_to_token", new Gson().toJson(vocab));
        meta.put("tokenization", model.tokenization().id());
        meta.put("cell", m.torchCell());
        meta.put("num_layers", Integer.toString(layers));
        meta.put("num_hiddens", Integer.toString(hidden));
        meta.put("vocab_size", Integer.toString(v));
        meta.put("source", "vecrnn");
        return new StateDict(t, meta);
    }

    /** Writes {@link #of}'s state dict atomically. */
    public static void write(RnnModel model, Path file) throws IOException {
        StateDict sd = of(model);
        List<SafeTensors.Slice> slices = new ArrayList<>();
        for (Map.Entry<String, SafeTensors.Tensor> e : sd.tensors().entrySet()) {
            slices.add(SafeTensors.Slice.f32(e.getKey(), e.getValue().floats(), 0, e.getValue().shape()));
        }
        AtomicFiles.write(file, ch -> SafeTensors.write(ch, slices, sd.metadata()));
    }

    /** Inverse of {@link #transposeBlock}: {@code src (cols, h)} into rows {@code [k·h, (k+1)·h)} of {@code dst}. */
    private static void untransposeBlock(float[] src, float[] dst, int k, int h, int cols) {
        for (int j = 0; j < h; j++) {
            int row = (k * h + j) * cols;
            for (int i = 0; i < cols; i++) dst[row + i] = src[i * h + j];
        }
    }
}
