package dev.vecrnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.model.RnnCell;
import dev.vecrnn.model.RnnModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files over 2 GiB, the size of one Java array: written and read with long offsets, never as one byte[]. */
class LargeFilesTest {
    static final long TWO_GIB = 1L << 31;

    @TempDir
    Path tmp;

    /** Counts what is written and keeps the 4 bytes at each of some positions; stores nothing else. */
    static final class Probe implements WritableByteChannel {
        long position;
        final long[] at;
        final byte[][] seen;

        Probe(long... at) {
            this.at = at;
            this.seen = new byte[at.length][4];
        }

        @Override public int write(ByteBuffer src) {
            int n = src.remaining();
            for (int i = 0; i < at.length; i++) {
                for (int b = 0; b < 4; b++) {
                    long p = at[i] + b;
                    if (p >= position && p < position + n) seen[i][b] = src.get(src.position() + (int) (p - position));
                }
            }
            src.position(src.limit());
            position += n;
            return n;
        }

        @Override public boolean isOpen() { return true; }

        @Override public void close() {}
    }

    @Test
    void tensorsPastTwoGiBAreWrittenAtLongOffsets() throws IOException {
        // 33 tensors of 64 MiB that share one array: 2.06 GiB of output from 64 MiB of memory.
        float[] shared = new float[1 << 24];
        for (int i = 0; i < shared.length; i++) shared[i] = i;
        List<SafeTensors.Slice> slices = new ArrayList<>();
        for (int t = 0; t < 33; t++) slices.add(SafeTensors.Slice.f32("t" + t, shared, 0, 1 << 12, 1 << 12));
        slices.add(SafeTensors.Slice.f32("last", shared, 5, 2));
        byte[] header = SafeTensors.header(slices, Map.of());
        long dataStart = header.length;
        long lastBegin = 33L * 4 * shared.length;
        assertTrue(lastBegin > TWO_GIB);
        String json = new String(header, 8, header.length - 8, StandardCharsets.UTF_8);
        assertTrue(json.contains("\"data_offsets\":[" + lastBegin + "," + (lastBegin + 8) + "]"), json);

        Probe probe = new Probe(dataStart + 4L * 7, dataStart + 32L * 4 * shared.length + 4L * 9, dataStart + lastBegin + 4);
        long written = SafeTensors.write(probe, slices, Map.of());
        assertEquals(dataStart + lastBegin + 8, written);
        assertEquals(written, probe.position);
        float[] expected = {7, 9, 6};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], ByteBuffer.wrap(probe.seen[i]).order(ByteOrder.LITTLE_ENDIAN).getFloat(), "probe " + i);
        }
    }

    @Test
    void aTensorPastTwoGiBIsReadFromASparseFile() throws IOException {
        // A 2 GiB tensor of zeros (a hole in the file, no disk used) and then a small one, read without the big one.
        String header = "{\"pad\":{\"dtype\":\"F32\",\"shape\":[" + (TWO_GIB / 4) + "],\"data_offsets\":[0," + TWO_GIB + "]},"
                + "\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[" + TWO_GIB + "," + (TWO_GIB + 12) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path f = tmp.resolve("sparse.safetensors");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, h.length));
            ch.write(ByteBuffer.wrap(h));
            ch.write(ByteBuffer.wrap(SafeTensorsTest.le(1.5f, -2f, 3.25f)), 8 + h.length + TWO_GIB);
        }
        try (SafeTensorsReader r = SafeTensorsReader.open(f)) {
            assertEquals(List.of("pad", "x"), r.names());
            float[] x = new float[5];
            r.readFloats("x", x, 1);
            assertArrayEquals(new float[] {0, 1.5f, -2f, 3.25f, 0}, x);
        }
    }

    @Test
    void aModelOverTwoGiBSavesAndLoads() throws IOException {
        // 537M parameters (hidden 23171): a 2.15 GB file, twice that in memory while it is loaded beside the original,
        // and about a minute on a shared disk, so it runs on request: VECRNN_LARGE_TESTS=1 mvn test ...
        assumeTrue("1".equals(System.getenv("VECRNN_LARGE_TESTS")), "set VECRNN_LARGE_TESTS=1 to write a 2 GiB model");
        assumeTrue(Files.getFileStore(tmp).getUsableSpace() > 6 * TWO_GIB, "needs 12 GiB of free disk");
        assumeTrue(Runtime.getRuntime().maxMemory() > 5 * (1L << 30), "needs a heap of 5 GiB");
        RnnModel m = new RnnModel(new RnnCell(), new Vocab(List.of(Vocab.UNK, "a")), Tokenization.CHAR, 23_171);
        float[] p = m.params().data();
        for (int i = 0; i < m.table().size(); i++) p[i] = (i % 1013) * 0.5f - 100;
        Path f = tmp.resolve("big.safetensors");
        try {
            Checkpoint.save(m, Map.of(), f);
            assertTrue(Files.size(f) > TWO_GIB, "the file is over 2 GiB: " + Files.size(f));
            int size = m.table().size();
            m = null;
            p = null;
            RnnModel loaded = Checkpoint.load(f).model(); // checks tensor_crc32c over every parameter
            float[] q = loaded.params().data();
            for (int i : new int[] {0, 1, size / 2, size - 1}) assertEquals((i % 1013) * 0.5f - 100, q[i], "parameter " + i);
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
