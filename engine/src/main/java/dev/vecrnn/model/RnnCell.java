package dev.vecrnn.model;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.Layout;
import java.util.List;

/**
 * d2l 8.5's cell: {@code H_t = tanh(X_t·W_xh + H_{t−1}·W_hh + b_h)}. The one-hot product {@code X_t·W_xh}
 * is a gather of row {@code x} of {@code W_xh}, fused into the activation kernel.
 */
public final class RnnCell implements Cell {

    @Override public String type() { return "rnn"; }

    @Override
    public List<TensorSpec> parameters(int vocab, int hidden) {
        return List.of(new TensorSpec("W_xh", vocab, hidden), new TensorSpec("W_hh", hidden, hidden),
                new TensorSpec("b_h", hidden));
    }

    @Override public int stateSize(int hidden) { return hidden; }

    @Override
    public List<TensorSpec> packedBuffers(int vocab, int hidden) {
        return List.of(new TensorSpec("W_hh_T", hidden, hidden)); // W_hhᵀ, so dH·W_hhᵀ runs as NN
    }

    @Override
    public List<TensorSpec> chunkBuffers(int rows, int steps, int hidden) {
        return List.of(
                new TensorSpec("hs", steps + 1, rows, hidden),  // (steps+1, rows, hidden): hs[0] is the initial state
                new TensorSpec("carry", rows, hidden));         // (rows, hidden): dL/dH_{t-1} flowing back through W_hh
    }

    @Override
    public void pack(Kernels k, Slab params, Slab packed, int part, int parts) {
        int h = params.table().spec("W_hh").dim(0);
        Transpose.rows(params.data(), params.off("W_hh"), h, h, packed.data(), packed.off("W_hh_T"),
                part * h / parts, (part + 1) * h / parts);
    }

    @Override
    public void forward(Kernels k, Slab params, Slab packed, Slab ws, int[] x, int xOff, int rows, int steps,
                        float[] state, int stateOff) {
        float[] p = params.data();
        float[] w = ws.data();
        int hidden = params.table().spec("b_h").dim(0);
        int wxh = params.off("W_xh"), whh = params.off("W_hh"), bh = params.off("b_h");
        int hs = ws.off("hs");
        int block = rows * hidden;
        System.arraycopy(state, stateOff, w, hs, block);
        for (int t = 0; t < steps; t++) {
            int prev = hs + t * block, cur = prev + block;
            k.gemm(Layout.NN, rows, hidden, hidden, w, prev, hidden, p, whh, hidden, w, cur, hidden, false);
            for (int i = 0; i < rows; i++) {
                int row = cur + i * hidden;
                k.tanhForward(w, row, p, wxh + x[xOff + t * rows + i] * hidden, p, bh, w, row, hidden);
            }
        }
        System.arraycopy(w, hs + steps * block, state, stateOff, block);
    }

    @Override
    public int outputs(Slab ws) {
        int hs = ws.off("hs");
        TensorSpec s = ws.table().spec("hs");
        return hs + s.dim(1) * s.dim(2);
    }

    @Override
    public void backward(Kernels k, Slab params, Slab packed, Slab ws, Slab grads, int[] x, int xOff, int rows,
                         int steps, float[] dOut, int dOutOff) {
        float[] w = ws.data();
        float[] g = grads.data();
        int hidden = params.table().spec("b_h").dim(0);
        int hs = ws.off("hs"), carry = ws.off("carry");
        int whhT = packed.off("W_hh_T");
        int block = rows * hidden;
        java.util.Arrays.fill(w, carry, carry + block, 0f);
        // dOut[t] becomes dZ_t = (dOut[t] + carry) ⊙ (1 − H_t²), then carry = dZ_t · W_hhᵀ for step t−1.
        for (int t = steps - 1; t >= 0; t--) {
            int dz = dOutOff + t * block;
            k.tanhBackward(w, hs + (t + 1) * block, dOut, dz, w, carry, dOut, dz, block);
            if (t > 0) {
                k.gemm(Layout.NN, rows, hidden, hidden, dOut, dz, hidden, packed.data(), whhT, hidden,
                        w, carry, hidden, false);
            }
        }
        int n = steps * rows;
        // dW_hh = Σ_t H_{t−1}ᵀ · dZ_t, all steps in one product; b_h and the gathered W_xh rows likewise.
        k.gemm(Layout.TN, hidden, hidden, n, w, hs, hidden, dOut, dOutOff, hidden, g, grads.off("W_hh"), hidden, true);
        k.columnSums(dOut, dOutOff, n, hidden, hidden, g, grads.off("b_h"));
        int dwxh = grads.off("W_xh");
        for (int r = 0; r < n; r++) {
            k.add(dOut, dOutOff + r * hidden, g, dwxh + x[xOff + r] * hidden, hidden);
        }
    }
}
