package dev.vecrnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path tmp;

    List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.sorted().toList();
        }
    }

    @Test
    void writesAndReplacesLeavingNoTemporaryFiles() throws IOException {
        Path f = tmp.resolve("a.bin");
        AtomicFiles.write(f, "first".getBytes(StandardCharsets.UTF_8));
        assertEquals("first", Files.readString(f));
        byte[] big = new byte[1 << 20];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
        AtomicFiles.write(f, big);
        assertArrayEquals(big, Files.readAllBytes(f));
        AtomicFiles.write(f, new byte[0]);
        assertEquals(0, Files.size(f));
        assertEquals(List.of(f), files());
    }

    @Test
    void aRelativePathWorks() throws IOException {
        Path f = tmp.resolve("rel.bin");
        Path relative = Path.of("").toAbsolutePath().relativize(f);
        AtomicFiles.write(relative, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
    }

    @Test
    void failuresLeaveTheOldFileAndNoLeftovers() throws IOException {
        assertThrows(IOException.class, () -> AtomicFiles.write(tmp.resolve("missing/a.bin"), new byte[] {1}));
        assertEquals(List.of(), files());
        Path dir = Files.createDirectory(tmp.resolve("dir"));
        Files.writeString(dir.resolve("inside"), "x");
        assertThrows(IOException.class, () -> AtomicFiles.write(dir, new byte[] {1}));
        assertTrue(Files.isDirectory(dir), "a folder is not replaced");
        assertEquals(List.of(dir), files(), "no temporary file is left beside it");
    }
}
