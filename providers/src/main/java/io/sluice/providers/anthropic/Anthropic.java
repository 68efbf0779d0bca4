package io.sluice.providers.anthropic;

import io.sluice.providers.Capabilities;
import io.sluice.providers.Continuation;
import io.sluice.providers.Dialect;
import io.sluice.providers.ProviderType;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * Anthropic's Messages API: the key in {@code x-api-key}, the API version in {@code anthropic-version}, requests at
 * {@code /v1/messages}, the model list at {@code /v1/models} (which also serves as its health probe: it costs no
 * tokens). Usage comes in every stream; older models continue a final assistant message (prefill).
 */
public final class Anthropic implements ProviderType {
    public static final ProviderType TYPE = new Anthropic();

    private static final URI BASE_URL = URI.create("https://api.anthropic.com/v1");
    private static final Capabilities CAPABILITIES = new Capabilities(true, Continuation.PREFILL, false);

    private Anthropic() {
    }

    @Override
    public String configName() {
        return "anthropic";
    }

    @Override
    public Dialect dialect() {
        return Dialect.ANTHROPIC;
    }

    @Override
    public URI defaultBaseUrl() {
        return BASE_URL;
    }

    @Override
    public String healthPath() {
        return null;
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    /** The version the Messages API has kept since 2023; a config's {@code api_version} overrides it. */
    @Override
    public String defaultApiVersion() {
        return "2023-06-01";
    }

    @Override
    public List<Map.Entry<String, String>> credentialHeaders(String apiKey, String apiVersion) {
        final Map.Entry<String, String> version = Map.entry("anthropic-version", apiVersion);
        return apiKey == null ? List.of(version) : List.of(Map.entry("x-api-key", apiKey), version);
    }
}
