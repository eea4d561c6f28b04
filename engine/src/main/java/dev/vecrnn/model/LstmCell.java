package dev.vecrnn.model;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.Layout;
import java.util.List;

/**
 * d2l 9.2's LSTM: {@code I, F, O = σ(X·W_x* + H·W_h* + b_*)}, {@code C̃ = tanh(X·W_xc + H·W_hc + b_c)},
 * {@code C = F⊙C + I⊙C̃}, {@code H = O⊙tanh(C)}; state {@code (H, C)}. The four recurrent products run as one
 * GEMM over the packed panel {@code [W_hi W_hf W_ho W_hc] (hidden, 4·hidden)}, the rest of a step as one fused
 * kernel per row, and backward likewise, with {@code dH_{t−1} = dA_t · panelᵀ} as one GEMM.
 */
public final class LstmCell extends Cell {
    private final String panel, panelT, acts, cs, tcs, carry, dc;
    private final String[] state;

    public LstmCell() {
        this(0, "");
    }

    public LstmCell(int layer, String prefix) {
        super("lstm", new String[] {"i", "f", "o", "c"}, layer, prefix);
        panel = local("Wh");
        panelT = local("Wh_T");
        acts = local("gates");
        cs = local("cs");
        tcs = local("tanh_c");
        carry = local("carry");
        dc = local("dc");
        state = new String[] {hs, cs};
    }

    @Override public int stateSize(int hidden) { return 2 * hidden; }

    @Override
    protected String[] stateBuffers() { return state; }

    @Override
    protected List<TensorSpec> recurrentPanels(int hidden) {
        return List.of(panel(panel, hidden, 4 * hidden), panel(panelT, 4 * hidden, hidden));
    }

    @Override
    protected List<TensorSpec> recurrenceBuffers(int rows, int steps, int hidden) {
        return List.of(
                new TensorSpec(acts, steps, rows, 4 * hidden), // (steps, rows, 4·hidden): i, f, o, c̃; backward: their dA
                new TensorSpec(cs, steps + 1, rows, hidden),   // (steps+1, rows, hidden): memory, cs[0] the initial one
                new TensorSpec(tcs, steps, rows, hidden),      // (steps, rows, hidden): tanh(C_t)
                new TensorSpec(carry, rows, hidden),           // (rows, hidden): dL/dH_{t−1}
                new TensorSpec(dc, rows, hidden));             // (rows, hidden): dL/dC_{t−1}
    }

    @Override
    protected void packRecurrent(Kernels k, Slab params, Slab packed, int hidden, int part, int parts) {
        packSideBySide(k, params, packed, wh, 0, 4, panel, panelT, hidden, part, parts);
    }

    @Override
    protected void forwardRows(Kernels k, Slab params, Slab packed, Slab ws, int[] x, int xOff, int rows, int steps,
                               int from, int to) {
        float[] w = ws.data(), q = packed.data(), u = inputArray(packed, ws);
        int hidden = hidden(params), width = 4 * hidden, block = rows * hidden;
        int h = ws.off(hs), c = ws.off(cs), tc = ws.off(tcs), a = ws.off(acts);
        int wh4 = packed.off(panel), bias = packed.off(biasPanel);
        for (int t = 0; t < steps; t++) {
            int gt = a + (t * rows + from) * width;
            k.gemm(Layout.NP, to - from, width, hidden, w, h + t * block + from * hidden, hidden, q, wh4, hidden, w, gt, width, false);
            for (int i = from; i < to; i++) {
                int r = t * block + i * hidden;
                k.lstmForward(w, gt + (i - from) * width, u, inputOffset(packed, ws, x, xOff, rows, t, i, width), q, bias,
                        w, c + r, w, c + block + r, w, tc + r, w, h + block + r, hidden);
            }
        }
    }

    @Override
    public void backward(Kernels k, Slab params, Slab packed, Slab ws, Slab grads, int[] x, int xOff, float[] in,
                         int inOff, int rows, int steps, float[] dOut, int dOutOff, float[] dIn, int dInOff,
                         LayerTask frame) {
        float[] w = ws.data();
        int block = rows * hidden(params), dh = ws.off(carry), dm = ws.off(dc);
        java.util.Arrays.fill(w, dh, dh + block, 0f);
        java.util.Arrays.fill(w, dm, dm + block, 0f);
        walkBackward(k, frame, params, packed, ws, rows, steps, dOut, dOutOff);
        parameterGradients(k, packed, ws, grads, x, xOff, in, inOff, rows, steps, w, ws.off(acts), dIn, dInOff, frame);
    }

    @Override
    protected void backwardRows(Kernels k, Slab params, Slab packed, Slab ws, int rows, int steps, float[] dOut,
                                int dOutOff, int from, int to) {
        float[] w = ws.data();
        int hidden = hidden(params), width = 4 * hidden, block = rows * hidden;
        int c = ws.off(cs), tc = ws.off(tcs), a = ws.off(acts), dh = ws.off(carry), dm = ws.off(dc);
        for (int t = steps - 1; t >= 0; t--) {
            int gt = a + t * rows * width;
            for (int i = from; i < to; i++) {
                int r = t * block + i * hidden;
                k.lstmBackward(w, gt + i * width, w, c + r, w, tc + r, dOut, dOutOff + r, w, dh + i * hidden,
                        w, dm + i * hidden, hidden);
            }
            if (t > 0) {
                k.gemm(Layout.NP, to - from, hidden, width, w, gt + from * width, width, packed.data(), packed.off(panelT),
                        width, w, dh + from * hidden, hidden, false);
            }
        }
    }
}
