package io.sluice.gateway.health;

import io.sluice.gateway.upstream.ServerLoad;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** vLLM's load, read from the real expositions of both engine generations. */
class VllmMetricsTest {
    @Test
    void theV1EngineSumsItsEnginesQueuesAndReportsTheFullestCache() {
        final byte[] text = WireSamples.bytes("vllm_metrics_v1_excerpt.txt");
        assertEquals(new ServerLoad(8, 2, 0.45, 7L), VllmMetrics.parse(text, text.length, 7L));
    }

    @Test
    void theV0EngineNamesItsCacheGpuCache() {
        // The recorded excerpt stops before its queue series; they follow in the same form.
        final String text = new String(WireSamples.bytes("vllm_metrics_v0_excerpt.txt"), StandardCharsets.UTF_8)
                + "\n# TYPE vllm:num_requests_running gauge\n"
                + "vllm:num_requests_running{model_name=\"/models/mistral-7b\"} 4.0\n"
                + "vllm:num_requests_waiting{model_name=\"/models/mistral-7b\"} 11.0\n";
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        assertEquals(new ServerLoad(4, 11, 0.38849487785658, 0L), VllmMetrics.parse(bytes, bytes.length, 0L));
    }

    @Test
    void anExpositionWithoutTheQueueSeriesIsNoReading() {
        final byte[] text = WireSamples.bytes("vllm_metrics_v0_excerpt.txt");
        assertNull(VllmMetrics.parse(text, text.length, 0L), "a cache figure alone says nothing of the queue");
    }

    @Test
    void labelValuesWithBracesAndSpacesAndOddValuesAreRead() {
        final byte[] text = ("vllm:num_requests_running{model_name=\"a} b \\\"c\\\"\"} 2 1700000000000\r\n"
                + "vllm:num_requests_waiting{model_name=\"x\"} NaN\n"
                + "vllm:num_requests_waiting{model_name=\"y\"} 3e0\n"
                + "vllm:num_requests_waiting_total{model_name=\"y\"} 99\n"
                + "vllm:kv_cache_usage_perc 1.5\n").getBytes(StandardCharsets.UTF_8);
        assertEquals(new ServerLoad(2, 3, 1.0, 0L), VllmMetrics.parse(text, text.length, 0L));
    }
}
