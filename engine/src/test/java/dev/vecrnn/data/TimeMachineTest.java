package dev.vecrnn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding, verifying and downloading The Time Machine, without the network (file: URLs). */
class TimeMachineTest {
    @TempDir
    Path tmp;

    static String expectedText() throws IOException {
        return Files.readString(Fixtures.timeMachine(), StandardCharsets.UTF_8);
    }

    static void assertOneLine(String message) {
        assertFalse(message.contains("\n") || message.contains("\r"), "one line: " + message);
    }

    static List<Path> list(Path dir) throws IOException {
        if (!Files.exists(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void readsAVerifiedCopyFromTheDataDir() throws IOException {
        assertEquals(expectedText(), TimeMachine.load(Fixtures.dataDir(), null, Map.of()));
        // The environment variable is honoured when no folder is given.
        assertEquals(expectedText(), TimeMachine.load(null, null, Map.of(TimeMachine.DATA_DIR_ENV, Fixtures.dataDir().toString())));
    }

    @Test
    void wrongHashIsRefusedWithTheSha1AndWhatToDo() throws IOException {
        byte[] bytes = "not the time machine\n".getBytes(StandardCharsets.UTF_8);
        Files.write(tmp.resolve(TimeMachine.FILE_NAME), bytes);
        String sha1 = TimeMachine.sha1(bytes);
        TimeMachine.DataException e = assertThrows(TimeMachine.DataException.class, () -> TimeMachine.load(tmp, null, Map.of()));
        assertTrue(e.getMessage().contains(sha1), e.getMessage());
        assertTrue(e.getMessage().contains(TimeMachine.SHA1), e.getMessage());
        assertTrue(e.getMessage().contains("VECRNN_DATA_DIR"), e.getMessage());
        assertOneLine(e.getMessage());
        // The same through the environment variable.
        e = assertThrows(TimeMachine.DataException.class,
                () -> TimeMachine.load(null, null, Map.of(TimeMachine.DATA_DIR_ENV, tmp.toString())));
        assertTrue(e.getMessage().contains(sha1), e.getMessage());
    }

    @Test
    void aTruncatedCopyIsRefused() throws IOException {
        byte[] good = Files.readAllBytes(Fixtures.timeMachine());
        Files.write(tmp.resolve(TimeMachine.FILE_NAME), java.util.Arrays.copyOf(good, good.length - 1));
        assertThrows(TimeMachine.DataException.class, () -> TimeMachine.load(tmp, null, Map.of()));
    }

    @Test
    void missingFileInTheDataDir() {
        TimeMachine.DataException e = assertThrows(TimeMachine.DataException.class, () -> TimeMachine.load(tmp, null, Map.of()));
        assertTrue(e.getMessage().contains(TimeMachine.FILE_NAME), e.getMessage());
        assertTrue(e.getMessage().contains(tmp.toString()), e.getMessage());
        assertOneLine(e.getMessage());
        Path missing = tmp.resolve("nope");
        e = assertThrows(TimeMachine.DataException.class,
                () -> TimeMachine.load(null, null, Map.of(TimeMachine.DATA_DIR_ENV, missing.toString())));
        assertTrue(e.getMessage().contains(TimeMachine.DATA_DIR_ENV), e.getMessage());
        assertOneLine(e.getMessage());
    }

    @Test
    void aFolderNamedTimemachineTxtIsNotAFile() throws IOException {
        Files.createDirectory(tmp.resolve(TimeMachine.FILE_NAME));
        assertThrows(TimeMachine.DataException.class, () -> TimeMachine.load(tmp, null, Map.of()));
    }

    @Test
    void downloadsFromAFileUrlIntoTheCacheThenReadsTheCache() throws IOException {
        Path cache = tmp.resolve("xdg");
        Map<String, String> env = Map.of("XDG_CACHE_HOME", cache.toString());
        String url = Fixtures.timeMachine().toAbsolutePath().toUri().toString();
        assertTrue(url.startsWith("file:"), url);
        assertEquals(expectedText(), TimeMachine.load(null, url, env));
        Path cached = cache.resolve("vecrnn").resolve(TimeMachine.FILE_NAME);
        assertTrue(Files.isRegularFile(cached));
        assertEquals(List.of(cached), list(cache.resolve("vecrnn")), "no temporary files left beside the cached copy");
        // A second load must not download: point the URL at nothing and it still works.
        String nowhere = tmp.resolve("does-not-exist.txt").toUri().toString();
        assertEquals(expectedText(), TimeMachine.load(null, nowhere, env));
        // The mirror from the environment is used when no URL is given.
        Path cache2 = tmp.resolve("xdg2");
        assertEquals(expectedText(), TimeMachine.load(null, null,
                Map.of("XDG_CACHE_HOME", cache2.toString(), TimeMachine.DATA_URL_ENV, url)));
        assertTrue(Files.isRegularFile(cache2.resolve("vecrnn").resolve(TimeMachine.FILE_NAME)));
    }

    @Test
    void aCorruptCachedCopyIsRefused() throws IOException {
        Path dir = tmp.resolve("vecrnn");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(TimeMachine.FILE_NAME), "garbage");
        TimeMachine.DataException e = assertThrows(TimeMachine.DataException.class,
                () -> TimeMachine.load(null, "file:///nonexistent", Map.of("XDG_CACHE_HOME", tmp.toString())));
        assertTrue(e.getMessage().contains(TimeMachine.sha1("garbage".getBytes(StandardCharsets.UTF_8))), e.getMessage());
    }

    @Test
    void aWrongDownloadLeavesNothingInTheCache() throws IOException {
        Path wrong = tmp.resolve("wrong.txt");
        byte[] bytes = "The Time Machine, but not quite.\n".getBytes(StandardCharsets.UTF_8);
        Files.write(wrong, bytes);
        Path cache = tmp.resolve("xdg");
        Map<String, String> env = Map.of("XDG_CACHE_HOME", cache.toString());
        TimeMachine.DataException e = assertThrows(TimeMachine.DataException.class,
                () -> TimeMachine.load(null, wrong.toUri().toString(), env));
        assertTrue(e.getMessage().contains(TimeMachine.sha1(bytes)), e.getMessage());
        assertTrue(e.getMessage().contains("VECRNN_DATA_DIR"), e.getMessage());
        assertOneLine(e.getMessage());
        assertEquals(List.of(), list(cache.resolve("vecrnn")), "no partial or temporary file in the cache");
    }

    @Test
    void anUnreachableSourceFailsWithOneLineAndLeavesNothing() throws IOException {
        Path cache = tmp.resolve("xdg");
        Map<String, String> env = Map.of("XDG_CACHE_HOME", cache.toString());
        for (String url : List.of(tmp.resolve("missing.txt").toUri().toString(), tmp.toUri().toString(), "file:relative/x.txt",
                "not a url at all", "ftp://[bad")) {
            TimeMachine.DataException e = assertThrows(TimeMachine.DataException.class, () -> TimeMachine.load(null, url, env), url);
            assertOneLine(e.getMessage());
            assertEquals(List.of(), list(cache.resolve("vecrnn")), url);
        }
    }

    @Test
    void sha1OfKnownBytes() {
        assertEquals("da39a3ee5e6b4b0d3255bfef95601890afd80709", TimeMachine.sha1(new byte[0]));
        assertEquals("a9993e364706816aba3e25717850c26c9cd0d89d", TimeMachine.sha1("abc".getBytes(StandardCharsets.US_ASCII)));
    }
}
