package dev.vecrnn.model;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.Layout;
import java.util.List;

/**
 * d2l 9.1's GRU: {@code Z, R = σ(X·W_x* + H·W_h* + b_*)}, {@code H̃ = tanh(X·W_xh + (R⊙H)·W_hh + b_h)},
 * {@code H = Z⊙H + (1−Z)⊙H̃}. Not PyTorch's {@code nn.GRU}, which applies R after the product. The z and r
 * products run as one GEMM over the packed panel {@code [W_hz W_hr] (hidden, 2·hidden)}; the candidate's
 * product waits for R, so a step is GEMM, fused gates, GEMM, fused output.
 */
public final class GruCell extends Cell {
    private final String panel, panelT, whhP, whhT, acts, rhs, carry, drh;

    public GruCell() {
        this(0, "");
    }

    public GruCell(int layer, String prefix) {
        super("gru", new String[] {"z", "r", "h"}, layer, prefix);
        panel = local("Wh_zr");
        panelT = local("Wh_zr_T");
        whhP = local("W_hh_P");
        whhT = local("W_hh_T");
        acts = local("gates");
        rhs = local("rh");
        carry = local("carry");
        drh = local("drh");
    }

    @Override
    protected List<TensorSpec> recurrentPanels(int hidden) {
        return List.of(panel(panel, hidden, 2 * hidden), panel(panelT, 2 * hidden, hidden), panel(whhP, hidden, hidden),
                panel(whhT, hidden, hidden));
    }

    @Override
    protected List<TensorSpec> recurrenceBuffers(int rows, int steps, int hidden) {
        return List.of(
                new TensorSpec(acts, steps, rows, 3 * hidden), // (steps, rows, 3·hidden): z, r, h̃; backward: their dA
                new TensorSpec(rhs, steps, rows, hidden),      // (steps, rows, hidden): R⊙H_{t−1}
                new TensorSpec(carry, rows, hidden),           // (rows, hidden): dL/dH_{t−1}
                new TensorSpec(drh, rows, hidden));            // (rows, hidden): dL/d(R⊙H_{t−1})
    }

    @Override
    protected void packRecurrent(Kernels k, Slab params, Slab packed, int hidden, int part, int parts) {
        packSideBySide(k, params, packed, wh, 0, 2, panel, panelT, hidden, part, parts);
        packSideBySide(k, params, packed, wh, 2, 1, whhP, whhT, hidden, part, parts);
    }

    @Override
    protected int recurrentInput(Slab ws, int g) {
        return g == 2 ? ws.off(rhs) : ws.off(hs);
    }

    @Override
    protected void forwardRows(Kernels k, Slab params, Slab packed, Slab ws, int[] x, int xOff, int rows, int steps,
                               int from, int to) {
        float[] w = ws.data(), q = packed.data(), u = inputArray(packed, ws);
        int hidden = hidden(params), width = 3 * hidden, block = rows * hidden, m = to - from;
        int h = ws.off(hs) + from * hidden, a = ws.off(acts), rh = ws.off(rhs) + from * hidden;
        int wzr = packed.off(panel), bias = packed.off(biasPanel), whh = packed.off(whhP);
        for (int t = 0; t < steps; t++) {
            int gt = a + (t * rows + from) * width, prev = h + t * block, rt = rh + t * block;
            k.gemm(Layout.NP, m, 2 * hidden, hidden, w, prev, hidden, q, wzr, hidden, w, gt, width, false);
            for (int i = from; i < to; i++) {
                int j = i - from;
                k.gruGates(w, gt + j * width, u, inputOffset(packed, ws, x, xOff, rows, t, i, width), q, bias,
                        w, prev + j * hidden, w, rt + j * hidden, hidden);
            }
            k.gemm(Layout.NP, m, hidden, hidden, w, rt, hidden, q, whh, hidden, w, gt + 2 * hidden, width, false);
            for (int i = from; i < to; i++) {
                int j = i - from;
                k.gruOutput(w, gt + j * width, u, inputOffset(packed, ws, x, xOff, rows, t, i, width), q, bias,
                        w, prev + j * hidden, w, prev + block + j * hidden, hidden);
            }
        }
    }

    @Override
    public void backward(Kernels k, Slab params, Slab packed, Slab ws, Slab grads, int[] x, int xOff, float[] in,
                         int inOff, int rows, int steps, float[] dOut, int dOutOff, float[] dIn, int dInOff,
                         LayerTask frame) {
        float[] w = ws.data();
        int dh = ws.off(carry);
        java.util.Arrays.fill(w, dh, dh + rows * hidden(params), 0f);
        walkBackward(k, frame, params, packed, ws, rows, steps, dOut, dOutOff);
        parameterGradients(k, packed, ws, grads, x, xOff, in, inOff, rows, steps, w, ws.off(acts), dIn, dInOff, frame);
    }

    @Override
    protected void backwardRows(Kernels k, Slab params, Slab packed, Slab ws, int rows, int steps, float[] dOut,
                                int dOutOff, int from, int to) {
        float[] w = ws.data(), q = packed.data();
        int hidden = hidden(params), width = 3 * hidden, block = rows * hidden, m = to - from;
        int h = ws.off(hs), a = ws.off(acts), dh = ws.off(carry), dr = ws.off(drh);
        for (int t = steps - 1; t >= 0; t--) {
            int gt = a + t * rows * width, prev = h + t * block;
            for (int i = from; i < to; i++) {
                k.gruBackwardOutput(w, gt + i * width, w, prev + i * hidden, dOut, dOutOff + t * block + i * hidden,
                        w, dh + i * hidden, w, dh + i * hidden, hidden);
            }
            k.gemm(Layout.NP, m, hidden, hidden, w, gt + from * width + 2 * hidden, width, q, packed.off(whhT), hidden,
                    w, dr + from * hidden, hidden, false);
            for (int i = from; i < to; i++) {
                k.gruBackwardReset(w, gt + i * width, w, prev + i * hidden, w, dr + i * hidden, w, dh + i * hidden, hidden);
            }
            if (t > 0) {
                k.gemm(Layout.NP, m, hidden, 2 * hidden, w, gt + from * width, width, q, packed.off(panelT), 2 * hidden,
                        w, dh + from * hidden, hidden, true);
            }
        }
    }
}
