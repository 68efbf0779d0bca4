package io.sluice.gateway.control;

import io.sluice.gateway.Sluice;
import io.sluice.gateway.config.ConfigException;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.testing.Await;
import io.sluice.gateway.testing.GatewayProcess;
import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.Protocol;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestGateway;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Hot reload: a new config swaps in while streams run on the old one, none of them failing; new requests see the
 * new routes at once; the removed backend's connections close as their streams end; an invalid file changes
 * nothing; the file is reloaded when it changes on disk and on SIGHUP; fields that need a restart are named.
 */
class ReloadTest {
    private static final String EVENT = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n";
    private static final String DONE = "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}"
            + "\n\ndata: [DONE]\n\n";

    @TempDir
    Path dir;
    private ScriptedBackend first;
    private ScriptedBackend second;
    private Path file;

    @BeforeEach
    void start() throws Exception {
        first = ScriptedBackend.start();
        second = ScriptedBackend.start();
        file = dir.resolve("sluice.yaml");
    }

    @AfterEach
    void stop() {
        first.close();
        second.close();
    }

    /** A config whose model {@code m} is served by {@code backend}; the pool keeps idle connections a minute. */
    private static String config(ScriptedBackend backend, String extra) {
        return """
                server: { host: 127.0.0.1, port: 0, threads: 2 }
                usage: { log: false }
                providers:
                  - id: farm
                    type: vllm
                    endpoints: [ "%s" ]
                    models: { m: m }
                    pool: { idle_timeout: 60s }
                    health: { probe: { enabled: false } }
                %s
                """.formatted(backend.url(), extra);
    }

    private void write(String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    @Test
    void aReloadUnderTwoHundredStreamsFailsNoneAndNewRequestsSeeTheNewConfig() throws Exception {
        first.respondAlways(Script.builder().head(200, "content-type", "text/event-stream")
                .body(EVENT.repeat(20) + DONE, EVENT.length(), Duration.ofMillis(50)).end().build());
        second.respondAlways(Script.json(200, WireSamples.bytes("openai_chat_nonstream.json")));
        write(config(first, ""));
        try (TestGateway gateway = TestGateway.fromFile(file)) {
            final HttpClient client = Protocol.HTTP_1_1.client();
            final List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                streams.add(client.sendAsync(Http.postRequest(gateway.uri("/v1/chat/completions"),
                        "{\"model\":\"m\",\"stream\":true}"), HttpResponse.BodyHandlers.ofString()));
            }
            Await.until("all 200 streams reached the first backend", () -> first.requestCount() == 200);
            final ReloadResult result = gateway.sluice().control().reload("test").get(30, TimeUnit.SECONDS);
            assertEquals(2, result.version());
            assertEquals(List.of(), result.restartRequired());
            final HttpResponse<byte[]> fresh = Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\"}");
            assertEquals(200, fresh.statusCode(), "the unchanged file reloads as it was");
            write(config(second, ""));
            gateway.sluice().control().reload("test").get(30, TimeUnit.SECONDS);
            final int firstBefore = first.requestCount();
            assertEquals(200, Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\"}").statusCode());
            assertEquals(firstBefore, first.requestCount(), "a new request goes to the new backend");
            assertTrue(second.requestCount() >= 1);
            for (CompletableFuture<HttpResponse<String>> stream : streams) {
                final HttpResponse<String> response = stream.get(60, TimeUnit.SECONDS);
                assertEquals(200, response.statusCode());
                assertTrue(response.body().endsWith(DONE), "each stream ran to its end on the old config");
            }
            Await.until("the removed backend's pool closed its connections as their streams ended",
                    () -> first.openConnections() == 0);
        }
    }

    @Test
    void anInvalidConfigChangesNothingAndSaysWhichFieldIsWrong() throws Exception {
        second.respondAlways(Script.json(200, WireSamples.bytes("openai_chat_nonstream.json")));
        write(config(second, ""));
        try (TestGateway gateway = TestGateway.fromFile(file)) {
            write(config(second, "routes: [ { model: x, targets: [ { provider: nowhere } ] } ]"));
            final ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> gateway.sluice().control().reload("test").get(30, TimeUnit.SECONDS));
            final ConfigException error = assertInstanceOf(ConfigException.class, refused.getCause());
            assertTrue(error.getMessage().contains("routes[0].targets[0].provider"), error.getMessage());
            assertEquals(1, gateway.sluice().snapshot().version(), "the running config stays");
            assertEquals(200, Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\"}").statusCode());
        }
    }

    @Test
    void theFileIsReloadedWhenItChangesAndRestartOnlyFieldsAreNamedUntilUndone() throws Exception {
        second.respondAlways(Script.json(200, WireSamples.bytes("openai_chat_nonstream.json")));
        final String started = config(second, "");
        write(started);
        try (TestGateway gateway = TestGateway.fromFile(file)) {
            write(started.replace("models: { m: m }", "models: { m: m, n: n }")
                    .replace("threads: 2 }", "threads: 2, request_timeout: 30s }"));
            Await.until("the change on disk was applied", () -> gateway.sluice().snapshot().version() == 2);
            assertEquals(200, Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"n\"}").statusCode());
            assertEquals(List.of("server.request_timeout"),
                    gateway.sluice().control().reload("test").get(30, TimeUnit.SECONDS).restartRequired(),
                    "a later reload of the same file still names what waits for a restart");
            final long before = gateway.sluice().snapshot().version();
            write(started);
            Await.until("the file as it started was applied",
                    () -> gateway.sluice().snapshot().version() > before);
            assertEquals(List.of(), gateway.sluice().control().reload("test").get(30, TimeUnit.SECONDS)
                    .restartRequired(), "nothing waits once the file is back to what runs");
        }
    }

    @Test
    void demoSettingsAreNamedWhileTheyDifferFromTheRunningDemoModel() throws Exception {
        final String yaml = """
                server: { host: 127.0.0.1, port: 0, threads: 1 }
                usage: { log: false }
                providers:
                  - { id: demo, type: demo, models: { demo: demo-1 }, demo: { token_delay: %s } }
                """;
        write(yaml.formatted("1ms"));
        try (TestGateway gateway = TestGateway.fromFile(file)) {
            write(yaml.formatted("5ms"));
            assertEquals(List.of("providers.demo.demo"),
                    gateway.sluice().control().reload("test").get(30, TimeUnit.SECONDS).restartRequired());
            write(yaml.formatted("1ms"));
            assertEquals(List.of(), gateway.sluice().control().reload("test").get(30, TimeUnit.SECONDS)
                    .restartRequired());
        }
    }

    @Test
    void aChangeSavedWhileTheGatewayStartsIsApplied() throws Exception {
        second.respondAlways(Script.json(200, WireSamples.bytes("openai_chat_nonstream.json")));
        write(config(second, ""));
        final ConfigFile configFile = new ConfigFile(file, Map.of());
        final SluiceConfig read = configFile.load();
        // Saved after the file was read and before the gateway watches it: no event will come.
        write(config(second, "").replace("models: { m: m }", "models: { m: m, n: n }"));
        try (Sluice sluice = Sluice.start(read, configFile, List.of())) {
            Await.until("the change was applied", () -> sluice.snapshot().version() == 2);
            assertEquals(200, Http.post(URI.create("http://127.0.0.1:" + sluice.address().getPort()
                    + "/v1/chat/completions"), "{\"model\":\"n\"}").statusCode());
        }
    }

    @Test
    void aConfigThatLinksToAFileElsewhereIsReloadedWhenThatFileChanges() throws Exception {
        second.respondAlways(Script.json(200, WireSamples.bytes("openai_chat_nonstream.json")));
        final Path real = Files.createDirectories(dir.resolve("checkout")).resolve("gateway.yaml");
        Files.writeString(real, config(second, ""));
        final Path link = Files.createSymbolicLink(Files.createDirectories(dir.resolve("etc")).resolve("sluice.yaml"),
                real);
        try (TestGateway gateway = TestGateway.fromFile(link)) {
            Files.writeString(real, config(second, "").replace("models: { m: m }", "models: { m: m, n: n }"));
            Await.until("the change to the linked file was applied", () -> gateway.sluice().snapshot().version() == 2);
            assertEquals(200, Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"n\"}").statusCode());
        }
    }

    @Test
    void aConfigOnlyCheckedLeavesNoDemoModelBehind() throws Exception {
        write(config(second, ""));
        try (TestGateway gateway = TestGateway.fromFile(file)) {
            gateway.sluice().control().check(withDemo("checked only")).get(30, TimeUnit.SECONDS);
            write(withDemo("the one applied"));
            assertEquals(List.of(), gateway.sluice().control().reload("test").get(30, TimeUnit.SECONDS)
                    .restartRequired());
            final String answer = Http.text(Http.post(gateway.uri("/v1/chat/completions"),
                    "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
            assertTrue(answer.contains("the one applied"), answer);
        }
    }

    /** The config of {@code second}, with a demo provider answering {@code reply}. */
    private String withDemo(String reply) {
        return config(second, "").replace("providers:\n", "providers:\n  - { id: demo, type: demo, models: "
                + "{ demo: demo-1 }, demo: { token_delay: 0ms, reply: '" + reply + "' } }\n");
    }

    @Test
    void hangUpReloadsTheFile() throws Exception {
        final String yaml = """
                server: { host: 127.0.0.1, port: %d, threads: 1 }
                usage: { log: false }
                providers: [ { id: demo, type: demo, models: { demo: demo-1 } } ]
                """;
        try (GatewayProcess gateway = GatewayProcess.start(dir, yaml, List.of())) {
            // A build run under nohup hands every process it starts an ignored SIGHUP, which no handler can take.
            assumeFalse(gateway.output().contains("SIGHUP is ignored in this process"),
                    "SIGHUP is ignored where this test runs (under nohup?)");
            final URI version = URI.create("http://127.0.0.1:" + gateway.port() + "/admin/v1/config/version");
            assertTrue(Http.get(version).body().contains("\"version\":1"), Http.get(version).body());
            gateway.signal("HUP");
            try {
                Await.until("SIGHUP reloaded the file", () -> {
                    // One that came before the gateway had finished starting is let go, by design: send another.
                    if (gateway.output().contains("SIGHUP during start-up let go")
                            && !gateway.output().contains("SIGHUP: reloading")) {
                        gateway.signal("HUP");
                    }
                    return Http.get(version).body().contains("\"version\":2");
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + " (the gateway is " + (gateway.isAlive() ? "alive" : "gone")
                        + "; its output:\n" + gateway.output() + ")", e);
            }
            assertTrue(gateway.isAlive());
        }
    }
}
