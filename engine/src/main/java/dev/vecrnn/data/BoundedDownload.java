package dev.vecrnn.data;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fetches a URL's body into memory within an overall deadline and a size cap, hashing it as it arrives.
 *
 * <p>{@code HttpRequest.timeout} bounds only the wait for the response headers: a server that then sends
 * part of the body and stalls would hold a blocking read forever. So the body goes to a subscriber and the
 * caller waits for the whole response with a deadline, cancelling the exchange when it passes. Nothing is
 * written to disk here: the caller writes the file only once the hash is right.
 */
final class BoundedDownload {
    private BoundedDownload() {}

    /** How long the whole download may take and how many bytes it may have. */
    record Limits(Duration deadline, long maxBytes) {
        /** The Time Machine is 179 KB; a few MB leaves room for a mirror's other line endings, not for a wrong file. */
        static final Limits DEFAULT = new Limits(Duration.ofSeconds(120), 4L << 20);
    }

    /** The body and its SHA-1 (lower-case hex). */
    record Body(byte[] bytes, String sha1) {}

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);

    /** The body of a {@code file:} or {@code http(s):} URL; an IOException's message says what went wrong, in one line. */
    static Body fetch(URI uri, Limits limits) throws IOException, InterruptedException {
        if ("file".equalsIgnoreCase(uri.getScheme())) {
            try (InputStream in = Files.newInputStream(Paths.get(uri))) {
                Sink sink = new Sink(limits.maxBytes());
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) sink.add(ByteBuffer.wrap(buf, 0, n));
                return sink.body();
            }
        }
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(limits.deadline().compareTo(CONNECT_TIMEOUT) < 0 ? limits.deadline() : CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(limits.deadline()).GET().build();
        Subscriber[] current = {null};
        CompletableFuture<HttpResponse<Body>> response = client.sendAsync(request, info -> {
            long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
            Subscriber s = new Subscriber(limits.maxBytes(), info.statusCode() == 200, declared);
            current[0] = s;
            return s;
        });
        try {
            HttpResponse<Body> r = response.get(limits.deadline().toNanos(), TimeUnit.NANOSECONDS);
            if (r.statusCode() != 200) throw new StatusException(r.statusCode());
            return r.body();
        } catch (TimeoutException e) {
            throw new IOException("no complete answer within " + seconds(limits.deadline()));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause() : e.getCause();
            if (cause instanceof IOException io) throw io;
            throw new IOException(String.valueOf(cause), cause);
        } finally {
            // Ends a stalled or refused exchange (closing its connection) instead of leaving it to the server.
            Subscriber s = current[0];
            if (s != null) s.cancel();
            response.cancel(true);
        }
    }

    /** The server answered with a status other than 200. */
    static final class StatusException extends IOException {
        final int status;

        StatusException(int status) {
            super("HTTP " + status);
            this.status = status;
        }
    }

    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() / 1000.0 + " s";
    }

    static String size(long bytes) {
        return bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : String.format("%,d bytes", bytes);
    }

    /** Collects bytes up to the cap, hashing them as they come. */
    private static final class Sink {
        private final long max;
        private final MessageDigest sha1;
        private byte[] bytes = new byte[1 << 16];
        private int size;

        Sink(long max) {
            this.max = max;
            try {
                sha1 = MessageDigest.getInstance("SHA-1");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-1 is required of every JDK", e);
            }
        }

        void add(ByteBuffer b) throws IOException {
            int n = b.remaining();
            if ((long) size + n > max) throw tooLarge(max);
            if (size + n > bytes.length) bytes = Arrays.copyOf(bytes, (int) Math.min(max, Math.max(2L * bytes.length, size + n)));
            sha1.update(b.duplicate());
            b.get(bytes, size, n);
            size += n;
        }

        Body body() {
            return new Body(Arrays.copyOf(bytes, size), HexFormat.of().formatHex(sha1.digest()));
        }
    }

    private static IOException tooLarge(long max) {
        return new IOException("the file is larger than " + size(max) + ", far more than The Time Machine's 179 KB");
    }

    /**
     * Receives one response's body. For a status other than 200 it reads nothing; a body declared or found
     * larger than the cap is refused as soon as that is known.
     */
    private static final class Subscriber implements HttpResponse.BodySubscriber<Body> {
        private final CompletableFuture<Body> result = new CompletableFuture<>();
        private final Sink sink;
        private volatile Flow.Subscription subscription;

        /** {@code declared}: the Content-Length, −1 if unknown. */
        Subscriber(long max, boolean wanted, long declared) {
            sink = new Sink(max);
            if (!wanted) result.complete(null);
            else if (declared > max) result.completeExceptionally(tooLarge(max));
        }

        @Override public CompletionStage<Body> getBody() { return result; }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (result.isDone()) s.cancel();
            else s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) return;
            try {
                for (ByteBuffer b : items) sink.add(b);
            } catch (IOException e) {
                result.completeExceptionally(e);
                cancel();
            }
        }

        @Override public void onError(Throwable t) { result.completeExceptionally(t); }

        @Override public void onComplete() { result.complete(sink.body()); }

        void cancel() {
            Flow.Subscription s = subscription;
            if (s != null) s.cancel();
        }
    }
}
