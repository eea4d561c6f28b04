package dev.vecrnn.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * d2l's {@code Vocab}: {@code <unk>} at index 0, then tokens by descending frequency, ties in first-seen
 * order (Python's sort is stable over a {@code Counter}, which keeps insertion order). Unknown tokens map
 * to 0.
 */
public final class Vocab {
    public static final String UNK = "<unk>";

    private final List<String> idxToToken;
    private final Map<String, Integer> tokenToIdx = new HashMap<>();

    public Vocab(List<String> idxToToken) {
        if (idxToToken.isEmpty() || !idxToToken.get(0).equals(UNK)) {
            throw new IllegalArgumentException("a vocabulary starts with " + UNK);
        }
        this.idxToToken = List.copyOf(idxToToken);
        for (int i = 0; i < this.idxToToken.size(); i++) {
            if (tokenToIdx.put(this.idxToToken.get(i), i) != null) {
                throw new IllegalArgumentException("token '" + this.idxToToken.get(i) + "' appears twice in the vocabulary");
            }
        }
    }

    /** Builds the vocabulary of tokenised lines. */
    public static Vocab build(List<List<String>> lines) {
        return build(lines, 0);
    }

    /**
     * d2l's {@code Vocab(tokens, min_freq)}: tokens seen fewer than {@code minFreq} times are left out, so they
     * map to {@code <unk>}; {@code minFreq <= 1} keeps every token.
     */
    public static Vocab build(List<List<String>> lines, int minFreq) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (List<String> line : lines) for (String t : line) counts.merge(t, 1, Integer::sum);
        List<Map.Entry<String, Integer>> byFreq = new ArrayList<>(counts.entrySet());
        byFreq.sort(Collections.reverseOrder(Map.Entry.comparingByValue())); // stable: ties keep first-seen order
        List<String> tokens = new ArrayList<>();
        tokens.add(UNK);
        for (Map.Entry<String, Integer> e : byFreq) {
            if (e.getValue() < minFreq) break; // sorted by count: the rest are rarer still, as d2l's loop breaks
            if (!e.getKey().equals(UNK)) tokens.add(e.getKey());
        }
        return new Vocab(tokens);
    }

    public int size() { return idxToToken.size(); }

    public int index(String token) { return tokenToIdx.getOrDefault(token, 0); }

    public String token(int index) { return idxToToken.get(index); }

    public List<String> tokens() { return idxToToken; }
}
