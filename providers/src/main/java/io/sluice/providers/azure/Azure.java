package io.sluice.providers.azure;

import io.sluice.providers.Capabilities;
import io.sluice.providers.Continuation;
import io.sluice.providers.Dialect;
import io.sluice.providers.ProviderType;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Azure OpenAI: each model is a deployment of the resource, reached at
 * {@code <resource>/openai/deployments/<deployment>/chat/completions?api-version=<version>} with the key in an
 * {@code api-key} header. An endpoint is the resource's {@code /openai} base
 * ({@code https://NAME.openai.azure.com/openai}); a target's model is the deployment's name.
 */
public final class Azure implements ProviderType {
    public static final ProviderType TYPE = new Azure();
    /** The newest generally available data-plane version when this was written. */
    private static final String API_VERSION = "2024-10-21";

    private Azure() {
    }

    @Override
    public String configName() {
        return "azure";
    }

    @Override
    public Dialect dialect() {
        return Dialect.OPENAI;
    }

    @Override
    public URI defaultBaseUrl() {
        return null;
    }

    @Override
    public String healthPath() {
        return null;
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(true, Continuation.NONE, false);
    }

    @Override
    public String defaultApiVersion() {
        return API_VERSION;
    }

    @Override
    public List<Map.Entry<String, String>> credentialHeaders(String apiKey, String apiVersion) {
        return apiKey == null ? List.of() : List.of(Map.entry("api-key", apiKey));
    }

    @Override
    public String modelListPath(String basePath, String apiVersion) {
        return basePath + "/models?api-version=" + URLEncoder.encode(apiVersion, StandardCharsets.UTF_8);
    }

    @Override
    public String requestPath(String basePath, String apiPath, String backendModel, String apiVersion) {
        final int query = apiPath.indexOf('?');
        final String operation = query < 0 ? apiPath : apiPath.substring(0, query);
        final String clientQuery = query < 0 ? "" : "&" + apiPath.substring(query + 1);
        return basePath + "/deployments/" + URLEncoder.encode(backendModel, StandardCharsets.UTF_8).replace("+", "%20")
                + operation + "?api-version=" + URLEncoder.encode(apiVersion, StandardCharsets.UTF_8) + clientQuery;
    }
}
