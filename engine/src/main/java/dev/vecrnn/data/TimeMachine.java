package dev.vecrnn.data;

import java.io.IOException;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Finds The Time Machine as d2l's {@code download('time_machine')} does: a cached copy checked against its
 * SHA-1 every time it is read, downloaded on first use.
 *
 * <p>Where it looks: {@code $VECRNN_DATA_DIR/timemachine.txt} when that variable (or the {@code --data-dir}
 * option, which wins) is set; else the per-user cache ({@code $XDG_CACHE_HOME/vecrnn} or
 * {@code ~/.cache/vecrnn}), downloading from d2l's URL, or from {@code $VECRNN_DATA_URL} /
 * {@code --data-url} (a mirror; {@code file:} URLs work too) when the file is not there yet.
 */
public final class TimeMachine {
    public static final String FILE_NAME = "timemachine.txt";
    public static final String SHA1 = "090b5e7e70c295757f55df93cb0a180b9691891a";
    public static final String D2L_URL = "http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt";
    public static final String DATA_DIR_ENV = "VECRNN_DATA_DIR";
    public static final String DATA_URL_ENV = "VECRNN_DATA_URL";

    private TimeMachine() {}

    /** A failure to find, fetch or verify the corpus; its message is one line that says what to do. */
    public static final class DataException extends IOException {
        public DataException(String message) { super(message); }
    }

    /**
     * Returns the verified text.
     *
     * @param dataDir a folder holding {@code timemachine.txt}, or null for the environment / cache
     * @param url     where to download from when the cache is empty, or null for the environment / d2l
     */
    public static String load(Path dataDir, String url, Map<String, String> env) throws DataException {
        Path file = locate(dataDir, url, env);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new DataException("cannot read " + file + " (" + e.getMessage() + "); set " + DATA_DIR_ENV
                    + " to a folder holding " + FILE_NAME + ", or pass --corpus FILE");
        }
        String sha1 = sha1(bytes);
        if (!sha1.equals(SHA1)) {
            throw new DataException(file + " has SHA-1 " + sha1 + ", not The Time Machine's " + SHA1
                    + "; delete it or set " + DATA_DIR_ENV + " to a folder with a good copy, or pass --corpus FILE");
        }
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    static Path locate(Path dataDir, String url, Map<String, String> env) throws DataException {
        Path dir = dataDir;
        if (dir == null && env.get(DATA_DIR_ENV) != null && !env.get(DATA_DIR_ENV).isBlank()) {
            dir = Paths.get(env.get(DATA_DIR_ENV));
        }
        if (dir != null) {
            Path file = dir.resolve(FILE_NAME);
            if (!Files.isRegularFile(file)) {
                throw new DataException("no " + FILE_NAME + " in " + dir + " (from " + (dataDir != null ? "--data-dir" : DATA_DIR_ENV)
                        + "); put d2l's copy there, or pass --corpus FILE");
            }
            return file;
        }
        Path file = cacheDir(env).resolve(FILE_NAME);
        if (Files.isRegularFile(file)) return file;
        String from = url != null ? url : env.getOrDefault(DATA_URL_ENV, D2L_URL);
        download(from, file);
        return file;
    }

    static Path cacheDir(Map<String, String> env) {
        String xdg = env.get("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Paths.get(xdg) : Paths.get(System.getProperty("user.home"), ".cache");
        return base.resolve("vecrnn");
    }

    /**
     * Downloads into memory (within {@link BoundedDownload.Limits#DEFAULT}'s deadline and size), verifies the
     * hash, then writes a temporary file beside the target and renames it: never a partial file.
     */
    static void download(String url, Path target) throws DataException {
        download(url, target, BoundedDownload.Limits.DEFAULT);
    }

    static void download(String url, Path target, BoundedDownload.Limits limits) throws DataException {
        String advice = "; set " + DATA_DIR_ENV + " to a folder holding " + FILE_NAME
                + " (or " + DATA_URL_ENV + " to a mirror), or pass --corpus FILE";
        Path tmp = null;
        try {
            BoundedDownload.Body body = BoundedDownload.fetch(URI.create(url), limits);
            if (!body.sha1().equals(SHA1)) {
                throw new DataException("the file downloaded from " + url + " has SHA-1 " + body.sha1() + ", not " + SHA1 + advice);
            }
            Files.createDirectories(target.getParent());
            tmp = Files.createTempFile(target.getParent(), FILE_NAME, ".part");
            Files.write(tmp, body.bytes());
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (DataException e) {
            throw e;
        } catch (BoundedDownload.StatusException e) {
            throw new DataException("downloading " + url + " failed with HTTP " + e.status + advice);
        } catch (IOException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            throw new DataException("cannot download The Time Machine from " + url + " (" + oneLine(e) + ")" + advice);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataException("download of " + url + " was interrupted" + advice);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a stray .part file is harmless and never read
                }
            }
        }
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replace('\n', ' ');
    }

    public static String sha1(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JDK", e);
        }
    }
}
