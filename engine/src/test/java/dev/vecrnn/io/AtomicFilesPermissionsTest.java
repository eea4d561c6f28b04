package dev.vecrnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files written atomically get ordinary permissions, not the owner-only ones of the temporary file. */
class AtomicFilesPermissionsTest {

    @Test
    void newFilesAreWorldReadableAndReplacedFilesKeepTheirPermissions(@TempDir Path dir) throws Exception {
        Path fresh = dir.resolve("fresh.bin");
        AtomicFiles.write(fresh, new byte[] {1, 2, 3});
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));

        Path kept = dir.resolve("kept.bin");
        Files.write(kept, new byte[] {0});
        Files.setPosixFilePermissions(kept, PosixFilePermissions.fromString("rw-rw----"));
        AtomicFiles.write(kept, new byte[] {4, 5});
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(kept)));
    }
}
