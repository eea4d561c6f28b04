package dev.vecrnn.train;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.Layout;
import dev.vecrnn.kernels.PackedPanel;
import dev.vecrnn.kernels.RangeTask;
import java.util.function.IntConsumer;

/**
 * Kernels that run a large NN, NP or TN product ({@code gemm} or {@code gemv}) as one part of its columns per
 * thread of a {@link Fork}, and everything else as the wrapped kernels do: the second level of parallelism in
 * training (a chunk's work split across a {@link StepTeam}) and the many-core path of generation, where a step
 * is a few GEMVs too small to split by rows. In training, coarser splits come first where they fit: a layer's
 * walk over the steps by rows ({@link #forRows}) and its weight gradients by gate blocks ({@link #forBlocks}),
 * each range on one thread with the unsplit kernels. A product with too few columns to split (the output
 * layer's 28) is split by rows instead. Each element is computed by exactly one thread with the arithmetic
 * of the unsplit call (the kernels sum each element's k terms in the same order whatever the tiling), so the
 * result has the same bits for any thread count. Column bounds are multiples of 8 vectors so no part has a
 * ragged edge but the last. Allocates nothing per call; not for concurrent use.
 */
public final class ColumnSplitKernels implements Kernels {
    /** Below this many multiply-adds a call runs on the caller: waking the workers would cost more. */
    public static final long MIN_WORK = Long.getLong("vecrnn.generate.splitminwork", 1L << 16);

    private final Kernels d;
    private final Fork parallel;
    private final int align;
    private final long minWork;
    private final Part part = new Part();
    private final RangeParts ranges = new RangeParts();
    private final SoftmaxParts softmax = new SoftmaxParts();

    public ColumnSplitKernels(Kernels d, Fork parallel, long minWork) {
        this.d = d;
        this.minWork = minWork;
        this.parallel = parallel;
        // whole panels of a packed B (Layout.NP) as well as whole 8-vector blocks
        this.align = Math.max(8 * d.lanes(), PackedPanel.WIDTH);
    }

    /** One call's operands, set before {@link Fork#run} and read by every part. */
    private final class Part implements IntConsumer {
        int m, n, k, aOff, lda, bOff, ldb, cOff, ldc, parts;
        float[] a, b, c;
        Layout layout;
        boolean acc, byRows;

        @Override
        public void accept(int p) {
            if (byRows) {
                int i0 = bound(p, m, ROW_ALIGN, parts), i1 = bound(p + 1, m, ROW_ALIGN, parts);
                if (i1 <= i0) return;
                int aRow = layout == Layout.TN ? aOff + i0 : aOff + i0 * lda; // op(A)'s rows are A's columns under TN
                d.gemm(layout, i1 - i0, n, k, a, aRow, lda, b, bOff, ldb, c, cOff + i0 * ldc, ldc, acc);
                return;
            }
            int j0 = bound(p, n, align, parts), j1 = bound(p + 1, n, align, parts);
            if (j1 <= j0) return;
            // a packed B's column block j0 (whole panels) starts j0 panel rows of K floats in: bOff + j0·K
            int bCol = layout == Layout.NP ? bOff + j0 * ldb : bOff + j0;
            if (m == 1 && layout == Layout.NN) d.gemv(j1 - j0, k, a, aOff, b, bCol, ldb, c, cOff + j0, acc);
            else d.gemm(layout, m, j1 - j0, k, a, aOff, lda, b, bCol, ldb, c, cOff + j0, ldc, acc);
        }
    }

    /** Where part {@code p} of {@code parts} starts: whole units of {@code unit}, the last part takes the rest. */
    private static int bound(int p, int size, int unit, int parts) {
        if (p >= parts) return size;
        long units = (size + unit - 1) / unit;
        return (int) Math.min(size, units * p / parts * unit);
    }

    /**
     * One {@link #forRows} or {@link #forBlocks} call: a range of whole units (8-row tiles, or blocks) per thread,
     * each run with the unsplit kernels.
     */
    private final class RangeParts implements IntConsumer {
        RangeTask task;
        int items, unit, parts;

        @Override
        public void accept(int p) {
            int from = bound(p, items, unit, parts), to = bound(p + 1, items, unit, parts);
            if (from < to) task.run(d, from, to);
        }
    }

    /**
     * Parts per thread: more than one, so a thread that joins a call late (it was parked, or not scheduled)
     * still finds work and the caller does not end up computing most of every product alone.
     */
    private static final int PARTS_PER_THREAD = Integer.getInteger("vecrnn.split.partsperthread", 2);

    /** Rows per unit of a row split: a whole tile of the widest micro-kernel. */
    private static final int ROW_ALIGN = 8;

    private boolean splitsColumns(int m, int n, int k) {
        return parallel.threads() > 1 && n >= 2 * align && (long) m * n * k >= minWork;
    }

    private boolean splitsRows(int m, int n, int k) {
        return parallel.threads() > 1 && m >= 2 * ROW_ALIGN && (long) m * n * k >= minWork;
    }

    private void run(Layout layout, boolean byRows, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff,
                     int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        Part p = part;
        p.m = m; p.n = n; p.k = k; p.a = a; p.aOff = aOff; p.lda = lda; p.b = b; p.bOff = bOff; p.ldb = ldb;
        p.c = c; p.cOff = cOff; p.ldc = ldc; p.acc = accumulate; p.layout = layout; p.byRows = byRows;
        int units = byRows ? (m + ROW_ALIGN - 1) / ROW_ALIGN : (n + align - 1) / align;
        p.parts = Math.min(PARTS_PER_THREAD * parallel.threads(), units);
        parallel.run(p.parts, p);
    }

    @Override public String name() { return d.name(); }

    @Override public int lanes() { return d.lanes(); }

    @Override
    public void gemm(Layout layout, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        if (layout == Layout.NT) {
            d.gemm(layout, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        } else if (splitsColumns(m, n, k)) {
            run(layout, false, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        } else if (splitsRows(m, n, k)) {
            run(layout, true, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        } else {
            d.gemm(layout, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        }
    }

    /**
     * Splits the rows when every thread gets at least one whole 8-row tile: a chunk's sequences are independent,
     * so each thread walks all the steps of its own rows (products and gate kernels) and no state crosses between
     * cores until the walk ends, where the column split meets at every product. With more threads than tiles the
     * task runs whole here and its products split by columns. Measured on one tanh-RNN step, 16 × 512 × 512, two
     * threads ({@code StepSplitProbe}): rows 35–47 µs, columns 44–56, one thread 61–64.
     */
    @Override
    public void forRows(int rows, RangeTask task) {
        int threads = parallel.threads();
        if (threads < 2 || threads > rows / ROW_ALIGN) task.run(this, 0, rows);
        else runRanges(task, rows, ROW_ALIGN);
    }

    /**
     * Splits the blocks when every thread gets as many whole ones (an LSTM's 4 gates on 2 threads): each block's
     * products then run whole on one thread, where the column split makes every thread pack all of each
     * product's A. Otherwise (the RNN's one block, the GRU's 3) the task runs whole here, its products split by
     * columns.
     */
    @Override
    public void forBlocks(int blocks, RangeTask task) {
        int threads = parallel.threads();
        if (threads < 2 || blocks % threads != 0) task.run(this, 0, blocks);
        else runRanges(task, blocks, 1);
    }

    /**
     * Splits the columns into one range of whole vectors per thread: a layer's bias sums and gathered input-weight
     * sums, serial on the caller, took 2.7% of its time in a team's d2l step while the member waited. Each column
     * still sums its rows in order: the same bits.
     */
    @Override
    public void forColumns(int columns, RangeTask task) {
        int threads = parallel.threads();
        if (threads < 2 || columns < threads * d.lanes()) task.run(this, 0, columns);
        else runRanges(task, columns, d.lanes());
    }

    private void runRanges(RangeTask task, int items, int unit) {
        RangeParts r = ranges;
        r.task = task;
        r.items = items;
        r.unit = unit;
        r.parts = parallel.threads();
        try {
            parallel.run(r.parts, r);
        } finally {
            r.task = null;
        }
    }

    @Override
    public void gemv(int n, int k, float[] x, int xOff, float[] w, int wOff, int ldw, float[] y, int yOff, boolean accumulate) {
        if (splitsColumns(1, n, k)) run(Layout.NN, false, 1, n, k, x, xOff, k, w, wOff, ldw, y, yOff, n, accumulate);
        else d.gemv(n, k, x, xOff, w, wOff, ldw, y, yOff, accumulate);
    }

    @Override
    public void tanhForward(float[] z, int zOff, float[] u, int uOff, float[] bias, int biasOff, float[] h, int hOff, int n) {
        d.tanhForward(z, zOff, u, uOff, bias, biasOff, h, hOff, n);
    }

    @Override
    public void tanhBackward(float[] h, int hOff, float[] dh1, int dh1Off, float[] dh2, int dh2Off, float[] dz, int dzOff, int n) {
        d.tanhBackward(h, hOff, dh1, dh1Off, dh2, dh2Off, dz, dzOff, n);
    }

    @Override
    public void lstmForward(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] cPrev, int cPrevOff,
                            float[] c, int cOff, float[] tc, int tcOff, float[] h, int hOff, int n) {
        d.lstmForward(g, gOff, u, uOff, b, bOff, cPrev, cPrevOff, c, cOff, tc, tcOff, h, hOff, n);
    }

    @Override
    public void lstmBackward(float[] g, int gOff, float[] cPrev, int cPrevOff, float[] tc, int tcOff, float[] dh1, int dh1Off,
                             float[] dh2, int dh2Off, float[] dc, int dcOff, int n) {
        d.lstmBackward(g, gOff, cPrev, cPrevOff, tc, tcOff, dh1, dh1Off, dh2, dh2Off, dc, dcOff, n);
    }

    @Override
    public void gruGates(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] hPrev, int hPrevOff,
                         float[] rh, int rhOff, int n) {
        d.gruGates(g, gOff, u, uOff, b, bOff, hPrev, hPrevOff, rh, rhOff, n);
    }

    @Override
    public void gruOutput(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] hPrev, int hPrevOff,
                          float[] h, int hOff, int n) {
        d.gruOutput(g, gOff, u, uOff, b, bOff, hPrev, hPrevOff, h, hOff, n);
    }

    @Override
    public void gruBackwardOutput(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] dh1, int dh1Off, float[] dh2,
                                  int dh2Off, float[] dhPrev, int dhPrevOff, int n) {
        d.gruBackwardOutput(g, gOff, hPrev, hPrevOff, dh1, dh1Off, dh2, dh2Off, dhPrev, dhPrevOff, n);
    }

    @Override
    public void gruBackwardReset(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] drh, int drhOff, float[] dhPrev,
                                 int dhPrevOff, int n) {
        d.gruBackwardReset(g, gOff, hPrev, hPrevOff, drh, drhOff, dhPrev, dhPrevOff, n);
    }

    /**
     * Splits the rows as {@link #gemm} splits the logits' product by rows, so each thread's rows are the logits it
     * wrote (the team gives a part to the same thread in both calls); serial, it cost a team's caller 26 µs of
     * every d2l step (560 rows) and its member as long waiting. Each row's loss is kept apart and the caller sums
     * them in row order, as the unsplit kernel does: the same bits.
     */
    @Override
    public double softmaxCrossEntropy(float[] logits, int lOff, int rows, int cols, int[] targets, int tOff, float gradScale,
                                      float[] grad, int gOff) {
        if (!splitsRows(rows, cols, SOFTMAX_WORK)) return d.softmaxCrossEntropy(logits, lOff, rows, cols, targets, tOff, gradScale, grad, gOff);
        SoftmaxParts s = softmax;
        if (s.loss.length < rows) s.loss = new double[rows]; // once per size
        s.logits = logits; s.lOff = lOff; s.rows = rows; s.cols = cols; s.targets = targets; s.tOff = tOff;
        s.gradScale = gradScale; s.grad = grad; s.gOff = gOff;
        s.parts = Math.min(PARTS_PER_THREAD * parallel.threads(), (rows + ROW_ALIGN - 1) / ROW_ALIGN);
        try {
            parallel.run(s.parts, s);
        } finally {
            s.logits = s.grad = null;
            s.targets = null;
        }
        double sum = 0;
        for (int r = 0; r < rows; r++) sum += s.loss[r];
        return sum;
    }

    /** Multiply-adds a logit's softmax counts as against {@link #MIN_WORK}: a max, an exp and a scaling. */
    private static final int SOFTMAX_WORK = 16;

    /** One {@link #softmaxCrossEntropy} call's operands and its rows' losses. */
    private final class SoftmaxParts implements IntConsumer {
        double[] loss = new double[0];
        float[] logits, grad;
        int[] targets;
        int lOff, rows, cols, tOff, gOff, parts;
        float gradScale;

        @Override
        public void accept(int p) {
            for (int r = bound(p, rows, ROW_ALIGN, parts), end = bound(p + 1, rows, ROW_ALIGN, parts); r < end; r++) {
                loss[r] = d.softmaxCrossEntropy(logits, lOff + r * cols, 1, cols, targets, tOff + r, gradScale, grad, gOff + r * cols);
            }
        }
    }

    @Override public double sumOfSquares(float[] x, int off, int n) { return d.sumOfSquares(x, off, n); }

    @Override public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) { d.axpy(alpha, x, xOff, y, yOff, n); }

    @Override public void add(float[] x, int xOff, float[] y, int yOff, int n) { d.add(x, xOff, y, yOff, n); }

    @Override
    public void columnSums(float[] x, int xOff, int rows, int cols, int ld, float[] out, int outOff) {
        d.columnSums(x, xOff, rows, cols, ld, out, outOff);
    }

    @Override
    public void scatterAddRows(float[] x, int xOff, int ld, int rows, int[] idx, int idxOff, float[] out, int outOff, int ldOut,
                               int cols) {
        d.scatterAddRows(x, xOff, ld, rows, idx, idxOff, out, outOff, ldOut, cols);
    }

    @Override
    public void transpose(int rows, int cols, float[] src, int srcOff, int lds, float[] dst, int dstOff, int ldd) {
        d.transpose(rows, cols, src, srcOff, lds, dst, dstOff, ldd);
    }

    @Override
    public void adamStep(float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff, int n, float gradScale,
                         float l2, float decay, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                         float stepSize, float bc2Sqrt, float eps) {
        d.adamStep(p, pOff, g, gOff, m, mOff, v, vOff, n, gradScale, l2, decay, beta1, oneMinusBeta1, beta2, oneMinusBeta2,
                stepSize, bc2Sqrt, eps);
    }

    @Override
    public void rmspropStep(float[] p, int pOff, float[] g, int gOff, float[] v, int vOff, int n, float gradScale, float l2,
                            float alpha, float oneMinusAlpha, float lr, float eps) {
        d.rmspropStep(p, pOff, g, gOff, v, vOff, n, gradScale, l2, alpha, oneMinusAlpha, lr, eps);
    }

    @Override
    public void dropout(float[] x, int xOff, float[] y, int yOff, int n, int key, int threshold, float scale) {
        d.dropout(x, xOff, y, yOff, n, key, threshold, scale);
    }

    @Override
    public void torchGruForward(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] bhh, int bhhOff,
                                float[] hPrev, int hPrevOff, float[] hn, int hnOff, float[] h, int hOff, int n) {
        d.torchGruForward(g, gOff, u, uOff, b, bOff, bhh, bhhOff, hPrev, hPrevOff, hn, hnOff, h, hOff, n);
    }

    @Override
    public void torchGruBackward(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] hn, int hnOff,
                                 float[] dh1, int dh1Off, float[] dh2, int dh2Off, float[] dhPrev, int dhPrevOff, int n) {
        d.torchGruBackward(g, gOff, hPrev, hPrevOff, hn, hnOff, dh1, dh1Off, dh2, dh2Off, dhPrev, dhPrevOff, n);
    }
}
