package io.sluice.gateway.config;

import io.sluice.providers.demo.Demo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    private static final String MINIMAL = "providers:\n  - { id: d, type: demo, models: { demo: demo-1 } }\n";

    private static SluiceConfig parse(String yaml, Map<String, String> env) {
        return ConfigLoader.parse(yaml, "test.yaml", new EnvResolver(env::get), null);
    }

    @Test
    void defaultsFillWhatTheFileLeavesOut() {
        final SluiceConfig config = parse(MINIMAL, Map.of());
        assertEquals("127.0.0.1", config.server().host());
        assertEquals(8080, config.server().port());
        assertEquals("auto", config.server().transport());
        assertEquals(Duration.ofNanos(100_000), config.server().ioBatchWindow());
        assertEquals("pooled", config.server().allocator());
        assertEquals(100L << 20, config.server().maxRequestBytes());
        final SluiceConfig.Provider demo = config.providers().get(0);
        assertEquals(Demo.TYPE, demo.type());
        assertEquals(Duration.ofMillis(20), demo.demo().tokenDelay());
        assertEquals(Duration.ofSeconds(4), demo.pool().idleTimeout());
        assertTrue(demo.includeUsage());
    }

    @Test
    void theBatchWindowIsWrittenInMicrosecondsOrTurnedOff() {
        assertEquals(Duration.ofNanos(250_000),
                parse(MINIMAL + "server: { io_batch_window: 250us }\n", Map.of()).server().ioBatchWindow());
        assertEquals(Duration.ZERO,
                parse(MINIMAL + "server: { io_batch_window: 0ms }\n", Map.of()).server().ioBatchWindow());
        assertEquals(Duration.ofMillis(10),
                parse(MINIMAL + "server: { io_batch_window: 10ms }\n", Map.of()).server().ioBatchWindow());
    }

    @Test
    void webhooksAreNamedEachWithASpoolOfItsOwn() {
        final SluiceConfig config = parse(MINIMAL + """
                usage:
                  estimate: true
                  webhook: { url: "http://billing:9000/usage" }
                  webhooks:
                    - { name: analytics, url: "http://analytics:9000/in", batch: 500 }
                """, Map.of());
        assertTrue(config.usage().estimate());
        assertEquals(List.of("webhook", "analytics"),
                config.usage().webhooks().stream().map(SluiceConfig.Webhook::name).toList());
        assertEquals(Path.of("data/usage-spool"), config.usage().webhooks().get(0).spoolDir());
        assertEquals(Path.of("data/usage-spool-analytics"), config.usage().webhooks().get(1).spoolDir());
        assertEquals(500, config.usage().webhooks().get(1).batch());

        final ConfigException twice = assertThrows(ConfigException.class, () -> parse(MINIMAL + """
                usage:
                  webhooks:
                    - { name: a, url: "http://one/usage" }
                    - { name: a, url: "http://two/usage" }
                """, Map.of()));
        assertTrue(twice.getMessage().contains("two webhooks are named 'a'"), twice.getMessage());
        final ConfigException shared = assertThrows(ConfigException.class, () -> parse(MINIMAL + """
                usage:
                  webhooks:
                    - { name: a, url: "http://one/usage", spool: { dir: /var/spool/sluice } }
                    - { name: b, url: "http://two/usage", spool: { dir: /var/spool/sluice/ } }
                """, Map.of()));
        assertTrue(shared.getMessage().contains("webhook 'b' shares its spool.dir"), shared.getMessage());
        final ConfigException noUrl = assertThrows(ConfigException.class, () -> parse(MINIMAL + """
                usage:
                  webhooks: [ { name: a } ]
                """, Map.of()));
        assertTrue(noUrl.getMessage().contains("url"), noUrl.getMessage());
        assertTrue(parse(MINIMAL, Map.of()).usage().webhooks().isEmpty());
        assertFalse(parse(MINIMAL, Map.of()).usage().estimate());
    }

    @Test
    void theLogLevelComesFromTheConfigElseFromLogLevel() {
        assertNull(parse(MINIMAL, Map.of()).logging().level(), "logback.xml's level stands");
        assertEquals("debug", parse(MINIMAL, Map.of("LOG_LEVEL", "DEBUG")).logging().level());
        final SluiceConfig config = parse(MINIMAL + """
                logging: { level: warn, loggers: { sluice.access: "OFF" }, access_log: json }
                """, Map.of("LOG_LEVEL", "debug"));
        assertEquals("warn", config.logging().level());
        assertEquals(Map.of("sluice.access", "off"), config.logging().loggers());
        assertEquals(SluiceConfig.AccessFormat.JSON, config.logging().accessLog());
        final ConfigException loud = assertThrows(ConfigException.class,
                () -> parse(MINIMAL, Map.of("LOG_LEVEL", "loud")));
        assertTrue(loud.getMessage().startsWith("LOG_LEVEL: '") && loud.getMessage().contains("is not one of"),
                loud.getMessage());
    }

    @Test
    void plainValuesAreTypedByYaml12sRulesSoWordsAndDatesStayAsWritten() {
        final String hash = "sha256:" + "0".repeat(64);
        final String other = "sha256:" + "1".repeat(64);
        final SluiceConfig config = parse("""
                server: { threads: 010, max_request_bytes: 10_485_760 }
                logging: { level: warn, loggers: { sluice.access: off } }
                providers:
                  - { id: a, type: anthropic, api_version: 2023-06-01, models: { claude: claude-3-5-haiku } }
                auth:
                  keys:
                    - { id: day, hash: "%s", expires: 2027-01-31 }
                    - { id: time, hash: "%s", expires: 2027-01-31T12:00:00+01:00 }
                    - { id: spaced, hash: "%s", expires: 2027-01-31 12:00:00 +01:00 }
                    - { id: local, hash: "%s", expires: 2027-01-31T12:00:00 }
                """.formatted(hash, other, "sha256:" + "2".repeat(64), "sha256:" + "3".repeat(64)), Map.of());
        assertEquals(10, config.server().threads(), "010 is ten, not YAML 1.1's octal eight");
        assertEquals(Map.of("sluice.access", "off"), config.logging().loggers(), "off is a level, not false");
        assertEquals("2023-06-01", config.providers().get(0).apiVersion(), "a version is not a date");
        assertEquals(Instant.parse("2027-01-31T00:00:00Z"), config.auth().keys().get(0).expires());
        assertEquals(Instant.parse("2027-01-31T11:00:00Z"), config.auth().keys().get(1).expires());
        assertEquals(Instant.parse("2027-01-31T11:00:00Z"), config.auth().keys().get(2).expires(), "YAML 1.1's form");
        assertEquals(Instant.parse("2027-01-31T12:00:00Z"), config.auth().keys().get(3).expires(), "no offset: UTC");
        assertEquals(10_485_760, config.server().maxRequestBytes());
        assertTrue(parse(MINIMAL + "usage: { log: on }\n", Map.of()).usage().log(), "on still reads as true");
        final ConfigException notATime = assertThrows(ConfigException.class, () -> parse(MINIMAL
                + "auth: { keys: [ { id: k, hash: \"" + hash + "\", expires: soon } ] }\n", Map.of()));
        assertTrue(notATime.getMessage().startsWith("auth.keys[0].expires: 'soon' is not a time"),
                notATime.getMessage());
        final ConfigException tagged = assertThrows(ConfigException.class, () -> parse(MINIMAL
                + "server: { port: !!int sk-not-a-number }\n", Map.of()));
        assertFalse(tagged.getMessage().contains("sk-not"), "a value that does not fit its tag is not quoted");
        final ConfigException forever = assertThrows(ConfigException.class, () -> parse(MINIMAL
                + "server: { idle_timeout: 99999999999999999999s }\n", Map.of()));
        assertTrue(forever.getMessage().startsWith("server.idle_timeout:"), forever.getMessage());
        final ConfigException twoDemos = assertThrows(ConfigException.class, () -> parse(MINIMAL
                + "  - { id: e, type: demo, models: { e: demo-1 }, demo: { reply: other } }\n", Map.of()));
        assertTrue(twoDemos.getMessage().startsWith("providers[1].demo: every demo provider is served by one"),
                twoDemos.getMessage());
    }

    @Test
    void environmentReferencesAndDefaultsAreExpanded() {
        final String yaml = """
                server: { port: "${PORT:-9000}", host: "${HOST}", max_request_bytes: 2MiB }
                auth: { mode: keys }
                providers:
                  - id: v
                    type: vllm
                    api_key: ${KEY:-}
                    endpoints: [ "http://${BACKEND}:8000", "https://gpu.example/api/v1" ]
                    models: { llama: meta/llama }
                    timeouts: { connect: 250ms, first_byte: 2m }
                """;
        final SluiceConfig config = parse(yaml, Map.of("HOST", "0.0.0.0", "BACKEND", "10.0.0.7", "KEY", ""));
        assertEquals(9000, config.server().port());
        assertEquals("0.0.0.0", config.server().host());
        assertEquals(2L << 20, config.server().maxRequestBytes());
        final SluiceConfig.Provider vllm = config.providers().get(0);
        assertNull(vllm.apiKey(), "an empty key means no key");
        assertEquals(List.of(URI.create("http://10.0.0.7:8000"), URI.create("https://gpu.example/api/v1")),
                vllm.endpoints());
        assertEquals(Duration.ofMillis(250), vllm.timeouts().connect());
        assertEquals(Duration.ofMinutes(2), vllm.timeouts().firstByte());
    }

    @Test
    void aDotEnvBesideTheFileFillsWhatTheEnvironmentLacks(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(".env"), "# secrets\nexport OPENAI_API_KEY='sk-from-dotenv'\nPORT=7000\n");
        final Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, """
                server: { port: "${PORT}" }
                providers:
                  - { id: o, type: openai, api_key: "${OPENAI_API_KEY}", models: { gpt: gpt-4o } }
                """);
        final SluiceConfig config = ConfigLoader.load(file, Map.of("PORT", "7100"));
        assertEquals(7100, config.server().port(), "the environment wins over .env");
        assertEquals("sk-from-dotenv", config.providers().get(0).apiKey());
        assertEquals(List.of(URI.create("https://api.openai.com/v1")), config.providers().get(0).endpoints());
    }

    @Test
    void aDotEnvThatIsNotUtf8IsAConfigErrorNamingIt(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve(".env"), new byte[] {'K', '=', (byte) 0xff, (byte) 0xfe, '\n'});
        final Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, MINIMAL);
        final ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of()));
        assertTrue(e.getMessage().endsWith(".env: not UTF-8 text"), e.getMessage());
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
            "server: { prot: 80 }|server.prot: unknown field",
            "server: { port: 99999 }|server.port: 99999 is outside 0..65535",
            "server: { port: eighty }|server.port: 'eighty' is not a whole number",
            "server: { idle_timeout: 10 }|server.idle_timeout: '10' is not a duration",
            "server: { transport: kqueue }|server.transport: 'kqueue' is not one of auto, epoll, io_uring, nio",
            "server: { io_batch_window: 20ms }|server.io_batch_window: must be at most 10ms",
            "server: { io_batch_window: 100 }|server.io_batch_window: '100' is not a duration (write 100us,",
            "server: { idle_timeout: 500us }|server.idle_timeout: '500us' is in microseconds, which this field",
            "server: { io_batch_window: 10001us }|server.io_batch_window: must be at most 10ms",
            "server: { io_batch_window: 9300000000000000us }|server.io_batch_window: must be at most 10ms",
            "server: { max_request_bytes: lots }|server.max_request_bytes: 'lots' is not a size",
            "providers: []|providers: at least one provider is required",
            "providers: [ { id: a, type: magic, models: { m: m } } ]|providers[0].type: unknown provider type 'magic'",
            "providers: [ { id: a, type: vllm, models: { m: m } } ]|providers[0].endpoints: a vllm provider needs",
            "providers: [ { id: a, type: vllm, endpoints: [ 'ftp://x' ], models: { m: m } } ]|providers[0].endpoints[0]:",
            "providers: [ { id: a, type: openai } ]|routes: no model is served; add a route, models to a provider, or "
                    + "list_upstream: true",
            "{ providers: [ { id: a, type: openai } ], routes: [ { model: m, targets: [ { provider: b } ] } ] }"
                    + "|routes[0].targets[0].provider: no provider has the id 'b'",
            "{ providers: [ { id: a, type: openai } ], routes: [ { model: m } ] }"
                    + "|routes[0].targets: name at least one",
            "{ providers: [ { id: a, type: openai, models: { m: m } } ], routes: [ { model: m, targets: [ { provider: a } ] } ] }"
                    + "|routes[0].model: 'm' is already served by provider 'a'",
            "{ providers: [ { id: a, type: openai } ], routes: [ { model: m, targets: [ { provider: a } ] }, "
                    + "{ model: m, targets: [ { provider: a } ] } ] }|routes[1].model: 'm' has another route",
            "{ providers: [ { id: a, type: openai } ], routes: [ { model: m, targets: [ { provider: a } ], "
                    + "retry: { retry_on: [ 5xx, 404 ] } } ] }"
                    + "|routes[0].retry.retry_on: '404' is not one of connect, reset, timeout, 5xx, 429",
            "{ routing: { model_prefix: a/b }, providers: [ { id: a, type: openai, models: { m: m } } ] }"
                    + "|routing.model_prefix: 'a/b' must be one word without '/'",
            "{ routing: { default_model: x }, providers: [ { id: a, type: openai, models: { m: m } } ] }"
                    + "|routing.default_model: no route or provider serves 'x'",
            "{ providers: [ { id: a, type: openai } ], routes: [ { model: m, targets: [ { provider: a, model: '' } ] } ] }"
                    + "|routes[0].targets[0].model: must not be empty",
            "{ providers: [ { id: a, type: openai } ], routes: [ { model: m, targets: [ { provider: a, model: ' ' } ] } ] }"
                    + "|routes[0].targets[0].model: the model name ' ' has spaces around it",
            "{ providers: [ { id: a, type: openai } ], routes: [ { model: ' m', targets: [ { provider: a } ] } ] }"
                    + "|routes[0].model: the model name ' m' has spaces around it; a request's model is matched exactly",
            "providers: [ { id: a, type: openai, models: { m: 'gpt-4o ' } } ]"
                    + "|providers[0].models.m: the model name 'gpt-4o ' has spaces around it",
            "{ routing: { default_model: 'm ' }, providers: [ { id: a, type: openai, models: { m: m } } ] }"
                    + "|routing.default_model: the model name 'm ' has spaces around it",
            "{ auth: { keys: [ { id: k, hash: \"sha256:00000000000000000000000000000000"
                    + "00000000000000000000000000000000\", allowed_models: [ ' m' ] } ] }, "
                    + "providers: [ { id: a, type: openai, models: { m: m } } ] }"
                    + "|auth.keys[0].allowed_models[0]: the model name ' m' has spaces around it",
            "{ routing: { model_prefix: \"my\\nteam\" }, providers: [ { id: a, type: openai, models: { m: m } } ] }"
                    + "|routing.model_prefix: 'my\\u000ateam' must be one word",
            "{ routing: { model_prefix: 'my team' }, providers: [ { id: a, type: openai, models: { m: m } } ] }"
                    + "|routing.model_prefix: 'my team' must be one word",
            "providers: [ { id: a, type: openai, models: { m: m }, balance: { strategy: random } } ]"
                    + "|providers[0].balance.strategy: 'random' is not one of round_robin, weighted, least_connections, "
                    + "least_loaded, prefix_affinity",
            "providers: [ { id: a, type: openai, models: { m: m }, balance: { weights: [ 1 ] } } ]"
                    + "|providers[0].balance.weights: only the weighted strategy takes weights",
            "providers: [ { id: a, type: openai, models: { m: m }, balance: { strategy: weighted, weights: [ 3, 1 ] } } ]"
                    + "|providers[0].balance.weights: give one weight per endpoint (1), in order",
            "providers: [ { id: a, type: openai, models: { m: m }, balance: { strategy: weighted, weights: [ 0 ] } } ]"
                    + "|providers[0].balance.weights[0]: '0' must be a whole number from 1 to 1000",
            "providers: [ { id: a, type: openai, models: { m: m }, balance: { load_factor: 0.5 } } ]"
                    + "|providers[0].balance.load_factor: 0.5 is outside 1.0..10.0",
            "providers: [ { id: a, type: vllm, endpoints: [ \"http://h:1\" ], models: { m: m }, "
                    + "balance: { metrics: { enabled: true } } } ]"
                    + "|providers[0].balance.metrics.enabled: only the least_loaded strategy reads scraped load",
            "providers: [ { id: a, type: vllm, endpoints: [ \"http://h:1\" ], models: { m: m }, "
                    + "balance: { strategy: least_loaded, metrics: { interval: 1s, timeout: 2s } } } ]"
                    + "|providers[0].balance.metrics.timeout: must not be longer than the interval",
            "providers: [ { id: a, type: openai, models: { m: m }, health: { probe: { path: health } } } ]"
                    + "|providers[0].health.probe.path: 'health' must be a path from the server's root",
            "providers: [ { id: a, type: vllm, endpoints: [ \"http://h:1\" ], models: { m: m }, "
                    + "balance: { strategy: least_loaded, metrics: { path: \"/metrics\\r\\nx-evil: 1\" } } } ]"
                    + "|providers[0].balance.metrics.path: must be printable ASCII on one line",
            "providers: [ { type: openai, models: { m: m } } ]|providers[0].id: required",
            "providers: [ { id: a, type: openai, api_key: '${NOPE}', models: { m: m } } ]"
                    + "|providers[0].api_key: environment variable NOPE is not set",
            "providers: [ { id: a, type: openai, models: { m: \"m\\r\\nset-cookie: x\" } } ]"
                    + "|providers[0].models.m: the model name 'm\\u000d\\u000aset-cookie: x' holds a control character",
            "providers: [ { id: a, type: openai, models: { \"m\\tn\": m } } ]"
                    + "|providers[0].models: the model name 'm\\u0009n' holds a control character",
            "{ providers: [ { id: a, type: openai } ], routes: [ { model: m, targets: [ { provider: a, "
                    + "model: \"b\\nx-evil: 1\" } ] } ] }"
                    + "|routes[0].targets[0].model: the model name 'b\\u000ax-evil: 1' holds a control character",
            "{ providers: [ { id: a, type: openai } ], routes: [ { model: \"m\\u007f\", targets: [ { provider: a } ] } ] }"
                    + "|routes[0].model: the model name 'm\\u007f' holds a control character",
            "{ providers: [ { id: a, type: openai } ], routes: [ { model: \"m\\r\\nx-evil: 1\", "
                    + "targets: [ { provider: a } ] } ] }"
                    + "|routes[0].model: the model name 'm\\u000d\\u000ax-evil: 1' holds a control character",
            "{ routing: { default_model: \"m\\n\" }, providers: [ { id: a, type: openai, models: { m: m } } ] }"
                    + "|routing.default_model: the model name 'm\\u000a' holds a control character",
            "{ auth: { keys: [ { id: k, hash: \"sha256:00000000000000000000000000000000"
                    + "00000000000000000000000000000000\", allowed_models: [ \"m\\n\" ] } ] }, "
                    + "providers: [ { id: a, type: openai, models: { m: m } } ] }"
                    + "|auth.keys[0].allowed_models[0]: the model name 'm\\u000a' holds a control character",
            "{ limits: { models: { \"m\\n\": { rps: 1 } } }, providers: [ { id: a, type: openai, models: { m: m } } ] }"
                    + "|limits.models: the model name 'm\\u000a' holds a control character",
            "providers: [ { id: a, type: openai, models: { m: m } }, { id: b, type: openai, models: { m: x } } ]"
                    + "|providers[1].models.m: already served by provider 'a'",
            "providers: [ { id: a, type: openai, models: { m: m } }, { id: a, type: demo, models: { n: n } } ]"
                    + "|providers[1].id: 'a' is used by another provider",
            "providers: [ { id: a, type: openai, models: { m: m }, demo: { reply: x } } ]"
                    + "|providers[0].demo: only a provider of type demo",
            "providers: [ { id: a, type: openai, models: { m: m }, timeouts: { total: 0s } } ]"
                    + "|providers[0].timeouts.total: must be more than zero",
            "server: { tls: { cert: /no/such.pem, key: /no/such-key.pem } }|server.tls.cert: cannot read /no/such.pem",
            "server: { http2: { initial_window: 1KiB } }|server.http2.initial_window: must be between 65535 bytes",
            "server: { websocket: { ping_interval: soon } }|server.websocket.ping_interval: 'soon' is not a duration",
            "'server: [ unclosed'|test.yaml:1: not valid YAML"})
    void everyMistakeIsOneLineNamingTheField(String yaml, String message) {
        final ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml, Map.of()));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void routesListTheirTargetsAndInheritTheRetryPolicyFieldByField() {
        final SluiceConfig config = parse("""
                routing:
                  model_prefix: team
                  default_model: llama
                  default_max_tokens: 4096
                  hold_body_bytes: 64KiB
                  retry: { max_attempts: 6, retry_on: [ connect, 5xx ] }
                providers:
                  - { id: farm, type: vllm, endpoints: [ "http://10.0.0.1:8000" ], models: { small: small-1 } }
                  - { id: cloud, type: openai }
                routes:
                  - model: llama
                    targets:
                      - { provider: farm, model: meta/llama }
                      - { provider: cloud }
                    retry: { attempts_per_target: 1, context_fallback: false, max_wait: 2s }
                    timeouts: { connect: 1s, first_byte: 5s }
                """, Map.of());
        assertEquals(new SluiceConfig.Routing("team", "llama", 4096, 65536, new SluiceConfig.Retry(2, 6,
                EnumSet.of(SluiceConfig.RetryOn.CONNECT, SluiceConfig.RetryOn.SERVER_ERROR), true, Duration.ofSeconds(5),
                true, 256 * 1024)),
                config.routing());
        final SluiceConfig.Route route = config.routes().get(0);
        assertEquals(List.of(new SluiceConfig.Target("farm", "meta/llama"), new SluiceConfig.Target("cloud", "llama")),
                route.targets(), "a target without a model name uses the public one");
        assertEquals(new SluiceConfig.Retry(1, 6, EnumSet.of(SluiceConfig.RetryOn.CONNECT,
                SluiceConfig.RetryOn.SERVER_ERROR), false, Duration.ofSeconds(2), true, 256 * 1024), route.retry());
        assertEquals(new SluiceConfig.Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(120),
                Duration.ofMinutes(30)), route.deadlines().over(config.providers().get(0).timeouts()),
                "the route's connect and first_byte over the provider's limits");
    }

    @Test
    void leastLoadedScrapesVllmEndpointsUnlessToldNotTo() {
        final SluiceConfig config = parse("""
                providers:
                  - { id: farm, type: vllm, endpoints: [ "http://10.0.0.1:8000" ], models: { m: m },
                      balance: { strategy: least_loaded } }
                  - { id: quiet, type: vllm, endpoints: [ "http://10.0.0.2:8000" ],
                      balance: { strategy: least_loaded, metrics: { enabled: false } } }
                  - { id: cloud, type: openai, balance: { strategy: least_loaded } }
                  - { id: sglang, type: openai, endpoints: [ "http://10.0.0.3:30000" ],
                      balance: { strategy: least_loaded, metrics: { enabled: true, path: /stats, interval: 5s } } }
                """, Map.of());
        assertEquals(new SluiceConfig.Metrics("/metrics", Duration.ofSeconds(2), Duration.ofSeconds(1)),
                config.providers().get(0).balance().metrics());
        assertNull(config.providers().get(1).balance().metrics());
        assertNull(config.providers().get(2).balance().metrics(), "a cloud API has no metrics to read");
        assertEquals(new SluiceConfig.Metrics("/stats", Duration.ofSeconds(5), Duration.ofSeconds(1)),
                config.providers().get(3).balance().metrics());
    }

    @Test
    void withoutARoutingSectionEveryFailureIsRetriedWithinFourAttempts() {
        final SluiceConfig config = parse(MINIMAL, Map.of());
        assertEquals(new SluiceConfig.Routing(null, null, 0, 1 << 20, new SluiceConfig.Retry(2, 4,
                EnumSet.allOf(SluiceConfig.RetryOn.class), true, Duration.ofSeconds(5), true, 256 * 1024)),
                config.routing());
        assertEquals(List.of(), config.routes());
    }

    @Test
    void theReadmesWorkedFarmConfigLoadsAsItSays() throws Exception {
        final String readme = Files.readString(Path.of(System.getProperty("sluice.project.dir"), "README.md"));
        final int marker = readme.indexOf("<!-- worked-config");
        final int start = readme.indexOf("```yaml\n", marker) + "```yaml\n".length();
        final SluiceConfig config = parse(readme.substring(start, readme.indexOf("```", start)), Map.of());
        final SluiceConfig.Provider farm = config.providers().get(0);
        assertEquals(SluiceConfig.Strategy.LEAST_LOADED, farm.balance().strategy());
        assertEquals(new SluiceConfig.Metrics("/metrics", Duration.ofSeconds(2), Duration.ofSeconds(1)),
                farm.balance().metrics(), "scraped every 2 s, as the README says");
        assertEquals(3, farm.health().consecutiveFailures());
        assertEquals(Duration.ofSeconds(30), farm.health().baseEjection());
        assertEquals("/health", farm.type().healthPath());
        final SluiceConfig.Route route = config.routes().get(0);
        assertEquals(List.of(new SluiceConfig.Target("farm", "meta-llama/Meta-Llama-3-8B-Instruct"),
                new SluiceConfig.Target("openai", "gpt-4o-mini")), route.targets());
        assertEquals(2, route.retry().attemptsPerTarget());
        assertEquals(3, route.retry().maxAttempts());
    }

    @Test
    void theShippedConfigRunsOfflineWithTheDemoModel() {
        final Path shipped = Path.of(System.getProperty("sluice.project.dir"), "conf", "sluice.yaml");
        final SluiceConfig config = ConfigLoader.load(shipped, Map.of());
        assertEquals(1, config.providers().size());
        assertEquals(Demo.TYPE, config.providers().get(0).type());
        assertEquals(Map.of("demo", "demo-1"), config.providers().get(0).models());
    }

    @Test
    void anApiKeyThatWouldInjectAHeaderIsRefusedWithoutPrintingIt() {
        final String yaml = "providers:\n  - { id: v, type: vllm, endpoints: [ \"http://h:1\" ], models: { m: m }, "
                + "api_key: \"${KEY}\" }\n";
        for (String key : List.of("sk-abc\r\nX-Injected: yes", "sk-abc\nx", "sk abc", "sk-\u00e9")) {
            final ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml, Map.of("KEY", key)));
            assertTrue(e.getMessage().startsWith("providers[0].api_key: must be printable ASCII"), e.getMessage());
            assertFalse(e.getMessage().contains("sk-abc") || e.getMessage().contains("sk abc"), e.getMessage());
        }
    }

    @Test
    void aConfigErrorNeverPrintsAValueFromTheEnvironment() {
        final String urlYaml = "providers:\n  - { id: v, type: vllm, endpoints: [ \"${URL}\" ], models: { m: m } }\n";
        final ConfigException userInfo = assertThrows(ConfigException.class,
                () -> parse(urlYaml, Map.of("URL", "http://admin:hunter2-secret@10.0.0.1:8000")));
        assertFalse(userInfo.getMessage().contains("hunter2"), userInfo.getMessage());
        assertTrue(userInfo.getMessage().contains("must not carry user info"), userInfo.getMessage());

        final ConfigException badUrl = assertThrows(ConfigException.class,
                () -> parse(urlYaml, Map.of("URL", "ftp://token-abcdef@files")));
        assertEquals("providers[0].endpoints[0]: '${URL}' must be an http:// or https:// URL with a host",
                badUrl.getMessage());

        final ConfigException port = assertThrows(ConfigException.class, () -> parse(
                "server: { port: \"${PORT}\" }\n" + MINIMAL, Map.of("PORT", "secret-port")));
        assertEquals("server.port: '${PORT}' is not a whole number", port.getMessage());
    }

    @Test
    void anUnknownProviderTypeListsTheValidOnes() {
        final ConfigException e = assertThrows(ConfigException.class, () -> parse(
                "providers: [ { id: x, type: bedrock, models: { m: m } } ]\n", Map.of()));
        assertEquals("providers[0].type: unknown provider type 'bedrock'; use one of openai, azure, openrouter, "
                + "vllm, tgi, ollama, anthropic, demo", e.getMessage());
    }
}
