package io.sluice.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Mixed load for a set time against a running gateway (bench/soak.sh starts it with the demo model, the mock model
 * server and a dead endpoint), reporting each minute the gateway's resident memory, its native "Other" memory (where
 * Netty's direct buffers live; the gateway runs with native memory tracking) and what each kind of request did.
 *
 * <p>Every request knows what it should get: a whole stream ending in {@code [DONE]}, a status it was sent to
 * provoke, or nothing (a client that aborts). Anything else is an unexplained failure and is printed. The soak
 * fails on any unexplained failure, and on memory that still grows by more than 1 MiB a minute after warm-up (the
 * least-squares slope of the per-minute samples, so one collection's swing does not decide it).
 *
 * <p>{@code java -cp benchmarks.jar io.sluice.bench.Soak GATEWAY_PORT GATEWAY_PID MINUTES CONCURRENCY}
 */
public final class Soak {
    private enum Kind { DEMO_STREAM, MOCK_STREAM, MOCK_JSON, ABORT, RESET, NOT_FOUND, BAD_JSON, DEAD_BACKEND, H2C_STREAM,
        WEBSOCKET }

    private static final Map<Kind, LongAdder> DONE = new ConcurrentHashMap<>();
    private static final Map<Kind, LongAdder> FAILED = new ConcurrentHashMap<>();
    private static final ConcurrentLinkedQueue<String> FAILURES = new ConcurrentLinkedQueue<>();
    private static final int MAX_SHOWN = 20;
    /** Memory growth a minute, after warm-up, that fails the soak (issue 8: under 1 MiB a minute). */
    private static final int GROWTH_LIMIT_KIB = 1024;

    private Soak() {
    }

    public static void main(String[] args) throws Exception {
        final int port = Integer.parseInt(args[0]);
        final long pid = Long.parseLong(args[1]);
        final int minutes = Integer.parseInt(args[2]);
        final int concurrency = Integer.parseInt(args[3]);
        for (Kind kind : Kind.values()) {
            DONE.put(kind, new LongAdder());
            FAILED.put(kind, new LongAdder());
        }
        final HttpClient h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        final HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        final long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
        final List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            final Thread worker = new Thread(() -> {
                while (System.nanoTime() < end) {
                    final Kind kind = Kind.values()[ThreadLocalRandom.current().nextInt(Kind.values().length)];
                    try {
                        run(kind, port, h1, h2);
                        DONE.get(kind).increment();
                    } catch (Exception | AssertionError e) {
                        FAILED.get(kind).increment();
                        if (FAILURES.size() < MAX_SHOWN) {
                            FAILURES.add(kind + ": " + e);
                        }
                    }
                }
            }, "soak-" + i);
            worker.start();
            workers.add(worker);
        }
        System.out.println("minute rss_kib native_other_kib requests_done unexplained_failures");
        final long[] rss = new long[minutes];
        final long[] direct = new long[minutes];
        for (int minute = 1; minute <= minutes; minute++) {
            TimeUnit.MINUTES.sleep(1);
            rss[minute - 1] = rssKib(pid);
            direct[minute - 1] = nativeOtherKib(pid);
            System.out.printf("%d %d %d %d %d%n", minute, rss[minute - 1], direct[minute - 1], total(DONE),
                    total(FAILED));
        }
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(60));
        }
        System.out.println("kind done unexplained_failures");
        for (Kind kind : Kind.values()) {
            System.out.printf("%s %d %d%n", kind, DONE.get(kind).sum(), FAILED.get(kind).sum());
        }
        FAILURES.forEach(failure -> System.out.println("failure: " + failure));
        System.out.println("unexplained failures: " + total(FAILED));
        // The heap and the pools fill during the first minutes; growth that goes on after them is a leak.
        final int warmUp = Math.min(5, minutes / 3);
        final double rssGrowth = slopePerMinute(rss, warmUp);
        final double directGrowth = slopePerMinute(direct, warmUp);
        System.out.printf("growth from minute %d on, KiB a minute: rss %.0f, native_other %.0f (limit %d)%n",
                warmUp + 1, rssGrowth, directGrowth, GROWTH_LIMIT_KIB);
        final boolean flat = rssGrowth <= GROWTH_LIMIT_KIB && directGrowth <= GROWTH_LIMIT_KIB;
        System.exit(total(FAILED) == 0 && flat ? 0 : 1);
    }

    /** The least-squares slope of the samples from index {@code from} on, per sample (a minute). */
    private static double slopePerMinute(long[] samples, int from) {
        final int n = samples.length - from;
        if (n < 2) {
            return 0;
        }
        double meanX = 0;
        double meanY = 0;
        for (int i = from; i < samples.length; i++) {
            meanX += i;
            meanY += samples[i];
        }
        meanX /= n;
        meanY /= n;
        double covariance = 0;
        double variance = 0;
        for (int i = from; i < samples.length; i++) {
            covariance += (i - meanX) * (samples[i] - meanY);
            variance += (i - meanX) * (i - meanX);
        }
        return covariance / variance;
    }

    private static void run(Kind kind, int port, HttpClient h1, HttpClient h2) throws Exception {
        final URI chat = URI.create("http://127.0.0.1:" + port + "/v1/chat/completions");
        switch (kind) {
            case DEMO_STREAM -> expectStream(h1, chat, "{\"model\":\"demo\",\"stream\":true,\"messages\":[{\"role\":"
                    + "\"user\",\"content\":\"hi\"}]}");
            case MOCK_STREAM -> expectStream(h1, URI.create(chat + "?tokens=64&size=64&delay_ms=2"),
                    "{\"model\":\"m\",\"stream\":true}");
            case MOCK_JSON -> expectStatus(h1, URI.create(chat + "?tokens=4&size=32"), "{\"model\":\"m\"}", 200);
            case ABORT, RESET -> abortAfterFirstChunk(port, kind == Kind.RESET);
            case NOT_FOUND -> expectStatus(h1, chat, "{\"model\":\"no-such-model\"}", 404);
            case BAD_JSON -> expectStatus(h1, chat, "{\"model\":", 400);
            case DEAD_BACKEND -> expectStatus(h1, chat, "{\"model\":\"dead\"}", 502);
            case H2C_STREAM -> expectStream(h2, URI.create(chat + "?tokens=32&size=64&delay_ms=1"),
                    "{\"model\":\"m\",\"stream\":true}");
            case WEBSOCKET -> webSocket(h1, port);
        }
    }

    private static HttpRequest post(URI uri, String body) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static void expectStream(HttpClient client, URI uri, String body) throws Exception {
        final HttpResponse<String> response = client.send(post(uri, body), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200 || !response.body().endsWith("data: [DONE]\n\n")) {
            throw new AssertionError("status " + response.statusCode() + ", ends "
                    + tail(response.body()));
        }
    }

    private static void expectStatus(HttpClient client, URI uri, String body, int status) throws Exception {
        final HttpResponse<String> response = client.send(post(uri, body), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != status) {
            throw new AssertionError("expected " + status + ", got " + response.statusCode() + ": "
                    + tail(response.body()));
        }
    }

    /** A client that goes away after the first chunk, closing (FIN) or resetting (RST). */
    private static void abortAfterFirstChunk(int port, boolean reset) throws IOException {
        final String body = "{\"model\":\"demo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port));
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: "
                    + "application/json\r\ncontent-length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII));
            final InputStream in = socket.getInputStream();
            final byte[] buffer = new byte[4096];
            final StringBuilder seen = new StringBuilder();
            while (!seen.toString().contains("data: {")) {
                final int n = in.read(buffer);
                if (n < 0) {
                    throw new AssertionError("the stream ended before its first chunk: " + tail(seen.toString()));
                }
                seen.append(new String(buffer, 0, n, StandardCharsets.US_ASCII));
            }
            if (!seen.toString().startsWith("HTTP/1.1 200 ")) {
                throw new AssertionError("expected a stream, got " + tail(seen.toString()));
            }
            if (reset) {
                socket.setSoLinger(true, 0);
            }
        }
    }

    private static void webSocket(HttpClient client, int port) throws Exception {
        final CompletableFuture<String> response = new CompletableFuture<>();
        final WebSocket socket = client.newWebSocketBuilder().buildAsync(
                URI.create("ws://127.0.0.1:" + port + "/ws?format=json"), new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            final String message = text.toString();
                            text.setLength(0);
                            if (message.startsWith("{\"response\"") || message.startsWith("{\"error\"")) {
                                response.complete(message);
                            }
                        }
                        ws.request(1);
                        return null;
                    }
                }).get(30, TimeUnit.SECONDS);
        socket.sendText("{\"request\":{\"request_id\":\"r\",\"model\":\"demo\",\"user_prompt\":\"hi\",\"stream\":true}}",
                true);
        final String last = response.get(30, TimeUnit.SECONDS);
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(30, TimeUnit.SECONDS);
        if (!last.startsWith("{\"response\"")) {
            throw new AssertionError("expected a response, got " + tail(last));
        }
    }

    private static String tail(String text) {
        return text.length() <= 200 ? text : "..." + text.substring(text.length() - 200);
    }

    private static long total(Map<Kind, LongAdder> counts) {
        return counts.values().stream().mapToLong(LongAdder::sum).sum();
    }

    private static long rssKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** The committed KiB of native memory tracking's "Other" category, where direct buffers are counted. */
    private static long nativeOtherKib(long pid) throws IOException, InterruptedException {
        final Process jcmd = new ProcessBuilder("jcmd", Long.toString(pid), "VM.native_memory", "summary")
                .redirectErrorStream(true).start();
        final String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jcmd.waitFor(30, TimeUnit.SECONDS);
        for (String line : out.split("\n")) {
            final String trimmed = line.strip();
            if (trimmed.startsWith("- ") && trimmed.contains("Other (reserved=")) {
                final int at = trimmed.indexOf("committed=");
                return Long.parseLong(trimmed.substring(at + 10).replaceAll("[^0-9].*", ""));
            }
        }
        return -1;
    }
}
