package dev.vecrnn.io;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * Writes a file so that a crash at any moment leaves either the old file or the new one: a temporary file
 * in the same folder, written and fsynced, then renamed over the target, then the folder fsynced.
 *
 * <p>The temporary file is {@code .vecrnn-<hash of the target's name>-<pid>-<random>.tmp}: short, so any
 * target name the file system accepts also leaves room for it, and telling whose it is, so a save can remove
 * what an earlier writer of the same target left when it was killed (its process is gone).
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes the content of a file to the channel of the temporary file. */
    @FunctionalInterface
    public interface Content {
        void writeTo(FileChannel ch) throws IOException;
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern TEMP = Pattern.compile("\\.vecrnn-([0-9a-f]{8})-([0-9]{1,19})-[0-9a-f]{8}\\.tmp");

    public static void write(Path target, byte[] content) throws IOException {
        write(target, ch -> {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) ch.write(buf);
        });
    }

    public static void write(Path target, Content content) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        String name = abs.getFileName().toString();
        removeStaleTemporaries(dir, name);
        Path tmp = createTemporary(dir, name);
        try {
            keepOrOpenPermissions(tmp, abs);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                content.writeTo(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
            syncDirectory(dir);
        } finally {
            if (tmp != null) Files.deleteIfExists(tmp);
        }
    }

    /**
     * Checks up front that {@link #write} can create its temporary file for {@code target} and the target
     * itself, by creating and deleting both names (an existing target is left alone). Throws an exception
     * with a one-line message naming what failed.
     */
    public static void checkWritable(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        try {
            Files.delete(createTemporary(dir, abs.getFileName().toString()));
        } catch (IOException e) {
            throw new IOException("cannot create a temporary file in " + dir + " (" + reason(e) + ")");
        }
        if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) return;
        try {
            Files.createFile(abs);
        } catch (FileAlreadyExistsException e) {
            return; // created meanwhile by someone else: not ours to delete
        } catch (IOException e) {
            throw new IOException("cannot create " + abs + " (" + reason(e) + ")");
        }
        Files.delete(abs);
    }

    /** The prefix of every temporary file of {@code targetName}: a hash keeps it short whatever the name. */
    static String temporaryPrefix(String targetName) {
        CRC32C crc = new CRC32C();
        crc.update(targetName.getBytes(StandardCharsets.UTF_8));
        return String.format(".vecrnn-%08x-", crc.getValue());
    }

    /** The name a writer with process id {@code pid} gives its temporary file for {@code targetName}. */
    static String temporaryName(String targetName, long pid) {
        return temporaryPrefix(targetName) + pid + "-" + String.format("%08x", RANDOM.nextInt()) + ".tmp";
    }

    private static Path createTemporary(Path dir, String targetName) throws IOException {
        long pid = ProcessHandle.current().pid();
        for (int attempt = 0; ; attempt++) {
            try {
                return Files.createFile(dir.resolve(temporaryName(targetName, pid)));
            } catch (FileAlreadyExistsException e) {
                if (attempt == 10) throw e;
            }
        }
    }

    /**
     * Deletes the temporary files of the same target whose writer process no longer runs (a save killed
     * with {@code kill -9}, a power cut): they can never be renamed into place, and each is as large as the
     * model. This process's own files and those of live processes are left alone, so concurrent writers are
     * safe. A process id reused by a live process keeps a stale file one more time, which is harmless.
     */
    static void removeStaleTemporaries(Path dir, String targetName) {
        long self = ProcessHandle.current().pid();
        String prefix = temporaryPrefix(targetName);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, prefix + "*.tmp")) {
            for (Path p : files) {
                Matcher m = TEMP.matcher(p.getFileName().toString());
                if (!m.matches() || !p.getFileName().toString().startsWith(prefix)) continue;
                long pid;
                try {
                    pid = Long.parseLong(m.group(2));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (pid == self || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // cleaning up is a courtesy: the save itself does not depend on it
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unlistable folder will fail the save itself, with a clearer message
        }
    }

    /**
     * A temporary file is created owner-only; the result should look like any other file the user writes:
     * the permissions of the file it replaces, or rw-r--r-- for a new one.
     */
    private static void keepOrOpenPermissions(Path tmp, Path target) throws IOException {
        if (!Files.getFileStore(tmp).supportsFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class)) return;
        java.util.Set<java.nio.file.attribute.PosixFilePermission> perms = Files.exists(target)
                ? Files.getPosixFilePermissions(target)
                : java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");
        Files.setPosixFilePermissions(tmp, perms);
    }

    /**
     * Makes the rename durable. Its failure is reported: the new file is in place, but a power cut could
     * still bring back the old one, and the user should know. Windows cannot open a folder to sync it.
     */
    static void syncDirectory(Path dir) throws IOException {
        if (File.separatorChar == '\\') return;
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            throw new IOException("the file was written, but its folder " + dir + " could not be synced to disk (" + reason(e)
                    + "); it may not survive a power cut");
        }
    }

    private static String reason(IOException e) {
        String r = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
        if (r == null) r = e.getClass().getSimpleName();
        return r.replace('\n', ' ');
    }
}
