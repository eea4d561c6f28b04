package dev.vecrnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    @Test
    void aLongNameTheFileSystemAcceptsCanBeWritten() throws IOException {
        // 252 characters: a temporary name built from it would exceed the usual 255-byte limit.
        Path f = tmp.resolve("m".repeat(240) + ".safetensors");
        AtomicFilesTest.assertNameLength(252, f);
        AtomicFiles.checkWritable(f);
        assertEquals(List.of(), files(), "the check leaves nothing behind");
        AtomicFiles.write(f, new byte[] {1, 2});
        assertArrayEquals(new byte[] {1, 2}, Files.readAllBytes(f));
        assertEquals(List.of(f), files());
    }

    static void assertNameLength(int length, Path f) {
        assertEquals(length, f.getFileName().toString().length());
    }

    @Test
    void checkWritableRefusesWhatAWriteCouldNotDoAndTouchesNothing() throws IOException {
        Path tooLong = tmp.resolve("m".repeat(300) + ".safetensors");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.checkWritable(tooLong));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertThrows(IOException.class, () -> AtomicFiles.checkWritable(tmp.resolve("missing/m.safetensors")));
        assertEquals(List.of(), files());
        Path existing = tmp.resolve("kept.bin");
        Files.writeString(existing, "mine");
        AtomicFiles.checkWritable(existing);
        assertEquals("mine", Files.readString(existing));
        assertEquals(List.of(existing), files());
    }

    @Test
    void temporaryFilesOfKilledWritersOfTheSameTargetAreRemoved() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version").start();
        p.waitFor();
        long dead = p.pid();
        Path target = tmp.resolve("model.safetensors");
        Path stale = Files.write(tmp.resolve(AtomicFiles.temporaryName("model.safetensors", dead)), new byte[4096]);
        Path live = Files.write(tmp.resolve(AtomicFiles.temporaryName("model.safetensors",
                ProcessHandle.current().parent().orElseThrow().pid())), new byte[1]);
        Path own = Files.write(tmp.resolve(AtomicFiles.temporaryName("model.safetensors", ProcessHandle.current().pid())), new byte[1]);
        Path otherTarget = Files.write(tmp.resolve(AtomicFiles.temporaryName("other.safetensors", dead)), new byte[1]);
        Path unrelated = Files.write(tmp.resolve(".model.safetensors123.tmp"), new byte[1]);
        AtomicFiles.write(target, new byte[] {7});
        assertFalse(Files.exists(stale), "a killed writer's file is removed");
        for (Path kept : List.of(target, live, own, otherTarget, unrelated)) assertTrue(Files.exists(kept), kept.toString());
        assertEquals(6 - 1, files().size());
    }

    @Test
    void temporaryNamesAreShortWhateverTheTarget() {
        String name = AtomicFiles.temporaryName("m".repeat(255), Long.MAX_VALUE);
        assertTrue(name.length() <= 60, name);
        assertTrue(name.startsWith(".vecrnn-") && name.endsWith(".tmp"), name);
    }

    @Test
    void aFolderThatCannotBeSyncedIsReported() {
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.syncDirectory(tmp.resolve("gone")));
        assertTrue(e.getMessage().contains("could not be synced"), e.getMessage());
    }
}
