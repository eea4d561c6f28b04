package dev.vecrnn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vecrnn.Fixtures;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads over HTTP from a server on 127.0.0.1 that misbehaves: stalls, sends too much, answers 404. */
class TimeMachineDownloadTest {
    @TempDir
    Path tmp;

    private HttpServer server;
    private ExecutorService handlers;
    private final CountDownLatch release = new CountDownLatch(1);   // lets stalled handlers end
    private final AtomicLong bytesSent = new AtomicLong();

    private static final BoundedDownload.Limits QUICK = new BoundedDownload.Limits(Duration.ofSeconds(1), 4L << 20);

    @BeforeEach
    void startServer() throws IOException {
        byte[] corpus = Files.readAllBytes(Fixtures.timeMachine());
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        handlers = Executors.newCachedThreadPool();
        server.setExecutor(handlers);
        server.createContext("/timemachine.txt", x -> send(x, 200, corpus));
        server.createContext("/missing", x -> send(x, 404, "not here".getBytes()));
        server.createContext("/stall", x -> {
            x.sendResponseHeaders(200, corpus.length);
            OutputStream out = x.getResponseBody();
            out.write(corpus, 0, 1000);
            out.flush();
            awaitRelease();
            x.close();
        });
        server.createContext("/stall404", x -> {
            x.sendResponseHeaders(404, 0);
            x.getResponseBody().write(new byte[1000]);
            x.getResponseBody().flush();
            awaitRelease();
            x.close();
        });
        server.createContext("/endless", x -> {
            x.sendResponseHeaders(200, 0); // chunked: no length to refuse up front
            byte[] chunk = new byte[1 << 16];
            Arrays.fill(chunk, (byte) 'a');
            try (OutputStream out = x.getResponseBody()) {
                for (int i = 0; i < 1024; i++) { // 64 MiB at most, so that the handler always ends
                    out.write(chunk);
                    bytesSent.addAndGet(chunk.length);
                }
            } catch (IOException clientWentAway) {
                // expected: the client cancels once the cap is passed
            }
        });
        server.createContext("/huge", x -> {
            x.sendResponseHeaders(200, 1L << 30); // declares 1 GiB, sends little: refused from the header alone
            x.getResponseBody().write(new byte[1000]);
            x.getResponseBody().flush(); // JDK 25's server buffers small writes: without it the client sees no headers
            awaitRelease();
            x.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() throws InterruptedException {
        release.countDown();
        server.stop(0);
        handlers.shutdownNow();
        handlers.awaitTermination(10, TimeUnit.SECONDS);
    }

    private static void send(HttpExchange x, int status, byte[] body) throws IOException {
        x.sendResponseHeaders(status, body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }

    private void awaitRelease() {
        try {
            release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private Path cacheFile() {
        return tmp.resolve("cache").resolve(TimeMachine.FILE_NAME);
    }

    private TimeMachine.DataException refused(String path, BoundedDownload.Limits limits) {
        TimeMachine.DataException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(TimeMachine.DataException.class, () -> TimeMachine.download(url(path), cacheFile(), limits)));
        TimeMachineTest.assertOneLine(e.getMessage());
        assertTrue(e.getMessage().contains(url(path)), e.getMessage());
        assertTrue(e.getMessage().contains(TimeMachine.DATA_DIR_ENV), e.getMessage());
        return e;
    }

    private void assertNothingLeft() throws IOException {
        assertEquals(List.of(), TimeMachineTest.list(cacheFile().getParent()), "no partial or temporary file");
    }

    @Test
    void downloadsOverHttpIntoTheCache() throws IOException {
        Path cache = tmp.resolve("xdg");
        assertEquals(TimeMachineTest.expectedText(),
                TimeMachine.load(null, url("/timemachine.txt"), Map.of("XDG_CACHE_HOME", cache.toString())));
        Path cached = cache.resolve("vecrnn").resolve(TimeMachine.FILE_NAME);
        assertEquals(List.of(cached), TimeMachineTest.list(cached.getParent()));
    }

    @Test
    void aStalledBodyFailsAtTheDeadlineAndLeavesNothing() throws IOException {
        long start = System.nanoTime();
        TimeMachine.DataException e = refused("/stall", QUICK);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(e.getMessage().contains("no complete answer within 1 s"), e.getMessage());
        assertTrue(millis >= 900 && millis < 10_000, "gave up after " + millis + " ms");
        assertNothingLeft();
    }

    @Test
    void aStalledErrorPageDoesNotWaitForItsBody() throws IOException {
        TimeMachine.DataException e = refused("/stall404", new BoundedDownload.Limits(Duration.ofSeconds(30), 4L << 20));
        assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
        assertNothingLeft();
    }

    @Test
    void anHttpErrorNamesTheStatus() throws IOException {
        TimeMachine.DataException e = refused("/missing", QUICK);
        assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
        assertNothingLeft();
    }

    @Test
    void anOversizeBodyIsRefusedWhileItStreams() throws IOException, InterruptedException {
        BoundedDownload.Limits limits = new BoundedDownload.Limits(Duration.ofSeconds(30), 1L << 20);
        TimeMachine.DataException e = refused("/endless", limits);
        assertTrue(e.getMessage().contains("larger than 1 MiB"), e.getMessage());
        assertNothingLeft();
        // The client hung up: the server could not push its 64 MiB (socket buffers hold a few MiB at most).
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end && handlerBusy()) Thread.sleep(10);
        assertTrue(bytesSent.get() < 32L << 20, "the server sent " + bytesSent.get() + " bytes");
    }

    private boolean handlerBusy() {
        return ((java.util.concurrent.ThreadPoolExecutor) handlers).getActiveCount() > 0;
    }

    @Test
    void aDeclaredOversizeBodyIsRefusedFromItsHeaders() throws IOException {
        TimeMachine.DataException e = refused("/huge", new BoundedDownload.Limits(Duration.ofSeconds(30), 4L << 20));
        assertTrue(e.getMessage().contains("larger than 4 MiB"), e.getMessage());
        assertNothingLeft();
    }

    @Test
    void anOversizeFileUrlIsRefusedToo() throws IOException {
        Path big = tmp.resolve("big.txt");
        Files.write(big, new byte[(1 << 20) + 1]);
        TimeMachine.DataException e = assertThrows(TimeMachine.DataException.class, () -> TimeMachine.download(
                big.toUri().toString(), cacheFile(), new BoundedDownload.Limits(Duration.ofSeconds(30), 1L << 20)));
        assertTrue(e.getMessage().contains("larger than 1 MiB"), e.getMessage());
        assertNothingLeft();
    }
}
