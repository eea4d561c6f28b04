package dev.vecrnn.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** d2l's {@code tokenize(lines, token)}: characters or whitespace-separated words. */
public enum Tokenization {
    CHAR, WORD;

    /** Splits one preprocessed line into tokens. */
    public List<String> tokens(String line) {
        if (this == CHAR) {
            List<String> out = new ArrayList<>(line.length());
            line.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
            return out;
        }
        // Python's str.split(): runs of whitespace separate, and a blank line has no tokens.
        String trimmed = line.strip();
        return trimmed.isEmpty() ? List.of() : Arrays.asList(trimmed.split("\\s+"));
    }

    /** How predictions are joined back into text: chars touch, words are spaced. */
    public String join(List<String> tokens) {
        return String.join(this == CHAR ? "" : " ", tokens);
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Tokenization parse(String s) {
        for (Tokenization t : values()) if (t.id().equalsIgnoreCase(s.trim())) return t;
        throw new IllegalArgumentException("unknown tokenization '" + s + "' (expected char or word)");
    }
}
