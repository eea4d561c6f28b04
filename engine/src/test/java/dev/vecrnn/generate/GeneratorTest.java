package dev.vecrnn.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.Predictor;
import dev.vecrnn.model.RnnModel;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generator: greedy is d2l's predict_ch8 (the {@link Predictor}) to the character; a seeded text is the
 * same on 1, 2 and 3 threads and whether a sample runs alone or beside others; a token allocates nothing.
 */
class GeneratorTest {
    static final List<String> CHARS = new ArrayList<>();

    static {
        CHARS.add(Vocab.UNK);
        CHARS.add(" ");
        for (char c = 'a'; c <= 'z'; c++) CHARS.add(String.valueOf(c));
    }

    /** Weights with sd 0.5, so the logits are far apart and the text depends on every one of them. */
    static RnnModel model(String cell, int layers, int hidden, long seed) {
        RnnModel m = new RnnModel(cell, layers, new Vocab(CHARS), Tokenization.CHAR, hidden);
        Random r = new Random(seed);
        float[] p = m.params().data();
        for (int i = 0; i < p.length; i++) p[i] = (float) (r.nextGaussian() * 0.5);
        return m;
    }

    static int[] ids(RnnModel m, String text) {
        return m.tokenize(text).stream().mapToInt(t -> m.vocab().index(t)).toArray();
    }

    /** Each row's tokens. */
    static int[][] generate(Generator g, int[] prefix, int n, SamplingOptions o) {
        int[][] out = new int[g.rows()][n];
        g.generate(prefix, n, new Sampler(o, 28), (row, pos, token) -> out[row][pos] = token);
        return out;
    }

    static String text(RnnModel m, int[] tokens) {
        StringBuilder s = new StringBuilder();
        for (int t : tokens) s.append(m.vocab().token(t));
        return s.toString();
    }

    static Stream<Arguments> models() {
        List<Arguments> out = new ArrayList<>();
        for (Kernels k : KernelProvider.available()) {
            for (Object[] c : new Object[][] {{"rnn", 1, 37}, {"gru", 1, 70}, {"lstm", 1, 33}, {"lstm", 2, 70}}) {
                out.add(Arguments.of(k.name(), c[0], c[1], c[2]));
            }
        }
        return out.stream();
    }

    private static Kernels kernels(String name) {
        return KernelProvider.available().stream().filter(k -> k.name().equals(name)).findFirst().orElseThrow();
    }

    @ParameterizedTest(name = "{0} {1} layers={2} hidden={3}")
    @MethodSource("models")
    void greedyIsPredictCh8(String kernels, String cell, int layers, int hidden) {
        Kernels k = kernels(kernels);
        RnnModel m = model(cell, layers, hidden, 7);
        String prefix = "time traveller";
        String expected = new Predictor(m, k).predict(prefix, 60);
        for (int threads = 1; threads <= 3; threads++) {
            try (Generator g = new Generator(m, k, 1, threads, 0)) {
                assertEquals(expected, prefix + text(m, generate(g, ids(m, prefix), 60, SamplingOptions.GREEDY)[0]),
                        threads + " threads");
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} layers={2} hidden={3}")
    @MethodSource("models")
    void aSeededTextIsTheSameOnAnyThreadCountAndBatchSize(String kernels, String cell, int layers, int hidden) {
        Kernels k = kernels(kernels);
        RnnModel m = model(cell, layers, hidden, 8);
        int[] prefix = ids(m, "the time machine");
        SamplingOptions o = new SamplingOptions(0.9, 20, 0.95, 1234);
        int[][] alone;
        try (Generator g = new Generator(m, k, 1, 1, 0)) {
            alone = generate(g, prefix, 80, o);
        }
        int[][] four = null;
        for (int threads = 1; threads <= 3; threads++) {
            try (Generator one = new Generator(m, k, 1, threads, 0); Generator batch = new Generator(m, k, 4, threads, 0)) {
                assertArrayEquals(alone[0], generate(one, prefix, 80, o)[0], threads + " threads, one sample");
                int[][] b = generate(batch, prefix, 80, o);
                assertArrayEquals(alone[0], b[0], threads + " threads: sample 0 of 4 is sample 0 alone");
                if (four == null) four = b;
                for (int r = 0; r < 4; r++) assertArrayEquals(four[r], b[r], threads + " threads, sample " + r);
            }
        }
        // the samples differ from each other (their draws are keyed by the sample index)
        assertTrue(!java.util.Arrays.equals(four[0], four[1]) || !java.util.Arrays.equals(four[1], four[2]));
        try (Generator seven = new Generator(m, k, 7, 2, 0)) {
            int[][] s = generate(seven, prefix, 80, o);
            for (int r = 0; r < 4; r++) assertArrayEquals(four[r], s[r], "sample " + r + " of 7 is sample " + r + " of 4");
        }
        int[][] other;
        try (Generator g = new Generator(m, k, 1, 1, 0)) {
            other = generate(g, prefix, 80, new SamplingOptions(0.9, 20, 0.95, 1235));
        }
        assertTrue(!java.util.Arrays.equals(alone[0], other[0]), "another seed, another text");
    }

    @Test
    void refusesNoSamplesAnEmptyPrefixAndANegativeCount() {
        RnnModel m = model("rnn", 1, 8, 1);
        Kernels k = KernelProvider.scalar();
        assertThrows(IllegalArgumentException.class, () -> new Generator(m, k, 0, 1));
        try (Generator g = new Generator(m, k, 1, 1)) {
            Sampler s = new Sampler(SamplingOptions.GREEDY, 28);
            assertThrows(IllegalArgumentException.class, () -> g.generate(new int[0], 5, s, (r, p, t) -> { }));
            assertThrows(IllegalArgumentException.class, () -> g.generate(new int[] {1}, -1, s, (r, p, t) -> { }));
        }
    }

    static Stream<Arguments> allocationCases() {
        List<Arguments> out = new ArrayList<>();
        for (int rows : new int[] {1, 4}) for (int threads = 1; threads <= 3; threads++) out.add(Arguments.of(rows, threads));
        return out.stream();
    }

    /**
     * Generating allocates nothing per token, on the caller or the workers. On the scalar kernels, as
     * AllocationTest: they allocate nothing even before the JIT compiles them, so the count is exact.
     */
    @ParameterizedTest(name = "rows={0} threads={1}")
    @MethodSource("allocationCases")
    void aGeneratedTokenAllocatesNothing(int rows, int threads) {
        RnnModel m = model("lstm", 2, 40, 3);
        int[] prefix = ids(m, "time traveller");
        int[] sum = new int[1];
        Generator.TokenSink sink = (r, p, t) -> sum[0] += t;
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Generator g = new Generator(m, KernelProvider.scalar(), rows, threads, 0)) {
            Sampler sampler = new Sampler(new SamplingOptions(1, 10, 0.9, 5), 28);
            g.generate(prefix, 100, sampler, sink);
            long[] allocated = new long[3];
            for (int round = 0; round < 3; round++) {
                List<Thread> list = new ArrayList<>(g.workers());
                list.add(Thread.currentThread());
                Thread[] threadsNow = list.toArray(Thread[]::new);
                long before = allocated(mx, threadsNow);
                g.generate(prefix, 200, sampler, sink);
                allocated[round] = allocated(mx, threadsNow) - before;
                if (allocated[round] == 0) return;
            }
            throw new AssertionError("every round of 200 tokens allocated: " + java.util.Arrays.toString(allocated) + " bytes");
        }
    }

    /** Over an array, indexed: an iterator here would be counted. */
    private static long allocated(com.sun.management.ThreadMXBean mx, Thread[] threads) {
        long s = 0;
        for (Thread t : threads) s += Math.max(0, mx.getThreadAllocatedBytes(t.getId()));
        return s;
    }
}
