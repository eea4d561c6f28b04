package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;

/** Reads the JVM's preferred float vector width; loaded only when the incubator module is present. */
final class VectorWidth {
    private VectorWidth() {}

    public static int preferredBits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }
}
