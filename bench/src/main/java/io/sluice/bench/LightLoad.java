package io.sluice.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
 * request, waits for the whole answer, and sends the next, for a number of seconds. Prints the requests' latencies
 * at p50, p90, p99 and p99.9, and the sum of each client's latencies beside the time measured, which with one request
 * at a time per client can only be a little less.
 *
 * <p>Why not wrk: with one connection, wrk's latencies added up to more than its run (nginx in front of the model
 * server: 51,929 requests at a mean of 110 µs in 5 s; Sluice: 50,202 at 242 µs in 5.1 s), while a packet capture of
 * the same load showed one request and one answer at a time, so its percentiles at light load do not describe the
 * requests (bench/RESULTS.md, "2026-12-06, morning").
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.sluice.bench.LightLoad URL SECONDS CLIENTS}: the first
 * {@value #WARMUP_SECONDS} seconds are not measured. Each client is a thread with a blocking socket and samples of its
 * own, merged at the end. An answer must carry a Content-Length (the benchmark's JSON answers do); anything else ends
 * the run with an error.
 */
public final class LightLoad {
    private static final int WARMUP_SECONDS = 2;
    private static final byte[] BODY = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"
            .getBytes(StandardCharsets.US_ASCII);

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: LightLoad URL SECONDS CLIENTS");
            System.exit(2);
        }
        final URI uri = URI.create(args[0]);
        final long seconds = Long.parseLong(args[1]);
        final int clients = Integer.parseInt(args[2]);
        final byte[] request = request(uri);
        final long measureFrom = System.nanoTime() + TimeUnit.SECONDS.toNanos(WARMUP_SECONDS);
        final long deadline = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
        final ExecutorService threads = Executors.newFixedThreadPool(clients);
        final List<Future<Client>> runs = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            runs.add(threads.submit(() -> new Client().run(uri, request, measureFrom, deadline)));
        }
        final Samples latencies = new Samples();
        double busiest = 0;
        double measured = 0;
        try {
            for (Future<Client> run : runs) {
                final Client client = run.get();
                latencies.addAll(client.latencies);
                busiest = Math.max(busiest, client.sum / 1e9);
                measured = Math.max(measured, client.measured / 1e9);
            }
        } catch (ExecutionException e) {
            System.out.println("RESULT error=" + e.getCause().getMessage());
            System.exit(1);
        } finally {
            threads.shutdownNow();
        }
        System.out.printf(Locale.ROOT, "RESULT clients=%d requests=%d seconds=%.2f busiest_latency_sum_s=%.2f"
                        + " p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d%n", clients, latencies.size(), measured,
                busiest, latencies.percentile(50), latencies.percentile(90), latencies.percentile(99),
                latencies.percentile(99.9), latencies.percentile(100));
    }

    private static byte[] request(URI uri) {
        final String head = "POST " + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
                + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nContent-Type: application/json\r\nContent-Length: " + BODY.length + "\r\n\r\n";
        final byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        final byte[] request = new byte[headBytes.length + BODY.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(BODY, 0, request, headBytes.length, BODY.length);
        return request;
    }

    /** One client: its connection's reads, and what it measured. Used by its own thread only. */
    private static final class Client {
        private final byte[] buffer = new byte[64 * 1024];
        private final Samples latencies = new Samples();
        private int filled;
        /** Nanoseconds: the measured requests' latencies added up, and the time from the first to the last's end. */
        private long sum;
        private long measured;

        Client run(URI uri, byte[] request, long measureFrom, long deadline) {
            try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
                socket.setTcpNoDelay(true);
                final OutputStream out = socket.getOutputStream();
                final InputStream in = socket.getInputStream();
                long now = System.nanoTime();
                long measuredFrom = -1;
                while (now < deadline) {
                    final long start = now;
                    out.write(request);
                    out.flush();
                    readAnswer(in);
                    now = System.nanoTime();
                    if (start >= measureFrom) {
                        if (measuredFrom < 0) {
                            measuredFrom = start;
                        }
                        latencies.add(TimeUnit.NANOSECONDS.toMicros(now - start));
                        sum += now - start;
                    }
                }
                measured = measuredFrom < 0 ? 0 : now - measuredFrom;
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
            final int total = headEnd + contentLength(headEnd);
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

        private int contentLength(int headEnd) throws IOException {
            final String head = new String(buffer, 0, headEnd, StandardCharsets.US_ASCII);
            if (!head.startsWith("HTTP/1.1 200 ")) {
                throw new IOException("not a 200 answer: " + head.lines().findFirst().orElse(""));
            }
            for (String line : head.split("\r\n")) {
                final int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                    return Integer.parseInt(line.substring(colon + 1).trim());
                }
            }
            throw new IOException("an answer without a Content-Length");
        }
    }
}
