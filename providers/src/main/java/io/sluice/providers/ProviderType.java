package io.sluice.providers;

import java.net.URI;
import java.util.Locale;

/**
 * The kinds of backend Sluice knows, all OpenAI-compatible so far, and where each lives unless told otherwise.
 * The {@code type} field of a provider in the config names one of these.
 */
public enum ProviderType {
    /** The built-in demo model server, started inside the gateway: works offline with no key. */
    DEMO(null, "/health"),
    OPENAI(URI.create("https://api.openai.com/v1"), null),
    OPENROUTER(URI.create("https://openrouter.ai/api/v1"), null),
    VLLM(null, "/health"),
    TGI(null, "/health"),
    OLLAMA(URI.create("http://127.0.0.1:11434/v1"), null);

    private final URI defaultBaseUrl;
    private final String healthPath;

    ProviderType(URI defaultBaseUrl, String healthPath) {
        this.defaultBaseUrl = defaultBaseUrl;
        this.healthPath = healthPath;
    }

    /**
     * The path at the server's root that answers a health probe without running the model, or null when the
     * probe asks for the model list below the API base instead ({@code GET /v1/models}: no tokens either).
     */
    public String healthPath() {
        return healthPath;
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
