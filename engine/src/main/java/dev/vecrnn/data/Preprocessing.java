package dev.vecrnn.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What happens to the text before it is tokenised.
 *
 * <p>{@link #D2L}: d2l's {@code read_time_machine}, line by line ({@link Preprocess}); lines are then
 * concatenated without a separator, so line structure, case, digits and punctuation are gone.
 *
 * <p>{@link #NONE}: the text as it is, as one sequence. The one change is line ends: {@code \r\n} and a lone
 * {@code \r} become {@code \n} (Python's universal newlines, which d2l and nanoGPT read files with), so the
 * same text saved on Windows or on Unix gives the same vocabulary and the same ids, and no model has to
 * spend a class on {@code \r}. Everything else, tabs and newlines included, is kept; character tokens are
 * Unicode code points, so a surrogate pair (an emoji) is one token and a CJK character is one token.
 */
public enum Preprocessing {
    D2L, NONE;

    /** The text as tokenised lines; their concatenation is the token sequence. */
    public List<List<String>> tokenize(String text, Tokenization tokenization) {
        if (this == NONE) return List.of(tokenization.tokens(unifyLineEnds(text)));
        List<List<String>> lines = new ArrayList<>();
        for (String line : Preprocess.lines(text)) lines.add(tokenization.tokens(line));
        return lines;
    }

    /** {@code \r\n} and a lone {@code \r} to {@code \n}; nothing else changes. */
    public static String unifyLineEnds(String text) {
        if (text.indexOf('\r') < 0) return text;
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r') {
                out.append('\n');
                if (i + 1 < text.length() && text.charAt(i + 1) == '\n') i++;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Preprocessing parse(String s) {
        for (Preprocessing p : values()) if (p.id().equalsIgnoreCase(s.trim())) return p;
        throw new IllegalArgumentException("unknown preprocessing '" + s + "' (expected d2l or none)");
    }
}
