package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rows added together on the Vector API, for {@link VectorKernels}: a row into another, all rows into one (bias
 * gradients), and each row into the row its token picks (layer 0's input-weight gradients). Each element adds its
 * rows in increasing order, so the bits are those of the scalar twins.
 */
final class VectorRowSums {
    private VectorRowSums() {}

    private static final VectorSpecies<Float> F = VectorKernels.F;
    private static final int L = F.length();

    /** {@code y[i] += x[i]}. */
    static void add(float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += L) {
            FloatVector.fromArray(F, x, xOff + i).add(FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += x[xOff + i];
    }

    /**
     * {@code out[j] += Σ_r x[r·ld + j]}, eight vectors of columns summed in registers down the rows at a time: row
     * by row through out, each add waited for the store of the row before (560 × 256 of a 768-wide panel: 12.4 µs
     * against 6.0, JDK 25, Zen 5). {@link #sumRows} with the rows linked in order would do the same, but stepping
     * through the links costs it a dependent load per row (8.0 µs).
     */
    static void columnSums(float[] x, int xOff, int rows, int cols, int ld, float[] out, int outOff) {
        if (VectorKernels.PLAIN_PASSES) {
            for (int r = 0; r < rows; r++) add(x, xOff + r * ld, out, outOff, cols);
            return;
        }
        int j = 0;
        for (; j + 8 * L <= cols; j += 8 * L) {
            int o = outOff + j;
            FloatVector s0 = FloatVector.fromArray(F, out, o), s1 = FloatVector.fromArray(F, out, o + L);
            FloatVector s2 = FloatVector.fromArray(F, out, o + 2 * L), s3 = FloatVector.fromArray(F, out, o + 3 * L);
            FloatVector s4 = FloatVector.fromArray(F, out, o + 4 * L), s5 = FloatVector.fromArray(F, out, o + 5 * L);
            FloatVector s6 = FloatVector.fromArray(F, out, o + 6 * L), s7 = FloatVector.fromArray(F, out, o + 7 * L);
            for (int r = 0, at = xOff + j; r < rows; r++, at += ld) {
                s0 = s0.add(FloatVector.fromArray(F, x, at));
                s1 = s1.add(FloatVector.fromArray(F, x, at + L));
                s2 = s2.add(FloatVector.fromArray(F, x, at + 2 * L));
                s3 = s3.add(FloatVector.fromArray(F, x, at + 3 * L));
                s4 = s4.add(FloatVector.fromArray(F, x, at + 4 * L));
                s5 = s5.add(FloatVector.fromArray(F, x, at + 5 * L));
                s6 = s6.add(FloatVector.fromArray(F, x, at + 6 * L));
                s7 = s7.add(FloatVector.fromArray(F, x, at + 7 * L));
            }
            s0.intoArray(out, o);
            s1.intoArray(out, o + L);
            s2.intoArray(out, o + 2 * L);
            s3.intoArray(out, o + 3 * L);
            s4.intoArray(out, o + 4 * L);
            s5.intoArray(out, o + 5 * L);
            s6.intoArray(out, o + 6 * L);
            s7.intoArray(out, o + 7 * L);
        }
        for (; j + L <= cols; j += L) {
            FloatVector s = FloatVector.fromArray(F, out, outOff + j);
            for (int r = 0, at = xOff + j; r < rows; r++, at += ld) s = s.add(FloatVector.fromArray(F, x, at));
            s.intoArray(out, outOff + j);
        }
        for (; j < cols; j++) {
            float s = out[outOff + j];
            for (int r = 0; r < rows; r++) s += x[xOff + r * ld + j];
            out[outOff + j] = s;
        }
    }

    /**
     * {@code out[idx[r]·ldOut + j] += x[r·ld + j]}: each target's rows linked in increasing r and summed in
     * registers ({@link #sumRows}). Added row by row, an add waited for the store of an earlier row with the same
     * token (560 rows of 256 into 28: 14.0 µs against 8.7).
     */
    static void scatterAddRows(float[] x, int xOff, int ld, int rows, int[] idx, int idxOff, float[] out, int outOff,
                               int ldOut, int cols) {
        if (VectorKernels.PLAIN_PASSES) {
            for (int r = 0; r < rows; r++) add(x, xOff + r * ld, out, outOff + idx[idxOff + r] * ldOut, cols);
            return;
        }
        RowLists lists = ROW_LISTS.get();
        int[] next = lists.next(rows);
        int top = 0;
        for (int r = 0; r < rows; r++) top = Math.max(top, idx[idxOff + r]);
        int[] head = lists.head(top + 1);
        for (int r = rows - 1; r >= 0; r--) {
            int v = idx[idxOff + r];
            next[r] = head[v];
            head[v] = r;
        }
        for (int r = 0; r < rows; r++) {
            int v = idx[idxOff + r], first = head[v];
            if (first < 0) continue; // that target's rows are added already
            head[v] = -1;            // and head is back as it was found
            sumRows(x, xOff, ld, next, first, out, outOff + v * ldOut, cols);
        }
    }

    /**
     * Adds the rows of {@code x} linked from {@code first} through {@code next} (−1 ends) into {@code out[o …]},
     * eight vectors of columns per walk down them (two cache lines of each row) in registers. Each column adds its
     * rows in order onto out's value.
     */
    private static void sumRows(float[] x, int xOff, int ld, int[] next, int first, float[] out, int o, int cols) {
        int j = 0;
        for (; j + 8 * L <= cols; j += 8 * L) {
            FloatVector s0 = FloatVector.fromArray(F, out, o + j), s1 = FloatVector.fromArray(F, out, o + j + L);
            FloatVector s2 = FloatVector.fromArray(F, out, o + j + 2 * L), s3 = FloatVector.fromArray(F, out, o + j + 3 * L);
            FloatVector s4 = FloatVector.fromArray(F, out, o + j + 4 * L), s5 = FloatVector.fromArray(F, out, o + j + 5 * L);
            FloatVector s6 = FloatVector.fromArray(F, out, o + j + 6 * L), s7 = FloatVector.fromArray(F, out, o + j + 7 * L);
            for (int r = first; r >= 0; r = next[r]) {
                int at = xOff + r * ld + j;
                s0 = s0.add(FloatVector.fromArray(F, x, at));
                s1 = s1.add(FloatVector.fromArray(F, x, at + L));
                s2 = s2.add(FloatVector.fromArray(F, x, at + 2 * L));
                s3 = s3.add(FloatVector.fromArray(F, x, at + 3 * L));
                s4 = s4.add(FloatVector.fromArray(F, x, at + 4 * L));
                s5 = s5.add(FloatVector.fromArray(F, x, at + 5 * L));
                s6 = s6.add(FloatVector.fromArray(F, x, at + 6 * L));
                s7 = s7.add(FloatVector.fromArray(F, x, at + 7 * L));
            }
            s0.intoArray(out, o + j);
            s1.intoArray(out, o + j + L);
            s2.intoArray(out, o + j + 2 * L);
            s3.intoArray(out, o + j + 3 * L);
            s4.intoArray(out, o + j + 4 * L);
            s5.intoArray(out, o + j + 5 * L);
            s6.intoArray(out, o + j + 6 * L);
            s7.intoArray(out, o + j + 7 * L);
        }
        for (; j + L <= cols; j += L) {
            FloatVector s = FloatVector.fromArray(F, out, o + j);
            for (int r = first; r >= 0; r = next[r]) s = s.add(FloatVector.fromArray(F, x, xOff + r * ld + j));
            s.intoArray(out, o + j);
        }
        for (; j < cols; j++) {
            float s = out[o + j];
            for (int r = first; r >= 0; r = next[r]) s += x[xOff + r * ld + j];
            out[o + j] = s;
        }
    }

    /** Per thread: the linked rows of {@link #sumRows}, grown as needed; {@code head} is all −1 between calls. */
    private static final class RowLists {
        private int[] head = new int[0], next = new int[0];

        int[] head(int size) {
            if (head.length < size) {
                head = new int[Math.max(size, 2 * head.length)];
                java.util.Arrays.fill(head, -1);
            }
            return head;
        }

        int[] next(int size) {
            if (next.length < size) next = new int[Math.max(size, 2 * next.length)];
            return next;
        }
    }

    private static final ThreadLocal<RowLists> ROW_LISTS = ThreadLocal.withInitial(RowLists::new);
}
