package io.sluice.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A light load of a few clients, each on its own kept-alive connection: a client posts the benchmark's small JSON
 * request, waits for the whole answer, and sends the next, for a number of seconds. Prints the requests' latencies,
 * each from just before its request is written to just after its answer's last byte is read, at p50, p90, p99 and
 * p99.9, the client's own time between requests (its bookkeeping, and whatever stopped it), per request, and how
 * many requests it sent in all, those of the warm-up too (what a target's CPU time over the whole run is divided by).
 *
 * <p>Why not wrk: with one connection, wrk's latencies added up to more than its run (nginx in front of the model
 * server: 51,929 requests at a mean of 110 µs in 5 s; Sluice: 50,202 at 242 µs in 5.1 s), while a packet capture of
 * the same load showed one request and one answer at a time, so its percentiles at light load do not describe the
 * requests (bench/RESULTS.md, "2026-12-06, morning").
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.sluice.bench.LightLoad URL SECONDS CLIENTS}, as
 * {@code bench/light-load.sh} runs it: the first {@value #WARMUP_SECONDS} seconds are not measured (the client's own
 * code compiles). Between a request's write and its answer a client does no more than read and scan the answer's
 * head in place, so the latency holds no allocation of its own; an answer must carry a Content-Length (the
 * benchmark's JSON answers do), and anything else, or no answer within {@value #READ_TIMEOUT_MILLIS} ms, ends the run
 * with an error.
 *
 * <p>Bench only. Threads: each client on a thread of its own, with its own socket, buffer and samples; the main
 * thread merges the samples once {@link Future#get} has returned them.
 */
public final class LightLoad {
    private static final int WARMUP_SECONDS = 3;
    private static final int READ_TIMEOUT_MILLIS = 10_000;
    /** Room for this many requests a second per client, so the samples never grow while measuring. */
    private static final int MAX_RATE = 50_000;
    /** The body h2load posts for the JSON answer in run.sh, read from the repository's root. */
    private static final Path BODY = Path.of("bench/json-body.json");
    private static final byte[] STATUS_200 = "http/1.1 200 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "content-length:".getBytes(StandardCharsets.US_ASCII);

    private LightLoad() {
    }

    public static void main(String[] args) throws Exception {
        final URI uri = args.length == 3 ? URI.create(args[0]) : null;
        final int clients = uri == null ? 0 : Integer.parseInt(args[2]);
        if (uri == null || uri.getPort() < 0 || uri.getRawPath().isEmpty() || clients < 1) {
            System.err.println("usage: LightLoad http://HOST:PORT/PATH SECONDS CLIENTS (CLIENTS at least 1)");
            System.exit(2);
        }
        final long seconds = Long.parseLong(args[1]);
        final byte[] request = request(uri, Files.readAllBytes(BODY));
        final long measureFrom = System.nanoTime() + TimeUnit.SECONDS.toNanos(WARMUP_SECONDS);
        final long deadline = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
        final int capacity = (int) Math.min(Integer.MAX_VALUE - 8, seconds * MAX_RATE);
        final ExecutorService threads = Executors.newFixedThreadPool(clients);
        final List<Future<Client>> runs = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            runs.add(threads.submit(() -> new Client(capacity).run(uri, request, measureFrom, deadline)));
        }
        final Samples latencies = new Samples(capacity);
        long between = 0;
        long sent = 0;
        double measured = 0;
        try {
            for (Future<Client> run : runs) {
                final Client client = run.get();
                latencies.addAll(client.latencies);
                between += client.measured - client.sum;
                sent += client.sent;
                measured = Math.max(measured, client.measured / 1e9);
            }
        } catch (ExecutionException e) {
            System.err.println("LightLoad: " + e.getCause());
            System.out.println("RESULT error=" + e.getCause().getClass().getSimpleName());
            System.exit(1);
        } finally {
            threads.shutdownNow();
        }
        System.out.printf(Locale.ROOT, "RESULT clients=%d requests=%d seconds=%.2f client_between_us=%.1f p50_us=%d"
                        + " p90_us=%d p99_us=%d p999_us=%d max_us=%d sent=%d%n", clients, latencies.size(), measured,
                between / 1e3 / Math.max(1, latencies.size()), latencies.percentile(50), latencies.percentile(90),
                latencies.percentile(99), latencies.percentile(99.9), latencies.percentile(100), sent);
    }

    private static byte[] request(URI uri, byte[] body) {
        final String head = "POST " + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
                + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
        final byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        final byte[] request = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);
        return request;
    }

    /** One client: its connection's reads, and what it measured. Filled by its own thread, then read by main. */
    private static final class Client {
        private final byte[] buffer = new byte[64 * 1024];
        private final Samples latencies;
        private int filled;
        /** Nanoseconds: the measured requests' latencies added up; from the first one's start to the last one's end. */
        private long sum;
        private long measured;
        /** Every request this client sent, those of the warm-up too. */
        private long sent;

        Client(int capacity) {
            this.latencies = new Samples(capacity);
        }

        Client run(URI uri, byte[] request, long measureFrom, long deadline) {
            try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(READ_TIMEOUT_MILLIS);
                final OutputStream out = socket.getOutputStream();
                final InputStream in = socket.getInputStream();
                long measuredFrom = -1;
                long end = System.nanoTime();
                while (end < deadline) {
                    final long start = System.nanoTime();
                    out.write(request);
                    out.flush();
                    readAnswer(in);
                    end = System.nanoTime();
                    sent++;
                    if (start >= measureFrom) {
                        if (measuredFrom < 0) {
                            measuredFrom = start;
                        }
                        latencies.add(TimeUnit.NANOSECONDS.toMicros(end - start));
                        sum += end - start;
                    }
                }
                measured = measuredFrom < 0 ? 0 : end - measuredFrom;
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Reads one answer whole: its head, then as many body bytes as its Content-Length says. */
        private void readAnswer(InputStream in) throws IOException {
            int headEnd;
            while ((headEnd = headEnd()) < 0) {
                fill(in);
            }
            final long total = headEnd + contentLength(headEnd);
            while (filled < total) {
                fill(in);
            }
            // Nothing may follow: one request is outstanding at a time.
            if (filled > total) {
                throw new IOException("bytes after the answer: " + (filled - total));
            }
            filled = 0;
        }

        private void fill(InputStream in) throws IOException {
            if (filled == buffer.length) {
                throw new IOException("an answer larger than " + buffer.length + " bytes");
            }
            final int n = in.read(buffer, filled, buffer.length - filled);
            if (n < 0) {
                throw new IOException("the connection closed");
            }
            filled += n;
        }

        /** The index just past the head's blank line, or -1 while it has not arrived. */
        private int headEnd() {
            for (int i = 3; i < filled; i++) {
                if (buffer[i] == '\n' && buffer[i - 1] == '\r' && buffer[i - 2] == '\n' && buffer[i - 3] == '\r') {
                    return i + 1;
                }
            }
            return -1;
        }

        /** The head's Content-Length, read in place; a status other than 200 or no such field is an error. */
        private long contentLength(int headEnd) throws IOException {
            if (!startsWith(0, STATUS_200)) {
                throw new IOException("not a 200 answer: " + new String(buffer, 0, Math.min(headEnd, 40),
                        StandardCharsets.US_ASCII).lines().findFirst().orElse(""));
            }
            for (int line = 0; line < headEnd; ) {
                if (startsWith(line, CONTENT_LENGTH)) {
                    long length = 0;
                    int digits = 0;
                    for (int i = line + CONTENT_LENGTH.length; buffer[i] != '\r'; i++) {
                        if (buffer[i] >= '0' && buffer[i] <= '9' && digits < 10) {
                            length = length * 10 + buffer[i] - '0';
                            digits++;
                        } else if (buffer[i] != ' ') {
                            throw new IOException("a malformed Content-Length");
                        }
                    }
                    if (digits == 0) {
                        throw new IOException("an empty Content-Length");
                    }
                    return length;
                }
                while (line < headEnd && buffer[line] != '\n') {
                    line++;
                }
                line++;
            }
            throw new IOException("an answer without a Content-Length");
        }

        /** Whether the bytes at {@code at} are {@code lower}'s, ASCII letters in any case. */
        private boolean startsWith(int at, byte[] lower) {
            if (at + lower.length > filled) {
                return false;
            }
            for (int i = 0; i < lower.length; i++) {
                final int b = buffer[at + i];
                if ((b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b) != lower[i]) {
                    return false;
                }
            }
            return true;
        }
    }
}
