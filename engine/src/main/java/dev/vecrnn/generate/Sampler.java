package dev.vecrnn.generate;

/**
 * Draws a token from one row of logits as {@link SamplingOptions} say, allocating nothing: the softmax of
 * {@code logits / temperature}, cut to the top k and then to the nucleus (the smallest set, taken in order
 * of decreasing logit with ties going to the lower index, whose probability reaches p), then one uniform draw
 * on the cumulative sums. The draw for (seed, sample, position) comes from a counter-based generator, a hash
 * of the three: no generator state is carried from token to token or shared between samples, so a sample's
 * text depends only on its logits, not on the threads or on how many samples run beside it.
 */
public final class Sampler {
    private final SamplingOptions options;
    private final double[] weights;
    private final int[] order;
    private float[] keys; // the logits being sorted

    public Sampler(SamplingOptions options, int vocab) {
        this.options = options;
        this.weights = new double[vocab];
        this.order = new int[vocab];
    }

    public SamplingOptions options() { return options; }

    /** The token for sample {@code sample} at generated position {@code position}, from {@code logits[off, off+vocab)}. */
    public int sample(float[] logits, int off, int sample, long position) {
        int v = weights.length;
        if (options.greedy()) return argmax(logits, off, v);
        double t = options.temperature();
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) if (logits[off + i] > max) max = logits[off + i];
        if (Float.isInfinite(max)) return argmax(logits, off, v); // all NaN or -inf, or a +inf: no softmax
        for (int i = 0; i < v; i++) {
            double w = Math.exp((logits[off + i] - (double) max) / t);
            weights[i] = w == w ? w : 0; // a NaN logit is never drawn
        }
        double u = uniform(options.seed(), sample, position);
        int k = options.topK() > 0 ? Math.min(options.topK(), v) : v;
        if (k == v && options.topP() == 1) return draw(u);
        for (int i = 0; i < v; i++) order[i] = i;
        keys = logits;
        sortByLogit(off, v);
        keys = null;
        if (options.topP() < 1) {
            double total = 0, cum = 0;
            for (int r = 0; r < k; r++) total += weights[order[r]];
            double need = options.topP() * total;
            for (int r = 0; r < k; r++) {
                cum += weights[order[r]];
                if (cum >= need) {
                    k = r + 1;
                    break;
                }
            }
        }
        double total = 0;
        for (int r = 0; r < k; r++) total += weights[order[r]];
        double target = u * total, cum = 0;
        for (int r = 0; r < k; r++) {
            cum += weights[order[r]];
            if (target < cum) return order[r];
        }
        return order[0]; // u·total rounded up to total: the most likely token
    }

    /** A draw over the whole vocabulary in index order. */
    private int draw(double u) {
        double total = 0;
        for (double w : weights) total += w;
        double target = u * total, cum = 0;
        int last = 0;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] == 0) continue;
            cum += weights[i];
            last = i;
            if (target < cum) return i;
        }
        return last;
    }

    /** d2l's {@code argmax}: the first of the largest logits. */
    static int argmax(float[] logits, int off, int v) {
        int best = 0;
        for (int i = 1; i < v; i++) if (logits[off + i] > logits[off + best]) best = i;
        return best;
    }

    // ---- heap sort of order[] by decreasing logit, ties by increasing index (no allocation) ---------------

    private boolean before(int a, int b, int off) {
        float x = key(off + a), y = key(off + b);
        return x > y || (x == y && a < b);
    }

    private float key(int i) {
        float x = keys[i];
        return x == x ? x : Float.NEGATIVE_INFINITY;
    }

    private void sortByLogit(int off, int n) {
        // a max-heap on "after", so popping puts the latest-ranked token at the end
        for (int i = n / 2 - 1; i >= 0; i--) siftDown(i, n, off);
        for (int end = n - 1; end > 0; end--) {
            int tmp = order[0];
            order[0] = order[end];
            order[end] = tmp;
            siftDown(0, end, off);
        }
    }

    private void siftDown(int i, int n, int off) {
        while (true) {
            int child = 2 * i + 1;
            if (child >= n) return;
            if (child + 1 < n && before(order[child], order[child + 1], off)) child++;
            if (!before(order[i], order[child], off)) return;
            int tmp = order[i];
            order[i] = order[child];
            order[child] = tmp;
            i = child;
        }
    }

    // ---- the keyed generator ----------------------------------------------------------------------------

    /** A uniform double in [0, 1) that is a function of (seed, sample, position) only. */
    public static double uniform(long seed, long sample, long position) {
        long h = mix(seed + 0x9E3779B97F4A7C15L);
        h = mix(h ^ (sample * 0xBF58476D1CE4E5B9L + 0x632BE59BD9B4E019L));
        h = mix(h ^ (position * 0x94D049BB133111EBL + 0x2545F4914F6CDD1DL));
        return (h >>> 11) * 0x1.0p-53;
    }

    /** SplitMix64's finaliser: every input bit flips about half the output bits. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
