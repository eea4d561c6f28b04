package dev.vecrnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AffinityTest {

    /** Each thread takes its own block of a small call first, lowest first, then the others' from the end. */
    @Test
    void aThreadTakesItsOwnBlockFirstThenStealsFromTheEnd() {
        int all = (1 << 8) - 1;
        assertEquals(0, Affinity.pick(all, 0, 2, 8));
        assertEquals(4, Affinity.pick(all, 1, 2, 8));
        assertEquals(6, Affinity.pick(0b1100_0000, 1, 2, 8));
        assertEquals(7, Affinity.pick(0b1100_0000, 0, 2, 8), "thread 0's block is done: it steals from the end");
        assertEquals(3, Affinity.pick(0b0000_1011, 1, 2, 8));
        assertEquals(2, Affinity.pick(0b111, 2, 3, 3), "3 parts on 3 threads: one each");
        assertEquals(2, Affinity.pick(0b111, 0, 4, 3), "thread 0 owns nothing of 3 parts on 4 threads");
        assertEquals(1, Affinity.pick(0b111, 2, 4, 3));
        assertEquals(15, Affinity.pick(1 << 15, 0, 2, 16));
    }
}
