package dev.vecrnn.kernels;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The GRU and LSTM kernels ({@code lstmForward}, {@code lstmBackward}, {@code gruGates}, {@code gruOutput},
 * {@code gruBackwardOutput}, {@code gruBackwardReset}) of every implementation against {@link ScalarKernels},
 * and the scalar twin against the formulas of d2l 9.1/9.2 in double with {@link Math#exp} and
 * {@link Math#tanh}, so that the specification itself is right and not merely shared by both twins.
 *
 * <p>As in {@link KernelsTest}: ragged lengths, a different non-zero offset per operand, NaN around every input
 * (a read outside poisons a result) and a sentinel around every pure output (a write outside is caught). A
 * gate row {@code g} is both read and rewritten, so its guards are NaN and must keep their bits. Blocks a kernel
 * documents as left alone are compared bit for bit, because the next kernel of the step reads them.
 *
 * <p>Tolerances. Against the scalar twin: two ulps at the scale of the element's operands ({@code 2·2⁻²³·scale}),
 * since both run the same float operations and may differ only in rounding. Against the double formulas:
 * the forward kernels carry FastMath's approximation error ({@link #SIGMOID_ERR}, {@link #TANH_ERR}) propagated
 * through the cell's products; the backward kernels are plain arithmetic on given activations, so their bound
 * is the usual {@code γ·|a|·|b|…}: a few units of roundoff times the formula evaluated on absolute values.
 */
class GateKernelsTest {

    private static final float SENTINEL = -12345.678f;
    /** The guard value around pure outputs, for the other gate kernels' tests. */
    static final float SENTINEL_VALUE = SENTINEL;
    /** One ulp of 1f. */
    private static final double ULP = 0x1p-23;
    /** FastMath's bounds, as FastMathTest checks them: absolute error of sigmoid and tanh. */
    static final double SIGMOID_ERR = 2e-7, TANH_ERR = 4e-7;
    /** Backward: a handful of roundings per element (products of up to five factors and a sum). */
    private static final double BACKWARD_ROUNDINGS = 8 * 0x1p-24;

    // Pre-activation parts: their float sum spans about ±8.5, past tanh's clamp (7.9) and into σ's flat tails.
    private static final float[] REC = {-4f, 4f}, INPUT = {-3f, 3f}, BIAS = {-1.5f, 1.5f};
    private static final float[] UNIT = {0f, 1f}, SIGNED = {-1f, 1f}, MEMORY = {-3f, 3f}, GRAD = {-2f, 2f};

    static double sigmoid(double a) {
        return 1 / (1 + Math.exp(-a));
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    /** {@code off + ranges.length·n + 37} floats: NaN guards, block {@code k} uniform in {@code ranges[k]}. */
    static float[] blocks(Random r, int off, int n, float[]... ranges) {
        float[] x = new float[off + ranges.length * n + 37];
        java.util.Arrays.fill(x, Float.NaN);
        for (int k = 0; k < ranges.length; k++) {
            float lo = ranges[k][0], hi = ranges[k][1];
            for (int j = 0; j < n; j++) x[off + k * n + j] = lo + (hi - lo) * r.nextFloat();
        }
        return x;
    }

    static float[] output(int off, int n) {
        float[] x = new float[off + n + 37];
        java.util.Arrays.fill(x, SENTINEL);
        return x;
    }

    /** Expected values of one output in double, with a tolerance per element. */
    static final class Expected {
        final String name;
        final double[] value, tol;

        Expected(String name, int n) {
            this.name = name;
            value = new double[n];
            tol = new double[n];
        }

        void set(int j, double v, double t) {
            value[j] = v;
            tol[j] = t;
        }

        void check(float[] actual, int off, String who) {
            for (int j = 0; j < value.length; j++) {
                float a = actual[off + j];
                if (!(Math.abs(a - value[j]) <= tol[j])) { // also fails on NaN
                    fail(who + " " + name + "[" + j + "]: formula gives " + value[j] + ", kernel " + a
                            + " (|diff| " + Math.abs(a - value[j]) + " > tol " + tol[j] + ")");
                }
            }
        }
    }

    /** Within two ulps at {@code scale[j]} of the scalar twin's result. */
    static void assertNearTwin(float[] twin, int tOff, float[] actual, int aOff, double[] scale, String what) {
        for (int j = 0; j < scale.length; j++) {
            float e = twin[tOff + j], a = actual[aOff + j];
            double tol = 2 * ULP * scale[j];
            if (!(Math.abs(a - e) <= tol)) {
                fail(what + "[" + j + "]: scalar twin " + e + ", got " + a + " (|diff| " + Math.abs(a - e) + " > tol " + tol + ")");
            }
        }
    }

    static void assertSameBits(float[] expected, float[] actual, int from, int to, String what) {
        for (int i = from; i < to; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ": changed at index " + i + " (" + expected[i] + " -> " + actual[i] + ")");
            }
        }
    }

    static void assertUnchanged(float[] before, float[] after, String what) {
        assertSameBits(before, after, 0, before.length, what + " (an input)");
    }

    static void assertGuardsIntact(float[] x, int off, int n, float guard, String what) {
        KernelsTest.assertGuardsIntact(x, off, n, guard, what);
    }

    static double[] ones(int n) {
        double[] s = new double[n];
        java.util.Arrays.fill(s, 1);
        return s;
    }

    /** The float sum the kernels feed an activation: {@code (g + u) + b}, left to right as written in Java. */
    static float pre(float[] g, int gi, float[] u, int ui, float[] b, int bi) {
        return g[gi] + u[ui] + b[bi];
    }

    // ---- LSTM ------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("dev.vecrnn.kernels.KernelsTest#implAndLength")
    void lstmForward(Kernels k, int n) {
        Random r = new Random(11_000 + n);
        int go = 5, uo = 3, bo = 9, cpo = 2, co = 7, tco = 1, ho = 4;
        float[] g = blocks(r, go, n, REC, REC, REC, REC);
        float[] u = blocks(r, uo, n, INPUT, INPUT, INPUT, INPUT);
        float[] b = blocks(r, bo, n, BIAS, BIAS, BIAS, BIAS);
        float[] cPrev = blocks(r, cpo, n, MEMORY);
        float[] u0 = u.clone(), b0 = b.clone(), cPrev0 = cPrev.clone();

        Expected[] act = {new Expected("i", n), new Expected("f", n), new Expected("o", n), new Expected("c~", n)};
        Expected c = new Expected("c", n), tc = new Expected("tanh(c)", n), h = new Expected("h", n);
        double[] scale = new double[n];
        for (int j = 0; j < n; j++) {
            double i = sigmoid(pre(g, go + j, u, uo + j, b, bo + j));
            double f = sigmoid(pre(g, go + n + j, u, uo + n + j, b, bo + n + j));
            double o = sigmoid(pre(g, go + 2 * n + j, u, uo + 2 * n + j, b, bo + 2 * n + j));
            double cc = Math.tanh(pre(g, go + 3 * n + j, u, uo + 3 * n + j, b, bo + 3 * n + j));
            double cp = cPrev[cpo + j];
            double cNew = f * cp + i * cc, t = Math.tanh(cNew);
            act[0].set(j, i, SIGMOID_ERR);
            act[1].set(j, f, SIGMOID_ERR);
            act[2].set(j, o, SIGMOID_ERR);
            act[3].set(j, cc, TANH_ERR);
            double ec = Math.abs(cp) * SIGMOID_ERR + Math.abs(cc) * SIGMOID_ERR + i * TANH_ERR
                    + 2 * ULP * (Math.abs(f * cp) + Math.abs(i * cc));
            double et = TANH_ERR + ec + ULP;  // tanh is 1-Lipschitz: c's error passes through
            c.set(j, cNew, ec);
            tc.set(j, t, et);
            h.set(j, o * t, Math.abs(t) * SIGMOID_ERR + o * et + ULP);
            scale[j] = 1 + Math.abs(cp);
        }

        ScalarKernels twin = new ScalarKernels();
        float[] gs = g.clone(), cs = output(co, n), tcs = output(tco, n), hs = output(ho, n);
        twin.lstmForward(gs, go, u, uo, b, bo, cPrev, cpo, cs, co, tcs, tco, hs, ho, n);

        float[] ck = output(co, n), tck = output(tco, n), hk = output(ho, n);
        k.lstmForward(g, go, u, uo, b, bo, cPrev, cpo, ck, co, tck, tco, hk, ho, n);
        String who = k.name() + " lstmForward";
        for (int q = 0; q < 4; q++) {
            act[q].check(g, go + q * n, who);
            assertNearTwin(gs, go + q * n, g, go + q * n, ones(n), who + " " + act[q].name);
        }
        c.check(ck, co, who);
        tc.check(tck, tco, who);
        h.check(hk, ho, who);
        assertNearTwin(cs, co, ck, co, scale, who + " c");
        assertNearTwin(tcs, tco, tck, tco, scale, who + " tanh(c)");
        assertNearTwin(hs, ho, hk, ho, scale, who + " h");
        assertGuardsIntact(g, go, 4 * n, Float.NaN, who + " g");
        assertGuardsIntact(ck, co, n, SENTINEL, who + " c");
        assertGuardsIntact(tck, tco, n, SENTINEL, who + " tanh(c)");
        assertGuardsIntact(hk, ho, n, SENTINEL, who + " h");
        assertUnchanged(u0, u, who + " u");
        assertUnchanged(b0, b, who + " b");
        assertUnchanged(cPrev0, cPrev, who + " cPrev");
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("dev.vecrnn.kernels.KernelsTest#implAndLength")
    void lstmBackward(Kernels k, int n) {
        Random r = new Random(12_000 + n);
        int go = 3, cpo = 6, tco = 2, d1o = 8, d2o = 1, dco = 5;
        float[] g = blocks(r, go, n, UNIT, UNIT, UNIT, SIGNED); // the forward's activations i, f, o, c̃
        float[] cPrev = blocks(r, cpo, n, MEMORY);
        float[] tc = blocks(r, tco, n, SIGNED);
        float[] dh1 = blocks(r, d1o, n, GRAD), dh2 = blocks(r, d2o, n, GRAD), dc = blocks(r, dco, n, GRAD);
        float[] cPrev0 = cPrev.clone(), tc0 = tc.clone(), dh10 = dh1.clone(), dh20 = dh2.clone();

        Expected[] da = {new Expected("dA_i", n), new Expected("dA_f", n), new Expected("dA_o", n), new Expected("dA_c", n)};
        Expected dcOut = new Expected("dc", n);
        double[][] scale = new double[5][n];
        for (int j = 0; j < n; j++) {
            double i = g[go + j], f = g[go + n + j], o = g[go + 2 * n + j], cc = g[go + 3 * n + j];
            double t = tc[tco + j], cp = cPrev[cpo + j];
            double dh = (double) dh1[d1o + j] + dh2[d2o + j];
            double mh = Math.abs(dh1[d1o + j]) + Math.abs(dh2[d2o + j]);
            double dC = dc[dco + j] + dh * o * (1 - t * t);
            double mC = Math.abs(dc[dco + j]) + mh * o * (1 - t * t);
            double[] v = {dC * cc * i * (1 - i), dC * cp * f * (1 - f), dh * t * o * (1 - o), dC * i * (1 - cc * cc), dC * f};
            double[] m = {mC * Math.abs(cc) * i * (1 - i), mC * Math.abs(cp) * f * (1 - f), mh * Math.abs(t) * o * (1 - o),
                mC * i * (1 - cc * cc), mC * f};
            for (int q = 0; q < 5; q++) {
                (q < 4 ? da[q] : dcOut).set(j, v[q], BACKWARD_ROUNDINGS * m[q]);
                scale[q][j] = m[q];
            }
        }

        ScalarKernels twin = new ScalarKernels();
        float[] gs = g.clone(), dcs = dc.clone();
        twin.lstmBackward(gs, go, cPrev, cpo, tc, tco, dh1, d1o, dh2, d2o, dcs, dco, n);

        k.lstmBackward(g, go, cPrev, cpo, tc, tco, dh1, d1o, dh2, d2o, dc, dco, n);
        String who = k.name() + " lstmBackward";
        for (int q = 0; q < 4; q++) {
            da[q].check(g, go + q * n, who);
            assertNearTwin(gs, go + q * n, g, go + q * n, scale[q], who + " " + da[q].name);
        }
        dcOut.check(dc, dco, who);
        assertNearTwin(dcs, dco, dc, dco, scale[4], who + " dc");
        assertGuardsIntact(g, go, 4 * n, Float.NaN, who + " g");
        assertGuardsIntact(dc, dco, n, Float.NaN, who + " dc");
        assertUnchanged(cPrev0, cPrev, who + " cPrev");
        assertUnchanged(tc0, tc, who + " tanh(c)");
        assertUnchanged(dh10, dh1, who + " dh1");
        assertUnchanged(dh20, dh2, who + " dh2");
    }

    // ---- GRU -------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("dev.vecrnn.kernels.KernelsTest#implAndLength")
    void gruGates(Kernels k, int n) {
        Random r = new Random(13_000 + n);
        int go = 7, uo = 2, bo = 4, hpo = 9, rho = 3;
        float[] g = blocks(r, go, n, REC, REC, REC);
        float[] u = blocks(r, uo, n, INPUT, INPUT, INPUT);
        float[] b = blocks(r, bo, n, BIAS, BIAS, BIAS);
        float[] hPrev = blocks(r, hpo, n, SIGNED);
        float[] g0 = g.clone(), u0 = u.clone(), b0 = b.clone(), hPrev0 = hPrev.clone();

        Expected z = new Expected("z", n), rr = new Expected("r", n), rh = new Expected("r*hPrev", n);
        double[] scale = new double[n];
        for (int j = 0; j < n; j++) {
            double zz = sigmoid(pre(g, go + j, u, uo + j, b, bo + j));
            double rj = sigmoid(pre(g, go + n + j, u, uo + n + j, b, bo + n + j));
            double hp = hPrev[hpo + j];
            z.set(j, zz, SIGMOID_ERR);
            rr.set(j, rj, SIGMOID_ERR);
            rh.set(j, rj * hp, Math.abs(hp) * SIGMOID_ERR + ULP * Math.abs(rj * hp));
            scale[j] = 1 + Math.abs(hp);
        }

        ScalarKernels twin = new ScalarKernels();
        float[] gs = g.clone(), rhs = output(rho, n);
        twin.gruGates(gs, go, u, uo, b, bo, hPrev, hpo, rhs, rho, n);

        float[] rhk = output(rho, n);
        k.gruGates(g, go, u, uo, b, bo, hPrev, hpo, rhk, rho, n);
        String who = k.name() + " gruGates";
        z.check(g, go, who);
        rr.check(g, go + n, who);
        rh.check(rhk, rho, who);
        assertNearTwin(gs, go, g, go, ones(n), who + " z");
        assertNearTwin(gs, go + n, g, go + n, ones(n), who + " r");
        assertNearTwin(rhs, rho, rhk, rho, scale, who + " r*hPrev");
        assertSameBits(g0, g, go + 2 * n, go + 3 * n, who + " block h, which it must leave to the candidate's GEMM");
        assertGuardsIntact(g, go, 3 * n, Float.NaN, who + " g");
        assertGuardsIntact(rhk, rho, n, SENTINEL, who + " r*hPrev");
        assertUnchanged(u0, u, who + " u");
        assertUnchanged(b0, b, who + " b");
        assertUnchanged(hPrev0, hPrev, who + " hPrev");
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("dev.vecrnn.kernels.KernelsTest#implAndLength")
    void gruOutput(Kernels k, int n) {
        Random r = new Random(14_000 + n);
        int go = 2, uo = 6, bo = 1, hpo = 5, ho = 8;
        float[] g = blocks(r, go, n, UNIT, UNIT, REC); // z and r from gruGates, then (R⊙H)·W_hh
        float[] u = blocks(r, uo, n, INPUT, INPUT, INPUT);
        float[] b = blocks(r, bo, n, BIAS, BIAS, BIAS);
        float[] hPrev = blocks(r, hpo, n, SIGNED);
        float[] g0 = g.clone(), u0 = u.clone(), b0 = b.clone(), hPrev0 = hPrev.clone();

        Expected cand = new Expected("h~", n), h = new Expected("h", n);
        double[] scale = new double[n];
        for (int j = 0; j < n; j++) {
            double c = Math.tanh(pre(g, go + 2 * n + j, u, uo + 2 * n + j, b, bo + 2 * n + j));
            double z = g[go + j], hp = hPrev[hpo + j];
            cand.set(j, c, TANH_ERR);
            // h = z⊙hPrev + (1 − z)⊙h̃: the candidate's error reaches h weighted by 1 − z
            h.set(j, z * hp + (1 - z) * c, (1 - z) * TANH_ERR + 2 * ULP * (z * (Math.abs(hp) + Math.abs(c)) + Math.abs(c)));
            scale[j] = 1 + Math.abs(hp);
        }

        ScalarKernels twin = new ScalarKernels();
        float[] gs = g.clone(), hs = output(ho, n);
        twin.gruOutput(gs, go, u, uo, b, bo, hPrev, hpo, hs, ho, n);

        float[] hk = output(ho, n);
        k.gruOutput(g, go, u, uo, b, bo, hPrev, hpo, hk, ho, n);
        String who = k.name() + " gruOutput";
        cand.check(g, go + 2 * n, who);
        h.check(hk, ho, who);
        assertNearTwin(gs, go + 2 * n, g, go + 2 * n, ones(n), who + " h~");
        assertNearTwin(hs, ho, hk, ho, scale, who + " h");
        assertSameBits(g0, g, go, go + 2 * n, who + " blocks z and r, which backward reads");
        assertGuardsIntact(g, go, 3 * n, Float.NaN, who + " g");
        assertGuardsIntact(hk, ho, n, SENTINEL, who + " h");
        assertUnchanged(u0, u, who + " u");
        assertUnchanged(b0, b, who + " b");
        assertUnchanged(hPrev0, hPrev, who + " hPrev");
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("dev.vecrnn.kernels.KernelsTest#implAndLength")
    void gruBackwardOutput(Kernels k, int n) {
        Random r = new Random(15_000 + n);
        int go = 4, hpo = 1, d1o = 7, d2o = 3, dpo = 6;
        float[] g = blocks(r, go, n, UNIT, UNIT, SIGNED); // z, r, h̃ of the forward
        float[] hPrev = blocks(r, hpo, n, SIGNED);
        float[] dh1 = blocks(r, d1o, n, GRAD), dh2 = blocks(r, d2o, n, GRAD);
        float[] g0 = g.clone(), hPrev0 = hPrev.clone(), dh10 = dh1.clone(), dh20 = dh2.clone();

        Expected daz = new Expected("dA_z", n), dah = new Expected("dA_h", n), dp = new Expected("dhPrev", n);
        double[][] scale = new double[3][n];
        for (int j = 0; j < n; j++) {
            double z = g[go + j], c = g[go + 2 * n + j], hp = hPrev[hpo + j];
            double dh = (double) dh1[d1o + j] + dh2[d2o + j];
            double mh = Math.abs(dh1[d1o + j]) + Math.abs(dh2[d2o + j]);
            double[] v = {dh * (hp - c) * z * (1 - z), dh * (1 - z) * (1 - c * c), dh * z};
            double[] m = {mh * (Math.abs(hp) + Math.abs(c)) * z * (1 - z), mh * (1 - z) * (1 - c * c), mh * z};
            Expected[] e = {daz, dah, dp};
            for (int q = 0; q < 3; q++) {
                e[q].set(j, v[q], BACKWARD_ROUNDINGS * m[q]);
                scale[q][j] = m[q];
            }
        }

        ScalarKernels twin = new ScalarKernels();
        float[] gs = g.clone(), dps = output(dpo, n);
        twin.gruBackwardOutput(gs, go, hPrev, hpo, dh1, d1o, dh2, d2o, dps, dpo, n);

        String who = k.name() + " gruBackwardOutput";
        float[] gk = g.clone(), dpk = output(dpo, n);
        k.gruBackwardOutput(gk, go, hPrev, hpo, dh1, d1o, dh2, d2o, dpk, dpo, n);
        daz.check(gk, go, who);
        dah.check(gk, go + 2 * n, who);
        dp.check(dpk, dpo, who);
        assertNearTwin(gs, go, gk, go, scale[0], who + " dA_z");
        assertNearTwin(gs, go + 2 * n, gk, go + 2 * n, scale[1], who + " dA_h");
        assertNearTwin(dps, dpo, dpk, dpo, scale[2], who + " dhPrev");
        assertSameBits(g0, gk, go + n, go + 2 * n, who + " block r, which gruBackwardReset reads next");
        assertGuardsIntact(gk, go, 3 * n, Float.NaN, who + " g");
        assertGuardsIntact(dpk, dpo, n, SENTINEL, who + " dhPrev");
        assertUnchanged(hPrev0, hPrev, who + " hPrev");
        assertUnchanged(dh10, dh1, who + " dh1");
        assertUnchanged(dh20, dh2, who + " dh2");

        // dhPrev aliasing dh2, as GruCell runs it: the carried gradient is read and replaced in one pass
        float[] ga = g0.clone(), carry = dh20.clone();
        k.gruBackwardOutput(ga, go, hPrev, hpo, dh1, d1o, carry, d2o, carry, d2o, n);
        daz.check(ga, go, who + " (dhPrev = dh2)");
        dah.check(ga, go + 2 * n, who + " (dhPrev = dh2)");
        dp.check(carry, d2o, who + " (dhPrev = dh2)");
        assertNearTwin(dps, dpo, carry, d2o, scale[2], who + " (dhPrev = dh2) dhPrev");
        assertGuardsIntact(carry, d2o, n, Float.NaN, who + " (dhPrev = dh2) dhPrev");
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("dev.vecrnn.kernels.KernelsTest#implAndLength")
    void gruBackwardReset(Kernels k, int n) {
        Random r = new Random(16_000 + n);
        int go = 6, hpo = 2, dro = 5, dpo = 3;
        float[] g = blocks(r, go, n, GRAD, UNIT, GRAD); // dA_z, r, dA_h: only r is the forward's
        float[] hPrev = blocks(r, hpo, n, SIGNED);
        float[] drh = blocks(r, dro, n, GRAD);
        float[] dhPrev = blocks(r, dpo, n, GRAD); // already holds dH⊙z from gruBackwardOutput
        float[] g0 = g.clone(), hPrev0 = hPrev.clone(), drh0 = drh.clone();

        Expected dar = new Expected("dA_r", n), dp = new Expected("dhPrev", n);
        double[][] scale = new double[2][n];
        for (int j = 0; j < n; j++) {
            double rr = g[go + n + j], hp = hPrev[hpo + j], d = drh[dro + j], acc = dhPrev[dpo + j];
            double m0 = Math.abs(d * hp) * rr * (1 - rr), m1 = Math.abs(acc) + Math.abs(d) * rr;
            dar.set(j, d * hp * rr * (1 - rr), BACKWARD_ROUNDINGS * m0);
            dp.set(j, acc + d * rr, BACKWARD_ROUNDINGS * m1);
            scale[0][j] = m0;
            scale[1][j] = m1;
        }

        ScalarKernels twin = new ScalarKernels();
        float[] gs = g.clone(), dps = dhPrev.clone();
        twin.gruBackwardReset(gs, go, hPrev, hpo, drh, dro, dps, dpo, n);

        k.gruBackwardReset(g, go, hPrev, hpo, drh, dro, dhPrev, dpo, n);
        String who = k.name() + " gruBackwardReset";
        dar.check(g, go + n, who);
        dp.check(dhPrev, dpo, who);
        assertNearTwin(gs, go + n, g, go + n, scale[0], who + " dA_r");
        assertNearTwin(dps, dpo, dhPrev, dpo, scale[1], who + " dhPrev");
        assertSameBits(g0, g, go, go + n, who + " block z (dA_z)");
        assertSameBits(g0, g, go + 2 * n, go + 3 * n, who + " block h (dA_h)");
        assertGuardsIntact(g, go, 3 * n, Float.NaN, who + " g");
        assertGuardsIntact(dhPrev, dpo, n, Float.NaN, who + " dhPrev");
        assertUnchanged(hPrev0, hPrev, who + " hPrev");
        assertUnchanged(drh0, drh, who + " drh");
    }
}
