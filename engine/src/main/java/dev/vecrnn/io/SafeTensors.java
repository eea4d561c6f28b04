package dev.vecrnn.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length {@code N}, {@code N} bytes of JSON mapping
 * each tensor name to {@code {dtype, shape, data_offsets}} (offsets relative to the end of the header) plus
 * an optional {@code __metadata__} string map, then the raw little-endian data. F32 and I32 are supported.
 * Reading is strict ({@link SafeTensorsHeader}); {@link SafeTensorsReader} reads files of any size.
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
        try (SafeTensorsReader r = SafeTensorsReader.open(file)) {
            return contents(r);
        }
    }

    public static Contents parse(byte[] bytes) throws FormatException {
        try (SafeTensorsReader r = SafeTensorsReader.of(bytes)) {
            return contents(r);
        } catch (FormatException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("an array cannot fail to be read", e);
        }
    }

    private static Contents contents(SafeTensorsReader r) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String name : r.names()) tensors.put(name, r.tensor(name));
        return new Contents(tensors, r.metadata());
    }

    /**
     * A tensor to write: {@code floats} from {@code offset} (as many as the shape holds), or all of {@code ints}.
     * It points into existing data, so a model is written from its parameters without copying them.
     */
    public record Slice(String name, int[] shape, float[] floats, int offset, int[] ints) {
        public static Slice f32(String name, float[] data, int offset, int... shape) {
            return new Slice(name, shape, data, offset, null);
        }

        static Slice of(String name, Tensor t) {
            return new Slice(name, t.shape(), t.floats(), 0, t.ints());
        }

        long elements() {
            long n = 1;
            for (int d : shape) n *= d;
            return n;
        }
    }

    /** Serialises tensors (in map order) and metadata into an array; {@link #write} streams files of any size. */
    public static byte[] serialize(Map<String, Tensor> tensors, Map<String, String> metadata) {
        List<Slice> slices = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            long expected = 1;
            for (int d : t.shape()) expected *= d;
            if (expected != t.elements()) {
                throw new IllegalArgumentException(e.getKey() + ": " + t.elements() + " values for shape " + Arrays.toString(t.shape()));
            }
            slices.add(Slice.of(e.getKey(), t));
        }
        byte[] header = header(slices, metadata);
        long total = header.length;
        for (Slice s : slices) total += 4 * s.elements();
        if (total > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensors of " + total + " bytes do not fit in one array");
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) total);
        try {
            write(Channels.newChannel(out), slices, metadata);
        } catch (IOException e) {
            throw new IllegalStateException("an array cannot fail to be written", e);
        }
        return out.toByteArray();
    }

    /**
     * Writes tensors (in list order) and metadata to {@code ch}, a bounded buffer at a time, and returns the
     * number of bytes written. Tensor data is aligned to 8 bytes by padding the header with spaces.
     */
    public static long write(WritableByteChannel ch, List<Slice> tensors, Map<String, String> metadata) throws IOException {
        byte[] header = header(tensors, metadata);
        long written = writeFully(ch, ByteBuffer.wrap(header));
        ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        for (Slice s : tensors) {
            int n = (int) s.elements();
            for (int i = 0; i < n; ) {
                if (buf.remaining() < 4) {
                    buf.flip();
                    written += writeFully(ch, buf);
                    buf.clear();
                }
                int k = Math.min(n - i, buf.remaining() / 4);
                if (s.floats() != null) buf.asFloatBuffer().put(s.floats(), s.offset() + i, k);
                else buf.asIntBuffer().put(s.ints(), i, k);
                buf.position(buf.position() + 4 * k);
                i += k;
            }
        }
        buf.flip();
        written += writeFully(ch, buf);
        return written;
    }

    private static long writeFully(WritableByteChannel ch, ByteBuffer buf) throws IOException {
        long n = buf.remaining();
        while (buf.hasRemaining()) ch.write(buf);
        return n;
    }

    /** The length prefix and the padded JSON header, with long offsets: the data may exceed 2 GiB. */
    static byte[] header(List<Slice> tensors, Map<String, String> metadata) {
        JsonObject header = new JsonObject();
        if (!metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add("__metadata__", meta);
        }
        long off = 0;
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Slice t : tensors) {
            if (!names.add(t.name()) || t.name().equals("__metadata__")) {
                throw new IllegalArgumentException("tensor name " + t.name() + " used twice or reserved");
            }
            if (t.elements() > Integer.MAX_VALUE) throw new IllegalArgumentException(t.name() + " has over 2^31 elements");
            if ((t.floats() == null) == (t.ints() == null)) throw new IllegalArgumentException(t.name() + ": give floats or ints");
            long size = 4 * t.elements();
            long have = t.floats() != null ? t.floats().length - (long) t.offset() : t.ints().length;
            if (t.elements() > have || t.offset() < 0) {
                throw new IllegalArgumentException(t.name() + ": " + have + " values for shape " + Arrays.toString(t.shape()));
            }
            JsonObject o = new JsonObject();
            o.addProperty("dtype", t.floats() != null ? "F32" : "I32");
            JsonArray shape = new JsonArray();
            for (int d : t.shape()) shape.add(d);
            o.add("shape", shape);
            JsonArray offs = new JsonArray();
            offs.add(off);
            offs.add(off + size);
            o.add("data_offsets", offs);
            header.add(t.name(), o);
            off += size;
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded);
        out.put(json);
        while (out.hasRemaining()) out.put((byte) ' ');
        return out.array();
    }
}
