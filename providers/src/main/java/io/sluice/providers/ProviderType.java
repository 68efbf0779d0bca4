package io.sluice.providers;

import java.net.URI;
import java.util.Locale;

/**
 * The kinds of backend Sluice knows: the dialect each speaks, where it lives unless told otherwise, and how it
 * takes an API key. The {@code type} field of a provider in the config names one of these.
 */
public enum ProviderType {
    /** The built-in demo model server, started inside the gateway: works offline with no key. */
    DEMO(Dialect.OPENAI, null),
    OPENAI(Dialect.OPENAI, URI.create("https://api.openai.com/v1")),
    OPENROUTER(Dialect.OPENAI, URI.create("https://openrouter.ai/api/v1")),
    VLLM(Dialect.OPENAI, null),
    TGI(Dialect.OPENAI, null),
    OLLAMA(Dialect.OPENAI, URI.create("http://127.0.0.1:11434/v1"));

    private final Dialect dialect;
    private final URI defaultBaseUrl;

    ProviderType(Dialect dialect, URI defaultBaseUrl) {
        this.dialect = dialect;
        this.defaultBaseUrl = defaultBaseUrl;
    }

    public Dialect dialect() {
        return dialect;
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
