package dev.vecrnn.kernels;

/**
 * The counter-based generator behind dropout's masks. A mask is never stored: whether unit {@code j} of a
 * row is kept is a pure function of (seed, step, layer, sequence, time step, j), so backward regenerates
 * forward's mask, any split of the minibatch into chunks and threads draws the same bits, and a resumed run
 * that restores its step count draws what the uninterrupted one would have.
 *
 * <p>Two levels, so that the per-element part is cheap and exact on 32-bit SIMD lanes: SplitMix64's
 * finaliser chains the row's coordinates into a 32-bit row key (a few scalar mixes per row of
 * {@code hidden} units), then {@link #draw} is Wellons' {@code lowbias32} of {@code rowKey + j·φ}, a bijection
 * of {@code j} within a row, which the Vector API kernel computes with the same int multiplies and shifts.
 */
public final class DropoutHash {
    /** ⌊2³²/φ⌋: odd, so {@code j·GOLDEN32} runs through all 2³² values before repeating. */
    public static final int GOLDEN32 = 0x9E3779B9;
    /** lowbias32's multipliers. */
    public static final int M1 = 0x7feb352d, M2 = 0x846ca68b;
    private static final long GOLDEN64 = 0x9E3779B97F4A7C15L;

    private DropoutHash() {}

    /** SplitMix64's finaliser: a bijection of 64-bit values with full avalanche. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** The key of one layer's masks in one step: each step draws afresh. */
    public static long layerKey(long seed, long step, int layer) {
        long h = mix64(seed + GOLDEN64);
        h = mix64(h + step * GOLDEN64);
        return mix64(h + layer * GOLDEN64);
    }

    /** Narrowed to {@code sequence}, the row of the minibatch (not of a chunk, so chunking cannot change it). */
    public static long sequenceKey(long layerKey, long sequence) {
        return mix64(layerKey + sequence * GOLDEN64);
    }

    /** The key of time step {@code t}'s row of {@code hidden} units. */
    public static int rowKey(long sequenceKey, int t) {
        return (int) (mix64(sequenceKey + t * GOLDEN64) >>> 32);
    }

    public static int rowKey(long seed, long step, int layer, long sequence, int t) {
        return rowKey(sequenceKey(layerKey(seed, step, layer), sequence), t);
    }

    /** The 32 random bits of unit {@code j} of a row. */
    public static int draw(int rowKey, int j) {
        int x = rowKey + j * GOLDEN32;
        x = (x ^ (x >>> 16)) * M1;
        x = (x ^ (x >>> 15)) * M2;
        return x ^ (x >>> 16);
    }

    /**
     * The threshold for drop probability {@code p}: a unit is dropped when the top 31 bits of its draw fall
     * below it, so {@code p} is realised to within 2⁻³¹, and the comparison is a signed one SIMD lanes have.
     */
    public static int threshold(double p) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout must be at least 0 and below 1, not " + p);
        return (int) Math.min(Integer.MAX_VALUE, Math.round(p * 0x1p31));
    }

    public static boolean keep(int rowKey, int j, int threshold) {
        return draw(rowKey, j) >>> 1 >= threshold;
    }
}
