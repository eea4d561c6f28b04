package dev.vecrnn.model;

/**
 * A view of tensors laid out by a {@link TensorTable} inside a larger float array starting at {@code base}:
 * how a cell finds its parameters, gradients and workspace inside the one training arena.
 */
public record Slab(float[] data, TensorTable table, int base) {

    public Slab {
        if (base < 0 || (long) base + table.size() > data.length) {
            throw new IllegalArgumentException("slab of " + table.size() + " floats at " + base
                    + " does not fit in an array of " + data.length);
        }
    }

    /** A slab over a fresh array of exactly the table's size. */
    public static Slab allocate(TensorTable table) {
        return new Slab(new float[table.size()], table, 0);
    }

    /** Absolute offset of the named tensor in {@link #data()}. */
    public int off(String name) {
        return base + table.offset(name);
    }

    public int size() {
        return table.size();
    }

    /** Zeroes every tensor of this slab. */
    public void zero() {
        java.util.Arrays.fill(data, base, base + table.size(), 0f);
    }
}
