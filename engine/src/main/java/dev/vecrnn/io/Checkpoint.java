package dev.vecrnn.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.model.CellStack;
import dev.vecrnn.model.OutputHead;
import dev.vecrnn.model.Cells;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.model.Slab;
import dev.vecrnn.model.TensorSpec;
import dev.vecrnn.model.TensorTable;
import dev.vecrnn.optim.Optimizer;
import dev.vecrnn.optim.Optimizers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained model as a safetensors file: the parameters as F32 with d2l's names and shapes, and in
 * {@code __metadata__} the vocabulary ({@code idx_to_token}, a JSON list), the tokenisation, the cell type
 * and the hyperparameters. Only {@code idx_to_token} is required of a file written elsewhere (PyTorch's
 * {@code safetensors.torch.save_file}); {@code cell} defaults to {@code rnn} and {@code tokenization} to
 * {@code char}, and the hidden size is read from the shapes. vecrnn also stores a CRC-32C of the tensor data
 * ({@code tensor_crc32c}), checked on load when present. A file is refused if it holds a tensor the cell
 * does not declare or a parameter that is NaN or infinite.
 *
 * <p>A training checkpoint may also hold its optimizer's state ({@link OptimizerState}) as tensors
 * {@code optim.<state name>}: exactly those the optimizer its metadata names declares are accepted, any other
 * {@code optim.*} tensor is refused like any undeclared tensor.
 */
public final class Checkpoint {
    private Checkpoint() {}

    public static final String FORMAT = "vecrnn";
    public static final int FORMAT_VERSION = 1;

    /** A model file that cannot be used; the message says why in one line. */
    public static final class CheckpointException extends IOException {
        public CheckpointException(String message) { super(message); }
    }

    /**
     * A loaded model, the metadata it was saved with, and the optimizer's state when the file is a training
     * checkpoint that carries one (null otherwise, or when it was not asked for).
     */
    public record Loaded(RnnModel model, Map<String, String> metadata, OptimizerState optimizer) {
        public Loaded(RnnModel model, Map<String, String> metadata) {
            this(model, metadata, null);
        }
    }

    /**
     * An optimizer's state as a checkpoint holds it: its name and hyperparameters (metadata {@code optimizer},
     * {@code optimizer_hparams} as JSON), the updates taken ({@code optimizer_steps}) and its state tensors, stored
     * as F32 tensors {@code optim.<state name>} (e.g. {@code optim.exp_avg.W_xh}), laid out as {@link Optimizer#state()}.
     */
    public record OptimizerState(String name, Map<String, Double> hyperparameters, long steps, Slab state) {
        public static OptimizerState of(Optimizer optimizer, long steps, Slab state) {
            return new OptimizerState(optimizer.name(), optimizer.hyperparameters(), steps, state);
        }
    }

    /** The prefix of the optimizer's state tensors in a checkpoint. */
    public static final String OPTIM_PREFIX = "optim.";
    /** Metadata key of the CRC-32C of the optimizer's state, as {@link #CHECKSUM} is of the parameters. */
    public static final String OPTIM_CHECKSUM = "optimizer_crc32c";

    public static byte[] serialize(RnnModel model, Map<String, String> extraMetadata) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            SafeTensors.write(Channels.newChannel(out), slices(model), metadata(model, extraMetadata));
        } catch (IOException e) {
            throw new IllegalStateException("an array cannot fail to be written", e);
        }
        return out.toByteArray();
    }

    private static Map<String, String> metadata(RnnModel model, Map<String, String> extraMetadata) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("format_version", Integer.toString(FORMAT_VERSION));
        meta.put("cell", model.cellType());
        meta.put("num_layers", Integer.toString(model.numLayers()));
        meta.put("tokenization", model.tokenization().id());
        meta.put("vocab_size", Integer.toString(model.vocab().size()));
        meta.put("num_hiddens", Integer.toString(model.hidden()));
        JsonArray vocab = new JsonArray();
        for (String t : model.vocab().tokens()) vocab.add(t);
        meta.put("idx_to_token", new Gson().toJson(vocab));
        meta.putAll(extraMetadata);
        // Copied from another checkpoint, these would describe state tensors this file does not hold.
        for (String key : List.of("optimizer", "optimizer_hparams", "optimizer_steps", OPTIM_CHECKSUM)) meta.remove(key);
        meta.put(CHECKSUM, checksum(model));
        return meta;
    }

    /** The parameters in place: a model of any size is written without a copy of it in memory. */
    private static List<SafeTensors.Slice> slices(RnnModel model) {
        List<SafeTensors.Slice> slices = new ArrayList<>();
        for (TensorSpec s : model.table().specs()) {
            slices.add(SafeTensors.Slice.f32(s.name(), model.params().data(), model.params().off(s.name()), s.shape()));
        }
        return slices;
    }

    /** Writes atomically: an interrupted save leaves the previous file as it was. Streams: files may exceed 2 GiB. */
    public static void save(RnnModel model, Map<String, String> extraMetadata, Path file) throws IOException {
        save(model, extraMetadata, null, file);
    }

    /** With the optimizer's state (null: none), so that a resumed run continues its updates exactly. */
    public static void save(RnnModel model, Map<String, String> extraMetadata, OptimizerState optimizer, Path file)
            throws IOException {
        CheckpointWriteEvent event = new CheckpointWriteEvent();
        event.begin();
        Map<String, String> meta = metadata(model, extraMetadata);
        List<SafeTensors.Slice> slices = slices(model);
        if (optimizer != null) {
            meta.put("optimizer", optimizer.name());
            meta.put("optimizer_hparams", new Gson().toJson(optimizer.hyperparameters()));
            meta.put("optimizer_steps", Long.toString(optimizer.steps()));
            Slab st = optimizer.state();
            for (TensorSpec spec : st.table().specs()) {
                slices.add(SafeTensors.Slice.f32(OPTIM_PREFIX + spec.name(), st.data(), st.off(spec.name()), spec.shape()));
            }
            meta.put(OPTIM_CHECKSUM, crc(st.data(), st.base(), st.size()));
        }
        long[] written = new long[1];
        AtomicFiles.write(file, ch -> written[0] = SafeTensors.write(ch, slices, meta));
        if (event.shouldCommit()) {
            event.path = file.toAbsolutePath().toString();
            event.bytes = written[0];
            event.commit();
        }
    }

    public static Loaded load(Path file) throws CheckpointException {
        return load(file, true);
    }

    /**
     * @param withOptimizer read the optimizer's state too (resuming); predict and eval leave it on disk, though
     *                      its tensors are still checked against the optimizer the metadata names
     */
    public static Loaded load(Path file, boolean withOptimizer) throws CheckpointException {
        if (Files.isDirectory(file)) throw new CheckpointException(file + " is a folder, not a model file");
        try (SafeTensorsReader reader = SafeTensorsReader.open(file)) {
            return fromReader(reader, withOptimizer);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("model file " + file + " does not exist; train one with 'vecrnn train --save " + file + "'");
        } catch (SafeTensors.FormatException e) {
            throw new CheckpointException(file + " is not a usable model file: " + e.getMessage());
        } catch (CheckpointException e) {
            throw new CheckpointException(file + ": " + e.getMessage());
        } catch (IOException e) {
            throw new CheckpointException("cannot read model file " + file + " (" + e.getMessage() + ")");
        }
    }

    /** Checks everything the header says before allocating the model, then reads the tensors straight into it. */
    static Loaded fromReader(SafeTensorsReader reader) throws IOException {
        return fromReader(reader, true);
    }

    static Loaded fromReader(SafeTensorsReader reader, boolean withOptimizer) throws IOException {
        Map<String, String> meta = reader.metadata();
        String version = meta.get("format_version");
        if (version != null) {
            int v;
            try {
                v = Integer.parseInt(version.trim());
            } catch (NumberFormatException e) {
                throw new CheckpointException("format_version '" + SafeTensorsHeader.printable(version) + "' is not a number");
            }
            if (v > FORMAT_VERSION) {
                throw new CheckpointException("written by a newer vecrnn (format version " + v + "; this one reads up to "
                        + FORMAT_VERSION + "); upgrade vecrnn");
            }
        }
        String vocabJson = meta.get("idx_to_token");
        if (vocabJson == null) throw new CheckpointException("metadata has no idx_to_token (the vocabulary)");
        Vocab vocab = parseVocab(vocabJson);
        CellStack cells;
        Tokenization tokenization;
        try {
            cells = Cells.stack(meta.getOrDefault("cell", "rnn"), layers(meta));
            tokenization = Tokenization.parse(meta.getOrDefault("tokenization", "char"));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(e.getMessage().replaceAll("\\p{Cntrl}", "?"));
        }
        List<TensorSpec> unitParams = new ArrayList<>(cells.parameters(vocab.size(), 1));
        unitParams.addAll(OutputHead.parameters(vocab.size(), 1));
        Optimizer unitOptimizer = optimizer(meta, new TensorTable(unitParams));
        refuseUndeclaredTensors(reader, cells, vocab, meta.get("cell"), unitOptimizer);
        String biasName = cells.layer(0).hiddenBias();
        if (!reader.contains(biasName) || reader.shape(biasName).length != 1) {
            throw new CheckpointException("missing tensor " + biasName + " (hidden,) of a " + describe(cells));
        }
        int hidden = reader.shape(biasName)[0];
        if (hidden <= 0) throw new CheckpointException(biasName + " is empty: the hidden size must be positive");
        // Check every tensor before allocating the model: the sizes come from the file and must be backed by its data.
        List<TensorSpec> specs = new ArrayList<>(cells.parameters(vocab.size(), hidden));
        specs.addAll(OutputHead.parameters(vocab.size(), hidden));
        for (TensorSpec s : specs) {
            if (!reader.contains(s.name())) throw new CheckpointException("missing tensor " + s + " of a " + describe(cells));
            if (!reader.dtype(s.name()).equals("F32")) {
                throw new CheckpointException("tensor " + s.name() + " is " + reader.dtype(s.name()) + ", not F32");
            }
            if (!Arrays.equals(reader.shape(s.name()), s.shape())) {
                throw new CheckpointException("tensor " + s.name() + " has shape " + Arrays.toString(reader.shape(s.name()))
                        + ", expected " + Arrays.toString(s.shape()) + " for vocab " + vocab.size() + " and hidden " + hidden);
            }
        }
        RnnModel model;
        try {
            model = new RnnModel(cells.type(), cells.size(), vocab, tokenization, hidden);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("the model is too large to load (" + e.getMessage() + ")");
        }
        for (TensorSpec s : model.table().specs()) reader.readFloats(s.name(), model.params().data(), model.params().off(s.name()));
        String expected = meta.get(CHECKSUM);
        if (expected != null && !expected.equals(checksum(model))) {
            throw new CheckpointException("the tensor data does not match its checksum (" + CHECKSUM + "): the file is corrupted");
        }
        refuseNonFinite(model);
        OptimizerState state = unitOptimizer == null ? null : readOptimizer(reader, meta, model, withOptimizer);
        return new Loaded(model, meta, state);
    }

    /** The optimizer the metadata names, for {@code params}; null when it names none (a model, not a checkpoint). */
    private static Optimizer optimizer(Map<String, String> meta, TensorTable params) throws CheckpointException {
        String name = meta.get("optimizer");
        if (name == null) return null;
        Map<String, Double> h = new LinkedHashMap<>();
        String json = meta.getOrDefault("optimizer_hparams", "{}");
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) throw new CheckpointException("optimizer_hparams is not a JSON object");
            for (Map.Entry<String, JsonElement> entry : e.getAsJsonObject().entrySet()) {
                if (!entry.getValue().isJsonPrimitive() || !entry.getValue().getAsJsonPrimitive().isNumber()) {
                    throw new CheckpointException("optimizer_hparams: " + SafeTensorsHeader.printable(entry.getKey()) + " is not a number");
                }
                h.put(entry.getKey(), entry.getValue().getAsDouble());
            }
            return Optimizers.create(name, h, params);
        } catch (JsonParseException e) {
            throw new CheckpointException("optimizer_hparams is not valid JSON");
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("optimizer: " + e.getMessage().replaceAll("\\p{Cntrl}", "?"));
        }
    }

    /** Checks the optimizer's state tensors and, when asked, reads them; every one it declares must be there. */
    private static OptimizerState readOptimizer(SafeTensorsReader reader, Map<String, String> meta, RnnModel model,
                                                boolean read) throws IOException {
        Optimizer o = optimizer(meta, model.table());
        long steps;
        try {
            steps = Long.parseLong(meta.getOrDefault("optimizer_steps", "0").trim());
        } catch (NumberFormatException e) {
            throw new CheckpointException("optimizer_steps is not a number");
        }
        if (steps < 0) throw new CheckpointException("optimizer_steps must not be negative, not " + steps);
        TensorTable table = new TensorTable(o.state());
        for (TensorSpec s : table.specs()) {
            String name = OPTIM_PREFIX + s.name();
            if (!reader.contains(name)) throw new CheckpointException("missing tensor " + name + " of the " + o.name() + " optimizer's state");
            if (!reader.dtype(name).equals("F32")) throw new CheckpointException("tensor " + name + " is " + reader.dtype(name) + ", not F32");
            if (!Arrays.equals(reader.shape(name), s.shape())) {
                throw new CheckpointException("tensor " + name + " has shape " + Arrays.toString(reader.shape(name))
                        + ", expected " + Arrays.toString(s.shape()));
            }
        }
        if (!read) return null;
        Slab state = Slab.allocate(table);
        for (TensorSpec s : table.specs()) reader.readFloats(OPTIM_PREFIX + s.name(), state.data(), state.off(s.name()));
        String expected = meta.get(OPTIM_CHECKSUM);
        if (expected != null && !expected.equals(crc(state.data(), state.base(), state.size()))) {
            throw new CheckpointException("the optimizer's state does not match its checksum (" + OPTIM_CHECKSUM + "): the file is corrupted");
        }
        float[] d = state.data();
        for (int i = 0; i < state.size(); i++) {
            if (!Float.isFinite(d[state.base() + i])) {
                throw new CheckpointException("the optimizer's state holds " + d[state.base() + i] + ": it must be finite");
            }
        }
        return new OptimizerState(o.name(), o.hyperparameters(), steps, state);
    }

    /**
     * Every tensor must be a parameter of the cell: a file written for another cell (a GRU carries the tanh
     * RNN's names too) would otherwise load as this one and predict nonsense.
     */
    private static void refuseUndeclaredTensors(SafeTensorsReader reader, CellStack cells, Vocab vocab, String cellMeta,
                                                Optimizer optimizer) throws CheckpointException {
        java.util.Set<String> declared = new java.util.HashSet<>();
        // A checkpoint's optimizer state: exactly the tensors its recorded optimizer declares.
        if (optimizer != null) for (TensorSpec s : optimizer.state()) declared.add(OPTIM_PREFIX + s.name());
        for (TensorSpec s : cells.parameters(vocab.size(), 1)) declared.add(s.name());
        for (TensorSpec s : OutputHead.parameters(vocab.size(), 1)) declared.add(s.name());
        String model = describe(cells).replace(" model", "");
        for (String name : reader.names()) {
            if (declared.contains(name)) continue;
            if (name.startsWith(OPTIM_PREFIX)) {
                throw new CheckpointException("tensor " + SafeTensorsHeader.printable(name) + " is not part of the state of "
                        + (optimizer == null ? "any optimizer: the metadata names none" : "the " + optimizer.name() + " optimizer the metadata names"));
            }
            if (name.startsWith("rnn.weight_") || name.startsWith("linear.")) {
                throw new CheckpointException("tensor " + SafeTensorsHeader.printable(name) + " is a PyTorch RNNModel key, "
                        + "not a vecrnn parameter; convert the file with 'vecrnn import --from FILE --out MODEL'");
            }
            String guess = CellGuess.suggest(reader.names());
            String said = cellMeta == null ? "this file's metadata names no cell, so " + cells.type() + " was assumed"
                    : "this file's metadata says cell " + cells.type();
            String hint = guess != null && !guess.equals(model) && !guess.equals(cells.type())
                    ? " (its names suggest " + CellGuess.withArticle(guess) + "; " + said + ")" : " (" + said + ")";
            throw new CheckpointException("tensor " + SafeTensorsHeader.printable(name) + " is not a parameter of "
                    + CellGuess.withArticle(model) + " model" + hint);
        }
    }

    /** NaN or infinite weights (a file written elsewhere carries no checksum to catch them) only ever predict {@code <unk>}. */
    static void refuseNonFinite(RnnModel model) throws CheckpointException {
        float[] p = model.params().data();
        for (TensorSpec s : model.table().specs()) {
            int off = model.params().off(s.name());
            for (int i = 0; i < s.size(); i++) {
                if (!Float.isFinite(p[off + i])) {
                    throw new CheckpointException("tensor " + s.name() + " holds " + p[off + i] + " at element " + i
                            + " of " + s.size() + ": the parameters must be finite numbers");
                }
            }
        }
    }

    /** Metadata key of the CRC-32C of the parameters' little-endian F32 bytes, in table order. */
    public static final String CHECKSUM = "tensor_crc32c";

    static String checksum(RnnModel model) {
        return crc(model.params().data(), model.params().base(), model.table().size());
    }

    private static String crc(float[] p, int base, int n) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4096).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            if (!buf.hasRemaining()) {
                buf.flip();
                crc.update(buf);
                buf.clear();
            }
            buf.putFloat(p[base + i]);
        }
        buf.flip();
        crc.update(buf);
        return String.format("%08x", crc.getValue());
    }

    /** Layers in the metadata's {@code num_layers}; files from before deep models have none and one layer. */
    private static int layers(Map<String, String> meta) throws CheckpointException {
        String v = meta.getOrDefault("num_layers", "1");
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 1 && n <= MAX_LAYERS) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CheckpointException("num_layers '" + v + "' is not a number of layers from 1 to " + MAX_LAYERS);
    }

    /** Deeper stacks than any recurrent language model uses; a bound keeps a crafted file from building millions. */
    static final int MAX_LAYERS = 64;

    private static String describe(CellStack cells) {
        return cells.size() + "-layer " + cells.type() + " model";
    }

    static Vocab parseVocab(String json) throws CheckpointException {
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonArray()) throw new CheckpointException("idx_to_token is not a JSON list");
            List<String> tokens = new ArrayList<>();
            for (JsonElement t : e.getAsJsonArray()) {
                if (!t.isJsonPrimitive() || !t.getAsJsonPrimitive().isString()) {
                    throw new CheckpointException("idx_to_token holds a non-string entry");
                }
                tokens.add(t.getAsString());
            }
            return new Vocab(tokens);
        } catch (JsonParseException e) {
            throw new CheckpointException("idx_to_token is not a valid JSON list of tokens");
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("idx_to_token is not a valid vocabulary (" + e.getMessage() + ")");
        }
    }
}
