package dev.vecrnn.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ordered list of tensors laid end to end in one flat buffer, as llm.c lays out its parameters: the
 * optimiser, clipping and zeroing are then single loops over {@link #size()} floats, and a gradient buffer
 * with the same table mirrors the parameters one to one.
 */
public final class TensorTable {
    private final List<TensorSpec> specs;
    private final Map<String, Integer> offsets = new LinkedHashMap<>();
    private final Map<String, TensorSpec> byName = new LinkedHashMap<>();
    private final int size;

    public TensorTable(List<TensorSpec> specs) {
        this.specs = List.copyOf(specs);
        long off = 0;
        for (TensorSpec s : this.specs) {
            if (offsets.put(s.name(), (int) off) != null) throw new IllegalArgumentException("duplicate tensor " + s.name());
            byName.put(s.name(), s);
            off += s.size();
            if (off > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("tensors too large for one buffer: " + off + " floats");
        }
        this.size = (int) off;
    }

    public static TensorTable of(List<TensorSpec> a, List<TensorSpec> b) {
        List<TensorSpec> all = new ArrayList<>(a);
        all.addAll(b);
        return new TensorTable(all);
    }

    public List<TensorSpec> specs() { return specs; }

    public int size() { return size; }

    public boolean contains(String name) { return offsets.containsKey(name); }

    public int offset(String name) {
        Integer off = offsets.get(name);
        if (off == null) throw new IllegalArgumentException("no tensor named " + name + " in " + specs);
        return off;
    }

    public TensorSpec spec(String name) {
        TensorSpec s = byName.get(name);
        if (s == null) throw new IllegalArgumentException("no tensor named " + name + " in " + specs);
        return s;
    }
}
