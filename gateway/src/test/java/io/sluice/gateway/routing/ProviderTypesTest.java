package io.sluice.gateway.routing;

import io.sluice.gateway.config.ConfigException;
import io.sluice.gateway.config.ConfigLoader;
import io.sluice.gateway.config.EnvResolver;
import io.sluice.gateway.testing.Await;
import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.RecordedRequest;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestGateway;
import io.sluice.providers.ProviderType;
import io.sluice.providers.ProviderTypes;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each kind of provider as its backend sees it: Azure's deployment paths, api-version and api-key header, its
 * probe of the model list; OpenRouter's attribution headers set by the provider and its processing comments passed
 * through; a Bearer key for the rest; and the config refusing what a kind does not take.
 */
class ProviderTypesTest {
    private ScriptedBackend backend;

    @BeforeEach
    void start() throws Exception {
        backend = ScriptedBackend.start();
    }

    @AfterEach
    void stop() {
        backend.close();
    }

    private TestGateway gateway(String provider) throws InterruptedException {
        return TestGateway.start("""
                server: { host: 127.0.0.1, port: 0, threads: 1 }
                usage: { log: false }
                providers:
                %s
                """.formatted(provider));
    }

    @Test
    void azureAsksTheDeploymentWithItsApiVersionAndKeyHeader() throws Exception {
        backend.enqueue(Script.json(200, WireSamples.bytes("azure_chat_nonstream_normalized.json")));
        try (TestGateway gateway = gateway("""
                  - id: azure
                    type: azure
                    api_key: azure-secret-key-123
                    endpoints: [ "%s/openai" ]
                    models: { gpt-4o: my gpt4o deployment }
                    health: { probe: { enabled: false } }
                """.formatted(backend.url().toString().replaceAll("/v1$", "")))) {
            final HttpResponse<byte[]> response = Http.post(gateway.uri("/v1/chat/completions?trace=1"),
                    "{\"model\":\"gpt-4o\",\"messages\":[]}");
            assertEquals(200, response.statusCode(), Http.text(response));
            final RecordedRequest request = backend.takeRequest();
            assertEquals("/openai/deployments/my%20gpt4o%20deployment/chat/completions?api-version=2024-10-21&trace=1",
                    request.uri());
            assertEquals("azure-secret-key-123", request.headers().get("api-key"));
            assertNull(request.headers().get("authorization"), "Azure takes its key in api-key only");
        }
    }

    @Test
    void azureIsProbedAtItsModelListWithItsKey() throws Exception {
        backend.answerProbes(Script.json(200, "{\"data\":[]}"));
        try (TestGateway gateway = gateway("""
                  - id: azure
                    type: azure
                    api_key: azure-secret-key-123
                    api_version: 2025-01-01-preview
                    endpoints: [ "%s/openai" ]
                    models: { gpt-4o: dep }
                    health: { probe: { interval: 50ms } }
                """.formatted(backend.url().toString().replaceAll("/v1$", "")))) {
            Await.until("the endpoint was probed", () -> backend.probeCount() > 0);
            final RecordedRequest probe = backend.lastProbe();
            assertEquals("GET", probe.method());
            assertEquals("/openai/models?api-version=2025-01-01-preview", probe.uri());
            assertEquals("azure-secret-key-123", probe.headers().get("api-key"));
        }
    }

    @Test
    void openRouterGetsItsAttributionHeadersAndItsCommentsReachTheClient() throws Exception {
        backend.enqueue(Script.sse(WireSamples.bytes("openrouter_chat_stream_reconstructed.txt"), 64));
        try (TestGateway gateway = gateway("""
                  - id: openrouter
                    type: openrouter
                    api_key: sk-or-secret-123456
                    endpoints: [ "%s" ]
                    headers: { HTTP-Referer: "https://app.example", X-Title: "Example App" }
                    models: { mini: openai/gpt-4o-mini }
                    health: { probe: { enabled: false } }
                """.formatted(backend.url()))) {
            final HttpResponse<byte[]> response = Http.post(gateway.uri("/v1/chat/completions"),
                    "{\"model\":\"mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
                    "x-title", "the client's own");
            assertEquals(200, response.statusCode());
            assertEquals(new String(WireSamples.bytes("openrouter_chat_stream_reconstructed.txt")),
                    Http.text(response), "passed through byte for byte, comment lines included");
            final RecordedRequest request = backend.takeRequest();
            assertEquals("/v1/chat/completions", request.uri());
            assertEquals("https://app.example", request.headers().get("http-referer"));
            assertEquals(List.of("Example App"), request.headers().getAll("x-title"),
                    "the provider's header replaces the client's of the same name");
            assertEquals("Bearer sk-or-secret-123456", request.headers().get("authorization"));
        }
    }

    @Test
    void aProviderServesTheModelsItsBackendListsAndADownOneBreaksNothing() throws Exception {
        backend.respondAlways(Script.json(200, WireSamples.bytes("vllm_models.json")));
        try (TestGateway gateway = gateway("""
                  - id: farm
                    type: vllm
                    endpoints: [ "%s" ]
                    list_upstream: true
                    health: { probe: { enabled: false } }
                  - id: gone
                    type: openai
                    endpoints: [ "http://127.0.0.1:9/v1" ]
                    list_upstream: true
                    models: { fixed: fixed-1 }
                    health: { probe: { enabled: false } }
                """.formatted(backend.url()))) {
            final String listed = "meta-llama/Llama-3.1-8B-Instruct";
            Await.until("the backend's list was read", () -> Http.get(gateway.uri("/v1/models")).body()
                    .contains(listed));
            final String models = Http.get(gateway.uri("/v1/models")).body();
            assertTrue(models.contains("{\"id\":\"fixed\",") && models.contains("\"id\":\"" + listed
                    + "\",\"object\":\"model\",\"created\":"), "the configured model and the listed one, the "
                    + "unreachable provider's listing leaving the rest whole: " + models);
            assertEquals("[{\"id\":\"fixed\",\"provider\":\"gone\"},{\"id\":\"" + listed
                    + "\",\"provider\":\"farm\",\"max_tokens\":131072}]", Http.get(gateway.uri("/llm/models")).body(),
                    "the uniform list names each model's provider, and the context length vLLM gave");
            assertEquals(200, Http.get(gateway.uri("/v1/models/" + listed)).statusCode());
            assertEquals(200, Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"" + listed + "\"}")
                    .statusCode());
            RecordedRequest request;
            do {
                request = backend.takeRequest();
            } while (!request.method().equals("POST"));
            assertEquals("/v1/chat/completions", request.uri());
            assertEquals("{\"model\":\"" + listed + "\"}", request.bodyText(), "sent under its own name");
            assertEquals(404, Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"not-listed\"}")
                    .statusCode());
        }
    }

    @Test
    void theConfigRefusesWhatAKindDoesNotTake() {
        final ConfigException version = assertThrows(ConfigException.class, () -> parse(
                "{ id: v, type: vllm, endpoints: [ \"http://127.0.0.1:9\" ], api_version: x, models: { m: m } }"));
        assertTrue(version.getMessage().startsWith("providers[0].api_version: a vllm provider has no API versions"),
                version.getMessage());
        final ConfigException header = assertThrows(ConfigException.class, () -> parse(
                "{ id: v, type: openai, headers: { Authorization: x }, models: { m: m } }"));
        assertTrue(header.getMessage().contains("providers[0].headers.Authorization: Sluice sets this header"),
                header.getMessage());
        final ConfigException injected = assertThrows(ConfigException.class, () -> parse(
                "{ id: v, type: openai, headers: { X-Title: \"a\\r\\nX-Evil: 1\" }, models: { m: m } }"));
        assertTrue(injected.getMessage().contains("printable ASCII"), injected.getMessage());
    }

    @Test
    void everyKindHasItsOwnNameAndAWayToBeProbed() {
        final Set<String> names = new HashSet<>();
        for (ProviderType type : ProviderTypes.ALL) {
            assertTrue(names.add(type.configName()), type.configName());
            assertTrue(type.healthPath() != null || type.modelListPath("/v1", type.defaultApiVersion()) != null);
        }
        assertEquals(List.of("openai", "azure", "openrouter", "vllm", "tgi", "ollama", "anthropic", "demo"), List.copyOf(
                ProviderTypes.ALL.stream().map(ProviderType::configName).toList()));
    }

    private static void parse(String provider) {
        ConfigLoader.parse("providers: [ " + provider + " ]", "test", new EnvResolver(name -> null), null);
    }
}
