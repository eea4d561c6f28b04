package dev.vecrnn.model;

import java.util.Arrays;

/** A named float tensor's shape; its data lives in a flat buffer at an offset given by a {@link TensorTable}. */
public record TensorSpec(String name, int... shape) {
    public TensorSpec {
        shape = shape.clone();
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException(name + " has a negative dimension " + Arrays.toString(shape));
        }
    }

    /** Number of elements. */
    public int size() {
        long n = 1;
        for (int d : shape) n *= d;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException(name + " is too large: " + Arrays.toString(shape));
        return (int) n;
    }

    @Override public int[] shape() { return shape.clone(); }

    /** Dimension {@code i}, without the copy {@link #shape()} makes (hot paths must not allocate). */
    public int dim(int i) { return shape[i]; }

    @Override public boolean equals(Object o) {
        return o instanceof TensorSpec t && t.name.equals(name) && Arrays.equals(t.shape, shape);
    }

    @Override public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(shape); }

    @Override public String toString() { return name + Arrays.toString(shape); }
}
