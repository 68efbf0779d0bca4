package io.sluice.testkit;

import io.sluice.codec.usage.Usage;

import java.util.List;
import java.util.Map;

/** The usage each wire sample reports, read off the samples by hand: the oracle for every usage test. */
public final class WireUsage {
    /** Event streams whose last usage frame is a {@code "choices":[]} chunk. */
    public static final Map<String, Usage> STREAMS = Map.of(
            "openai_chat_stream_usage.txt", new Usage(12, 100, 112, 0, 100),
            "openai_chat_stream_usage_2024_gpt4o.txt", new Usage(14, 30, 44, 0, 0),
            "openai_chat_stream_tool_call.txt", new Usage(48, 19, 67, 0, 0),
            "openai_chat_stream_parallel_tool_calls.txt", new Usage(149, 60, 209, 0, 0),
            "openai_completions_stream_usage.txt", new Usage(31, 25, 56, 0, 0),
            "vllm_chat_stream_continuous_usage.txt", new Usage(46, 26, 72, 0, 0),
            "tgi_chat_stream_usage_reconstructed.txt", new Usage(39, 3, 42, 0, 0),
            "openrouter_chat_stream_reconstructed.txt", new Usage(10, 3, 13, 0, 0),
            "ollama_openai_compat_stream_reconstructed.txt", new Usage(26, 4, 30, 0, 0));

    /** Event streams that carry no usage. */
    public static final List<String> STREAMS_WITHOUT_USAGE = List.of(
            "openai_chat_stream_no_usage.txt", "azure_chat_stream.txt", "tgi_chat_stream.txt",
            "vllm_chat_stream_head_excerpt.txt", "openai_completions_stream.txt");

    /** JSON bodies with a top-level usage object. */
    public static final Map<String, Usage> BODIES = Map.of(
            "openai_chat_nonstream.json", new Usage(209, 13, 222, 0, 0),
            "openai_chat_nonstream_tool_calls_normalized.json", new Usage(162, 219, 381, 0, 192),
            "azure_chat_nonstream_normalized.json", new Usage(8, 271, 279, 0, 192),
            "openai_embeddings_base64_normalized.json", new Usage(5, 0, 5, 0, 0),
            "anthropic_messages_nonstream.json", new Usage(10, 25, 35, 0, 0));

    private WireUsage() {
    }
}
