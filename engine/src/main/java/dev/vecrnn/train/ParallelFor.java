package dev.vecrnn.train;

import java.lang.reflect.UndeclaredThrowableException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Runs {@code body(0 … n−1)} on the calling thread and the workers of a ForkJoinPool of its own, taking
 * indices from a shared counter, and returns when all are done. It allocates nothing per call: the worker
 * tasks are created once and {@link RecursiveAction#reinitialize() reinitialised}, and the caller waits on
 * a counter with park/unpark instead of {@code join}, which allocates a wait node whenever it blocks.
 *
 * <p>Which thread runs which index varies; callers make results independent of that by giving each index
 * its own output. A call of at most {@link Affinity#PINNED_MAX} indices claims them by {@link Affinity}, each
 * worker its own block first, so the phases of a training step (the packing, the reduction, the update, the
 * chunks) run the same index on the same core from step to step: with a shared counter, the caller took most of
 * each short phase's indices while the worker woke, and which core wrote which split changed from call to call.
 * A d2l step on 2 threads spent 70–100 µs less in those phases, in one JVM against the counter.
 *
 * <p>A worker done with its part of a call lingers, spinning for {@link #LINGER_NANOS}, and the next call hands
 * itself to a lingering worker instead of submitting the task again: a step's phases follow each other within
 * microseconds, and a worker that went back to the pool parks, which on a virtual machine halts its vCPU; waking
 * it cost each phase 6–35 µs (LSTM 256, batch 32, in one JVM), more than some phases' own work. Lingering 200 µs
 * rather than 50 made steps 1.5–2.3% faster again (LSTM 256 and d2l's RNN, one JVM, both orders): a worker whose
 * chunk ends first can wait longer than 50 µs for the other; 1 ms gained nothing more. With more threads than
 * cores the workers do not linger: their spinning took the cores the others needed (3 threads on 2 cores: LSTM
 * 256 8,316 against 9,295 µs per step, d2l's RNN 7,771 against 8,426).
 */
final class ParallelFor implements Fork {
    private final ForkJoinPool pool;          // threads − 1 workers; the caller is the last thread
    private final Helper[] helpers;
    private final int threads;
    private final long lingerNanos; // how long a worker done with a call spins for the next: 0 with more threads than cores
    /** The next index to claim or, in a {@link #pinned} call, the mask of those claimed. */
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger created = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private final List<Thread> workers = new CopyOnWriteArrayList<>(); // live ones only
    private volatile Thread waiter;
    private long submissions; // tasks handed to the pool, rather than to a lingering worker (the caller's count)
    private volatile Throwable failure;
    private IntConsumer body;
    private int n;
    private boolean pinned;

    private static final int SPINS = 20_000;
    /** How long a worker done with a call spins for the next before it goes back to the pool. */
    static final long LINGER_NANOS = Long.getLong("vecrnn.pool.lingernanos", 200_000L);
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(60); // ForkJoinPool's default
    private static final int MAX_POOL_SIZE = 0x7fff;                  // ForkJoinPool's default cap

    ParallelFor(int threads) {
        this(threads, KEEP_ALIVE, threads <= Runtime.getRuntime().availableProcessors() ? LINGER_NANOS : 0);
    }

    /**
     * {@code keepAlive}: how long an idle worker lives before the pool retires it (tests shorten it);
     * {@code lingerNanos}: how long a worker done with a call spins for the next.
     */
    ParallelFor(int threads, Duration keepAlive, long lingerNanos) {
        if (threads <= 0) throw new IllegalArgumentException("threads must be positive, not " + threads);
        pool = threads > 1 ? new ForkJoinPool(threads - 1, this::newWorker, null, false, 0, MAX_POOL_SIZE, 1, null,
                keepAlive.toMillis(), TimeUnit.MILLISECONDS) : null;
        this.threads = threads;
        this.lingerNanos = lingerNanos;
        helpers = new Helper[threads - 1];
        for (int i = 0; i < helpers.length; i++) helpers[i] = new Helper();
    }

    private ForkJoinWorkerThread newWorker(ForkJoinPool p) {
        // a replacement for a retired worker takes its place in the blocks, as far as creation order tells
        ForkJoinWorkerThread t = new Worker(p, 1 + created.getAndIncrement() % (threads - 1));
        t.setName("vecrnn-worker-" + t.getPoolIndex());
        t.setDaemon(true);
        workers.add(t);
        return t;
    }

    /** A pool thread that leaves {@link #workers} when the pool retires it, so the list holds live threads only. */
    private final class Worker extends ForkJoinWorkerThread {
        final int self; // its place among the threads of an Affinity call, 1 … threads − 1 (the caller is 0)

        Worker(ForkJoinPool p, int self) {
            super(p);
            this.self = self;
        }

        @Override
        protected void onTermination(Throwable exception) {
            workers.remove(this);
            super.onTermination(exception);
        }
    }

    /** How many times a call has submitted a worker's task to the pool, rather than handing it to a lingering one. */
    long submissions() { return submissions; }

    /** The pool's worker threads alive now. */
    List<Thread> workers() { return List.copyOf(workers); }

    @Override
    public int threads() { return threads; }

    @Override
    public void run(int count, IntConsumer task) {
        if (count <= 0) return;
        int used = Math.min(helpers.length, count - 1);
        if (used == 0) {
            for (int i = 0; i < count; i++) task.accept(i);
            return;
        }
        body = task;
        n = count;
        pinned = count <= Affinity.PINNED_MAX;
        failure = null;
        next.set(0);
        pending.set(used);
        waiter = Thread.currentThread();
        for (int i = 0; i < used; i++) helpers[i].hand();
        try {
            drain(0);
        } catch (Throwable t) { // any throwable, checked ones thrown sneakily too: the helpers must finish first
            stopClaims(); // the others take no new index
            awaitHelpers(used);
            body = null;
            Throwable f = failure;
            if (f != null && f != t) t.addSuppressed(f);
            throw unchecked(t);
        }
        awaitHelpers(used);
        body = null;
        Throwable f = failure;
        if (f != null) throw unchecked(f);
    }

    /** A checked exception (thrown sneakily by a body) is wrapped, so that it cannot pass as a normal return. */
    static RuntimeException unchecked(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new UndeclaredThrowableException(t, "a parallel task threw " + t);
    }

    private void awaitHelpers(int used) {
        for (int spins = 0; pending.get() > 0; spins++) {
            if (spins < SPINS) Thread.onSpinWait();
            else LockSupport.park(this);
        }
    }

    /** Runs the indices thread {@code self} claims until none is left. */
    private void drain(int self) {
        IntConsumer b = body;
        if (!pinned) {
            for (int i; (i = next.getAndIncrement()) < n; ) b.accept(i);
            return;
        }
        int all = (1 << n) - 1;
        for (int claimed; (claimed = next.get()) != all; ) {
            int i = Affinity.pick(~claimed & all, self, threads, n);
            if (next.compareAndSet(claimed, claimed | 1 << i)) b.accept(i);
        }
    }

    private void stopClaims() {
        next.set(pinned ? (1 << n) - 1 : n);
    }

    /**
     * A worker's share of the calls: submitted to the pool when it is {@link #IDLE}, handed the call directly
     * when it is still {@link #LINGERING} after the last one.
     */
    private final class Helper extends RecursiveAction {
        static final int IDLE = 0, RUNNING = 1, LINGERING = 2, HANDED = 3;
        final AtomicInteger state = new AtomicInteger(IDLE);
        private boolean submitted; // ever submitted to the pool: read and written by the calling thread only

        /** Gives this helper the call just set up. */
        void hand() {
            if (state.compareAndSet(LINGERING, HANDED)) return;
            // IDLE: never submitted, or compute() has returned or is returning. The task is marked done just after
            // it returns; it must be before it is reinitialised, or the pool would see a done task and skip it.
            if (submitted) while (!isDone()) Thread.onSpinWait();
            submitted = true;
            submissions++;
            reinitialize();
            pool.execute(this);
        }

        @Override
        protected void compute() {
            int self = Thread.currentThread() instanceof Worker w ? w.self : 1;
            do {
                state.set(RUNNING);
                try {
                    drain(self);
                } catch (Throwable t) {
                    failure = t;
                    stopClaims();
                } finally {
                    // lingering before the call counts as done: the next call, which may follow at once, finds it so
                    state.set(lingerNanos > 0 ? LINGERING : IDLE);
                    if (pending.decrementAndGet() == 0) LockSupport.unpark(waiter);
                }
            } while (lingerNanos > 0 && linger());
        }

        /** Spins for the next call; true when one was handed over, false (and {@link #IDLE}) when none came. */
        private boolean linger() {
            long end = System.nanoTime() + lingerNanos;
            while (System.nanoTime() < end && !pool.isShutdown()) {
                if (state.get() == HANDED) return true;
                Thread.onSpinWait();
            }
            return !state.compareAndSet(LINGERING, IDLE);
        }
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
