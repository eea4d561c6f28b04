package dev.vecrnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.UndeclaredThrowableException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Failures on any thread reach the caller, after every helper has stopped; the worker list holds live threads. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ParallelForTest {

    /** Calls above and at most {@link Affinity#PINNED_MAX} indices (a counter, a mask), with more threads than indices too. */
    @Test
    void runsEveryIndexOnce() {
        for (int threads : new int[] {2, 3, 5}) {
            try (ParallelFor p = new ParallelFor(threads)) {
                for (int n : new int[] {37, 16, 8, 3, 2}) {
                    for (int round = 0; round < 50; round++) {
                        AtomicInteger[] hits = new AtomicInteger[n];
                        for (int i = 0; i < hits.length; i++) hits[i] = new AtomicInteger();
                        p.run(hits.length, i -> hits[i].incrementAndGet());
                        for (AtomicInteger h : hits) assertEquals(1, h.get(), n + " indices on " + threads + " threads");
                    }
                }
            }
        }
    }

    /**
     * Calls back to back (the worker still lingering, handed the call) and after pauses around and beyond
     * {@link ParallelFor#LINGER_NANOS} (the worker gone back to the pool, or giving up as the call comes, and
     * submitted again): every index runs once, and the caller never returns before the worker's indices are done.
     */
    @Test
    void aLingeringWorkerTakesTheNextCallAndOneThatLeftIsSubmittedAgain() {
        java.util.Random random = new java.util.Random(7);
        try (ParallelFor p = new ParallelFor(2, Duration.ofSeconds(60), ParallelFor.LINGER_NANOS)) {
            for (int round = 0; round < 400; round++) {
                int n = 2 + random.nextInt(20);
                AtomicInteger[] hits = new AtomicInteger[n];
                for (int i = 0; i < n; i++) hits[i] = new AtomicInteger();
                p.run(n, i -> hits[i].incrementAndGet());
                for (AtomicInteger h : hits) assertEquals(1, h.get(), "round " + round + ", " + n + " indices");
                long pause = random.nextInt(3) == 0 ? 0 : random.nextLong(2 * ParallelFor.LINGER_NANOS);
                for (long end = System.nanoTime() + pause; System.nanoTime() < end; ) Thread.onSpinWait();
            }
            long before = p.submissions();
            for (int round = 0; round < 200; round++) p.run(2, i -> { });
            assertTrue(p.submissions() - before < 200, "no call back to back was handed to the lingering worker");
        }
    }

    /** With more threads than cores a worker does not linger: its spinning would take a core another thread needs. */
    @Test
    void withMoreThreadsThanCoresEveryCallIsSubmitted() {
        try (ParallelFor p = new ParallelFor(Runtime.getRuntime().availableProcessors() + 1)) {
            for (int round = 0; round < 200; round++) p.run(2, i -> { });
            assertEquals(200, p.submissions());
        }
    }

    /**
     * In a small call the worker starts on its own block: the caller holds index 0 until the worker has run one,
     * so the worker's first index is the first of the second half, 4 of 8 (with a shared counter it was 1).
     */
    @Test
    void aWorkerTakesItsOwnBlockFirst() {
        try (ParallelFor p = new ParallelFor(2)) {
            for (int round = 0; round < 20; round++) {
                CountDownLatch workerRan = new CountDownLatch(1);
                AtomicInteger first = new AtomicInteger(-1);
                Thread caller = Thread.currentThread();
                p.run(8, i -> {
                    if (Thread.currentThread() != caller) {
                        first.compareAndSet(-1, i);
                        workerRan.countDown();
                    } else if (i == 0) {
                        await(workerRan);
                    }
                });
                assertEquals(4, first.get());
            }
        }
    }

    @Test
    void aCheckedExceptionThrownOnAHelperReachesTheCaller() throws Exception {
        try (ParallelFor p = new ParallelFor(2)) {
            Thread caller = Thread.currentThread();
            CountDownLatch helperRan = new CountDownLatch(1);
            IOException thrown = new IOException("disk full");
            RuntimeException e = assertThrows(RuntimeException.class, () -> p.run(8, i -> {
                if (Thread.currentThread() == caller) {
                    await(helperRan); // so that the helper, not the caller, takes an index
                } else {
                    helperRan.countDown();
                    throwSneakily(thrown);
                }
            }));
            assertInstanceOf(UndeclaredThrowableException.class, e);
            assertTrue(e.getCause() == thrown, "the cause is the body's exception: " + e);
        }
    }

    @Test
    void aCheckedExceptionOnTheCallerWaitsForTheHelpers() {
        try (ParallelFor p = new ParallelFor(2)) {
            Thread caller = Thread.currentThread();
            CountDownLatch helperStarted = new CountDownLatch(1);
            AtomicBoolean helperFinished = new AtomicBoolean();
            IOException thrown = new IOException("caller failed");
            RuntimeException e = assertThrows(RuntimeException.class, () -> p.run(2, i -> {
                if (Thread.currentThread() == caller) {
                    await(helperStarted);
                    throwSneakily(thrown);
                } else {
                    helperStarted.countDown();
                    sleep(300);
                    helperFinished.set(true);
                }
            }));
            assertTrue(e.getCause() == thrown, e.toString());
            assertTrue(helperFinished.get(), "run returned while a helper was still running its index");
        }
    }

    @Test
    void retiredWorkersLeaveTheList() throws Exception {
        try (ParallelFor p = new ParallelFor(3, Duration.ofMillis(50), ParallelFor.LINGER_NANOS)) {
            for (int round = 0; round < 4; round++) {
                p.run(64, i -> sleep(1));
                assertTrue(p.workers().size() <= 2, "round " + round + ": " + p.workers());
                for (Thread t : p.workers()) assertTrue(t.isAlive(), "round " + round + ": " + t + " is dead");
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!p.workers().isEmpty() && System.nanoTime() < end) Thread.sleep(20); // the pool retires idle workers
            }
            assertEquals(0, p.workers().size(), "idle workers were retired but are still listed: " + p.workers());
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS), "the other thread never started");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void throwSneakily(Throwable t) throws T {
        throw (T) t;
    }
}
