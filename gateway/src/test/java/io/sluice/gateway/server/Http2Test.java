package io.sluice.gateway.server;

import io.netty.handler.codec.http2.Http2Error;
import io.sluice.gateway.testing.H2FrameClient;
import io.sluice.gateway.testing.LogCapture;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What only HTTP/2 has, at the frame level: RST_STREAM cancels one stream's upstream while the others go on;
 * flow control holds the backend back while a client grants no window; the limits are announced in SETTINGS;
 * shutdown says GOAWAY.
 */
class Http2Test {
    private static final String EVENT = "data: {\"choices\":[{\"delta\":{\"content\":\"tok\"}}]}\n\n";
    private static final String STREAM = "{\"model\":\"m\",\"stream\":true}";

    private ScriptedBackend backend;
    private TestGateway gateway;

    @BeforeEach
    void start() throws Exception {
        backend = ScriptedBackend.start();
        gateway = TestGateway.start(TestGateway.config(backend.url(), "",
                "  http2: { max_concurrent_streams: 50, initial_window: 64KiB }\n"));
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        backend.close();
    }

    @Test
    void theLimitsAreAnnouncedInSettings() throws Exception {
        try (H2FrameClient client = H2FrameClient.connect(gateway.port())) {
            final var settings = client.serverSettings();
            assertEquals(50L, settings.maxConcurrentStreams());
            assertEquals(65_536, settings.initialWindowSize());
            assertEquals(16L * 1024, settings.maxHeaderListSize());
        }
    }

    @Test
    void aResetStreamClosesItsUpstreamWhileTheOtherStreamGoesOn() throws Exception {
        backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                        .endless(EVENT, Duration.ofMillis(10)).build(),
                Script.builder().head(200, "content-type", "text/event-stream")
                        .body(EVENT.repeat(5), EVENT.length(), Duration.ofMillis(100)).end().build());
        try (H2FrameClient client = H2FrameClient.connect(gateway.port())) {
            final H2FrameClient.Stream endless = client.post("/v1/chat/completions", STREAM, true);
            backend.takeRequest();
            final H2FrameClient.Stream paced = client.post("/v1/chat/completions", STREAM, true);
            backend.takeRequest();
            while (endless.received() < 3 * EVENT.length()) {
                Thread.onSpinWait();
            }
            final long resetAt = System.nanoTime();
            endless.reset();
            final Long closedAt = backend.awaitClose(Duration.ofSeconds(10));
            assertNotNull(closedAt, "the reset stream's upstream connection closed");
            System.out.printf("RST_STREAM -> backend saw its connection close after %.2f ms%n",
                    (closedAt - resetAt) / 1e6);

            paced.awaitEnd();
            assertEquals(EVENT.repeat(5), paced.text(), "the other stream was untouched");
            assertNull(backend.awaitClose(Duration.ofMillis(200)), "only one upstream connection closed");
            assertEquals(499, gateway.usage().take().status());
            assertEquals(200, gateway.usage().take().status());
        }
    }

    @Test
    void aClientThatGrantsNoWindowHoldsTheBackendBack() throws Exception {
        backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                .flood(64L << 20, 16 << 10).build());
        try (H2FrameClient client = H2FrameClient.connect(gateway.port())) {
            final H2FrameClient.Stream stream = client.post("/v1/chat/completions", STREAM, false);
            backend.takeRequest();
            // The stream reads nothing, so it returns no credit; give a gateway that ignored the window time to
            // pull far ahead of the 64 KiB the client allowed.
            Thread.sleep(1500);
            final long lead = backend.floodedBytes();
            System.out.printf("with no window granted the backend got %.1f MiB ahead%n", lead / 1048576.0);
            assertTrue(lead < 24L << 20, "the backend ran " + lead + " bytes ahead");
            stream.reset();
            assertNotNull(backend.awaitClose(Duration.ofSeconds(10)));
        }
    }

    @Test
    void shutdownSaysGoAway() throws Exception {
        final H2FrameClient client = H2FrameClient.connect(gateway.port());
        try {
            client.serverSettings();
            gateway.close();
            final H2FrameClient.GoAway goAway = client.awaitGoAway();
            assertEquals(Http2Error.NO_ERROR.code(), goAway.errorCode());
        } finally {
            client.close();
            gateway = TestGateway.start(TestGateway.config(backend.url(), "", ""));
        }
    }

    @Test
    void manyStreamsShareOneConnection() throws Exception {
        backend.respondAlways(Script.sse(EVENT.repeat(3).getBytes(StandardCharsets.UTF_8), 40));
        try (H2FrameClient client = H2FrameClient.connect(gateway.port())) {
            final H2FrameClient.Stream[] streams = new H2FrameClient.Stream[40];
            for (int i = 0; i < streams.length; i++) {
                streams[i] = client.post("/v1/chat/completions", "{\"model\":\"m\",\"stream\":true,"
                        + "\"stream_options\":{\"include_usage\":true}}", true);
            }
            for (H2FrameClient.Stream stream : streams) {
                stream.awaitEnd();
                assertEquals(EVENT.repeat(3), stream.text());
                assertEquals("200", stream.headers().status().toString());
                assertFalse(stream.wasReset());
            }
        }
    }

    /**
     * An idle connection is closed with GOAWAY, and idle time counts from the end of its last stream: a stream
     * that outlasted the timeout (the client sent nothing meanwhile) is not followed by a GOAWAY before the
     * timeout has passed again. (Stream frames never reach the idle timer; the end of a stream restarts it.)
     */
    @Test
    void anIdleConnectionIsClosedAnIdleTimeoutAfterItsLastStream() throws Exception {
        gateway.close();
        gateway = TestGateway.start(TestGateway.config(backend.url(), "", "  idle_timeout: 300ms\n"));
        backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                .body(EVENT, 100, Duration.ZERO).pause(Duration.ofMillis(700)).body(EVENT).end().build());
        try (H2FrameClient client = H2FrameClient.connect(gateway.port())) {
            final H2FrameClient.Stream stream = client.post("/v1/chat/completions", STREAM, true);
            stream.awaitEnd();
            final long endedAt = System.nanoTime();
            assertEquals(EVENT + EVENT, stream.text());
            assertEquals(Http2Error.NO_ERROR.code(), client.awaitGoAway().errorCode());
            final long quietMillis = (System.nanoTime() - endedAt) / 1_000_000;
            assertTrue(quietMillis >= 250, "GOAWAY came " + quietMillis + " ms after the last stream ended");
        }
    }

    @Test
    void dataArrivingAfterTheGatewayEndedAStreamIsDroppedWithoutAWarning() throws Exception {
        gateway.close();
        gateway = TestGateway.start(TestGateway.config(backend.url(), "", "  max_request_bytes: 1KiB\n"));
        try (LogCapture netty = new LogCapture("io.netty");
             H2FrameClient client = H2FrameClient.connect(gateway.port())) {
            final H2FrameClient.Stream refused = client.post("/v1/chat/completions",
                    "{\"model\":\"m\",\"x\":\"" + "y".repeat(200_000) + "\"}", true);
            refused.awaitEnd();
            assertEquals("413", refused.headers().status().toString());
            // The connection is still good for the next stream, and nothing was logged above DEBUG.
            backend.enqueue(Script.json(200, "{}"));
            final H2FrameClient.Stream next = client.post("/v1/chat/completions", "{\"model\":\"m\"}", true);
            next.awaitEnd();
            assertEquals("200", next.headers().status().toString());
            assertTrue(netty.all().isEmpty(), "Netty logged: " + netty.all());
        }
    }
}
