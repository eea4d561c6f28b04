package dev.vecrnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

class StepTeamTest {

    @Test
    void everyIndexRunsOnceInEveryCall() {
        try (StepTeam team = new StepTeam(3, "test-team")) {
            for (int n : new int[] {1, 2, 3, 7, 64}) {
                for (int call = 0; call < 2_000; call++) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    team.run(n, hits::incrementAndGet);
                    for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "n=" + n + " index " + i);
                }
            }
        }
    }

    /**
     * A call returns only when every index has finished, whatever the count of the call before: a member that
     * read the next call's count beside the last call's ticket once took an index past the last call's end and
     * ran it while the next call counted it as its own, so that call returned with a part still running.
     */
    @Test
    void aCallReturnsOnlyWhenEveryPartHasFinished() {
        for (int threads : new int[] {2, 3}) {
            try (StepTeam team = new StepTeam(threads, "test-team")) {
                int[] out = new int[16];
                int[] call = new int[1];
                IntConsumer body = i -> {
                    long spin = 0;
                    for (int q = 0; q < (i * 37 + call[0]) % 3000; q++) spin += q;
                    out[i] = spin == -1 ? 0 : call[0]; // written last: a part still running leaves the old number
                };
                int stale = 0;
                for (int c = 1; c <= 300_000; c++) {
                    call[0] = c;
                    int n = 2 + c % 9;
                    team.run(n, body);
                    for (int i = 0; i < n; i++) if (out[i] != c) { stale++; break; }
                }
                assertEquals(0, stale, "calls that returned with a part unfinished, " + threads + " threads");
            }
        }
    }

    @Test
    void theMembersTakePart() {
        try (StepTeam team = new StepTeam(2, "test-team")) {
            var threads = ConcurrentHashMap.<Thread>newKeySet();
            for (int call = 0; call < 200 && threads.size() < 2; call++) {
                team.run(2, i -> {
                    threads.add(Thread.currentThread());
                    long until = System.nanoTime() + 200_000;
                    while (System.nanoTime() < until) Thread.onSpinWait();
                });
            }
            assertEquals(2, threads.size(), "threads that ran parts: " + threads);
        }
    }

    @Test
    void aPartsFailureReachesTheCallerAndTheTeamGoesOn() {
        try (StepTeam team = new StepTeam(2, "test-team")) {
            for (int failing : new int[] {0, 1, 5}) {
                IllegalStateException boom = new IllegalStateException("part " + failing);
                RuntimeException thrown = assertThrows(RuntimeException.class, () -> team.run(8, i -> {
                    if (i == failing) throw boom;
                }));
                assertSame(boom, thrown);
                AtomicIntegerArray hits = new AtomicIntegerArray(8);
                team.run(8, hits::incrementAndGet);
                for (int i = 0; i < 8; i++) assertEquals(1, hits.get(i));
            }
        }
    }

    @Test
    void callsAfterTheMembersParkedStillRun() throws InterruptedException {
        try (StepTeam team = new StepTeam(2, "test-team")) {
            for (int call = 0; call < 5; call++) {
                Thread.sleep(StepTeam.SPIN_NANOS / 1_000_000 + 5); // long enough for the member to park
                AtomicIntegerArray hits = new AtomicIntegerArray(4);
                team.run(4, hits::incrementAndGet);
                for (int i = 0; i < 4; i++) assertEquals(1, hits.get(i));
            }
        }
    }

    @Test
    void closingEndsTheMembers() throws InterruptedException {
        StepTeam team = new StepTeam(3, "test-team");
        team.run(3, i -> { });
        team.close();
        for (Thread t : team.workers()) {
            t.join(5_000);
            assertTrue(!t.isAlive(), t + " still alive");
        }
        assertThrows(IllegalStateException.class, () -> team.run(2, i -> { }));
    }

    @Test
    void aCallAllocatesNothing() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (StepTeam team = new StepTeam(2, "test-team")) {
            float[] out = new float[4];
            IntConsumer body = i -> out[i] += 1f;
            for (int call = 0; call < 20_000; call++) team.run(4, body);
            Thread[] members = team.workers().toArray(new Thread[0]);
            List<Long> rounds = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                long idle = allocated(mx, members) - allocated(mx, members); // what reading the counters costs
                long before = allocated(mx, members);
                for (int call = 0; call < 1_000; call++) team.run(4, body);
                rounds.add(allocated(mx, members) - before + idle);
                if (rounds.get(round) == 0) return;
            }
            assertEquals(0, rounds.get(2), "bytes allocated by 3 rounds of 1000 calls: " + rounds);
        }
    }

    private static long allocated(com.sun.management.ThreadMXBean mx, Thread[] members) {
        long sum = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < members.length; i++) sum += mx.getThreadAllocatedBytes(members[i].getId());
        return sum;
    }
}
