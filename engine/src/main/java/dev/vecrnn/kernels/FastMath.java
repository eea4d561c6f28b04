package dev.vecrnn.kernels;

/**
 * The scalar forms of the approximations the kernels use, so that the scalar and vector kernels compute the
 * same function and the vector one can be tested against this one to a few ulp.
 *
 * <ul>
 *   <li>{@link #tanh}: Eigen's 13/6 rational approximation on [-7.905, 7.905], saturating outside.
 *       Measured maximum absolute error against {@link Math#tanh} over every float in [-10, 10]: below
 *       3e-7 ({@code FastMathTest} checks 4e-7).</li>
 *   <li>{@link #exp}: Cephes' {@code expf}: {@code x = n·ln2 + r}, a degree-5 polynomial on
 *       {@code |r| ≤ ln2/2}, then {@code 2ⁿ} built in the exponent bits. Maximum relative error below
 *       2e-7 for x in [-87.3, 88.7] ({@code FastMathTest} checks 3e-7); inputs below −87.3 return
 *       {@code exp(−87.3) ≈ 1.2e-38}, which is what softmax needs (its inputs are ≤ 0).</li>
 *   <li>{@link #sigmoid}: {@code ½·tanh(x/2) + ½} on that tanh, so below 2e-7 absolute.</li>
 * </ul>
 * {@link Math#tanh} and {@link Math#exp} are exact to an ulp but several times slower, and the Vector API's
 * {@code TANH}/{@code EXP} lanewise operators call out to a slow path on most JDKs.
 */
public final class FastMath {
    private FastMath() {}

    static final float TANH_CLAMP = 7.90531110763549805f;
    static final float A1 = 4.89352455891786e-03f;
    static final float A3 = 6.37261928875436e-04f;
    static final float A5 = 1.48572235717979e-05f;
    static final float A7 = 5.12229709037114e-08f;
    static final float A9 = -8.60467152213735e-11f;
    static final float A11 = 2.00018790482477e-13f;
    static final float A13 = -2.76076847742355e-16f;
    static final float B0 = 4.89352518554385e-03f;
    static final float B2 = 2.26843463243900e-03f;
    static final float B4 = 1.18534705686654e-04f;
    static final float B6 = 1.19825839466702e-06f;

    static final float EXP_HI = 88.3762626647949f;
    static final float EXP_LO = -87.3365478515625f;
    static final float LOG2E = 1.44269504088896341f;
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    static final float P0 = 1.9875691500e-4f;
    static final float P1 = 1.3981999507e-3f;
    static final float P2 = 8.3334519073e-3f;
    static final float P3 = 4.1665795894e-2f;
    static final float P4 = 1.6666665459e-1f;
    static final float P5 = 5.0000001201e-1f;
    /** 1.5·2²³: adding and subtracting it rounds a float of magnitude below 2²² to the nearest integer. */
    static final float ROUND_MAGIC = 12582912f;

    /** Rational tanh; see the class comment for its error. NaN in, NaN out. */
    public static float tanh(float x) {
        float c = Math.max(-TANH_CLAMP, Math.min(TANH_CLAMP, x));
        float x2 = c * c;
        float p = Math.fma(x2, A13, A11);
        p = Math.fma(x2, p, A9);
        p = Math.fma(x2, p, A7);
        p = Math.fma(x2, p, A5);
        p = Math.fma(x2, p, A3);
        p = Math.fma(x2, p, A1);
        p = p * c;
        float q = Math.fma(x2, B6, B4);
        q = Math.fma(x2, q, B2);
        q = Math.fma(x2, q, B0);
        return p / q;
    }

    /**
     * The gates' sigmoid as {@code ½·tanh(x/2) + ½}: one rational approximation for both activations, and an
     * absolute error of half tanh's (below 2e-7; {@code FastMathTest} checks it).
     */
    public static float sigmoid(float x) {
        return Math.fma(0.5f, tanh(0.5f * x), 0.5f);
    }

    /** Range-reduced polynomial exp; see the class comment for its error and range. */
    public static float exp(float x) {
        float c = Math.max(EXP_LO, Math.min(EXP_HI, x));
        float n = (Math.fma(c, LOG2E, ROUND_MAGIC)) - ROUND_MAGIC;
        float r = Math.fma(n, -LN2_HI, c);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float r2 = r * r;
        float y = Math.fma(p, r2, r) + 1f;
        return y * Float.intBitsToFloat(((int) n + 127) << 23);
    }
}
