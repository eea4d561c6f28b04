package dev.vecrnn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** d2l's seq_data_iter_sequential and seq_data_iter_random. */
class SequenceIteratorTest {
    static int[] timeMachine;

    @BeforeAll
    static void load() throws IOException {
        timeMachine = Corpus.of(Files.readString(Fixtures.timeMachine()), Tokenization.CHAR, 10000).ids();
        assertEquals(10000, timeMachine.length);
    }

    /** A corpus whose token at position i is i, so every window tells where it came from. */
    static int[] positions(int n) {
        int[] c = new int[n];
        for (int i = 0; i < n; i++) c[i] = i;
        return c;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {0, 1, 2, 3, 42, 1234567})
    void sequentialOnTimeMachineHasEightMinibatchesThatContinueEachRow(long seed) {
        SequenceIterator it = new SequenceIterator(timeMachine, 32, 35, false, new Rng(seed));
        assertTrue(it.carriesState());
        for (int epoch = 0; epoch < 3; epoch++) {
            List<Minibatch> mbs = it.epoch();
            assertEquals(8, mbs.size());
            long tokens = 0;
            for (Minibatch mb : mbs) tokens += (long) mb.batch() * mb.steps();
            assertEquals(8960, tokens);
            // Find the window of row 0 in the corpus: offset in [0, 35].
            int offset = -1;
            for (int o = 0; o <= 35 && offset < 0; o++) if (matches(timeMachine, o, mbs.get(0), 0)) offset = o;
            assertTrue(offset >= 0, "row 0 of the first minibatch is a window of the corpus at an offset <= 35");
            int perRow = (10000 - offset - 1) / 32;
            for (int s = 0; s < mbs.size(); s++) {
                Minibatch mb = mbs.get(s);
                assertEquals(32, mb.batch());
                assertEquals(35, mb.steps());
                for (int b = 0; b < 32; b++) {
                    int src = offset + b * perRow + s * 35;
                    for (int t = 0; t < 35; t++) {
                        assertEquals(timeMachine[src + t], mb.x(b, t), "X");
                        assertEquals(timeMachine[src + t + 1], mb.y(b, t), "Y is X shifted by one");
                    }
                    if (s > 0) assertEquals(mbs.get(s - 1).y(b, 34), mb.x(b, 0), "row " + b + " continues");
                }
            }
        }
    }

    private static boolean matches(int[] corpus, int src, Minibatch mb, int row) {
        for (int t = 0; t < mb.steps(); t++) {
            if (corpus[src + t] != mb.x(row, t) || corpus[src + t + 1] != mb.y(row, t)) return false;
        }
        return true;
    }

    @Test
    void sequentialLayoutOnPositions() {
        int n = 10000;
        Set<Integer> offsets = new HashSet<>();
        Rng rng = new Rng(7);
        SequenceIterator it = new SequenceIterator(positions(n), 4, 5, false, rng);
        for (int epoch = 0; epoch < 200; epoch++) {
            List<Minibatch> mbs = it.epoch();
            int offset = mbs.get(0).x(0, 0);
            offsets.add(offset);
            int perRow = (n - offset - 1) / 4;
            assertEquals(perRow / 5, mbs.size());
            for (int s = 0; s < mbs.size(); s++) {
                for (int b = 0; b < 4; b++) {
                    for (int t = 0; t < 5; t++) {
                        assertEquals(offset + b * perRow + s * 5 + t, mbs.get(s).x(b, t));
                        assertEquals(mbs.get(s).x(b, t) + 1, mbs.get(s).y(b, t));
                    }
                }
            }
        }
        // random.randint(0, num_steps) is inclusive at both ends.
        assertEquals(Set.of(0, 1, 2, 3, 4, 5), offsets);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {0, 1, 5, 99})
    void randomOnTimeMachine(long seed) {
        SequenceIterator it = new SequenceIterator(timeMachine, 32, 35, true, new Rng(seed));
        assertFalse(it.carriesState());
        List<Minibatch> mbs = it.epoch();
        int offset = -1;
        for (int o = 0; o < 35 && offset < 0; o++) {
            for (int k = 0; o + k * 35 + 35 < 10000 && offset < 0; k++) if (matches(timeMachine, o + k * 35, mbs.get(0), 0)) offset = o;
        }
        assertTrue(offset >= 0);
        assertEquals(((10000 - offset - 1) / 35) / 32, mbs.size());
        for (Minibatch mb : mbs) {
            for (int b = 0; b < 32; b++) {
                for (int t = 0; t + 1 < 35; t++) assertEquals(mb.x(b, t + 1), mb.y(b, t), "Y is X shifted by one");
            }
        }
    }

    @Test
    void randomSamplingDrawsDisjointAlignedSubsequences() {
        // n - 1 = 35·64 + 10: offsets 0..10 give 64 subsequences (2 minibatches of 32), 11..34 give 63 (1).
        int n = 35 * 64 + 11;
        Set<Integer> counts = new HashSet<>();
        Set<Integer> offsets = new HashSet<>();
        SequenceIterator it = new SequenceIterator(positions(n), 32, 35, true, new Rng(3));
        List<Integer> firstStarts = null;
        boolean shuffled = false;
        for (int epoch = 0; epoch < 300; epoch++) {
            List<Minibatch> mbs = it.epoch();
            int offset = mbs.get(0).x(0, 0) % 35;
            offsets.add(offset);
            assertEquals(((n - offset - 1) / 35) / 32, mbs.size(), "offset " + offset);
            counts.add(mbs.size());
            Set<Integer> starts = new HashSet<>();
            List<Integer> order = new java.util.ArrayList<>();
            for (Minibatch mb : mbs) {
                for (int b = 0; b < 32; b++) {
                    int start = mb.x(b, 0);
                    assertEquals(offset, start % 35, "subsequences are aligned to the epoch's offset");
                    assertTrue(starts.add(start), "each subsequence is drawn once");
                    order.add(start);
                    for (int t = 0; t < 35; t++) {
                        assertEquals(start + t, mb.x(b, t));
                        assertEquals(start + t + 1, mb.y(b, t));
                    }
                    assertTrue(start + 35 < n, "targets stay inside the corpus");
                }
            }
            if (firstStarts == null) firstStarts = order;
            else if (!firstStarts.equals(order)) shuffled = true;
        }
        assertEquals(Set.of(1, 2), counts);
        assertTrue(offsets.size() > 20 && offsets.stream().allMatch(o -> o >= 0 && o < 35), offsets.toString());
        assertTrue(shuffled, "each epoch shuffles anew");
    }

    @Test
    void sameSeedSameEpochs() {
        List<Minibatch> a = new SequenceIterator(timeMachine, 8, 10, true, new Rng(11)).epoch();
        List<Minibatch> b = new SequenceIterator(timeMachine, 8, 10, true, new Rng(11)).epoch();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertTrue(java.util.Arrays.equals(a.get(i).x(), b.get(i).x()));
            assertTrue(java.util.Arrays.equals(a.get(i).y(), b.get(i).y()));
        }
    }

    @Test
    void minBatchesPerEpochIsTheWorstCase() {
        for (int n : new int[] {0, 1, 20, 21, 36, 140, 141, 176, 1000, 10000}) {
            for (boolean random : new boolean[] {false, true}) {
                SequenceIterator it = new SequenceIterator(positions(n), 4, 35, random, new Rng(n));
                int min = it.minBatchesPerEpoch();
                int seen = Integer.MAX_VALUE;
                for (int e = 0; e < 300; e++) seen = Math.min(seen, it.epoch().size());
                assertEquals(seen, min, "n=" + n + " random=" + random);
            }
        }
        assertEquals(8, new SequenceIterator(timeMachine, 32, 35, false, new Rng(0)).minBatchesPerEpoch());
    }

    @Test
    void aRestoredGeneratorContinuesTheSameEpochs() {
        for (boolean random : new boolean[] {false, true}) {
            SequenceIterator whole = new SequenceIterator(timeMachine, 8, 10, random, new Rng(5));
            List<List<Minibatch>> expected = List.of(whole.epoch(), whole.epoch(), whole.epoch());
            Rng first = new Rng(5);
            List<Minibatch> epoch1 = new SequenceIterator(timeMachine, 8, 10, random, first).epoch();
            assertSame(expected.get(0), epoch1);
            SequenceIterator resumed = new SequenceIterator(timeMachine, 8, 10, random, new Rng(0).restore(first.state()));
            assertSame(expected.get(1), resumed.epoch());
            assertSame(expected.get(2), resumed.epoch());
        }
    }

    private static void assertSame(List<Minibatch> a, List<Minibatch> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertTrue(java.util.Arrays.equals(a.get(i).x(), b.get(i).x()), "X of minibatch " + i);
            assertTrue(java.util.Arrays.equals(a.get(i).y(), b.get(i).y()), "Y of minibatch " + i);
        }
    }

    @Test
    void rejectsNonPositiveSizes() {
        assertThrows(IllegalArgumentException.class, () -> new SequenceIterator(positions(10), 0, 2, false, new Rng(0)));
        assertThrows(IllegalArgumentException.class, () -> new SequenceIterator(positions(10), 2, 0, true, new Rng(0)));
    }
}
