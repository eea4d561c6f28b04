package dev.vecrnn.model;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.Layout;
import java.util.List;

/**
 * PyTorch's {@code nn.GRU}, with d2l-style names: {@code Z, R = σ(X·W_x* + H·W_h* + b_*)},
 * {@code Ñ = tanh(X·W_xh + b_xh + R⊙(H·W_hh + b_hh))}, {@code H = Z⊙H + (1−Z)⊙Ñ}. It differs from d2l's GRU
 * ({@link GruCell}) in where R applies: after the recurrent product, not before it. That makes a PyTorch
 * model importable exactly, and it makes a step cheaper: all three recurrent products run as one GEMM over
 * the packed panel {@code [W_hz W_hr W_hh] (hidden, 3·hidden)}, then one fused kernel. The candidate keeps
 * two biases because R multiplies only {@code b_hh}.
 *
 * <p>Parameters per layer, in checkpoint order: {@code W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_xh, b_hh}.
 */
public final class TorchGruCell extends Cell {
    private final String bhh, panel, panelT, acts, hns, carry;

    public TorchGruCell() {
        this(0, "");
    }

    public TorchGruCell(int layer, String prefix) {
        super("gru-torch", new String[] {"z", "r", "h"}, new String[] {"z", "r", "xh"}, layer, prefix);
        bhh = prefix + "b_hh";
        panel = local("Wh_zrh");
        panelT = local("Wh_zrh_T");
        acts = local("gates");
        hns = local("hn");
        carry = local("carry");
    }

    @Override
    protected List<TensorSpec> extraParameters(int hidden) {
        return List.of(new TensorSpec(bhh, hidden));
    }

    @Override
    protected List<TensorSpec> recurrentPanels(int hidden) {
        return List.of(panel(panel, hidden, 3 * hidden), panel(panelT, 3 * hidden, hidden));
    }

    @Override
    protected List<TensorSpec> recurrenceBuffers(int rows, int steps, int hidden) {
        return List.of(
                new TensorSpec(acts, steps, rows, 3 * hidden), // z, r, ñ; backward: the recurrent products' gradients
                new TensorSpec(hns, steps, rows, hidden),      // H·W_hh + b_hh; backward: dA_n, the candidate input's gradient
                new TensorSpec(carry, rows, hidden));          // dL/dH_{t−1}
    }

    @Override
    protected void packRecurrent(Kernels k, Slab params, Slab packed, int hidden, int part, int parts) {
        packSideBySide(k, params, packed, wh, 0, 3, panel, panelT, hidden, part, parts);
    }

    @Override
    protected void forwardRows(Kernels k, Slab params, Slab packed, Slab ws, int[] x, int xOff, int rows, int steps,
                               int from, int to) {
        float[] w = ws.data(), q = packed.data(), u = inputArray(packed, ws);
        int hidden = hidden(params), width = 3 * hidden, block = rows * hidden;
        int h = ws.off(hs), a = ws.off(acts), hn = ws.off(hns);
        int wp = packed.off(panel), bias = packed.off(biasPanel), bh = params.off(bhh);
        for (int t = 0; t < steps; t++) {
            int gt = a + t * rows * width, prev = h + t * block;
            k.gemm(Layout.NP, to - from, width, hidden, w, prev + from * hidden, hidden, q, wp, hidden, w, gt + from * width,
                    width, false);
            for (int i = from; i < to; i++) {
                k.torchGruForward(w, gt + i * width, u, inputOffset(packed, ws, x, xOff, rows, t, i, width), q, bias,
                        params.data(), bh, w, prev + i * hidden, w, hn + t * block + i * hidden,
                        w, prev + block + i * hidden, hidden);
            }
        }
    }

    @Override
    public void backward(Kernels k, Slab params, Slab packed, Slab ws, Slab grads, int[] x, int xOff, float[] in,
                         int inOff, int rows, int steps, float[] dOut, int dOutOff, float[] dIn, int dInOff,
                         LayerTask frame) {
        float[] w = ws.data(), gd = grads.data();
        int hidden = hidden(params), width = 3 * hidden, n = steps * rows;
        int h = ws.off(hs), a = ws.off(acts), hn = ws.off(hns), dh = ws.off(carry);
        java.util.Arrays.fill(w, dh, dh + rows * hidden, 0f);
        walkBackward(k, frame, params, packed, ws, rows, steps, dOut, dOutOff);
        // The candidate's recurrent product and b_hh see dA_n⊙r (in block h now); W_xh and b_xh see dA_n itself.
        k.gemm(Layout.TN, hidden, hidden, n, w, h, hidden, w, a + 2 * hidden, width, gd, grads.off(wh[2]), hidden, false);
        k.columnSums(w, a + 2 * hidden, n, hidden, width, gd, grads.off(bhh));
        for (int r = 0; r < n; r++) System.arraycopy(w, hn + r * hidden, w, a + r * width + 2 * hidden, hidden);
        parameterGradients(k, packed, ws, grads, x, xOff, in, inOff, rows, steps, w, a, dIn, dInOff, 2, frame);
    }

    @Override
    protected void backwardRows(Kernels k, Slab params, Slab packed, Slab ws, int rows, int steps, float[] dOut,
                                int dOutOff, int from, int to) {
        float[] w = ws.data(), q = packed.data();
        int hidden = hidden(params), width = 3 * hidden, block = rows * hidden;
        int h = ws.off(hs), a = ws.off(acts), hn = ws.off(hns), dh = ws.off(carry);
        for (int t = steps - 1; t >= 0; t--) {
            int gt = a + t * rows * width, prev = h + t * block;
            for (int i = from; i < to; i++) {
                k.torchGruBackward(w, gt + i * width, w, prev + i * hidden, w, hn + t * block + i * hidden,
                        dOut, dOutOff + t * block + i * hidden, w, dh + i * hidden, w, dh + i * hidden, hidden);
            }
            if (t > 0) {
                k.gemm(Layout.NP, to - from, hidden, width, w, gt + from * width, width, q, packed.off(panelT), width,
                        w, dh + from * hidden, hidden, true);
            }
        }
    }
}
