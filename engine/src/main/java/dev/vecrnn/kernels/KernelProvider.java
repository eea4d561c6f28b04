package dev.vecrnn.kernels;

import java.util.List;
import java.util.Locale;

/**
 * Chooses the kernels once per process, as Lucene's {@code VectorizationProvider} does: the Vector API
 * implementation when {@code jdk.incubator.vector} is in the boot layer, else the scalar one after one
 * warning line on stderr.
 *
 * <p>System property {@code vecrnn.vector.bits}: {@code 0} (or {@code scalar}) forces the scalar
 * kernels; {@code 128}, {@code 256} or {@code 512} picks the vector width; unset uses the JVM's preferred
 * width. It is read once, because the vector species must be a constant for the JIT.
 */
public final class KernelProvider {
    private KernelProvider() {}

    /** Name of the system property that selects the kernels. */
    public static final String BITS_PROPERTY = "vecrnn.vector.bits";
    private static final String MODULE = "jdk.incubator.vector";

    private static final class Holder {
        static final Kernels INSTANCE = choose();
    }

    /** The kernels this process uses. */
    public static Kernels get() {
        return Holder.INSTANCE;
    }

    /** The scalar kernels, always available. */
    public static Kernels scalar() {
        return new ScalarKernels();
    }

    /** Every implementation this JVM can run: scalar, and vector when the module is present. For tests and benchmarks. */
    public static List<Kernels> available() {
        Kernels vector = vectorOrNull();
        return vector == null ? List.of(scalar()) : List.of(scalar(), vector);
    }

    /** Whether the incubator module was resolved at start-up ({@code --add-modules jdk.incubator.vector}). */
    public static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(MODULE).isPresent();
    }

    /** The vector width asked for: 0 for scalar, else bits (preferred width when the property is unset). */
    static int vectorBits() {
        String v = System.getProperty(BITS_PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty() || v.equals("preferred")) return PreferredBits.get();
        if (v.equals("scalar")) return 0;
        try {
            int bits = Integer.parseInt(v);
            if (bits == 0 || bits == 128 || bits == 256 || bits == 512) return bits;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + BITS_PROPERTY + "=" + v + " is not one of scalar, 0, 128, 256, 512");
    }

    private static Kernels choose() {
        if (!vectorModulePresent()) {
            System.err.println("WARNING: vecrnn is running on scalar kernels: start java with "
                    + "--add-modules " + MODULE + " for the Vector API kernels");
            return scalar();
        }
        if (vectorBits() == 0) return scalar();
        Kernels v = vectorOrNull();
        return v == null ? scalar() : v;
    }

    private static Kernels vectorOrNull() {
        if (!vectorModulePresent() || vectorBits() == 0) return null;
        try {
            return (Kernels) Class.forName("dev.vecrnn.kernels.VectorKernels")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            System.err.println("WARNING: vecrnn could not load its Vector API kernels (" + e + "); using scalar kernels");
            return null;
        }
    }

    /** Asks the Vector API for its preferred width without linking it when the module is absent. */
    private static final class PreferredBits {
        static int get() {
            if (!vectorModulePresent()) return 0;
            try {
                return (Integer) Class.forName("dev.vecrnn.kernels.VectorWidth").getMethod("preferredBits").invoke(null);
            } catch (ReflectiveOperationException | LinkageError e) {
                return 0;
            }
        }
    }
}
