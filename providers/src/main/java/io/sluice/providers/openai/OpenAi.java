package io.sluice.providers.openai;

import io.sluice.providers.Capabilities;
import io.sluice.providers.Continuation;
import io.sluice.providers.OpenAiCompatible;
import io.sluice.providers.ProviderType;

import java.net.URI;

/** OpenAI's own API. */
public final class OpenAi {
    public static final ProviderType TYPE = new OpenAiCompatible("openai", URI.create("https://api.openai.com/v1"),
            null, new Capabilities(true, Continuation.NONE, false));

    private OpenAi() {
    }
}
