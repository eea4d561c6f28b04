package dev.vecrnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The in-register 8 × 16 transpose that packs rows of A into 8-row panels, against its definition. */
class VectorTransposeTest {
    @Test
    void eightRowsOfSixteenColumnsLandStepAfterStep() {
        assumeTrue(KernelProvider.vectorModulePresent() && KernelProvider.get().lanes() == 16, "512-bit vectors only");
        Random r = new Random(3);
        int rs = 37, s = 5, d = 3;
        float[] a = new float[s + 7 * rs + 16 + 4];
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat();
        float[] dst = new float[d + 128 + 2];
        VectorTranspose.rows8x16(a, s, rs, dst, d);
        for (int p = 0; p < 16; p++) {
            for (int row = 0; row < 8; row++) {
                assertEquals(a[s + row * rs + p], dst[d + 8 * p + row], "row " + row + ", column " + p);
            }
        }
        assertEquals(0f, dst[0]);
        assertEquals(0f, dst[d + 128]);
    }

    @Test
    void sixteenRowsOfSixteenColumnsLandInRowsOfASliver() {
        assumeTrue(KernelProvider.vectorModulePresent() && KernelProvider.get().lanes() == 16, "512-bit vectors only");
        Random r = new Random(4);
        int rs = 41, s = 2, d = 7, ld = 32;
        float[] a = new float[s + 15 * rs + 16 + 3];
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat();
        float[] dst = new float[d + 15 * ld + 16 + 16];
        VectorTranspose.rows16x16(a, s, rs, dst, d, ld);
        for (int p = 0; p < 16; p++) {
            for (int row = 0; row < 16; row++) {
                assertEquals(a[s + row * rs + p], dst[d + ld * p + row], "row " + row + ", column " + p);
            }
            for (int gap = 16; gap < ld && p < 15; gap++) assertEquals(0f, dst[d + ld * p + gap], "outside the rows");
        }
    }
}
