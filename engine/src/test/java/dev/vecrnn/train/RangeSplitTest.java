package dev.vecrnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.RangeTask;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ColumnSplitKernels#forRows}: a chunk's walk over the steps split by rows across its team, each thread
 * whole 8-row tiles and the unsplit kernels; with fewer tiles than threads, the walk runs whole on the caller
 * and its products split by columns. {@link ColumnSplitKernels#forBlocks}: gate blocks split only when every
 * thread gets as many.
 */
class RangeSplitTest {
    private record Range(Kernels k, int from, int to) {}

    private static List<Range> ranges(int threads, int rows) {
        return ranges(threads, rows, false);
    }

    private static List<Range> ranges(int threads, int items, boolean blocks) {
        Kernels d = KernelProvider.get();
        List<Range> out = Collections.synchronizedList(new ArrayList<>());
        try (StepTeam team = new StepTeam(threads, "row-split-test")) {
            ColumnSplitKernels split = new ColumnSplitKernels(d, team, 0);
            RangeTask task = (k, from, to) -> out.add(new Range(k, from, to));
            if (blocks) split.forBlocks(items, task);
            else split.forRows(items, task);
            List<Range> sorted = new ArrayList<>(out);
            sorted.sort(Comparator.comparingInt(Range::from));
            return sorted;
        }
    }

    @Test
    void twoThreadsTakeOneTileEachWithTheUnsplitKernels() {
        List<Range> r = ranges(2, 16);
        assertEquals(2, r.size(), r.toString());
        assertEquals(0, r.get(0).from());
        assertEquals(8, r.get(0).to());
        assertEquals(8, r.get(1).from());
        assertEquals(16, r.get(1).to());
        for (Range x : r) assertSame(KernelProvider.get(), x.k(), "a part must not split its products again");
    }

    @Test
    void aRaggedChunkEndsInTheLastPart() {
        List<Range> r = ranges(2, 20);
        assertEquals(List.of(0, 8), List.of(r.get(0).from(), r.get(0).to()));
        assertEquals(List.of(8, 20), List.of(r.get(1).from(), r.get(1).to()));
    }

    @Test
    void moreThreadsThanTilesRunTheWalkWholeWithColumnSplitProducts() {
        for (int[] c : new int[][] {{3, 16}, {2, 12}, {2, 4}}) {
            List<Range> r = ranges(c[0], c[1]);
            assertEquals(1, r.size(), r.toString());
            assertEquals(0, r.get(0).from());
            assertEquals(c[1], r.get(0).to());
            assertEquals(ColumnSplitKernels.class, r.get(0).k().getClass());
        }
    }

    @Test
    void aFailingPartReachesTheCaller() {
        try (StepTeam team = new StepTeam(2, "row-split-test")) {
            ColumnSplitKernels split = new ColumnSplitKernels(KernelProvider.get(), team, 0);
            assertThrows(IllegalStateException.class, () -> split.forRows(16, (k, from, to) -> {
                if (from == 8) throw new IllegalStateException("part " + from);
            }));
        }
    }

    @Test
    void blocksSplitOnlyWhenEveryThreadGetsAsMany() {
        List<Range> four = ranges(2, 4, true);
        assertEquals(2, four.size(), four.toString());
        assertEquals(List.of(0, 2, 2, 4), List.of(four.get(0).from(), four.get(0).to(), four.get(1).from(), four.get(1).to()));
        for (Range x : four) assertSame(KernelProvider.get(), x.k(), "a block must not split its products again");
        for (int[] c : new int[][] {{2, 3}, {2, 1}, {3, 4}}) {
            List<Range> r = ranges(c[0], c[1], true);
            assertEquals(1, r.size(), r.toString());
            assertEquals(c[1], r.get(0).to());
            assertEquals(ColumnSplitKernels.class, r.get(0).k().getClass());
        }
    }
}
