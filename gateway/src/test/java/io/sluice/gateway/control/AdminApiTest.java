package io.sluice.gateway.control;

import io.sluice.gateway.admission.KeyHash;
import io.sluice.gateway.testing.Await;
import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.Protocol;
import io.sluice.gateway.testing.RawHttp;
import io.sluice.gateway.testing.RecordedRequest;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestGateway;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin API over a real gateway running from a file: it needs the admin key; providers, routes and keys go
 * through create, read, update and delete, each change checked, written atomically (the previous file kept) and
 * applied at once; a key is shown once and stored as its hash, and works after a restart; an invalid change is
 * refused naming the field and writes nothing; the older /api paths answer too; and the API can have a port of its
 * own.
 */
class AdminApiTest {
    private static final String ADMIN_KEY = KeyHash.newKey();

    @TempDir
    Path dir;
    private ScriptedBackend backend;
    private Path file;

    @BeforeEach
    void start() throws Exception {
        backend = ScriptedBackend.start();
        backend.respondAlways(Script.json(200, WireSamples.bytes("openai_chat_nonstream.json")));
        file = dir.resolve("sluice.yaml");
        Files.writeString(file, """
                server: { host: 127.0.0.1, port: 0, threads: 1 }
                usage: { log: false }
                auth: { mode: keys }
                admin: { key_hash: "%s" }
                providers:
                  - { id: demo, type: demo, models: { demo: demo-1 }, demo: { token_delay: 0ms } }
                """.formatted(KeyHash.of(ADMIN_KEY)));
    }

    @AfterEach
    void stop() {
        backend.close();
    }

    @Test
    void theApiNeedsTheAdminKey() throws Exception {
        try (TestGateway gateway = TestGateway.fromFile(file)) {
            assertEquals(401, send(gateway, "GET", "/admin/v1/config/version", null, null).statusCode());
            final HttpResponse<String> wrong = send(gateway, "POST", "/admin/v1/auth/validate", null,
                    KeyHash.newKey());
            assertEquals(401, wrong.statusCode());
            assertTrue(wrong.body().contains("invalid_admin_key"), wrong.body());
            final HttpResponse<String> right = send(gateway, "POST", "/admin/v1/auth/validate", null, ADMIN_KEY);
            assertEquals(200, right.statusCode());
            assertEquals("{\"valid\":true}", right.body());
        }
    }

    @Test
    void providersRoutesAndKeysGoThroughCrudAndSurviveARestart() throws Exception {
        final String key;
        try (TestGateway gateway = TestGateway.fromFile(file)) {
            final HttpResponse<String> provider = admin(gateway, "POST", "/admin/v1/providers", """
                    {"id":"farm","type":"vllm","endpoints":["%s"],"api_key":"sk-upstream-secret-123",
                     "health":{"probe":{"enabled":false}}}""".formatted(backend.url()));
            assertEquals(201, provider.statusCode(), provider.body());
            assertTrue(provider.body().contains("\"api_key\":\"[redacted]\""), provider.body());
            assertEquals(201, admin(gateway, "POST", "/admin/v1/routes",
                    "{\"model\":\"llama\",\"targets\":[{\"provider\":\"farm\",\"model\":\"meta/llama\"}]}")
                    .statusCode());
            final HttpResponse<String> created = admin(gateway, "POST", "/admin/v1/master-keys",
                    "{\"id\":\"team-a\",\"name\":\"Team A\",\"allowed_models\":[\"llama\"]}");
            assertEquals(201, created.statusCode(), created.body());
            final Matcher shown = Pattern.compile("\"key\":\"(sk-sluice-[^\"]+)\"").matcher(created.body());
            assertTrue(shown.find(), "the new key is shown once: " + created.body());
            key = shown.group(1);
            assertFalse(created.body().contains("sha256:"), "the hash is not shown");
            final String onDisk = Files.readString(file);
            assertTrue(onDisk.contains(KeyHash.of(key)) && !onDisk.contains(key), "only the hash is stored");
            assertTrue(Files.exists(dir.resolve("sluice.yaml.bak")), "the file before the change is kept");

            assertEquals(200, chat(gateway, key, "llama").statusCode(), "the new route, provider and key work");
            assertEquals("{\"model\":\"meta/llama\"}", backend.takeRequest().bodyText());
            assertEquals(403, chat(gateway, key, "demo").statusCode(), "allowed_models as created");

            final HttpResponse<String> keys = admin(gateway, "GET", "/admin/v1/master-keys", null);
            assertTrue(keys.body().contains("\"id\":\"team-a\"") && !keys.body().contains("sha256"), keys.body());
            assertEquals(200, admin(gateway, "PUT", "/admin/v1/master-keys/team-a",
                    "{\"name\":\"Team A\",\"allowed_models\":[\"llama\",\"demo\"]}").statusCode());
            assertEquals(200, chat(gateway, key, "demo").statusCode(), "the update kept the hash and widened it");
            assertTrue(admin(gateway, "GET", "/admin/v1/providers/farm", null).body()
                    .contains("\"api_key\":\"[redacted]\""));
            assertEquals(404, admin(gateway, "GET", "/admin/v1/routes/nothing", null).statusCode());
            assertEquals(409, admin(gateway, "POST", "/admin/v1/routes",
                    "{\"model\":\"llama\",\"targets\":[{\"provider\":\"farm\"}]}").statusCode());
            Await.until("two answers and a 403 for the key in the stats", () -> admin(gateway, "GET",
                    "/admin/v1/stats", null).body().contains("\"team-a\":{\"requests\":3,\"errors\":1"));
            final String stats = admin(gateway, "GET", "/admin/v1/stats", null).body();
            assertTrue(stats.contains("\"by_model\":{\"demo\":") && stats.contains("\"llama\":"), stats);
            final HttpResponse<String> version = admin(gateway, "GET", "/admin/v1/config/version", null);
            assertTrue(version.body().contains("\"version\":5"), "one version per change: " + version.body());
        }
        try (TestGateway restarted = TestGateway.fromFile(file)) {
            assertEquals(200, chat(restarted, key, "llama").statusCode(), "the key works after a restart");
            assertEquals(204, admin(restarted, "DELETE", "/admin/v1/master-keys/team-a", null).statusCode());
            assertEquals(401, chat(restarted, key, "llama").statusCode(), "a deleted key is refused at once");
            assertEquals(204, admin(restarted, "DELETE", "/admin/v1/routes/llama", null).statusCode());
            assertEquals(204, admin(restarted, "DELETE", "/admin/v1/providers/farm", null).statusCode());
            assertFalse(Files.readString(file).contains("farm"));
        }
    }

    @Test
    void aProviderReadWithItsKeyMaskedAndPutBackKeepsItsKey() throws Exception {
        try (TestGateway gateway = TestGateway.fromFile(file)) {
            assertEquals(201, admin(gateway, "POST", "/admin/v1/providers", """
                    {"id":"farm","type":"vllm","endpoints":["%s"],"api_key":"sk-upstream-secret-123",
                     "models":{"llama":"meta/llama"},"health":{"probe":{"enabled":false}}}"""
                    .formatted(backend.url())).statusCode());
            final String shown = admin(gateway, "GET", "/admin/v1/providers/farm", null).body();
            assertTrue(shown.contains("\"api_key\":\"[redacted]\""), shown);
            final HttpResponse<String> put = admin(gateway, "PUT", "/admin/v1/providers/farm",
                    shown.replace("meta/llama", "meta/llama-3"));
            assertEquals(200, put.statusCode(), put.body());
            assertTrue(Files.readString(file).contains("sk-upstream-secret-123"), "the stored key stays");
            final Matcher made = Pattern.compile("\"key\":\"(sk-sluice-[^\"]+)\"").matcher(admin(gateway, "POST",
                    "/admin/v1/master-keys", "{\"id\":\"team-a\"}").body());
            assertTrue(made.find());
            assertEquals(200, chat(gateway, made.group(1), "llama").statusCode());
            final RecordedRequest sent = backend.takeRequest();
            assertEquals("{\"model\":\"meta/llama-3\"}", sent.bodyText(), "the edit applied");
            assertEquals("Bearer sk-upstream-secret-123", sent.headers().get("authorization"));

            final HttpResponse<String> masked = admin(gateway, "POST", "/admin/v1/providers",
                    shown.replace("\"farm\"", "\"farm-2\""));
            assertEquals(400, masked.statusCode(), "a new provider has no stored key to keep");
            assertTrue(masked.body().contains("api_key: '[redacted]'"), masked.body());
        }
    }

    @Test
    void aWrongMethodIsA405NamingTheAllowedOnes() throws Exception {
        try (TestGateway gateway = TestGateway.fromFile(file)) {
            for (String[] c : new String[][] {{"DELETE", "/admin/v1/stats", "GET"},
                    {"DELETE", "/admin/v1/config", "GET, PUT"}, {"PATCH", "/admin/v1/providers", "GET, POST"},
                    {"PATCH", "/admin/v1/providers/demo", "GET, PUT, DELETE"}}) {
                final HttpResponse<String> refused = admin(gateway, c[0], c[1], null);
                assertEquals(405, refused.statusCode(), c[1]);
                assertEquals(c[2], refused.headers().firstValue("allow").orElse(null), c[1]);
            }
        }
    }

    @Test
    void aFileTheGatewayRefusedIsReportedAsInvalidWhenTheApiReadsIt() throws Exception {
        try (TestGateway gateway = TestGateway.fromFile(file)) {
            Files.writeString(file, Files.readString(file) + "routes:\n- just-a-string\n");
            final HttpResponse<String> routes = admin(gateway, "GET", "/admin/v1/routes", null);
            assertEquals(400, routes.statusCode(), routes.body());
            assertTrue(routes.body().contains("an entry of routes is not a mapping"), routes.body());
            Files.writeString(file, "{ not yaml");
            final HttpResponse<String> unreadable = admin(gateway, "GET", "/admin/v1/routes", null);
            assertEquals(400, unreadable.statusCode(), unreadable.body());
            assertTrue(unreadable.body().contains("\"type\":\"invalid_request_error\""), unreadable.body());
        }
    }

    @Test
    void seed003sBodiesAreTakenAsTheySendThem() throws Exception {
        try (TestGateway gateway = TestGateway.fromFile(file)) {
            assertEquals(201, admin(gateway, "POST", "/admin/v1/providers", """
                    {"id":"openai-main","provider_type":"openai","api_base":"%s","api_key":"sk-xxx",
                     "model_mapping":{"gpt-4":"gpt-4-turbo"},"is_enabled":true}""".formatted(backend.url()))
                    .statusCode());
            final HttpResponse<String> key = admin(gateway, "POST", "/admin/v1/master-keys", """
                    {"id":"key-1","key":"sk-my-secret-key","name":"Production Key","allowed_models":["gpt-4"],
                     "rate_limit":1,"is_enabled":true}""");
            assertEquals(201, key.statusCode(), key.body());
            assertFalse(key.body().contains("sk-my-secret-key"), "a key the client chose is not repeated");
            assertEquals(200, chat(gateway, "sk-my-secret-key", "gpt-4").statusCode());
            assertEquals("{\"model\":\"gpt-4-turbo\"}", backend.takeRequest().bodyText());
            assertEquals(429, chat(gateway, "sk-my-secret-key", "gpt-4").statusCode(), "rate_limit 1: burst 1");
            assertEquals(200, admin(gateway, "PUT", "/admin/v1/master-keys/key-1",
                    "{\"allowed_models\":[\"gpt-4\"],\"is_enabled\":false}").statusCode());
            assertEquals(401, chat(gateway, "sk-my-secret-key", "gpt-4").statusCode(), "disabled");
            assertEquals(200, admin(gateway, "PUT", "/admin/v1/master-keys/key-1",
                    "allowed_models: [ gpt-4 ]\nis_enabled: yes\n").statusCode(), "a YAML body's word for true");
            assertEquals(200, chat(gateway, "sk-my-secret-key", "gpt-4").statusCode(), "enabled again");
            assertEquals(200, admin(gateway, "PUT", "/admin/v1/master-keys/key-1",
                    "allowed_models: [ gpt-4 ]\nis_enabled: off\n").statusCode());
            assertEquals(401, chat(gateway, "sk-my-secret-key", "gpt-4").statusCode(), "off disables it");
            assertEquals(400, admin(gateway, "PUT", "/admin/v1/master-keys/key-1",
                    "{\"is_enabled\":\"perhaps\"}").statusCode());
        }
    }

    @Test
    void anInvalidChangeIsRefusedNamingTheFieldAndWritesNothing() throws Exception {
        try (TestGateway gateway = TestGateway.fromFile(file)) {
            final String before = Files.readString(file);
            final HttpResponse<String> refused = admin(gateway, "POST", "/admin/v1/routes",
                    "{\"model\":\"x\",\"targets\":[{\"provider\":\"nowhere\"}]}");
            assertEquals(400, refused.statusCode());
            assertTrue(refused.body().contains("routes[0].targets[0].provider") && refused.body()
                    .contains("invalid_config"), refused.body());
            final HttpResponse<String> badYaml = admin(gateway, "PUT", "/admin/v1/config",
                    "server: { port: [ }");
            assertEquals(400, badYaml.statusCode(), badYaml.body());
            assertEquals(400, admin(gateway, "POST", "/admin/v1/config/validate",
                    "providers: []").statusCode());
            final HttpResponse<String> spaced = admin(gateway, "POST", "/admin/v1/master-keys",
                    "{\"id\":\"k\",\"key\":\" sk-with-a-space-in-front\"}");
            assertEquals(400, spaced.statusCode());
            assertTrue(spaced.body().contains("key: has spaces around it"), spaced.body());
            final HttpResponse<String> unbuildable = admin(gateway, "POST", "/admin/v1/providers", """
                    {"id":"cloud","type":"openai","endpoints":["https://127.0.0.1:9/v1"],
                     "tls":{"ca":"%s"}}""".formatted(file.toAbsolutePath()));
            assertEquals(400, unbuildable.statusCode(), "a CA file that is no certificate fails the build");
            assertTrue(unbuildable.body().contains("providers.cloud.tls"), unbuildable.body());
            assertEquals(400, admin(gateway, "POST", "/admin/v1/config/validate", before.replace("providers:", """
                    providers:
                      - { id: cloud, type: openai, endpoints: [ "https://127.0.0.1:9/v1" ], tls: { ca: "%s" } }"""
                    .formatted(file.toAbsolutePath()))).statusCode(), "validate builds too");
            try (RawHttp raw = new RawHttp(gateway.port())) {
                final String answer = raw.send("GET /admin/v1/routes/%zz HTTP/1.1\r\nhost: x\r\nauthorization: Bearer "
                        + ADMIN_KEY + "\r\nconnection: close\r\n\r\n").readToClose();
                assertTrue(answer.startsWith("HTTP/1.1 400") && answer.contains("malformed %-escape"), answer);
            }
            assertEquals(before, Files.readString(file), "nothing was written");
            assertEquals(1, gateway.sluice().snapshot().version(), "nothing was applied");
        }
    }

    @Test
    void theConfigIsReadAndReplacedWholeAndTheOlderApiPathsAnswer() throws Exception {
        try (TestGateway gateway = TestGateway.fromFile(file)) {
            final HttpResponse<String> config = admin(gateway, "GET", "/api/config", null);
            assertEquals(200, config.statusCode());
            assertEquals(Files.readString(file), config.body());
            final String next = config.body().replace("models: { demo: demo-1 }",
                    "models: { demo: demo-1, demo2: demo-1 }");
            final HttpResponse<String> replaced = admin(gateway, "PUT", "/admin/v1/config", next);
            assertEquals("{\"version\":2,\"restart_required\":[]}", replaced.body());
            assertEquals(next, Files.readString(file), "written as sent, comments and all");
            assertTrue(admin(gateway, "GET", "/api/models", null).body().contains("\"id\":\"demo2\""));
            assertEquals("{\"status\":\"ok\"}", admin(gateway, "GET", "/api/health", null).body());
            assertTrue(admin(gateway, "GET", "/api/stats", null).body().contains("\"requests\":"));
            final HttpResponse<String> restart = admin(gateway, "PUT", "/admin/v1/config",
                    next.replace("threads: 1", "threads: 1, idle_timeout: 30s"));
            assertTrue(restart.body().contains("\"restart_required\":[\"server.idle_timeout\"]"), restart.body());
        }
    }

    @Test
    void withoutAnAdminKeyOnlyUnforwardedLocalCallersGetInAndTheFileKeepsItsPermissions() throws Exception {
        Files.writeString(file, Files.readString(file).replaceAll("admin: \\{ key_hash: \"[^\"]+\" }", "admin: {}"));
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        try (TestGateway gateway = TestGateway.fromFile(file)) {
            assertEquals(200, send(gateway, "GET", "/admin/v1/config/version", null, null).statusCode());
            final HttpResponse<String> forwarded = Protocol.HTTP_1_1.client().send(HttpRequest.newBuilder(
                    gateway.uri("/admin/v1/config/version")).header("x-forwarded-for", "203.0.113.7").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, forwarded.statusCode(), "a proxy on this host does not make its callers local");
            assertEquals(201, send(gateway, "POST", "/admin/v1/routes",
                    "{\"model\":\"d2\",\"targets\":[{\"provider\":\"demo\",\"model\":\"demo-1\"}]}", null)
                    .statusCode());
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(file)), "a file of secrets stays private");
        }
    }

    @Test
    void theApiCanHaveAPortOfItsOwn() throws Exception {
        Files.writeString(file, Files.readString(file).replace("admin: { key_hash", "admin: { port: 0, key_hash")
                .replace("port: 0, key_hash", "port: " + freePort() + ", key_hash"));
        try (TestGateway gateway = TestGateway.fromFile(file)) {
            final int adminPort = gateway.sluice().adminAddress().getPort();
            assertEquals(404, send(gateway, "GET", "/admin/v1/config/version", null, ADMIN_KEY).statusCode(),
                    "the main port does not serve it");
            final HttpResponse<String> own = Protocol.HTTP_1_1.client().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + adminPort + "/admin/v1/config/version"))
                    .header("authorization", "Bearer " + ADMIN_KEY).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, own.statusCode());
            assertEquals(404, Http.post(URI.create("http://127.0.0.1:" + adminPort + "/v1/chat/completions"),
                    "{\"model\":\"demo\"}").statusCode(), "the admin port serves no model API");
        }
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static HttpResponse<String> admin(TestGateway gateway, String method, String path, String body)
            throws Exception {
        return send(gateway, method, path, body, ADMIN_KEY);
    }

    private static HttpResponse<String> send(TestGateway gateway, String method, String path, String body,
                                             String key) throws Exception {
        final HttpRequest.Builder request = HttpRequest.newBuilder(gateway.uri(path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("authorization", "Bearer " + key);
        }
        return Protocol.HTTP_1_1.client().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<byte[]> chat(TestGateway gateway, String key, String model) throws Exception {
        return Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"" + model + "\"}", "authorization",
                "Bearer " + key);
    }
}
