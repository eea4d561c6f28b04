package dev.vecrnn.model;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.Layout;
import java.util.List;

/**
 * d2l 8.5's cell: {@code H_t = tanh(X_t·W_xh + H_{t−1}·W_hh + b_h)}. For layer 0 the one-hot product
 * {@code X_t·W_xh} is a gather of row {@code x} of {@code W_xh}, fused into the activation kernel.
 */
public final class RnnCell extends Cell {
    private final String whhP, whhT, carry;

    /** Layer 0 of a one-layer model, with d2l's bare names. */
    public RnnCell() {
        this(0, "");
    }

    public RnnCell(int layer, String prefix) {
        super("rnn", new String[] {"h"}, layer, prefix);
        whhP = local("W_hh_P");
        whhT = local("W_hh_T");
        carry = local("carry");
    }

    @Override
    protected List<TensorSpec> recurrentPanels(int hidden) {
        return List.of(panel(whhP, hidden, hidden), panel(whhT, hidden, hidden)); // W_hh and W_hhᵀ, so dH·W_hhᵀ runs as NP
    }

    @Override
    protected List<TensorSpec> recurrenceBuffers(int rows, int steps, int hidden) {
        return List.of(new TensorSpec(carry, rows, hidden)); // (rows, hidden): dL/dH_{t-1} flowing back through W_hh
    }

    @Override
    protected void packRecurrent(Kernels k, Slab params, Slab packed, int hidden, int part, int parts) {
        packSideBySide(k, params, packed, wh, 0, 1, whhP, whhT, hidden, part, parts);
    }

    @Override
    protected void forwardRows(Kernels k, Slab params, Slab packed, Slab ws, int[] x, int xOff, int rows, int steps,
                               int from, int to) {
        float[] w = ws.data(), u = inputArray(packed, ws);
        int hidden = hidden(params);
        int whh = packed.off(whhP), bias = packed.off(biasPanel);
        int h = ws.off(hs) + from * hidden;
        int block = rows * hidden;
        for (int t = 0; t < steps; t++) {
            int prev = h + t * block, cur = prev + block;
            k.gemm(Layout.NP, to - from, hidden, hidden, w, prev, hidden, packed.data(), whh, hidden, w, cur, hidden, false);
            for (int i = from; i < to; i++) {
                int row = cur + (i - from) * hidden;
                k.tanhForward(w, row, u, inputOffset(packed, ws, x, xOff, rows, t, i, hidden), packed.data(), bias, w, row, hidden);
            }
        }
    }

    @Override
    public void backward(Kernels k, Slab params, Slab packed, Slab ws, Slab grads, int[] x, int xOff, float[] in,
                         int inOff, int rows, int steps, float[] dOut, int dOutOff, float[] dIn, int dInOff,
                         LayerTask frame) {
        int c = ws.off(carry);
        java.util.Arrays.fill(ws.data(), c, c + rows * hidden(params), 0f);
        walkBackward(k, frame, params, packed, ws, rows, steps, dOut, dOutOff);
        parameterGradients(k, packed, ws, grads, x, xOff, in, inOff, rows, steps, dOut, dOutOff, dIn, dInOff, frame);
    }

    @Override
    protected void backwardRows(Kernels k, Slab params, Slab packed, Slab ws, int rows, int steps, float[] dOut,
                                int dOutOff, int from, int to) {
        float[] w = ws.data();
        int hidden = hidden(params), block = rows * hidden;
        int h = ws.off(hs) + from * hidden, c = ws.off(carry) + from * hidden;
        int whhTOff = packed.off(whhT);
        // dOut[t] becomes dA_t = (dOut[t] + carry) ⊙ (1 − H_t²), then carry = dA_t · W_hhᵀ for step t−1.
        for (int t = steps - 1; t >= 0; t--) {
            int da = dOutOff + t * block + from * hidden;
            k.tanhBackward(w, h + (t + 1) * block, dOut, da, w, c, dOut, da, (to - from) * hidden);
            if (t > 0) k.gemm(Layout.NP, to - from, hidden, hidden, dOut, da, hidden, packed.data(), whhTOff, hidden, w, c, hidden, false);
        }
    }
}
