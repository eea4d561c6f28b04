package dev.vecrnn.train;

/**
 * Which index of a small call a thread claims, so that the same index runs on the same thread from call to call:
 * part {@code p} of one phase then reads what part {@code p} of the phase before wrote in its own core's cache (a
 * split of the parameters, a chunk's rows) instead of pulling it across cores, where writing over lines the other
 * core holds ran at about half the speed ({@code CrossCoreProbe}). Each thread has a preferred block of the
 * indices (thread {@code t} the {@code t}-th of {@code threads} equal blocks, the caller being thread 0) and
 * takes its own block first, lowest index first, then others' from the end, so a thread that is late still
 * leaves its parts to the others. {@link StepTeam} and {@link ParallelFor} both claim this way, from a mask of
 * the indices claimed so far.
 */
final class Affinity {
    private Affinity() {}

    /** Calls of at most this many indices claim by mask (16 bits of {@link StepTeam}'s ticket). */
    static final int PINNED_MAX = 16;

    /**
     * The index thread {@code self} of {@code threads} claims among the unclaimed ones ({@code free}, a mask, not
     * empty) of a call of {@code n}: the lowest of its own block if any is left, else the highest of all.
     */
    static int pick(int free, int self, int threads, int n) {
        int from = self * n / threads, to = (self + 1) * n / threads;
        int own = free & ((1 << to) - 1) & -(1 << from);
        return own != 0 ? Integer.numberOfTrailingZeros(own) : 31 - Integer.numberOfLeadingZeros(free);
    }
}
