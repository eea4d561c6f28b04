package dev.vecrnn.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length {@code N}, {@code N} bytes of JSON mapping
 * each tensor name to {@code {dtype, shape, data_offsets}} (offsets relative to the end of the header) plus
 * an optional {@code __metadata__} string map, then the raw little-endian data. F32 and I32 are supported.
 */
public final class SafeTensors {
    private SafeTensors() {}

    /** Header larger than this is refused: real headers are kilobytes, and a corrupt length must not OOM. */
    static final long MAX_HEADER = 100L << 20;

    /** A tensor read from or to be written to a file: exactly one of {@code floats}, {@code ints} is set. */
    public record Tensor(int[] shape, float[] floats, int[] ints) {
        public static Tensor f32(float[] data, int... shape) { return new Tensor(shape, data, null); }

        public static Tensor i32(int[] data, int... shape) { return new Tensor(shape, null, data); }

        public String dtype() { return floats != null ? "F32" : "I32"; }

        public int elements() { return floats != null ? floats.length : ints.length; }
    }

    /** The contents of a file: tensors in header order and the metadata map. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    /** A file that is not valid safetensors (or uses what this reader does not support). */
    public static final class FormatException extends IOException {
        public FormatException(String message) { super(message); }
    }

    public static Contents read(Path file) throws IOException {
        return parse(Files.readAllBytes(file));
    }

    public static Contents parse(byte[] bytes) throws FormatException {
        if (bytes.length < 8) throw new FormatException("too short to be safetensors (" + bytes.length + " bytes)");
        long headerLen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLen < 2 || headerLen > MAX_HEADER || headerLen > bytes.length - 8L) {
            throw new FormatException("not safetensors: header length " + headerLen + " does not fit a file of " + bytes.length + " bytes");
        }
        int dataStart = 8 + (int) headerLen;
        JsonObject header;
        try {
            JsonElement e = JsonParser.parseString(new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) throw new FormatException("not safetensors: the header is not a JSON object");
            header = e.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new FormatException("not safetensors: the header is not valid JSON");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        long dataLen = bytes.length - (long) dataStart;
        for (Map.Entry<String, JsonElement> entry : header.entrySet()) {
            String name = entry.getKey();
            if (name.equals("__metadata__")) {
                if (!entry.getValue().isJsonObject()) throw new FormatException("__metadata__ is not a JSON object");
                for (Map.Entry<String, JsonElement> m : entry.getValue().getAsJsonObject().entrySet()) {
                    if (!m.getValue().isJsonPrimitive() || !m.getValue().getAsJsonPrimitive().isString()) {
                        throw new FormatException("metadata value '" + m.getKey() + "' is not a string");
                    }
                    metadata.put(m.getKey(), m.getValue().getAsString());
                }
                continue;
            }
            tensors.put(name, tensor(name, entry.getValue(), bytes, dataStart, dataLen));
        }
        return new Contents(tensors, metadata);
    }

    private static Tensor tensor(String name, JsonElement e, byte[] bytes, int dataStart, long dataLen) throws FormatException {
        try {
            JsonObject o = e.getAsJsonObject();
            String dtype = o.get("dtype").getAsString();
            JsonArray shapeJson = o.getAsJsonArray("shape");
            JsonArray offsets = o.getAsJsonArray("data_offsets");
            int[] shape = new int[shapeJson.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                long d = shapeJson.get(i).getAsLong();
                if (d < 0 || d > Integer.MAX_VALUE) throw new FormatException("tensor " + name + " has dimension " + d);
                shape[i] = (int) d;
                count *= d;
                if (count > Integer.MAX_VALUE) throw new FormatException("tensor " + name + " is too large");
            }
            if (offsets.size() != 2) throw new FormatException("tensor " + name + " needs two data_offsets");
            long begin = offsets.get(0).getAsLong(), end = offsets.get(1).getAsLong();
            if (begin < 0 || end < begin || end > dataLen) {
                throw new FormatException("tensor " + name + " data_offsets [" + begin + ", " + end + "] lie outside the "
                        + dataLen + " data bytes (truncated file?)");
            }
            if (!dtype.equals("F32") && !dtype.equals("I32")) {
                throw new FormatException("tensor " + name + " has dtype " + dtype + "; vecrnn reads F32 (and I32)");
            }
            if (end - begin != count * 4) {
                throw new FormatException("tensor " + name + " has " + (end - begin) + " bytes for shape " + Arrays.toString(shape));
            }
            ByteBuffer buf = ByteBuffer.wrap(bytes, dataStart + (int) begin, (int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
            if (dtype.equals("F32")) {
                float[] f = new float[(int) count];
                buf.asFloatBuffer().get(f);
                return new Tensor(shape, f, null);
            }
            int[] v = new int[(int) count];
            buf.asIntBuffer().get(v);
            return new Tensor(shape, null, v);
        } catch (IllegalStateException | NullPointerException | ClassCastException | NumberFormatException
                 | UnsupportedOperationException ex) {
            throw new FormatException("tensor " + name + " has a malformed header entry");
        }
    }

    /** Serialises tensors (in map order) and metadata. Tensor data is aligned to 8 bytes by padding the header. */
    public static byte[] serialize(Map<String, Tensor> tensors, Map<String, String> metadata) {
        JsonObject header = new JsonObject();
        if (!metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add("__metadata__", meta);
        }
        long off = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            long size = 4L * t.elements();
            long expected = 4L;
            for (int d : t.shape()) expected *= d;
            if (expected != size) {
                throw new IllegalArgumentException(e.getKey() + ": " + t.elements() + " values for shape " + Arrays.toString(t.shape()));
            }
            JsonObject o = new JsonObject();
            o.addProperty("dtype", t.dtype());
            JsonArray shape = new JsonArray();
            for (int d : t.shape()) shape.add(d);
            o.add("shape", shape);
            JsonArray offs = new JsonArray();
            offs.add(off);
            offs.add(off + size);
            o.add("data_offsets", offs);
            header.add(e.getKey(), o);
            off += size;
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded + (int) off).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded);
        out.put(json);
        for (int i = json.length; i < padded; i++) out.put((byte) ' ');
        for (Tensor t : tensors.values()) {
            if (t.floats() != null) for (float f : t.floats()) out.putFloat(f);
            else for (int v : t.ints()) out.putInt(v);
        }
        return out.array();
    }
}
