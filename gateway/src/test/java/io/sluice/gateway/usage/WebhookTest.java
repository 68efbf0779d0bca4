package io.sluice.gateway.usage;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.codec.json.JsonTree;
import io.sluice.codec.json.MalformedRequestException;
import io.sluice.gateway.testing.Await;
import io.sluice.gateway.testing.GatewayProcess;
import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.PrometheusText;
import io.sluice.gateway.testing.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The usage webhook against a real HTTP receiver that fails in every way a receiver does (500, 429, a timeout, a
 * refused connection) and then recovers: every record arrives, once, in order, signed; the spool outlives the
 * gateway; a full spool refuses requests when told to.
 */
class WebhookTest {
    private static final String SECRET = "webhook-secret";

    @TempDir
    Path spool;
    private HttpServer receiver;
    /** The status the receiver answers with; 0 to sleep past the gateway's timeout instead. */
    private final AtomicInteger answer = new AtomicInteger(200);
    private final List<String> received = Collections.synchronizedList(new ArrayList<>());
    private final List<String> keys = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger posts = new AtomicInteger();
    private final AtomicInteger badSignatures = new AtomicInteger();
    /** Every request id any POST carried, taken or not. */
    private final Set<String> offered = Collections.synchronizedSet(new LinkedHashSet<>());

    @BeforeEach
    void startReceiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/usage", this::receive);
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
    }

    private void receive(HttpExchange exchange) throws IOException {
        final byte[] body = exchange.getRequestBody().readAllBytes();
        posts.incrementAndGet();
        keys.add(exchange.getRequestHeaders().getFirst("Idempotency-Key"));
        if (!("sha256=" + WebhookSink.hmac(SECRET, body)).equals(
                exchange.getRequestHeaders().getFirst("X-Sluice-Signature"))) {
            badSignatures.incrementAndGet();
        }
        final List<String> ids = ids(body);
        offered.addAll(ids);
        final int status = answer.get();
        if (status == 0) {
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
            return;
        }
        if (status == 200) {
            received.addAll(ids);
        }
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    /** The request ids of a batch, in order. */
    private static List<String> ids(byte[] body) throws IOException {
        final ByteBuf buf = Unpooled.wrappedBuffer(("{\"batch\":" + new String(body, StandardCharsets.UTF_8) + "}")
                .getBytes(StandardCharsets.UTF_8));
        try {
            final List<String> ids = new ArrayList<>();
            for (Object record : JsonTree.asArray(JsonTree.readObject(buf).get("batch"))) {
                ids.add((String) JsonTree.asObject(record).get("request_id"));
            }
            return ids;
        } catch (MalformedRequestException e) {
            throw new IOException(e);
        } finally {
            buf.release();
        }
    }

    private TestGateway gateway(String spoolExtra) throws InterruptedException {
        return TestGateway.start("""
                server: { host: 127.0.0.1, port: 0, threads: 2 }
                usage:
                  log: false
                  webhook:
                    url: http://127.0.0.1:%d/usage
                    batch: 4
                    flush: 20ms
                    timeout: 500ms
                    secret: %s
                    backoff: { initial: 20ms, max: 200ms }
                    spool: { dir: "%s", fsync: always %s }
                providers:
                  - id: demo
                    type: demo
                    models: { demo: demo-1 }
                    demo: { token_delay: 0ms }
                """.formatted(receiver.getAddress().getPort(), SECRET, spool.toString().replace("\\", "/"),
                spoolExtra));
    }

    @Test
    void eachWebhookKeepsItsOwnSpoolAndDeliveryState() throws Exception {
        // The second receiver answers 503 at first.
        final AtomicBoolean analyticsUp = new AtomicBoolean();
        final List<String> analyzed = Collections.synchronizedList(new ArrayList<>());
        final HttpServer analytics = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        analytics.createContext("/usage", exchange -> {
            final List<String> ids = ids(exchange.getRequestBody().readAllBytes());
            if (analyticsUp.get()) {
                analyzed.addAll(ids);
            }
            exchange.sendResponseHeaders(analyticsUp.get() ? 204 : 503, -1);
            exchange.close();
        });
        analytics.start();
        final List<String> sent = new ArrayList<>();
        try (TestGateway gateway = TestGateway.start("""
                server: { host: 127.0.0.1, port: 0, threads: 2 }
                usage:
                  log: false
                  webhooks:
                    - name: billing
                      url: http://127.0.0.1:%d/usage
                      secret: %s
                      flush: 20ms
                      spool: { dir: "%s/billing" }
                    - name: analytics
                      url: http://127.0.0.1:%d/usage
                      flush: 20ms
                      timeout: 500ms
                      backoff: { initial: 20ms, max: 100ms }
                      spool: { dir: "%s/analytics" }
                providers:
                  - id: demo
                    type: demo
                    models: { demo: demo-1 }
                    demo: { token_delay: 0ms }
                """.formatted(receiver.getAddress().getPort(), SECRET, spool.toString().replace("\\", "/"),
                analytics.getAddress().getPort(), spool.toString().replace("\\", "/")))) {
            for (int i = 0; i < 5; i++) {
                sent.add(ask(gateway));
            }
            Await.until("billing has every record while analytics is down", () -> received.size() >= sent.size());
            Await.until("analytics failed a POST", () -> Http.get(gateway.uri("/health/detailed")).body()
                    .contains("\"analytics\":{\"state\":\"failing\",\"spooled_records\":5,"));
            final String health = Http.get(gateway.uri("/health/detailed")).body();
            assertTrue(health.contains("\"billing\":{\"state\":\"delivering\",\"spooled_records\":0,"), health);
            final String metrics = Http.get(gateway.uri("/metrics")).body();
            assertTrue(metrics.contains("llm_proxy_webhook_spooled_records{sink=\"analytics\"} 5.0"), metrics);
            assertTrue(metrics.contains("llm_proxy_webhook_spooled_records{sink=\"billing\"} 0.0"), metrics);

            analyticsUp.set(true);
            Await.until("analytics catches up", () -> analyzed.size() >= sent.size());
        } finally {
            analytics.stop(0);
        }
        assertEquals(sent, received, "billing: each record once, in order");
        assertEquals(sent, analyzed, "analytics: each record once, in order, after it recovered");
    }

    private static String ask(TestGateway gateway) throws Exception {
        final HttpResponse<byte[]> response = Http.post(gateway.uri("/v1/chat/completions"),
                "{\"model\":\"demo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, response.statusCode());
        return response.headers().firstValue("x-request-id").orElseThrow();
    }

    @Test
    void aReceiverThatFailsEveryWayThenRecoversGetsEveryRecordOnceInOrder() throws Exception {
        final List<String> sent = new ArrayList<>();
        try (TestGateway gateway = gateway("")) {
            for (int status : new int[] {500, 429, 0}) {
                answer.set(status);
                final int before = posts.get();
                for (int i = 0; i < 3; i++) {
                    sent.add(ask(gateway));
                }
                Await.until("the receiver was tried while answering " + status, () -> posts.get() >= before + 2);
            }
            receiver.stop(0);
            sent.add(ask(gateway));
            Await.until("the refused record waits in the spool", () -> !Http.get(gateway.uri("/health/detailed"))
                    .body().contains("\"spooled_records\":0,"));
            final String health = Http.get(gateway.uri("/health/detailed")).body();
            assertTrue(health.contains(
                    "\"usage\":{\"webhooks\":{\"webhook\":{\"state\":\"failing\",\"spooled_records\":"), health);
            assertFalse(health.contains("\"spooled_records\":0,"), "the records wait in the spool: " + health);
            receiver = HttpServer.create(receiver.getAddress(), 0);
            receiver.createContext("/usage", this::receive);
            answer.set(200);
            receiver.start();
            for (int i = 0; i < 5; i++) {
                sent.add(ask(gateway));
            }
            Await.until("every record delivered", () -> received.size() >= sent.size());
            Await.until("the spool emptied", () -> Http.get(gateway.uri("/metrics")).body()
                    .contains("llm_proxy_webhook_spooled_records{sink=\"webhook\"} 0.0"));
            final String metrics = Http.get(gateway.uri("/metrics")).body();
            assertTrue(metrics.contains("llm_proxy_webhook_failure_total"), metrics);
            assertFalse(metrics.contains("llm_proxy_webhook_success_total{sink=\"webhook\"} 0.0"), "batches were taken");
        }
        assertEquals(sent, received, "each record once, in the order the requests ended");
        assertEquals(0, badSignatures.get());
        final Set<String> distinct = new LinkedHashSet<>(keys);
        assertTrue(distinct.size() < keys.size(), "a batch tried again keeps its idempotency key: " + keys);
    }

    @Test
    void theSpoolOutlivesTheGatewayAndIsDeliveredByTheNext() throws Exception {
        answer.set(503);
        final List<String> sent = new ArrayList<>();
        try (TestGateway gateway = gateway("")) {
            for (int i = 0; i < 6; i++) {
                sent.add(ask(gateway));
            }
            Await.until("the receiver was tried", () -> posts.get() > 0);
        }
        assertTrue(received.isEmpty());
        answer.set(200);
        try (TestGateway next = gateway("")) {
            Await.until("the last run's records delivered", () -> received.size() >= sent.size());
            assertEquals(sent, received);
        }
    }

    @Test
    void aGatewayKilledWithRecordsUndeliveredLeavesThemToTheNext(@TempDir Path configDir) throws Exception {
        answer.set(503);
        final String yaml = """
                server: { host: 127.0.0.1, port: %d }
                usage:
                  log: false
                  webhook:
                    url: http://127.0.0.1:RECEIVER/usage
                    batch: 10
                    flush: 20ms
                    backoff: { initial: 20ms, max: 100ms }
                    spool: { dir: "SPOOL", fsync: always }
                providers: [ { id: demo, type: demo, models: { demo: demo-1 }, demo: { token_delay: 0ms } } ]
                """.replace("RECEIVER", Integer.toString(receiver.getAddress().getPort()))
                .replace("SPOOL", spool.toString().replace("\\", "/"));
        final List<String> sent = new ArrayList<>();
        final GatewayProcess child = GatewayProcess.start(configDir, yaml, List.of());
        try {
            for (int i = 0; i < 5; i++) {
                final HttpResponse<byte[]> response = Http.post(URI.create("http://127.0.0.1:" + child.port()
                        + "/v1/chat/completions"), "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"hi\"}]}");
                sent.add(response.headers().firstValue("x-request-id").orElseThrow());
            }
            Await.until("every record offered to the receiver, so spooled", () -> offered.containsAll(sent));
            child.signal("KILL");
            child.waitFor();
        } finally {
            child.close();
        }
        answer.set(200);
        try (TestGateway next = gateway("")) {
            Await.until("the killed gateway's records delivered", () -> received.size() >= sent.size());
            assertEquals(sent, received);
        }
    }

    @Test
    void tenThousandStreamsWhileTheReceiverIsDownAreAllDeliveredOnceItIsUp() throws Exception {
        answer.set(503);
        final int requests = 10_000;
        final Set<String> sent = Collections.synchronizedSet(new LinkedHashSet<>());
        try (TestGateway gateway = TestGateway.start("""
                server: { host: 127.0.0.1, port: 0, threads: 2 }
                usage:
                  queue: 16
                  log: false
                  webhook:
                    url: http://127.0.0.1:%d/usage
                    batch: 500
                    flush: 20ms
                    backoff: { initial: 20ms, max: 200ms }
                    spool: { dir: "%s", fsync: interval }
                providers:
                  - id: demo
                    type: demo
                    models: { demo: demo-1 }
                    demo: { token_delay: 0ms }
                """.formatted(receiver.getAddress().getPort(), spool.toString().replace("\\", "/")))) {
            final HttpClient client = Http.client();
            final Semaphore inFlight = new Semaphore(32);
            final HttpRequest request = Http.postRequest(gateway.uri("/v1/chat/completions"),
                    "{\"model\":\"demo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            final List<CompletableFuture<?>> all = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                inFlight.acquire();
                all.add(client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
                    inFlight.release();
                    if (r != null && r.statusCode() == 200) {
                        sent.add(r.headers().firstValue("x-request-id").orElseThrow());
                    }
                }));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
            assertEquals(requests, sent.size(), "every stream was answered");
            assertTrue(received.isEmpty());
            answer.set(200);
            Await.until("every record delivered", () -> received.size() >= requests);
        }
        assertEquals(requests, received.size(), "none twice");
        assertEquals(sent, new LinkedHashSet<>(received), "none lost");
    }

    @Test
    void aFullSpoolRefusesRequestsWhenToldTo() throws Exception {
        answer.set(503);
        try (TestGateway gateway = gateway(", max_bytes: 2KiB, when_full: refuse")) {
            int refusedAt = -1;
            for (int i = 0; i < 20 && refusedAt < 0; i++) {
                final HttpResponse<byte[]> response = Http.post(gateway.uri("/v1/chat/completions"),
                        "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
                if (response.statusCode() == 503) {
                    refusedAt = i;
                    assertTrue(Http.text(response).contains("\"code\":\"metering_full\""), Http.text(response));
                }
            }
            assertTrue(refusedAt > 0, "requests are refused once the spool is full");
            answer.set(200);
            Await.until("the spool drained and requests are taken again", () -> Http.post(
                    gateway.uri("/v1/chat/completions"), "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\","
                            + "\"content\":\"hi\"}]}").statusCode() == 200);
        }
    }
}
