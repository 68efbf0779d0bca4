package io.sluice.providers;

import io.sluice.providers.openai.OpenAiModelList;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * One kind of backend: where it lives unless told otherwise, how it is probed, which dialect it speaks, what it can
 * do, and how a request carries the provider's key and API version to it. Each kind is a package of its own,
 * registered by one line in {@link ProviderTypes}; the {@code type} field of a provider in the config names one.
 * Immutable.
 */
public interface ProviderType {
    /** The name used in the config. */
    String configName();

    /** The protocol its API speaks. */
    Dialect dialect();

    /** Where the API lives when the config names no endpoint; null when it must be named. */
    URI defaultBaseUrl();

    /**
     * The path at the server's root that answers a health probe without running the model, or null when the
     * probe asks for the model list below the API base instead ({@code GET /v1/models}: no tokens either).
     */
    String healthPath();

    /** What its backends can do beyond the dialect's basics. */
    Capabilities capabilities();

    /** The API version used when the config gives none, or null when the kind has no versions. */
    default String defaultApiVersion() {
        return null;
    }

    /** The headers that carry the provider's key (none without one) and its API version to the backend. */
    default List<Map.Entry<String, String>> credentialHeaders(String apiKey, String apiVersion) {
        return apiKey == null ? List.of() : List.of(Map.entry("authorization", "Bearer " + apiKey));
    }

    /**
     * The models in {@code length} bytes of the answer at {@link #modelListPath}: the OpenAI list format, which
     * every kind Sluice knows answers in (Anthropic's too).
     *
     * @throws IOException when the bytes are not a model list
     */
    default List<ListedModel> readModelList(byte[] body, int length) throws IOException {
        return OpenAiModelList.models(body, length);
    }

    /** The request target of the model list, which probes ask for when the kind has no health path. */
    default String modelListPath(String basePath, String apiVersion) {
        return basePath + "/models";
    }

    /**
     * The request target for an operation.
     *
     * @param basePath     the endpoint's API base ({@code /v1})
     * @param apiPath      the operation's path below it, with the client's query ({@code /chat/completions?x=1})
     * @param backendModel the model the backend is asked for
     * @param apiVersion   the configured API version, or the kind's default
     */
    default String requestPath(String basePath, String apiPath, String backendModel, String apiVersion) {
        return basePath + apiPath;
    }
}
