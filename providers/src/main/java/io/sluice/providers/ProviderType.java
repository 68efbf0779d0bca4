package io.sluice.providers;

import java.net.URI;
import java.util.Locale;

/**
 * The kinds of backend Sluice knows, all OpenAI-compatible so far, and where each lives unless told otherwise.
 * The {@code type} field of a provider in the config names one of these.
 */
public enum ProviderType {
    /** The built-in demo model server, started inside the gateway: works offline with no key. */
    DEMO(null),
    OPENAI(URI.create("https://api.openai.com/v1")),
    OPENROUTER(URI.create("https://openrouter.ai/api/v1")),
    VLLM(null),
    TGI(null),
    OLLAMA(URI.create("http://127.0.0.1:11434/v1"));

    private final URI defaultBaseUrl;

    ProviderType(URI defaultBaseUrl) {
        this.defaultBaseUrl = defaultBaseUrl;
    }

    /** Where the provider's API lives when the config names no endpoint; null when it must be named. */
    public URI defaultBaseUrl() {
        return defaultBaseUrl;
    }

    /** The name used in the config. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The type a config name stands for, or null. */
    public static ProviderType fromConfigName(String name) {
        for (ProviderType type : values()) {
            if (type.configName().equals(name)) {
                return type;
            }
        }
        return null;
    }
}
