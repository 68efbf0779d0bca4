package io.sluice.providers.tgi;

import io.sluice.providers.Capabilities;
import io.sluice.providers.Continuation;
import io.sluice.providers.OpenAiCompatible;
import io.sluice.providers.ProviderType;

/**
 * Hugging Face text-generation-inference, through its OpenAI-compatible Messages API ({@code /v1/chat/completions});
 * {@code /health} answers probes, and a final assistant message is continued.
 */
public final class Tgi {
    public static final ProviderType TYPE = new OpenAiCompatible("tgi", null, "/health",
            new Capabilities(true, Continuation.PREFILL, false));

    private Tgi() {
    }
}
