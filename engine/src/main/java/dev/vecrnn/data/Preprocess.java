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
     * Splits text into lines as Python's file iteration in text mode does (universal newlines: {@code \n},
     * {@code \r\n} and a lone {@code \r} each end a line) and preprocesses each.
     */
    public static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                out.add(line(text.substring(start, i)));
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') i++;
                start = i + 1;
            }
        }
        if (start < text.length()) out.add(line(text.substring(start)));
        return out;
    }
}
