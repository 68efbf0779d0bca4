package io.sluice.providers;

import java.net.URI;

/**
 * A kind of backend that speaks the OpenAI dialect as OpenAI does, with a Bearer key and the API below one base
 * path: the kinds that differ only in their defaults and capabilities.
 */
public record OpenAiCompatible(String configName, URI defaultBaseUrl, String healthPath,
                               Capabilities capabilities) implements ProviderType {
    @Override
    public Dialect dialect() {
        return Dialect.OPENAI;
    }
}
