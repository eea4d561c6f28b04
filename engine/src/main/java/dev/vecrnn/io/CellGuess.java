package dev.vecrnn.io;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which model a file's tensor names suggest, so that a file the loaded cell cannot use is refused with a
 * hint at what it holds (a d2l GRU exported from PyTorch carries every tanh-RNN name too, and must not load
 * as one). The names are d2l's (9.1 GRU, 9.2 LSTM; deep models prefix cell tensors with {@code rnns.<l>.});
 * once those cells are registered, their {@code parameters()} can replace the lists below.
 */
final class CellGuess {
    private CellGuess() {}

    /** The names only that cell has, most specific first: GRU and LSTM also have the RNN's W_xh, W_hh, b_h. */
    private static final Map<String, List<String>> DISTINCT = new java.util.LinkedHashMap<>();

    static {
        DISTINCT.put("gru-torch", List.of("b_xh", "b_hh")); // before gru: it also has every name of d2l's GRU but b_h
        DISTINCT.put("gru", List.of("W_xz", "W_hz", "b_z", "W_xr", "W_hr", "b_r"));
        DISTINCT.put("lstm", List.of("W_xi", "W_hi", "b_i", "W_xf", "W_hf", "b_f", "W_xo", "W_ho", "b_o", "W_xc", "W_hc", "b_c"));
        DISTINCT.put("rnn", List.of("W_xh", "W_hh", "b_h"));
    }

    private static final Pattern LAYER = Pattern.compile("rnns\\.([0-9]{1,4})\\.(.+)");

    /** E.g. {@code "gru"} or {@code "2-layer lstm"}; null when the names suggest no known cell. */
    static String suggest(Collection<String> names) {
        int layers = 1;
        java.util.Set<String> bare = new java.util.HashSet<>();
        for (String n : names) {
            Matcher m = LAYER.matcher(n);
            if (m.matches()) {
                layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
                bare.add(m.group(2));
            } else {
                bare.add(n);
            }
        }
        for (Map.Entry<String, List<String>> e : DISTINCT.entrySet()) {
            if (e.getValue().stream().anyMatch(bare::contains)) return layers > 1 ? layers + "-layer " + e.getKey() : e.getKey();
        }
        return null;
    }

    /** "a gru", "an lstm", "a 2-layer rnn". */
    static String withArticle(String model) {
        return (model.startsWith("lstm") || model.startsWith("rnn") ? "an " : "a ") + model;
    }
}
