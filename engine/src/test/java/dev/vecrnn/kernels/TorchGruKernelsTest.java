package dev.vecrnn.kernels;

import static dev.vecrnn.kernels.GateKernelsTest.SIGMOID_ERR;
import static dev.vecrnn.kernels.GateKernelsTest.TANH_ERR;
import static dev.vecrnn.kernels.GateKernelsTest.assertGuardsIntact;
import static dev.vecrnn.kernels.GateKernelsTest.assertNearTwin;
import static dev.vecrnn.kernels.GateKernelsTest.assertUnchanged;
import static dev.vecrnn.kernels.GateKernelsTest.blocks;
import static dev.vecrnn.kernels.GateKernelsTest.output;
import static dev.vecrnn.kernels.GateKernelsTest.sigmoid;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code torchGruForward} and {@code torchGruBackward} (PyTorch's nn.GRU, the {@code gru-torch} cell) of every
 * implementation against {@link ScalarKernels}, and the twin against nn.GRU's formulas in double, with
 * {@link GateKernelsTest}'s guards (NaN around inputs and rewritten rows, a sentinel around pure outputs),
 * ragged lengths and tolerances.
 */
class TorchGruKernelsTest {
    private static final double ULP = 0x1p-23, BACKWARD_ROUNDINGS = 8 * 0x1p-24;
    private static final float[] REC = {-4f, 4f}, INPUT = {-3f, 3f}, BIAS = {-1.5f, 1.5f};
    private static final float[] UNIT = {0f, 1f}, SIGNED = {-1f, 1f}, GRAD = {-2f, 2f}, HN = {-5f, 5f};

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("dev.vecrnn.kernels.KernelsTest#implAndLength")
    void torchGruForward(Kernels k, int n) {
        Random r = new Random(17_000 + n);
        int go = 3, uo = 5, bo = 2, bho = 7, hpo = 4, hno = 1, ho = 6;
        float[] g = blocks(r, go, n, REC, REC, REC); // H·W_hz, H·W_hr, H·W_hh
        float[] u = blocks(r, uo, n, INPUT, INPUT, INPUT);
        float[] b = blocks(r, bo, n, BIAS, BIAS, BIAS);
        float[] bhh = blocks(r, bho, n, BIAS);
        float[] hPrev = blocks(r, hpo, n, SIGNED);
        float[] u0 = u.clone(), b0 = b.clone(), bhh0 = bhh.clone(), hPrev0 = hPrev.clone();

        GateKernelsTest.Expected ez = new GateKernelsTest.Expected("z", n), er = new GateKernelsTest.Expected("r", n);
        GateKernelsTest.Expected ec = new GateKernelsTest.Expected("n~", n), ehn = new GateKernelsTest.Expected("hn", n);
        GateKernelsTest.Expected eh = new GateKernelsTest.Expected("h", n);
        double[] sc = new double[n], sh = new double[n], ones = GateKernelsTest.ones(n);
        for (int j = 0; j < n; j++) {
            double z = sigmoid(GateKernelsTest.pre(g, go + j, u, uo + j, b, bo + j));
            double rr = sigmoid(GateKernelsTest.pre(g, go + n + j, u, uo + n + j, b, bo + n + j));
            float rec = g[go + 2 * n + j] + bhh[bho + j], x = u[uo + 2 * n + j] + b[bo + 2 * n + j];
            double c = Math.tanh(x + rr * rec), hp = hPrev[hpo + j];
            double tc = TANH_ERR + SIGMOID_ERR * Math.abs(rec) + 2 * ULP * (Math.abs(x) + Math.abs(rr * rec));
            ez.set(j, z, SIGMOID_ERR);
            er.set(j, rr, SIGMOID_ERR);
            ehn.set(j, rec, 0);
            ec.set(j, c, tc);
            eh.set(j, z * hp + (1 - z) * c, (1 - z) * tc + SIGMOID_ERR * Math.abs(hp - c)
                    + 2 * ULP * (z * (Math.abs(hp) + Math.abs(c)) + Math.abs(c)));
            sc[j] = 2 * (1 + Math.abs(rec));
            sh[j] = sc[j] + 1 + Math.abs(hp);
        }

        ScalarKernels twin = new ScalarKernels();
        float[] gs = g.clone(), hns = output(hno, n), hs = output(ho, n);
        twin.torchGruForward(gs, go, u, uo, b, bo, bhh, bho, hPrev, hpo, hns, hno, hs, ho, n);

        float[] hnk = output(hno, n), hk = output(ho, n);
        k.torchGruForward(g, go, u, uo, b, bo, bhh, bho, hPrev, hpo, hnk, hno, hk, ho, n);
        String who = k.name() + " torchGruForward";
        ez.check(g, go, who);
        er.check(g, go + n, who);
        ec.check(g, go + 2 * n, who);
        ehn.check(hnk, hno, who);
        eh.check(hk, ho, who);
        assertNearTwin(gs, go, g, go, ones, who + " z");
        assertNearTwin(gs, go + n, g, go + n, ones, who + " r");
        assertNearTwin(gs, go + 2 * n, g, go + 2 * n, sc, who + " n~");
        assertNearTwin(hs, ho, hk, ho, sh, who + " h");
        assertGuardsIntact(g, go, 3 * n, Float.NaN, who + " g");
        assertGuardsIntact(hnk, hno, n, GateKernelsTest.SENTINEL_VALUE, who + " hn");
        assertGuardsIntact(hk, ho, n, GateKernelsTest.SENTINEL_VALUE, who + " h");
        assertUnchanged(u0, u, who + " u");
        assertUnchanged(b0, b, who + " b");
        assertUnchanged(bhh0, bhh, who + " bhh");
        assertUnchanged(hPrev0, hPrev, who + " hPrev");
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("dev.vecrnn.kernels.KernelsTest#implAndLength")
    void torchGruBackward(Kernels k, int n) {
        Random r = new Random(18_000 + n);
        int go = 5, hpo = 2, hno = 4, d1o = 1, d2o = 6, dpo = 3;
        float[] g = blocks(r, go, n, UNIT, UNIT, SIGNED); // z, r, ñ of the forward
        float[] hPrev = blocks(r, hpo, n, SIGNED);
        float[] hn = blocks(r, hno, n, HN);
        float[] dh1 = blocks(r, d1o, n, GRAD), dh2 = blocks(r, d2o, n, GRAD);
        float[] g0 = g.clone(), hn0 = hn.clone(), hPrev0 = hPrev.clone(), dh10 = dh1.clone(), dh20 = dh2.clone();

        String[] names = {"dA_z", "dA_r", "dA_n·r", "dA_n", "dhPrev"};
        GateKernelsTest.Expected[] e = new GateKernelsTest.Expected[5];
        for (int q = 0; q < 5; q++) e[q] = new GateKernelsTest.Expected(names[q], n);
        double[][] scale = new double[5][n];
        for (int j = 0; j < n; j++) {
            double z = g[go + j], rr = g[go + n + j], c = g[go + 2 * n + j], hp = hPrev[hpo + j], rec = hn[hno + j];
            double dh = (double) dh1[d1o + j] + dh2[d2o + j];
            double mh = Math.abs(dh1[d1o + j]) + Math.abs(dh2[d2o + j]);
            double dn = dh * (1 - z) * (1 - c * c), mn = mh * (1 - z) * (1 - c * c);
            double[] v = {dh * (hp - c) * z * (1 - z), dn * rec * rr * (1 - rr), dn * rr, dn, dh * z};
            double[] m = {mh * (Math.abs(hp) + Math.abs(c)) * z * (1 - z), mn * Math.abs(rec) * rr * (1 - rr), mn * rr, mn, mh * z};
            for (int q = 0; q < 5; q++) {
                e[q].set(j, v[q], BACKWARD_ROUNDINGS * m[q]);
                scale[q][j] = m[q];
            }
        }

        ScalarKernels twin = new ScalarKernels();
        float[] gs = g.clone(), hns = hn.clone(), dps = output(dpo, n);
        twin.torchGruBackward(gs, go, hPrev, hpo, hns, hno, dh1, d1o, dh2, d2o, dps, dpo, n);

        String who = k.name() + " torchGruBackward";
        float[] gk = g.clone(), hnk = hn.clone(), dpk = output(dpo, n);
        k.torchGruBackward(gk, go, hPrev, hpo, hnk, hno, dh1, d1o, dh2, d2o, dpk, dpo, n);
        float[][] arrays = {gk, gk, gk, hnk, dpk}, twins = {gs, gs, gs, hns, dps};
        int[] offs = {go, go + n, go + 2 * n, hno, dpo};
        for (int q = 0; q < 5; q++) {
            e[q].check(arrays[q], offs[q], who);
            assertNearTwin(twins[q], offs[q], arrays[q], offs[q], scale[q], who + " " + names[q]);
        }
        assertGuardsIntact(gk, go, 3 * n, Float.NaN, who + " g");
        assertGuardsIntact(hnk, hno, n, Float.NaN, who + " hn");
        assertGuardsIntact(dpk, dpo, n, GateKernelsTest.SENTINEL_VALUE, who + " dhPrev");
        assertUnchanged(hPrev0, hPrev, who + " hPrev");
        assertUnchanged(dh10, dh1, who + " dh1");
        assertUnchanged(dh20, dh2, who + " dh2");

        // dhPrev aliasing dh2, as TorchGruCell runs it
        float[] ga = g0.clone(), hna = hn0.clone(), carry = dh20.clone();
        k.torchGruBackward(ga, go, hPrev, hpo, hna, hno, dh1, d1o, carry, d2o, carry, d2o, n);
        e[0].check(ga, go, who + " (dhPrev = dh2)");
        e[3].check(hna, hno, who + " (dhPrev = dh2)");
        e[4].check(carry, d2o, who + " (dhPrev = dh2)");
        assertGuardsIntact(carry, d2o, n, Float.NaN, who + " (dhPrev = dh2) dhPrev");
    }
}
