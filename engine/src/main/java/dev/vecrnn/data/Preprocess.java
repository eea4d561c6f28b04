package dev.vecrnn.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** d2l's {@code read_time_machine}: each line, runs of non-letters to one space, stripped, lower-cased. */
public final class Preprocess {
    private Preprocess() {}

    private static final Pattern NON_LETTERS = Pattern.compile("[^A-Za-z]+");

    public static String line(String raw) {
        return NON_LETTERS.matcher(raw).replaceAll(" ").strip().toLowerCase(Locale.ROOT);
    }

    /**
     * Splits text into lines as Python's file iteration does ({@code \n} ends a line; a {@code \r} before it
     * is a non-letter and becomes a space, then is stripped) and preprocesses each.
     */
    public static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                out.add(line(text.substring(start, i)));
                start = i + 1;
            }
        }
        if (start < text.length()) out.add(line(text.substring(start)));
        return out;
    }
}
