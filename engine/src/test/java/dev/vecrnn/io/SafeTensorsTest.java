package dev.vecrnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SafeTensorsTest {

    static byte[] le(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    static byte[] le(int... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i : v) b.putInt(i);
        return b.array();
    }

    /** A file as another writer might lay it out: the given header JSON verbatim (no padding), then data. */
    static byte[] file(String headerJson, byte[]... data) {
        byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        for (byte[] d : data) out.writeBytes(d);
        return out.toByteArray();
    }

    static void assertFloatBits(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), "element " + i);
        }
    }

    @Test
    void roundTripF32AndI32WithShapesAndMetadata() throws IOException {
        float[] w = {1.5f, -0f, Float.MIN_VALUE, Float.MAX_VALUE, -3.25e-20f, 7f};
        int[] ids = {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 42, 7, 8, 9};
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("w", SafeTensors.Tensor.f32(w, 2, 3));
        tensors.put("ids", SafeTensors.Tensor.i32(ids, 2, 2, 2));
        tensors.put("scalar", SafeTensors.Tensor.f32(new float[] {Float.NaN}));
        tensors.put("empty", SafeTensors.Tensor.f32(new float[0], 0, 4));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("idx_to_token", "[\"<unk>\",\" \",\"é\"]");
        meta.put("quote", "a \"b\"\n\\c");
        byte[] bytes = SafeTensors.serialize(tensors, meta);
        long headerLen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + headerLen) % 8, "tensor data starts 8-byte aligned");
        assertEquals(8 + headerLen + 4 * (6 + 8 + 1), bytes.length);

        SafeTensors.Contents c = SafeTensors.parse(bytes);
        assertEquals(List.of("w", "ids", "scalar", "empty"), List.copyOf(c.tensors().keySet()));
        assertEquals(meta, c.metadata());
        SafeTensors.Tensor tw = c.tensors().get("w");
        assertEquals("F32", tw.dtype());
        assertArrayEquals(new int[] {2, 3}, tw.shape());
        assertFloatBits(w, tw.floats());
        assertNull(tw.ints());
        SafeTensors.Tensor ti = c.tensors().get("ids");
        assertEquals("I32", ti.dtype());
        assertArrayEquals(new int[] {2, 2, 2}, ti.shape());
        assertArrayEquals(ids, ti.ints());
        assertNull(ti.floats());
        assertArrayEquals(new int[0], c.tensors().get("scalar").shape());
        assertTrue(Float.isNaN(c.tensors().get("scalar").floats()[0]));
        assertArrayEquals(new int[] {0, 4}, c.tensors().get("empty").shape());
        assertEquals(0, c.tensors().get("empty").elements());

        // Byte layout of the data section is little-endian, in map order.
        assertArrayEquals(le(w), Arrays.copyOfRange(bytes, (int) (8 + headerLen), (int) (8 + headerLen + 24)));
        assertArrayEquals(le(ids), Arrays.copyOfRange(bytes, (int) (8 + headerLen + 24), (int) (8 + headerLen + 56)));
    }

    @Test
    void noMetadataWritesNoMetadataEntry() throws IOException {
        byte[] bytes = SafeTensors.serialize(Map.of("a", SafeTensors.Tensor.f32(new float[] {1, 2}, 2)), Map.of());
        String header = new String(bytes, 8, (int) ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong(),
                StandardCharsets.UTF_8);
        assertFalse(header.contains("__metadata__"), header);
        assertEquals(Map.of(), SafeTensors.parse(bytes).metadata());
    }

    @Test
    void serializeRejectsAShapeThatDoesNotMatchTheData() {
        assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.serialize(Map.of("a", SafeTensors.Tensor.f32(new float[5], 2, 3)), Map.of()));
    }

    @Test
    void parsesAFileLaidOutByAnotherWriter() throws IOException {
        // Data of "b" comes first, keys in another order, no padding, __metadata__ last, odd whitespace.
        String header = "{ \"b\" : {\"shape\":[3],\"data_offsets\":[0,12],\"dtype\":\"I32\"},"
                + "\"a\":{\"data_offsets\":[12,28],\"dtype\":\"F32\",\"shape\":[2,2]},"
                + "\"__metadata__\":{\"format\":\"pt\",\"k\":\"v\"}}";
        byte[] bytes = file(header, le(5, 6, -7), le(0.5f, -1f, 2f, 1e-3f));
        assertTrue((8 + header.getBytes(StandardCharsets.UTF_8).length) % 8 != 0, "the test file is deliberately unaligned");
        SafeTensors.Contents c = SafeTensors.parse(bytes);
        assertEquals(List.of("b", "a"), List.copyOf(c.tensors().keySet()));
        assertArrayEquals(new int[] {5, 6, -7}, c.tensors().get("b").ints());
        assertArrayEquals(new float[] {0.5f, -1f, 2f, 1e-3f}, c.tensors().get("a").floats());
        assertArrayEquals(new int[] {2, 2}, c.tensors().get("a").shape());
        assertEquals(Map.of("format", "pt", "k", "v"), c.metadata());
    }

    @Test
    void parsesAHeaderWithoutMetadata() throws IOException {
        byte[] bytes = file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", le(3f));
        SafeTensors.Contents c = SafeTensors.parse(bytes);
        assertEquals(Map.of(), c.metadata());
        assertArrayEquals(new float[] {3f}, c.tensors().get("x").floats());
    }

    static SafeTensors.FormatException bad(byte[] bytes) {
        SafeTensors.FormatException e = assertThrows(SafeTensors.FormatException.class, () -> SafeTensors.parse(bytes));
        assertFalse(e.getMessage().isBlank());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    @Test
    void truncatedFiles() {
        byte[] good = SafeTensors.serialize(Map.of("w", SafeTensors.Tensor.f32(new float[] {1, 2, 3, 4}, 4)), Map.of("k", "v"));
        // Cut inside the data: the offsets then lie outside it.
        SafeTensors.FormatException e = bad(Arrays.copyOf(good, good.length - 1));
        assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("outside"), e.getMessage());
        // Cut inside the header.
        bad(Arrays.copyOf(good, 20));
        // Shorter than the length prefix, and empty.
        bad(Arrays.copyOf(good, 5));
        bad(new byte[0]);
    }

    @Test
    void badHeaderLengths() {
        byte[] good = SafeTensors.serialize(Map.of("w", SafeTensors.Tensor.f32(new float[] {1}, 1)), Map.of());
        for (long len : new long[] {-1, 0, 1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40, good.length}) {
            byte[] b = good.clone();
            ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(len);
            SafeTensors.FormatException e = bad(b);
            assertTrue(e.getMessage().contains("header"), e.getMessage());
        }
        // A big-endian length prefix (another writer's bug) is refused, not misread.
        byte[] b = good.clone();
        long len = ByteBuffer.wrap(good, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ByteBuffer.wrap(b, 0, 8).order(ByteOrder.BIG_ENDIAN).putLong(len);
        bad(b);
    }

    @Test
    void headersThatAreNotJsonObjects() {
        for (String h : List.of("this is not json", "{\"a\": ", "[1, 2, 3]", "\"string\"", "42", "{\"a\":1} trailing",
                "{\"__metadata__\": [1]}", "{\"__metadata__\": {\"k\": 1}}", "{\"__metadata__\": {\"k\": {\"x\": \"y\"}}}")) {
            bad(file(h));
        }
        SafeTensors.FormatException e = bad(file("not json at all {"));
        assertTrue(e.getMessage().contains("JSON") || e.getMessage().contains("json"), e.getMessage());
    }

    @Test
    void malformedTensorEntries() {
        for (String entry : List.of(
                "{\"shape\":[1],\"data_offsets\":[0,4]}",                     // no dtype
                "{\"dtype\":\"F32\",\"data_offsets\":[0,4]}",                 // no shape
                "{\"dtype\":\"F32\",\"shape\":[1]}",                          // no offsets
                "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}",     // one offset
                "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}",   // size does not match shape
                "{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}",  // negative dimension
                "{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}", // shape not a list
                "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"a\",4]}",
                "[1]", "7")) {
            bad(file("{\"x\":" + entry + "}", le(1f)));
        }
    }

    @Test
    void unsupportedDtypeIsNamed() {
        for (String dtype : List.of("F16", "BF16", "F64", "I64", "U8", "BOOL")) {
            int bytesPer = dtype.equals("F16") || dtype.equals("BF16") ? 2 : dtype.endsWith("64") ? 8 : 1;
            byte[] f = file("{\"x\":{\"dtype\":\"" + dtype + "\",\"shape\":[4],\"data_offsets\":[0," + 4 * bytesPer + "]}}",
                    new byte[4 * bytesPer]);
            SafeTensors.FormatException e = bad(f);
            assertTrue(e.getMessage().contains(dtype) && e.getMessage().contains("F32"), e.getMessage());
        }
    }

    @Test
    void offsetsOutOfRange() {
        for (String offsets : List.of("[0,8]", "[4,8]", "[-4,0]", "[4,0]", "[0,9223372036854775807]", "[8,4]")) {
            SafeTensors.FormatException e = bad(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":" + offsets + "}}", le(1f)));
            assertTrue(e.getMessage().contains("x"), e.getMessage());
        }
    }

    @Test
    void goldenFixtureParses() throws IOException {
        SafeTensors.Contents c = SafeTensors.read(Fixtures.goldenDir().resolve("rnn_small.safetensors"));
        Map<String, String> m = c.metadata();
        int v = Integer.parseInt(m.get("vocab_size")), h = Integer.parseInt(m.get("num_hiddens"));
        int b = Integer.parseInt(m.get("batch_size")), t = Integer.parseInt(m.get("num_steps"));
        assertEquals(List.of(28, 16, 3, 5), List.of(v, h, b, t));
        SafeTensors.Tensor x1 = c.tensors().get("X1");
        assertEquals("I32", x1.dtype());
        assertArrayEquals(new int[] {b, t}, x1.shape());
        for (int id : x1.ints()) assertTrue(id >= 0 && id < v, "token id " + id);
        for (String name : List.of("X1", "Y1", "X2", "Y2")) assertEquals("I32", c.tensors().get(name).dtype(), name);
        Map<String, int[]> shapes = Map.of("W_xh", new int[] {v, h}, "W_hh", new int[] {h, h}, "b_h", new int[] {h},
                "W_hq", new int[] {h, v}, "b_q", new int[] {v}, "logits1", new int[] {t * b, v}, "loss1", new int[] {1},
                "state_after2", new int[] {b, h});
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            SafeTensors.Tensor tensor = c.tensors().get(e.getKey());
            assertEquals("F32", tensor.dtype(), e.getKey());
            assertArrayEquals(e.getValue(), tensor.shape(), e.getKey());
            for (float f : tensor.floats()) assertTrue(Float.isFinite(f), e.getKey());
        }
        float loss = c.tensors().get("loss1").floats()[0];
        assertTrue(loss > 0 && loss < 20, "a cross-entropy: " + loss);
        for (String name : List.of("Y1", "X2", "Y2")) {
            for (int id : c.tensors().get(name).ints()) assertTrue(id >= 0 && id < v, name + " token id " + id);
        }
        // Re-serialising and parsing again gives the same tensors.
        SafeTensors.Contents again = SafeTensors.parse(SafeTensors.serialize(c.tensors(), c.metadata()));
        assertEquals(c.metadata(), again.metadata());
        for (String name : c.tensors().keySet()) {
            assertArrayEquals(c.tensors().get(name).shape(), again.tensors().get(name).shape());
            if (c.tensors().get(name).floats() != null) assertFloatBits(c.tensors().get(name).floats(), again.tensors().get(name).floats());
            else assertArrayEquals(c.tensors().get(name).ints(), again.tensors().get(name).ints());
        }
    }

    /** A one-tensor header entry for {@code x} with the given dimension and offsets text. */
    static String x(String shape, String offsets) {
        return "\"x\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    @Test
    void deeplyNestedHeadersAreRefusedWithoutRecursingOrEchoingThem() {
        int deep = 100_000;
        for (String h : List.of("{\"__x__\": " + "[".repeat(deep) + "]".repeat(deep) + "}",
                "{" + x("[".repeat(deep) + "1" + "]".repeat(deep), "[0,4]") + "}",
                "{\"__metadata__\": {\"k\": " + "{\"a\":".repeat(deep) + "1" + "}".repeat(deep) + "}}",
                "{\"x\": " + "{\"a\":".repeat(deep) + "1" + "}".repeat(deep) + "}")) {
            SafeTensors.FormatException e = bad(file(h, le(1f)));
            assertTrue(e.getMessage().length() < 200, e.getMessage());
        }
    }

    @Test
    void overlappingGappedAndTrailingDataAreRefused() throws IOException {
        // W_hq aliased onto W_xh's bytes: same size, same offsets.
        byte[] data = le(1f, 2f, 3f, 4f);
        String w = "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}";
        String alias = "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}";
        assertTrue(bad(file("{" + w + "," + alias + "}", data)).getMessage().contains("overlap"));
        // Partly overlapping.
        String half = "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}";
        bad(file("{" + w + "," + half + "}", data));
        // A gap between tensors, and unindexed bytes after the last one.
        String gap = "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[20,24]}";
        assertTrue(bad(file("{" + w + "," + gap + "}", data, le(0f, 5f))).getMessage().contains("unused"));
        assertTrue(bad(file("{" + w + "}", data, new byte[] {0})).getMessage().contains("trailing"));
        assertTrue(bad(file("{" + w + "}", data, le(9f))).getMessage().contains("trailing"));
        // Data that does not start at 0.
        bad(file("{" + x("[1]", "[4,8]") + "}", le(0f, 1f)));
        // Zero-size tensors may sit anywhere in the sequence, as in the reference implementation.
        SafeTensors.Contents c = SafeTensors.parse(file("{" + x("[0]", "[0,0]") + "," + w + "}", data));
        assertEquals(0, c.tensors().get("x").elements());
    }

    @Test
    void duplicateKeysAreRefused() {
        String w = x("[1]", "[0,4]");
        assertTrue(bad(file("{" + w + "," + w + "}", le(1f))).getMessage().contains("twice"));
        bad(file("{" + w + ",\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}", le(1f)));
        bad(file("{" + w + ",\"__metadata__\":{},\"__metadata__\":{}}", le(1f)));
        bad(file("{\"x\":{\"dtype\":\"F32\",\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}", le(1f)));
        bad(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"shape\":[1],\"data_offsets\":[0,4]}}", le(1f)));
        bad(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"data_offsets\":[0,4]}}", le(1f)));
    }

    @Test
    void dimensionsAndOffsetsMustBeIntegers() {
        for (String shape : List.of("[1.9]", "[\"1\"]", "[1e0]", "[1.0]", "[-0]", "[01]", "[true]", "[null]", "[[1]]", "[{}]")) {
            bad(file("{" + x(shape, "[0,4]") + "}", le(1f)));
        }
        for (String offsets : List.of("[0,4.0]", "[0,\"4\"]", "[0.0,4]", "[0,4e0]", "[0,1.8446744073709552e19]",
                "[0,18446744073709551620]", "[0,4,8]", "[]", "{}")) {
            bad(file("{" + x("[1]", offsets) + "}", le(1f)));
        }
        // The file: 384 bytes of data whose end offset is 2^64 written as a double.
        String h = "{\"x\":{\"dtype\":\"F32\",\"shape\":[96],\"data_offsets\":[0,1.8446744073709552e19]}}";
        bad(file(h, new byte[384]));
        // Dimension 32.9 and "32" for 32 values.
        bad(file("{" + x("[32.9]", "[0,128]") + "}", new byte[128]));
        bad(file("{" + x("[\"32\"]", "[0,128]") + "}", new byte[128]));
    }

    @Test
    void onlyStrictJsonIsAccepted() throws IOException {
        String w = x("[1]", "[0,4]");
        for (String h : List.of(
                "{/* comment */" + w + "}",
                "{" + w + "// comment\n}",
                "{x:{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                "{'x':{'dtype':'F32','shape':[1],'data_offsets':[0,4]}}",
                "{" + w + ",}",
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[1,],\"data_offsets\":[0,4]}}",
                "{" + w + ";\"y\":1}",
                "{\"x\"=" + w.substring(4) + "}",
                " {" + w + "}",
                "{" + w + "}\n",
                "{" + w + "}{}",
                "{" + w + ",\"__metadata__\":{\"k\":\"tab\there\"}}",
                "{" + w + ",\"__metadata__\":{\"k\":NaN}}",
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}}")) {
            bad(file(h, le(1f)));
        }
        // Invalid UTF-8 in a name.
        byte[] f = file("{\"\u00e9" + w.substring(2) + "}", le(1f));
        assertEquals((byte) 0xC3, f[10]);
        f[10] = (byte) 0xFF;
        bad(f);
        // Padding with spaces, as our own writer does, and whitespace inside the JSON are fine.
        SafeTensors.parse(file("{ " + w + " }    ", le(1f)));
        SafeTensors.parse(file("{\n\t" + w + "\r\n}", le(1f)));
    }

    @Test
    void namesFromTheFileAreNotEchoedWithLineBreaks() {
        SafeTensors.FormatException e = bad(file("{\"a\\nb\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}", new byte[2]));
        assertTrue(e.getMessage().contains("a?b"), e.getMessage());
        e = bad(file("{\"" + "n".repeat(10_000) + "\":[1]}", le(1f)));
        assertTrue(e.getMessage().length() < 200, e.getMessage());
    }
}
