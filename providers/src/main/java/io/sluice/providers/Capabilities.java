package io.sluice.providers;

/**
 * What a kind of backend can do beyond its dialect's basics.
 *
 * @param usageInStreams whether a stream reports its usage when asked ({@code stream_options.include_usage})
 * @param prefill        whether a final assistant message is continued rather than answered (TGI, Ollama)
 * @param continuation   whether it continues a final assistant message on request
 *                       ({@code continue_final_message}, vLLM and SGLang)
 * @param loadMetrics    whether it publishes its queue and KV-cache use as Prometheus text at {@code /metrics}
 */
public record Capabilities(boolean usageInStreams, boolean prefill, boolean continuation, boolean loadMetrics) {
}
