package dev.vecrnn.io;

import dev.vecrnn.io.SafeTensors.FormatException;
import dev.vecrnn.io.SafeTensorsHeader.Entry;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file opened for reading: the header is parsed and checked at once, each tensor's data is
 * read on request with long file positions, a bounded buffer at a time. A model file can then be larger
 * than one Java array (2 GiB) and be read straight into the model's parameters without a second copy.
 */
public final class SafeTensorsReader implements Closeable {
    /** Bytes read per call: large enough to be fast, small enough to be a negligible extra allocation. */
    private static final int CHUNK = 1 << 20;

    /** The bytes of a file or of an array, read at a position. */
    private interface Source extends Closeable {
        long size() throws IOException;

        /** Fills {@code dst} from {@code pos}; the caller has checked the range lies inside {@link #size()}. */
        void read(long pos, ByteBuffer dst) throws IOException;
    }

    private final Source source;
    private final SafeTensorsHeader.Header header;
    private final long dataStart;

    private SafeTensorsReader(Source source) throws IOException {
        this.source = source;
        long size = source.size();
        if (size < 8) throw new FormatException("too short to be safetensors (" + size + " bytes)");
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        source.read(0, len);
        long headerLen = len.getLong(0);
        if (headerLen < 2 || headerLen > SafeTensors.MAX_HEADER || headerLen > size - 8) {
            throw new FormatException("not safetensors: header length " + headerLen + " does not fit a file of " + size + " bytes");
        }
        ByteBuffer json = ByteBuffer.allocate((int) headerLen);
        source.read(8, json);
        this.dataStart = 8 + headerLen;
        this.header = SafeTensorsHeader.parse(json.array(), size - dataStart);
    }

    public static SafeTensorsReader open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new SafeTensorsReader(new Source() {
                @Override public long size() throws IOException { return ch.size(); }

                @Override public void read(long pos, ByteBuffer dst) throws IOException {
                    while (dst.hasRemaining()) {
                        if (ch.read(dst, pos + dst.position()) < 0) {
                            throw new FormatException("the file ended early (truncated while being read?)");
                        }
                    }
                }

                @Override public void close() throws IOException { ch.close(); }
            });
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public static SafeTensorsReader of(byte[] bytes) throws FormatException {
        try {
            return new SafeTensorsReader(new Source() {
                @Override public long size() { return bytes.length; }

                @Override public void read(long pos, ByteBuffer dst) { dst.put(bytes, (int) pos, dst.remaining()); }

                @Override public void close() {}
            });
        } catch (FormatException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("an array cannot fail to be read", e);
        }
    }

    public Map<String, String> metadata() { return header.metadata(); }

    /** The tensor names in header order. */
    public List<String> names() { return List.copyOf(header.entries().keySet()); }

    public boolean contains(String name) { return header.entries().containsKey(name); }

    /** The tensor's shape; the header guarantees it has at most 2^31 - 1 elements. */
    public int[] shape(String name) { return entry(name).shape().clone(); }

    /** {@code F32} or {@code I32}: the header refuses the other types. */
    public String dtype(String name) { return entry(name).dtype(); }

    /** Reads an F32 tensor into {@code dst} from {@code off}. */
    public void readFloats(String name, float[] dst, int off) throws IOException {
        readChunks(typed(name, "F32"), (buf, done, k) -> buf.asFloatBuffer().get(dst, off + done, k));
    }

    /** Reads an I32 tensor into {@code dst} from {@code off}. */
    public void readInts(String name, int[] dst, int off) throws IOException {
        readChunks(typed(name, "I32"), (buf, done, k) -> buf.asIntBuffer().get(dst, off + done, k));
    }

    /** Where a chunk of {@code k} 4-byte elements, the first of them element {@code done}, goes. */
    private interface ChunkSink {
        void accept(ByteBuffer buf, int done, int k);
    }

    /** Reads a tensor's data in chunks of at most {@link #CHUNK} bytes (a tensor may be larger than one buffer). */
    private void readChunks(Entry e, ChunkSink sink) throws IOException {
        long pos = dataStart + e.begin();
        int n = e.elements();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, 4L * n)).order(ByteOrder.LITTLE_ENDIAN);
        for (int done = 0; done < n; ) {
            int k = Math.min(n - done, buf.capacity() / 4);
            buf.clear().limit(4 * k);
            source.read(pos + 4L * done, buf);
            buf.flip();
            sink.accept(buf, done, k);
            done += k;
        }
    }

    /** Reads one tensor into a new array. */
    public SafeTensors.Tensor tensor(String name) throws IOException {
        Entry e = entry(name);
        if (e.dtype().equals("F32")) {
            float[] f = new float[e.elements()];
            readFloats(name, f, 0);
            return SafeTensors.Tensor.f32(f, e.shape().clone());
        }
        int[] v = new int[e.elements()];
        readInts(name, v, 0);
        return SafeTensors.Tensor.i32(v, e.shape().clone());
    }

    private Entry entry(String name) {
        Entry e = header.entries().get(name);
        if (e == null) throw new IllegalArgumentException("no tensor named " + name);
        return e;
    }

    private Entry typed(String name, String dtype) {
        Entry e = entry(name);
        if (!e.dtype().equals(dtype)) throw new IllegalArgumentException("tensor " + name + " is " + e.dtype() + ", not " + dtype);
        return e;
    }

    @Override public void close() throws IOException { source.close(); }
}
