package io.sluice.gateway.proxy;

import io.sluice.gateway.testing.ChunkedReader;
import io.sluice.gateway.testing.GatewayProcess;
import io.sluice.gateway.testing.RawHttp;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that stops reading and a fast backend: the gateway, in its own JVM with a 32 MiB heap and 16 MiB of
 * direct memory, relays 192 MiB (four times both together) because it reads the backend only while the client
 * takes the bytes. While the client reads nothing, the backend must stall once the socket buffers on the way and
 * the gateway's small share are full; a gateway without backpressure would go on pulling until it ran out.
 */
class BackpressureTest {
    private static final long TOTAL = 192L << 20;
    private static final int EVENT = 16 << 10;
    private static final long FIRST_READ = 1L << 20;
    /** How long the client reads nothing: time enough for a gateway without backpressure to pull far ahead. */
    private static final long STOPPED_MILLIS = 2000;
    /** Four loopback socket buffers (autotuned up to a few MiB each) and the gateway's own share. */
    private static final long MAX_LEAD = 24L << 20;

    @Test
    void aClientThatStopsReadingStallsTheBackendAndCostsBoundedMemory(@TempDir Path dir) throws Exception {
        try (ScriptedBackend backend = ScriptedBackend.start()) {
            backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                    .flood(TOTAL, EVENT).build());
            try (GatewayProcess gateway = GatewayProcess.start(dir, """
                    server: { host: 127.0.0.1, port: %%d, threads: 2 }
                    usage: { log: false }
                    providers:
                      - id: mock
                        type: vllm
                        endpoints: [ "%s" ]
                        models: { m: m }
                    """.formatted(backend.url()), List.of("-Xmx32m", "-XX:MaxDirectMemorySize=16m"));
                 RawHttp client = new RawHttp(gateway.port(), 64 << 10)) {
                final String body = "{\"model\":\"m\",\"stream\":true}";
                client.send("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                        + "content-length: " + body.length() + "\r\n\r\n" + body);
                final ChunkedReader response = new ChunkedReader(client.input());
                assertTrue(response.head().startsWith("HTTP/1.1 200 OK"), response.head());

                long event = readEvents(response, 0, FIRST_READ / EVENT);
                Thread.sleep(STOPPED_MILLIS);
                final long lead = backend.floodedBytes() - FIRST_READ;
                event = readEvents(response, event, (TOTAL - FIRST_READ) / EVENT);
                assertEquals(TOTAL / EVENT, event);
                assertArrayEquals(ScriptedBackend.DONE, response.readNBytes(ScriptedBackend.DONE.length));
                assertEquals(-1, response.read(), "the stream ended after the last event");

                System.out.printf("relayed %d MiB through a 32 MiB heap; while the client read nothing the "
                        + "backend got %.1f MiB ahead; gateway resident memory %d KiB%n", TOTAL >> 20,
                        lead / 1048576.0, gateway.residentKib());
                assertTrue(lead < MAX_LEAD, "the backend ran " + lead + " bytes ahead of a stopped client");
                assertTrue(gateway.isAlive(), gateway.output());
                assertFalse(gateway.output().contains("LEAK:"), gateway.output());
                assertFalse(gateway.output().contains("OutOfMemory"), gateway.output());
            }
        }
    }

    /** Reads {@code count} events from number {@code first}, checking each one's number and shape. */
    private static long readEvents(ChunkedReader in, long first, long count) throws Exception {
        long n = first;
        for (long i = 0; i < count; i++, n++) {
            assertArrayEquals(ScriptedBackend.floodEvent(n, EVENT), in.readNBytes(EVENT), "event " + n);
        }
        return n;
    }
}
