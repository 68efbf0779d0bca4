package io.sluice.providers.ollama;

import io.sluice.providers.Capabilities;
import io.sluice.providers.Continuation;
import io.sluice.providers.OpenAiCompatible;
import io.sluice.providers.ProviderType;

import java.net.URI;

/** Ollama, through its OpenAI-compatible API at {@code /v1}; a final assistant message is continued. */
public final class Ollama {
    public static final ProviderType TYPE = new OpenAiCompatible("ollama", URI.create("http://127.0.0.1:11434/v1"),
            null, new Capabilities(true, Continuation.PREFILL, false));

    private Ollama() {
    }
}
