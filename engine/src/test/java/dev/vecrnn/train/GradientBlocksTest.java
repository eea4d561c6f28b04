package dev.vecrnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.vecrnn.Fixtures;
import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.Minibatch;
import dev.vecrnn.data.Rng;
import dev.vecrnn.data.SequenceIterator;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.kernels.DelegatingKernels;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.Layout;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.model.Slab;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two chunks on two threads, the pool's worker held up in its chunk: the caller, done with its own chunk, takes
 * layer 0's gradient blocks of the worker's chunk, and the gradients keep the bits of one thread.
 */
class GradientBlocksTest {
    private static final int HIDDEN = 40, BATCH = 32, STEPS = 10; // 40: the blocks' products are 40x40, the output layer's 40x28

    @ParameterizedTest(name = "{0} layers={1}")
    @CsvSource({"lstm,1,4", "gru,2,3", "rnn,1,1"})
    void aThreadDoneEarlyTakesBlocksOfTheChunkStillRunning(String cell, int layers, int blocks) throws IOException {
        Corpus corpus = Corpus.of(Files.readString(Fixtures.timeMachine()), Tokenization.CHAR, 10_000);
        Minibatch mb = new SequenceIterator(corpus.ids(), BATCH, STEPS, false, new Rng(5)).epoch().get(0);
        Thread caller = Thread.currentThread();
        AtomicBoolean workerRanAChunk = new AtomicBoolean();
        AtomicInteger callerBlocks = new AtomicInteger();
        Kernels slowWorker = new DelegatingKernels(KernelProvider.get()) {
            @Override
            public double softmaxCrossEntropy(float[] logits, int lOff, int rows, int cols, int[] targets, int tOff,
                                              float gradScale, float[] grad, int gOff) {
                // the caller's chunk ends once the worker has begun its own, long before the worker's ends
                if (Thread.currentThread() != caller) {
                    workerRanAChunk.set(true);
                    sleep(300);
                } else {
                    for (int waited = 0; !workerRanAChunk.get() && waited < 10_000; waited++) sleep(1);
                }
                return super.softmaxCrossEntropy(logits, lOff, rows, cols, targets, tOff, gradScale, grad, gOff);
            }

            @Override
            public void gemm(Layout layout, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, boolean accumulate) {
                // layer 0's blocks: dW_h* (TN, hidden x hidden over all steps); layer 1's W_x* gradients have the same
                // shape, so only a 1-layer model counts them apart, and a deeper one checks the bits alone
                if (layout == Layout.TN && m == HIDDEN && n == HIDDEN) {
                    if (Thread.currentThread() == caller) callerBlocks.incrementAndGet();
                    else sleep(100); // the worker's own blocks are slow too: the caller, waiting, must get one
                }
                super.gemm(layout, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            }
        };
        float[] one = gradients(cell, layers, corpus, mb, KernelProvider.get(), 1);
        float[] two = gradients(cell, layers, corpus, mb, slowWorker, 2);
        assertArrayEquals(one, two, "the same bits whichever thread ran a block");
        assertTrue(workerRanAChunk.get(), "the pool's worker ran no chunk");
        if (layers == 1 && blocks > 1) {
            assertTrue(callerBlocks.get() > blocks, "the caller ran " + callerBlocks.get() + " blocks' products, only its own " + blocks);
        }
    }

    @Test
    void aChunkThatFailsLeavesNoThreadWaitingForItsBlocks() throws IOException {
        Corpus corpus = Corpus.of(Files.readString(Fixtures.timeMachine()), Tokenization.CHAR, 10_000);
        Minibatch mb = new SequenceIterator(corpus.ids(), BATCH, STEPS, false, new Rng(5)).epoch().get(0);
        // the caller, done with its chunk, must not wait for a chunk that will never publish its blocks
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            Thread caller = Thread.currentThread();
            Kernels failingWorker = new DelegatingKernels(KernelProvider.get()) {
                @Override
                public double softmaxCrossEntropy(float[] logits, int lOff, int rows, int cols, int[] targets, int tOff,
                                                  float gradScale, float[] grad, int gOff) {
                    if (Thread.currentThread() != caller) throw new IllegalStateException("planted");
                    return super.softmaxCrossEntropy(logits, lOff, rows, cols, targets, tOff, gradScale, grad, gOff);
                }
            };
            for (int attempt = 0; attempt < 5; attempt++) {
                try {
                    gradients("lstm", 1, corpus, mb, failingWorker, 2);
                } catch (IllegalStateException e) {
                    assertEquals("planted", e.getMessage());
                    return;
                }
            }
            fail("the pool's worker ran no chunk in 5 steps");
        });
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static float[] gradients(String cell, int layers, Corpus corpus, Minibatch mb, Kernels k, int threads) {
        RnnModel m = new RnnModel(cell, layers, corpus.vocab(), Tokenization.CHAR, HIDDEN).initialize(new Random(7));
        try (Trainer t = new Trainer(m, k, BATCH, STEPS, 1f, 1f, threads)) {
            t.forwardBackward(mb);
            Slab g = t.gradients();
            return Arrays.copyOfRange(g.data(), g.base(), g.base() + g.size());
        }
    }
}
