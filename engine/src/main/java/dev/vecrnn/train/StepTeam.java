package dev.vecrnn.train;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The second level of parallelism: threads that split one time step's products between them. A step of a
 * chunk of 16 sequences is a few GEMMs of 20–80 µs each, so the fork and join around each must cost well
 * under a microsecond: the team's threads are its own and spin between calls ({@link #SPIN_NANOS}) before
 * they park, where a pool's worker takes 5–50 µs to wake. The caller is the last member of the team.
 *
 * <p>{@code run(n, body)} calls {@code body(0 … n−1)} on the caller and the team and returns when all are
 * done, rethrowing what a part threw; it allocates nothing. Which thread runs which index varies; callers
 * give each index its own output. Not for concurrent use by several callers.
 *
 * <p>The caller waits for the parts to be done, not for the members to check in: on a machine with more
 * runnable threads than cores, a member that is not scheduled when a call starts leaves its part to the
 * caller instead of stalling the step for a time slice. Indices are claimed from one ticket that also
 * carries the call's number and its count of indices, so a claim is checked against one consistent
 * snapshot: a member that reads the next call's count beside the last call's ticket cannot take an index
 * past the end of the last call (and run it uncounted while the next call starts).
 *
 * <p>A call of at most {@link Affinity#PINNED_MAX} indices gives each thread a preferred block of them
 * ({@link Affinity}), and the ticket's low bits are then a mask of the claimed ones.
 */
public final class StepTeam implements Fork {
    /** How long an idle member spins for the next call before parking: longer than a step's serial work. */
    static final long SPIN_NANOS = Long.getLong("vecrnn.team.spinnanos", 50_000L);

    private final Member[] members;
    /** The call's number (high 32 bits), its count of indices (16 bits) and the next index to claim or, for a call of at most {@link Affinity#PINNED_MAX}, the mask of those claimed (low 16 bits). */
    private final AtomicLong ticket = new AtomicLong();
    private final AtomicInteger done = new AtomicInteger();
    private volatile boolean closed;
    private volatile Thread waiter;
    private volatile boolean waiterParked;
    private volatile Throwable failure;
    private IntConsumer body;          // written before the ticket that names its call
    private static final int MAX_INDICES = 0xFFFF;

    /** A team of {@code threads} threads: the caller and {@code threads − 1} started here. */
    public StepTeam(int threads, String name) {
        if (threads <= 0) throw new IllegalArgumentException("threads must be positive, not " + threads);
        members = new Member[threads - 1];
        for (int i = 0; i < members.length; i++) {
            members[i] = new Member(i + 1);
            members[i].setName(name + "-" + (i + 1));
            members[i].setDaemon(true);
            members[i].start();
        }
    }

    @Override
    public int threads() { return members.length + 1; }

    /** The threads this team started (for allocation accounting in tests and benchmarks). */
    public List<Thread> workers() { return List.of(members); }

    @Override
    public void run(int n, IntConsumer task) {
        if (n <= 0) return;
        if (members.length == 0 || n == 1) {
            for (int i = 0; i < n; i++) task.accept(i);
            return;
        }
        if (closed) throw new IllegalStateException("the team is closed");
        if (n > MAX_INDICES) throw new IllegalArgumentException("at most " + MAX_INDICES + " indices per call, not " + n);
        body = task;
        failure = null;
        done.set(0);
        waiter = Thread.currentThread();
        long call = (ticket.get() >>> 32) + 1;
        ticket.set(call << 32 | (long) n << 16);       // publishes the body with the call
        for (Member m : members) if (m.parked) LockSupport.unpark(m);
        while (claimAndRun(call, 0)) { }
        awaitDone(n);
        body = null;
        Throwable f = failure;
        if (f != null) throw ParallelFor.unchecked(f);
    }

    /**
     * Claims an index of call {@code call} for thread {@code self} (0: the caller) and runs it; false when that call
     * has no index left. The claim succeeds only while the call is unfinished, so the body read before it is that
     * call's.
     */
    private boolean claimAndRun(long call, int self) {
        while (true) {
            long t = ticket.get();
            if (t >>> 32 != call) return false;
            int low = (int) t & 0xFFFF, n = (int) (t >>> 16) & 0xFFFF;
            IntConsumer b = body;
            int i;
            long next;
            if (n <= Affinity.PINNED_MAX) {
                int free = ~low & ((1 << n) - 1);
                if (free == 0) return false;
                i = Affinity.pick(free, self, members.length + 1, n);
                next = t | 1L << i;
            } else {
                i = low;
                if (i >= n) return false;
                next = t + 1;
            }
            if (!ticket.compareAndSet(t, next)) continue;
            try {
                b.accept(i);
            } catch (Throwable e) {
                failure = e;                            // the other indices still run: they are independent
            } finally {
                if (done.incrementAndGet() == n && waiterParked) LockSupport.unpark(waiter);
            }
            return true;
        }
    }

    private void awaitDone(int n) {
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        for (int spins = 0; done.get() < n; spins++) {
            if ((spins & 63) != 0 || System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
            } else {
                waiterParked = true;
                if (done.get() < n) LockSupport.park(this);
                waiterParked = false;
            }
        }
    }

    private final class Member extends Thread {
        volatile boolean parked;
        final int self;

        Member(int self) {
            this.self = self;
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                long call = awaitCall(seen);
                if (call == seen) return; // closed
                seen = call;
                while (claimAndRun(call, self)) { }
            }
        }

        /** Spins, then parks, until a call after {@code seen} starts (returns its number) or the team closes. */
        private long awaitCall(long seen) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            for (int spins = 0; ; spins++) {
                long call = ticket.get() >>> 32;
                if (call != seen) return call;
                if (closed) return seen;
                if ((spins & 63) != 0 || System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    if (ticket.get() >>> 32 == seen && !closed) LockSupport.park(StepTeam.this);
                    parked = false;
                    spinUntil = System.nanoTime() + SPIN_NANOS;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Member m : members) LockSupport.unpark(m);
    }
}
