package dev.vecrnn.io;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.vecrnn.io.SafeTensors.FormatException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The JSON header of a safetensors file, parsed as strictly as the specification and its reference
 * implementation: RFC 8259 JSON (no comments, unquoted keys or trailing text), no duplicate keys, integer
 * dimensions and offsets only, and tensor data that tiles the data section exactly (sorted by offset, each
 * tensor starts where the previous one ended, and the last one ends at the end of the file). Anything else
 * would let two tensors share bytes or let bytes go unread, so a file could mean different things to
 * different readers.
 *
 * <p>The header is read with a loop that expects the one shape a header has (an object of objects of
 * strings and integer lists), so it never recurses into, or prints, whatever a crafted file nests inside.
 */
final class SafeTensorsHeader {
    private SafeTensorsHeader() {}

    /** Where one tensor's data lies, relative to the start of the data section. */
    record Entry(String name, String dtype, int[] shape, long begin, long end) {
        int elements() {
            long n = 1;
            for (int d : shape) n *= d;
            return (int) n; // bounded when parsed
        }
    }

    /** Tensors in header order and the metadata. */
    record Header(Map<String, Entry> entries, Map<String, String> metadata) {}

    private static final Pattern UNSIGNED = Pattern.compile("0|[1-9][0-9]{0,18}");

    static Header parse(byte[] json, long dataLen) throws FormatException {
        String text = decode(json);
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        try {
            JsonReader r = new JsonReader(new StringReader(text));
            r.setStrictness(Strictness.STRICT);
            if (r.peek() != JsonToken.BEGIN_OBJECT) throw new FormatException("not safetensors: the header is not a JSON object");
            r.beginObject();
            Set<String> seen = new HashSet<>();
            while (r.hasNext()) {
                String name = r.nextName();
                if (!seen.add(name)) throw new FormatException("the header names " + printable(name) + " twice (duplicate key)");
                if (name.equals("__metadata__")) metadata(r, metadata);
                else entries.put(name, entry(r, name));
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) throw new FormatException("not safetensors: text after the header's JSON object");
        } catch (FormatException e) {
            throw e;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new FormatException("not safetensors: the header is not valid JSON");
        }
        checkTiling(entries, dataLen);
        return new Header(entries, metadata);
    }

    /** The spec's header: UTF-8, starts with '{', may be padded at the end with spaces (and nothing else). */
    private static String decode(byte[] json) throws FormatException {
        int end = json.length;
        while (end > 0 && json[end - 1] == ' ') end--;
        if (end == 0 || json[0] != '{' || json[end - 1] != '}') {
            throw new FormatException("not safetensors: the header is not a JSON object");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(json, 0, end))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new FormatException("not safetensors: the header is not valid UTF-8");
        }
    }

    private static void metadata(JsonReader r, Map<String, String> metadata) throws IOException {
        if (r.peek() != JsonToken.BEGIN_OBJECT) throw new FormatException("__metadata__ is not a JSON object");
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            if (r.peek() != JsonToken.STRING) throw new FormatException("metadata value '" + printable(key) + "' is not a string");
            if (metadata.put(key, r.nextString()) != null) {
                throw new FormatException("__metadata__ names '" + printable(key) + "' twice (duplicate key)");
            }
        }
        r.endObject();
    }

    private static Entry entry(JsonReader r, String name) throws IOException {
        String what = "tensor " + printable(name);
        if (r.peek() != JsonToken.BEGIN_OBJECT) throw new FormatException(what + " has a malformed header entry (not a JSON object)");
        r.beginObject();
        String dtype = null;
        long[] shape = null, offsets = null;
        while (r.hasNext()) {
            String field = r.nextName();
            switch (field) {
                case "dtype" -> {
                    if (dtype != null) throw new FormatException(what + " gives its dtype twice");
                    if (r.peek() != JsonToken.STRING) throw new FormatException(what + " has a dtype that is not a string");
                    dtype = r.nextString();
                }
                case "shape" -> {
                    if (shape != null) throw new FormatException(what + " gives its shape twice");
                    shape = integers(r, what + " shape");
                }
                case "data_offsets" -> {
                    if (offsets != null) throw new FormatException(what + " gives its data_offsets twice");
                    offsets = integers(r, what + " data_offsets");
                }
                default -> throw new FormatException(what + " has an unknown field '" + printable(field) + "'");
            }
        }
        r.endObject();
        if (dtype == null || shape == null || offsets == null) {
            throw new FormatException(what + " has a malformed header entry (it needs dtype, shape and data_offsets)");
        }
        if (offsets.length != 2) throw new FormatException(what + " needs two data_offsets");
        if (!dtype.equals("F32") && !dtype.equals("I32")) {
            throw new FormatException(what + " has dtype " + printable(dtype) + "; vecrnn reads F32 (and I32)");
        }
        int[] dims = new int[shape.length];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            if (shape[i] > Integer.MAX_VALUE) throw new FormatException(what + " has dimension " + shape[i]);
            dims[i] = (int) shape[i];
            count *= dims[i];
            if (count > Integer.MAX_VALUE) throw new FormatException(what + " is too large (over 2^31 elements)");
        }
        long begin = offsets[0], end = offsets[1];
        if (end < begin) throw new FormatException(what + " data_offsets [" + begin + ", " + end + "] end before they begin");
        if (end - begin != count * 4) {
            throw new FormatException(what + " has " + (end - begin) + " bytes for shape " + Arrays.toString(dims));
        }
        return new Entry(name, dtype, dims, begin, end);
    }

    /** A JSON list of non-negative integers written as integers: not 32.9, "32", 1e3 or -1. */
    private static long[] integers(JsonReader r, String what) throws IOException {
        if (r.peek() != JsonToken.BEGIN_ARRAY) throw new FormatException(what + " is not a list of integers");
        r.beginArray();
        List<Long> values = new ArrayList<>();
        while (r.hasNext()) {
            if (r.peek() != JsonToken.NUMBER) throw new FormatException(what + " is not a list of integers");
            String literal = r.nextString();
            if (!UNSIGNED.matcher(literal).matches()) {
                throw new FormatException(what + " holds " + printable(literal) + ", not a non-negative integer");
            }
            try {
                values.add(Long.parseLong(literal));
            } catch (NumberFormatException e) {
                throw new FormatException(what + " holds " + printable(literal) + ", too large");
            }
            if (values.size() > 64) throw new FormatException(what + " has more than 64 entries");
        }
        r.endArray();
        long[] out = new long[values.size()];
        for (int i = 0; i < out.length; i++) out[i] = values.get(i);
        return out;
    }

    /** As the reference implementation: sorted by offsets, the tensors cover [0, dataLen) with no gap or overlap. */
    private static void checkTiling(Map<String, Entry> entries, long dataLen) throws FormatException {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        for (Entry e : sorted) {
            String what = "tensor " + printable(e.name()) + " data_offsets [" + e.begin() + ", " + e.end() + "]";
            if (e.end() > dataLen) throw new FormatException(what + " lie outside the " + dataLen + " data bytes (truncated file?)");
            if (e.begin() < at) throw new FormatException(what + " overlap another tensor's data");
            if (e.begin() > at) throw new FormatException(what + " leave bytes " + at + " to " + e.begin() + " unused");
            at = e.end();
        }
        if (at != dataLen) {
            throw new FormatException("the tensors' data ends at byte " + at + " but the data section holds " + dataLen
                    + " bytes (trailing or missing data)");
        }
    }

    /** Text from the file, safe to put in a one-line message: no control characters, not too long. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? '?' : c);
        }
        if (s.length() > 80) b.append("…");
        return b.toString();
    }
}
