package dev.vecrnn.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The reductions a training step uses give the same bits before and after the JIT compiles them. With
 * {@code reduceLanes(ADD)} they did not (its lane order is unspecified and C2's differs from the
 * interpreter's), so a resumed run could differ from an uninterrupted one in the last bits.
 * Run alone, the first calls below are interpreted.
 */
class JitDeterminismTest {

    @Test
    void reductionsGiveTheSameBitsColdAndHot() {
        for (Kernels k : KernelProvider.available()) {
            Random rng = new Random(3);
            int rows = 64, cols = 28;
            float[] logits = new float[rows * cols];
            int[] targets = new int[rows];
            for (int i = 0; i < logits.length; i++) logits[i] = (float) rng.nextGaussian() * 3;
            for (int i = 0; i < rows; i++) targets[i] = rng.nextInt(cols);
            float[] x = new float[5000];
            for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();

            float[] coldGrad = new float[logits.length];
            double coldLoss = k.softmaxCrossEntropy(logits, 0, rows, cols, targets, 0, 0.01f, coldGrad, 0);
            double coldSquares = k.sumOfSquares(x, 0, x.length);
            float[] hotGrad = new float[logits.length];
            double hotLoss = 0, hotSquares = 0;
            for (int i = 0; i < 20_000; i++) {
                hotLoss = k.softmaxCrossEntropy(logits, 0, rows, cols, targets, 0, 0.01f, hotGrad, 0);
                hotSquares = k.sumOfSquares(x, 0, x.length);
            }
            assertEquals(coldLoss, hotLoss, 0.0, k.name() + " loss");
            assertArrayEquals(coldGrad, hotGrad, 0f, k.name() + " gradient");
            assertEquals(coldSquares, hotSquares, 0.0, k.name() + " sum of squares");
        }
    }
}
