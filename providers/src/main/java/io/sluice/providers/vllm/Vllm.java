package io.sluice.providers.vllm;

import io.sluice.providers.Capabilities;
import io.sluice.providers.Continuation;
import io.sluice.providers.OpenAiCompatible;
import io.sluice.providers.ProviderType;

/**
 * vLLM's OpenAI-compatible server: {@code /health} answers probes, {@code /metrics} publishes its queue and
 * KV-cache use, and a chat request continues a final assistant message with {@code continue_final_message}.
 */
public final class Vllm {
    public static final ProviderType TYPE = new OpenAiCompatible("vllm", null, "/health",
            new Capabilities(true, Continuation.CONTINUE_FINAL_MESSAGE, true));

    private Vllm() {
    }
}
