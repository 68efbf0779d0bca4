package io.sluice.providers.openrouter;

import io.sluice.providers.Capabilities;
import io.sluice.providers.Continuation;
import io.sluice.providers.OpenAiCompatible;
import io.sluice.providers.ProviderType;

import java.net.URI;

/**
 * OpenRouter: the OpenAI dialect in front of many vendors' models. Its streams carry {@code : OPENROUTER
 * PROCESSING} comment lines while a model warms up, which pass to OpenAI clients as they came (SSE clients skip
 * comments). It ranks callers by the attribution headers {@code HTTP-Referer} and {@code X-Title}, which a
 * provider's {@code headers} set.
 */
public final class OpenRouter {
    public static final ProviderType TYPE = new OpenAiCompatible("openrouter",
            URI.create("https://openrouter.ai/api/v1"), null, new Capabilities(true, Continuation.NONE, false));

    private OpenRouter() {
    }
}
