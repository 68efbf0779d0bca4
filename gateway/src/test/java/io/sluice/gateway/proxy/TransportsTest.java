package io.sluice.gateway.proxy;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestGateway;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The same stream over each transport and each allocator the config offers. */
class TransportsTest {

    @ParameterizedTest(name = "{0} with the {1} allocator")
    @CsvSource({"nio,pooled", "nio,adaptive", "nio,unpooled", "epoll,pooled", "epoll,adaptive", "epoll,unpooled",
        "io_uring,pooled", "io_uring,adaptive", "io_uring,unpooled"})
    void aStreamPassesWhole(String transport, String allocator) throws Exception {
        assumeTrue(!transport.equals("epoll") || Epoll.isAvailable(), "epoll is not available on this platform");
        assumeTrue(!transport.equals("io_uring") || IoUring.isAvailable(), "io_uring is not available here");
        final byte[] sample = WireSamples.bytes("vllm_chat_stream_continuous_usage.txt");
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = TestGateway.start(TestGateway.config(backend.url(), "",
                     "  transport: " + transport + "\n  allocator: " + allocator + "\n"))) {
            for (int i = 0; i < 3; i++) {
                backend.enqueue(Script.sse(sample, 97));
                final HttpResponse<byte[]> response = Http.post(gateway.uri("/v1/chat/completions"),
                        "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
                assertArrayEquals(sample, response.body());
                assertEquals(72, gateway.usage().take().totalTokens());
            }
        }
    }
}
