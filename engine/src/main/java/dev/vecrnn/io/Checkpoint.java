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
import dev.vecrnn.model.TensorSpec;
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
 */
public final class Checkpoint {
    private Checkpoint() {}

    public static final String FORMAT = "vecrnn";
    public static final int FORMAT_VERSION = 1;

    /** A model file that cannot be used; the message says why in one line. */
    public static final class CheckpointException extends IOException {
        public CheckpointException(String message) { super(message); }
    }

    /** A loaded model and the metadata it was saved with. */
    public record Loaded(RnnModel model, Map<String, String> metadata) {}

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
        CheckpointWriteEvent event = new CheckpointWriteEvent();
        event.begin();
        Map<String, String> meta = metadata(model, extraMetadata);
        List<SafeTensors.Slice> slices = slices(model);
        long[] written = new long[1];
        AtomicFiles.write(file, ch -> written[0] = SafeTensors.write(ch, slices, meta));
        if (event.shouldCommit()) {
            event.path = file.toAbsolutePath().toString();
            event.bytes = written[0];
            event.commit();
        }
    }

    public static Loaded load(Path file) throws CheckpointException {
        if (Files.isDirectory(file)) throw new CheckpointException(file + " is a folder, not a model file");
        try (SafeTensorsReader reader = SafeTensorsReader.open(file)) {
            return fromReader(reader);
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
        refuseUndeclaredTensors(reader, cells, vocab, meta.get("cell"));
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
        return new Loaded(model, meta);
    }

    /**
     * Every tensor must be a parameter of the cell: a file written for another cell (a GRU carries the tanh
     * RNN's names too) would otherwise load as this one and predict nonsense.
     */
    private static void refuseUndeclaredTensors(SafeTensorsReader reader, CellStack cells, Vocab vocab, String cellMeta)
            throws CheckpointException {
        java.util.Set<String> declared = new java.util.HashSet<>();
        for (TensorSpec s : cells.parameters(vocab.size(), 1)) declared.add(s.name());
        for (TensorSpec s : OutputHead.parameters(vocab.size(), 1)) declared.add(s.name());
        String model = describe(cells).replace(" model", "");
        for (String name : reader.names()) {
            if (declared.contains(name)) continue;
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
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4096).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        float[] p = model.params().data();
        int base = model.params().base();
        for (int i = 0; i < model.table().size(); i++) {
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
