package io.sluice.gateway.config;

import io.sluice.gateway.proxy.TrustedProxies;
import io.sluice.providers.Continuation;
import io.sluice.providers.ModelNames;
import io.sluice.providers.ProviderType;
import io.sluice.providers.ProviderTypes;
import io.sluice.providers.demo.Demo;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Reads the YAML config file into a checked {@link SluiceConfig}. Every problem is a {@link ConfigException} whose
 * one-line message names the field, so start-up can stop with it.
 */
public final class ConfigLoader {
    private static final Pattern HEADER_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*\\*?");
    private static final Set<String> RESERVED_HEADERS = Set.of("authorization", "host", "content-length",
            "content-type", "transfer-encoding", "connection", "upgrade", "te", "trailer", "keep-alive",
            "proxy-authorization", "forwarded", "x-request-id", "cookie", "accept-encoding", "x-internal-auth");
    private static final Pattern PROVIDER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** What the admin API shows in place of a provider's literal API key. */
    public static final String MASKED_KEY = "[redacted]";
    private static final String DEFAULT_DEMO_REPLY = "Hello! This is the Sluice demo model streaming through the "
            + "gateway. Point a provider in conf/sluice.yaml at a real model server to get real answers.";

    private ConfigLoader() {
    }

    /** Reads {@code file}, with {@code ${VAR}} from {@code environment} and a {@code .env} file beside it. */
    public static SluiceConfig load(Path file, Map<String, String> environment) {
        final String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read the config file (" + e.getMessage() + ")");
        }
        final Path dir = file.toAbsolutePath().getParent();
        return parse(text, file.toString(), EnvResolver.forConfigDir(dir, environment), dir);
    }

    /**
     * Parses config text; {@code source} names it in errors and {@code dir} resolves relative file paths. An error
     * message shows a value that came from the environment as its {@code ${VAR}} reference, never the value.
     */
    public static SluiceConfig parse(String text, String source, EnvResolver env, Path dir) {
        try {
            return parseTree(text, source, env, dir);
        } catch (ConfigException e) {
            throw new ConfigException(env.redact(e.getMessage()));
        }
    }

    private static SluiceConfig parseTree(String text, String source, EnvResolver env, Path dir) {
        final Object tree;
        try {
            tree = ConfigYaml.load(text);
        } catch (MarkedYAMLException e) {
            throw new ConfigException(source + ":" + (e.getProblemMark().getLine() + 1) + ": not valid YAML ("
                    + e.getProblem() + ")");
        } catch (YAMLException e) {
            throw new ConfigException(source + ": not valid YAML (" + e.getMessage() + ")");
        }
        final ConfigNode root = new ConfigNode("", tree, env).allowOnly("server", "usage", "providers", "routing",
                "routes", "auth", "limits", "admin", "logging");
        final SluiceConfig.Server server = server(root.child("server"), dir);
        final SluiceConfig.Usage usage = usage(root.child("usage"));
        final List<SluiceConfig.Provider> providers = providers(root, dir);
        if (providers.isEmpty()) {
            throw new ConfigException("providers: at least one provider is required");
        }
        final SluiceConfig.Routing routing = routing(root.child("routing"));
        final List<SluiceConfig.Route> routes = routes(root, providers, routing.retry());
        checkDefaultModel(root.child("routing"), routing, providers, routes);
        final Set<String> models = new HashSet<>();
        providers.forEach(provider -> models.addAll(provider.models().keySet()));
        routes.forEach(route -> models.add(route.model()));
        return new SluiceConfig(source, server, usage, List.copyOf(providers), routing, routes,
                AccessSections.auth(root.child("auth"), server.host(), models),
                AccessSections.limits(root.child("limits"), models),
                AccessSections.admin(root.child("admin"), server.host()),
                logging(root.child("logging"), env.expand("${LOG_LEVEL:-}", "LOG_LEVEL")));
    }

    /** The levels logback knows. */
    public static final List<String> LOG_LEVELS = List.of("trace", "debug", "info", "warn", "error", "off");

    private static SluiceConfig.Logging logging(ConfigNode node, String environmentLevel) {
        node.allowOnly("level", "loggers", "access_log");
        final String level = node.has("level") ? node.choice("level", "info", LOG_LEVELS.toArray(String[]::new))
                : environmentLevel.isBlank() ? null : environmentLevel.strip().toLowerCase(Locale.ROOT);
        if (level != null && !LOG_LEVELS.contains(level)) {
            throw new ConfigException("LOG_LEVEL: '" + environmentLevel + "' is not one of " + LOG_LEVELS);
        }
        final Map<String, String> loggers = new TreeMap<>();
        node.stringMap("loggers").forEach((name, value) -> {
            final String lower = value.toLowerCase(Locale.ROOT);
            if (!LOG_LEVELS.contains(lower)) {
                throw new ConfigException(node.field("loggers") + "." + name + ": '" + value + "' is not one of "
                        + LOG_LEVELS);
            }
            loggers.put(name, lower);
        });
        return new SluiceConfig.Logging(level, Collections.unmodifiableMap(loggers),
                SluiceConfig.AccessFormat.valueOf(node.choice("access_log", "text", "text", "json")
                        .toUpperCase(Locale.ROOT)));
    }

    private static SluiceConfig.Server server(ConfigNode node, Path dir) {
        node.allowOnly("host", "port", "threads", "transport", "io_batch_window", "allocator", "max_request_bytes",
                "max_header_bytes", "idle_timeout", "request_timeout", "min_body_rate", "shutdown_timeout", "tls", "http2",
                "websocket", "trusted_proxies", "response_headers");
        final long maxRequest = node.bytes("max_request_bytes", 100L << 20);
        if (maxRequest < 1 || maxRequest > Integer.MAX_VALUE) {
            throw new ConfigException(node.field("max_request_bytes") + ": must be between 1 byte and 2GiB");
        }
        final long maxHeader = node.bytes("max_header_bytes", 16 << 10);
        if (maxHeader < 1024 || maxHeader > 1 << 20) {
            throw new ConfigException(node.field("max_header_bytes") + ": must be between 1KiB and 1MiB");
        }
        return new SluiceConfig.Server(
                node.string("host", "127.0.0.1"),
                node.integer("port", 8080, 0, 65535),
                node.integer("threads", 0, 0, 1024),
                node.choice("transport", "auto", "auto", "epoll", "io_uring", "nio"),
                ioBatchWindow(node),
                node.choice("allocator", "pooled", "pooled", "adaptive", "unpooled"),
                maxRequest,
                (int) maxHeader,
                positive(node, "idle_timeout", Duration.ofSeconds(60)),
                positive(node, "request_timeout", Duration.ofSeconds(60)),
                node.bytes("min_body_rate", 1024),
                positive(node, "shutdown_timeout", Duration.ofSeconds(30)),
                node.has("tls") ? serverTls(node.child("tls"), dir) : null,
                http2(node.child("http2")),
                websocket(node.child("websocket")),
                trustedProxies(node),
                responseHeaders(node));
    }

    private static List<String> trustedProxies(ConfigNode node) {
        final List<String> ranges = node.strings("trusted_proxies");
        for (int i = 0; i < ranges.size(); i++) {
            try {
                TrustedProxies.rule(ranges.get(i).strip());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(node.field("trusted_proxies") + "[" + i + "]: " + e.getMessage());
            }
        }
        return ranges.stream().map(String::strip).toList();
    }

    private static List<String> responseHeaders(ConfigNode node) {
        final List<String> names = node.strings("response_headers");
        for (int i = 0; i < names.size(); i++) {
            if (!HEADER_PATTERN.matcher(names.get(i)).matches()) {
                throw new ConfigException(node.field("response_headers") + "[" + i + "]: '" + names.get(i)
                        + "' is not a header name (letters, digits and -, optionally ending in *)");
            }
        }
        return names;
    }

    private static SluiceConfig.ServerTls serverTls(ConfigNode node, Path dir) {
        node.allowOnly("cert", "key");
        return new SluiceConfig.ServerTls(readableFile(node, "cert", dir), readableFile(node, "key", dir));
    }

    private static SluiceConfig.Http2 http2(ConfigNode node) {
        node.allowOnly("max_concurrent_streams", "initial_window");
        final long window = node.bytes("initial_window", 1 << 20);
        if (window < 65_535 || window > Integer.MAX_VALUE) {
            throw new ConfigException(node.field("initial_window") + ": must be between 65535 bytes and 2GiB");
        }
        return new SluiceConfig.Http2(node.integer("max_concurrent_streams", 256, 1, 1_000_000), (int) window);
    }

    private static SluiceConfig.WebSocket websocket(ConfigNode node) {
        node.allowOnly("max_message_bytes", "ping_interval", "ping_timeout");
        final long max = node.bytes("max_message_bytes", 100L << 20);
        if (max < 1024 || max > Integer.MAX_VALUE) {
            throw new ConfigException(node.field("max_message_bytes") + ": must be between 1KiB and 2GiB");
        }
        return new SluiceConfig.WebSocket((int) max, positive(node, "ping_interval", Duration.ofSeconds(30)),
                positive(node, "ping_timeout", Duration.ofSeconds(10)));
    }

    private static Path readableFile(ConfigNode node, String key, Path dir) {
        final String name = node.requiredString(key);
        final Path file = dir == null ? Path.of(name) : dir.resolve(name);
        if (!Files.isReadable(file)) {
            throw new ConfigException(node.field(key) + ": cannot read " + file);
        }
        return file;
    }

    /**
     * {@code usage.webhook} is one webhook named {@code webhook}; {@code usage.webhooks} a list of named ones (a
     * billing system and an analytics one, say). Each needs a spool of its own.
     */
    private static SluiceConfig.Usage usage(ConfigNode node) {
        node.allowOnly("queue", "log", "webhook", "webhooks", "estimate");
        final List<SluiceConfig.Webhook> webhooks = new ArrayList<>();
        final ConfigNode single = node.child("webhook");
        if (!single.string("url", "").isBlank()) {
            webhooks.add(webhook(single, single.string("name", "webhook"), "data/usage-spool"));
        }
        for (ConfigNode each : node.children("webhooks")) {
            final String name = each.requiredString("name");
            each.requiredString("url");
            webhooks.add(webhook(each, name, "data/usage-spool-" + name));
        }
        final Set<String> names = new HashSet<>();
        final Set<Path> spools = new HashSet<>();
        for (SluiceConfig.Webhook webhook : webhooks) {
            if (!webhook.name().matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new ConfigException(node.field("webhooks") + ": '" + webhook.name()
                        + "' is not a webhook name (letters, digits, '_', '.', '-'; at most 64)");
            }
            if (!names.add(webhook.name())) {
                throw new ConfigException(node.field("webhooks") + ": two webhooks are named '" + webhook.name()
                        + "'");
            }
            if (!spools.add(webhook.spoolDir().toAbsolutePath().normalize())) {
                throw new ConfigException(node.field("webhooks") + ": webhook '" + webhook.name()
                        + "' shares its spool.dir with another; each needs its own");
            }
        }
        return new SluiceConfig.Usage(node.integer("queue", 10_000, 1, 10_000_000), node.bool("log", true),
                List.copyOf(webhooks), node.bool("estimate", false));
    }

    private static SluiceConfig.Webhook webhook(ConfigNode node, String name, String defaultSpool) {
        node.allowOnly("name", "url", "batch", "flush", "timeout", "secret", "backoff", "spool");
        final String url = node.string("url", "");
        final ConfigNode backoff = node.child("backoff").allowOnly("initial", "max");
        final ConfigNode spool = node.child("spool").allowOnly("dir", "max_bytes", "fsync", "fsync_interval",
                "when_full");
        final String secret = node.string("secret", "");
        return new SluiceConfig.Webhook(name, endpointUrl(node.field("url"), url),
                node.integer("batch", 100, 1, 10_000),
                node.duration("flush", Duration.ofSeconds(1)), node.duration("timeout", Duration.ofSeconds(10)),
                secret.isEmpty() ? null : secret, backoff.duration("initial", Duration.ofMillis(500)),
                backoff.duration("max", Duration.ofSeconds(60)),
                Path.of(spool.string("dir", defaultSpool)), spool.bytes("max_bytes", 1L << 30),
                SluiceConfig.Fsync.valueOf(spool.choice("fsync", "interval", "always", "interval", "never")
                        .toUpperCase(Locale.ROOT)),
                spool.duration("fsync_interval", Duration.ofSeconds(1)),
                SluiceConfig.WhenFull.valueOf(spool.choice("when_full", "drop_newest", "drop_newest", "refuse")
                        .toUpperCase(Locale.ROOT)));
    }

    private static List<SluiceConfig.Provider> providers(ConfigNode root, Path dir) {
        final List<SluiceConfig.Provider> providers = new ArrayList<>();
        final Set<String> ids = new HashSet<>();
        final Map<String, String> modelOwners = new HashMap<>();
        SluiceConfig.Demo demo = null;
        for (ConfigNode node : root.children("providers")) {
            final SluiceConfig.Provider provider = provider(node, dir);
            if (!ids.add(provider.id())) {
                throw new ConfigException(node.field("id") + ": '" + provider.id() + "' is used by another provider");
            }
            if (provider.demo() != null) {
                if (demo != null && !demo.equals(provider.demo())) {
                    throw new ConfigException(node.field("demo") + ": every demo provider is served by one demo "
                            + "model, which has one pace and one reply; give this one the settings of the first");
                }
                demo = provider.demo();
            }
            for (String model : provider.models().keySet()) {
                final String owner = modelOwners.putIfAbsent(model, provider.id());
                if (owner != null) {
                    throw new ConfigException(node.field("models") + "." + model + ": already served by provider '"
                            + owner + "'");
                }
            }
            providers.add(provider);
        }
        return providers;
    }

    private static SluiceConfig.Provider provider(ConfigNode node, Path dir) {
        node.allowOnly("id", "type", "api_key", "api_version", "headers", "endpoints", "models", "list_upstream",
                "list_refresh", "timeouts", "pool", "tls", "include_usage", "continuation", "balance", "health", "demo");
        final String id = node.requiredString("id");
        if (!PROVIDER_ID.matcher(id).matches()) {
            throw new ConfigException(node.field("id") + ": '" + id + "' must be letters, digits, '.', '_' or '-'");
        }
        final String typeName = node.requiredString("type").toLowerCase(Locale.ROOT);
        final ProviderType type = ProviderTypes.named(typeName);
        if (type == null) {
            throw new ConfigException(node.field("type") + ": unknown provider type '" + typeName + "'; use one of "
                    + String.join(", ", ProviderTypes.ALL.stream().map(ProviderType::configName).toList()));
        }
        final Map<String, String> models = node.stringMap("models");
        models.forEach((name, backendModel) -> {
            modelName(node, "models", name);
            modelName(node, "models." + name, backendModel);
        });
        if (type != Demo.TYPE && node.has("demo")) {
            throw new ConfigException(node.field("demo") + ": only a provider of type demo takes demo settings");
        }
        final String apiVersion = blankToNull(node.string("api_version", null));
        if (apiVersion != null && type.defaultApiVersion() == null) {
            throw new ConfigException(node.field("api_version") + ": a " + type.configName()
                    + " provider has no API versions");
        }
        final List<URI> endpoints = endpoints(node, type);
        return new SluiceConfig.Provider(id, type, apiKey(node),
                apiVersion != null ? printable(node, "api_version", apiVersion) : type.defaultApiVersion(),
                upstreamHeaders(node), endpoints, models, listUpstream(node, type), timeouts(node.child("timeouts")),
                pool(node.child("pool")),
                tls(node.child("tls"), dir), node.bool("include_usage", true), continuation(node, type),
                balance(node.child("balance"), endpoints.size(), type), health(node.child("health")),
                type == Demo.TYPE ? demo(node.child("demo")) : null);
    }

    /** How the provider's backends continue a partial answer: as its type does unless the config names a way. */
    private static Continuation continuation(ConfigNode node, ProviderType type) {
        final String[] names = Arrays.stream(Continuation.values()).map(Continuation::configName)
                .toArray(String[]::new);
        final String name = node.string("continuation", null);
        return name == null ? type.capabilities().continuation()
                : Continuation.valueOf(node.choice("continuation", null, names).toUpperCase(Locale.ROOT));
    }

    /** How often the backend's model list is read, or null when it is not (the demo model has no list to read). */
    private static Duration listUpstream(ConfigNode node, ProviderType type) {
        if (!node.bool("list_upstream", false)) {
            if (node.has("list_refresh")) {
                throw new ConfigException(node.field("list_refresh") + ": only with list_upstream: true");
            }
            return null;
        }
        if (type == Demo.TYPE) {
            throw new ConfigException(node.field("list_upstream") + ": the demo model serves the names in models");
        }
        final Duration refresh = positive(node, "list_refresh", Duration.ofMinutes(10));
        if (refresh.compareTo(Duration.ofSeconds(10)) < 0) {
            throw new ConfigException(node.field("list_refresh") + ": must be at least 10s");
        }
        return refresh;
    }

    /**
     * A provider's own headers: any name but the ones Sluice sets or must not forward (a key goes in api_key,
     * where it is masked and never logged).
     */
    private static Map<String, String> upstreamHeaders(ConfigNode node) {
        final Map<String, String> headers = node.stringMap("headers");
        for (Map.Entry<String, String> header : headers.entrySet()) {
            final String name = header.getKey().toLowerCase(Locale.ROOT);
            if (!HEADER_PATTERN.matcher(name).matches() || name.endsWith("*")) {
                throw new ConfigException(node.field("headers") + "." + header.getKey() + ": not a header name");
            }
            if (RESERVED_HEADERS.contains(name) || name.endsWith("api-key") || name.startsWith("x-forwarded-")) {
                throw new ConfigException(node.field("headers") + "." + header.getKey() + ": Sluice sets this header "
                        + "itself (a key goes in api_key)");
            }
            printable(node, "headers." + header.getKey(), header.getValue());
        }
        return headers;
    }

    /** A value for a header line: printable ASCII, so it cannot inject another header. */
    private static String printable(ConfigNode node, String key, String value) {
        if (!value.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)) {
            throw new ConfigException(node.field(key) + ": must be printable ASCII on one line");
        }
        return value;
    }

    /**
     * A model name, public or the backend's, checked by the one rule for names served under ({@link ModelNames}):
     * the backend's goes back to every client of its route in the {@code x-sluice-model} header. Every model name
     * the config gives is checked, also where it must match another name, before any message quotes it; the name is
     * shown escaped, so the message stays on one line. A name with spaces around it (only a quoted YAML string can
     * have them) is refused rather than trimmed, in every place alike: a request's model is matched exactly, and
     * trimming in one place and not another would leave an {@code allowed_models} entry naming what no route serves.
     */
    static String modelName(ConfigNode node, String key, String name) {
        if (ModelNames.hasControlCharacter(name)) {
            throw new ConfigException(node.field(key) + ": the model name '" + ModelNames.shown(name)
                    + "' holds a control character; a model name goes into a response header");
        }
        if (!name.equals(name.strip())) {
            throw new ConfigException(node.field(key) + ": the model name '" + name
                    + "' has spaces around it; a request's model is matched exactly, so remove them");
        }
        return name;
    }

    /** The key goes into a header: one with CR, LF or another control character in it would inject headers. */
    private static String apiKey(ConfigNode node) {
        final String key = blankToNull(node.string("api_key", null));
        if (MASKED_KEY.equals(key)) {
            throw new ConfigException(node.field("api_key") + ": '" + MASKED_KEY + "' is how the admin API shows a "
                    + "stored key, not a key; write the key itself or a ${VAR}");
        }
        if (key != null && !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw new ConfigException(node.field("api_key") + ": must be printable ASCII with no spaces or line breaks "
                    + "(it is sent in the Authorization header); check the variable it comes from");
        }
        return key;
    }

    private static List<URI> endpoints(ConfigNode node, ProviderType type) {
        final List<String> urls = node.strings("endpoints");
        if (type == Demo.TYPE) {
            if (!urls.isEmpty()) {
                throw new ConfigException(node.field("endpoints") + ": the demo provider runs inside the gateway");
            }
            return List.of();
        }
        if (urls.isEmpty()) {
            if (type.defaultBaseUrl() == null) {
                throw new ConfigException(node.field("endpoints") + ": a " + type.configName()
                        + " provider needs at least one endpoint URL");
            }
            return List.of(type.defaultBaseUrl());
        }
        final List<URI> endpoints = new ArrayList<>();
        for (int i = 0; i < urls.size(); i++) {
            endpoints.add(endpointUrl(node.field("endpoints") + "[" + i + "]", urls.get(i)));
        }
        return List.copyOf(endpoints);
    }

    private static URI endpointUrl(String field, String text) {
        final URI uri;
        try {
            uri = new URI(text.strip());
        } catch (URISyntaxException e) {
            throw new ConfigException(field + ": '" + text + "' is not a URL");
        }
        final String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new ConfigException(field + ": '" + text + "' must be an http:// or https:// URL with a host");
        }
        if (uri.getRawUserInfo() != null) {
            // The user info may be a password: name the host only.
            throw new ConfigException(field + ": the URL for " + uri.getHost() + " must not carry user info; "
                    + "put a key in api_key");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new ConfigException(field + ": '" + text + "' must not have a query or fragment");
        }
        return uri;
    }

    private static SluiceConfig.Health health(ConfigNode node) {
        node.allowOnly("consecutive_failures", "base_ejection", "max_ejection", "max_ejected_percent",
                "max_cooldown", "probe");
        return new SluiceConfig.Health(node.integer("consecutive_failures", 5, 1, 1000),
                positive(node, "base_ejection", Duration.ofSeconds(30)),
                positive(node, "max_ejection", Duration.ofMinutes(5)),
                node.integer("max_ejected_percent", 50, 0, 100),
                node.duration("max_cooldown", Duration.ofSeconds(60)), probe(node.child("probe")));
    }

    private static SluiceConfig.Probe probe(ConfigNode node) {
        node.allowOnly("enabled", "path", "interval", "timeout", "healthy_threshold", "unhealthy_threshold");
        final String path = blankToNull(node.string("path", null));
        if (path != null) {
            checkServerPath(node, path, "/health");
        }
        return new SluiceConfig.Probe(node.bool("enabled", true), path,
                positive(node, "interval", Duration.ofSeconds(15)), positive(node, "timeout", Duration.ofSeconds(3)),
                node.integer("healthy_threshold", 1, 1, 100), node.integer("unhealthy_threshold", 3, 1, 100));
    }

    private static SluiceConfig.Balance balance(ConfigNode node, int endpoints, ProviderType type) {
        node.allowOnly("strategy", "weights", "session_header", "prefix_bytes", "load_factor", "metrics");
        final SluiceConfig.Strategy strategy = SluiceConfig.Strategy.valueOf(node.choice("strategy", "round_robin",
                Arrays.stream(SluiceConfig.Strategy.values()).map(SluiceConfig.Strategy::configName)
                        .toArray(String[]::new)).toUpperCase(Locale.ROOT));
        final List<Integer> weights = new ArrayList<>();
        final List<String> texts = node.strings("weights");
        for (int i = 0; i < texts.size(); i++) {
            try {
                weights.add(Integer.parseInt(texts.get(i).strip()));
            } catch (NumberFormatException e) {
                weights.add(0);
            }
            if (weights.get(i) < 1 || weights.get(i) > 1000) {
                throw new ConfigException(node.field("weights") + "[" + i + "]: '" + texts.get(i)
                        + "' must be a whole number from 1 to 1000");
            }
        }
        if (!weights.isEmpty() && (weights.size() != endpoints || strategy != SluiceConfig.Strategy.WEIGHTED)) {
            throw new ConfigException(node.field("weights") + ": " + (strategy != SluiceConfig.Strategy.WEIGHTED
                    ? "only the weighted strategy takes weights"
                    : "give one weight per endpoint (" + endpoints + "), in order"));
        }
        final String factorText = node.string("load_factor", "1.25").strip();
        final double loadFactor;
        try {
            loadFactor = Double.parseDouble(factorText);
        } catch (NumberFormatException e) {
            throw new ConfigException(node.field("load_factor") + ": '" + factorText + "' is not a number");
        }
        if (!(loadFactor >= 1.0 && loadFactor <= 10.0)) {
            throw new ConfigException(node.field("load_factor") + ": " + factorText + " is outside 1.0..10.0");
        }
        return new SluiceConfig.Balance(strategy, List.copyOf(weights),
                blankToNull(node.string("session_header", null)), node.integer("prefix_bytes", 1024, 16, 1 << 20),
                loadFactor, metrics(node.child("metrics"), strategy, type));
    }

    /**
     * A path Sluice sends a backend as the target of its own GET: from the server's root, printable ASCII without
     * spaces, since it is written into the request line as it is (with the provider's key in the headers below).
     */
    private static String checkServerPath(ConfigNode node, String path, String example) {
        printable(node, "path", path);
        if (!path.startsWith("/") || path.indexOf(' ') >= 0) {
            throw new ConfigException(node.field("path") + ": '" + path + "' must be a path from the server's root, "
                    + "such as " + example);
        }
        return path;
    }

    /** The load scrape: on by default where it can be read (least_loaded over vLLM), and only under least_loaded. */
    private static SluiceConfig.Metrics metrics(ConfigNode node, SluiceConfig.Strategy strategy, ProviderType type) {
        node.allowOnly("enabled", "path", "interval", "timeout");
        final boolean enabled = node.bool("enabled",
                strategy == SluiceConfig.Strategy.LEAST_LOADED && type.capabilities().loadMetrics());
        if (!enabled) {
            return null;
        }
        if (strategy != SluiceConfig.Strategy.LEAST_LOADED) {
            throw new ConfigException(node.field("enabled") + ": only the least_loaded strategy reads scraped load");
        }
        final String path = checkServerPath(node, node.string("path", "/metrics"), "/metrics");
        final Duration interval = positive(node, "interval", Duration.ofSeconds(2));
        final Duration timeout = positive(node, "timeout", Duration.ofSeconds(1));
        if (timeout.compareTo(interval) > 0) {
            throw new ConfigException(node.field("timeout") + ": must not be longer than the interval");
        }
        return new SluiceConfig.Metrics(path, interval, timeout);
    }

    private static SluiceConfig.Routing routing(ConfigNode node) {
        node.allowOnly("model_prefix", "default_model", "default_max_tokens", "hold_body_bytes", "retry");
        final String prefix = blankToNull(node.string("model_prefix", null));
        if (prefix != null && (prefix.contains("/") || prefix.chars().anyMatch(Character::isWhitespace))) {
            throw new ConfigException(node.field("model_prefix") + ": '" + ModelNames.shown(prefix)
                    + "' must be one word without '/' (team makes team/llama-3-8b route as llama-3-8b)");
        }
        final String defaultModel = blankToNull(node.string("default_model", null));
        return new SluiceConfig.Routing(prefix, defaultModel == null ? null
                : modelName(node, "default_model", defaultModel),
                node.integer("default_max_tokens", 0, 0, Integer.MAX_VALUE), holdBodyBytes(node),
                retry(node.child("retry"), new SluiceConfig.Retry(2, 4, EnumSet.allOf(SluiceConfig.RetryOn.class),
                        true, Duration.ofSeconds(5), true, 256 * 1024)));
    }

    private static int holdBodyBytes(ConfigNode node) {
        final long bytes = node.bytes("hold_body_bytes", 1 << 20);
        if (bytes < 0 || bytes > 64L << 20) {
            throw new ConfigException(node.field("hold_body_bytes") + ": must be between 0 and 64MiB");
        }
        return (int) bytes;
    }

    /** A retry policy; every field not given is {@code inherited}'s. */
    private static SluiceConfig.Retry retry(ConfigNode node, SluiceConfig.Retry inherited) {
        node.allowOnly("attempts_per_target", "max_attempts", "retry_on", "context_fallback", "max_wait",
                "continue_streams", "partial_answer_bytes");
        final int perTarget = node.integer("attempts_per_target", inherited.attemptsPerTarget(), 1, 100);
        final int max = node.integer("max_attempts", inherited.maxAttempts(), 1, 100);
        Set<SluiceConfig.RetryOn> on = inherited.retryOn();
        if (node.has("retry_on")) {
            on = EnumSet.noneOf(SluiceConfig.RetryOn.class);
            for (String name : node.strings("retry_on")) {
                final SluiceConfig.RetryOn failure = Arrays.stream(SluiceConfig.RetryOn.values())
                        .filter(f -> f.configName().equals(name.strip().toLowerCase(Locale.ROOT))).findFirst()
                        .orElseThrow(() -> new ConfigException(node.field("retry_on") + ": '" + name + "' is not one of "
                                + String.join(", ", Arrays.stream(SluiceConfig.RetryOn.values())
                                .map(SluiceConfig.RetryOn::configName).toList())));
                on.add(failure);
            }
        }
        final Duration maxWait = node.duration("max_wait", inherited.maxWait());
        if (maxWait.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new ConfigException(node.field("max_wait") + ": must be at most 10m");
        }
        final long partial = node.bytes("partial_answer_bytes", inherited.partialAnswerBytes());
        if (partial < 1024 || partial > 16L << 20) {
            throw new ConfigException(node.field("partial_answer_bytes") + ": must be between 1KiB and 16MiB");
        }
        return new SluiceConfig.Retry(perTarget, max, Collections.unmodifiableSet(on),
                node.bool("context_fallback", inherited.contextFallback()), maxWait,
                node.bool("continue_streams", inherited.continueStreams()), (int) partial);
    }

    /**
     * The routes section. A public model is served once: by a route here, or by one provider's {@code models} map
     * (the short form of a one-target route).
     */
    private static List<SluiceConfig.Route> routes(ConfigNode root, List<SluiceConfig.Provider> providers,
                                                   SluiceConfig.Retry inherited) {
        final Map<String, String> shortForm = new HashMap<>();
        final Set<String> ids = new HashSet<>();
        for (SluiceConfig.Provider provider : providers) {
            ids.add(provider.id());
            provider.models().keySet().forEach(model -> shortForm.put(model, provider.id()));
        }
        final List<SluiceConfig.Route> routes = new ArrayList<>();
        final Set<String> models = new HashSet<>();
        for (ConfigNode node : root.children("routes")) {
            node.allowOnly("model", "targets", "retry", "timeouts");
            final String model = modelName(node, "model", node.requiredString("model"));
            if (shortForm.containsKey(model)) {
                throw new ConfigException(node.field("model") + ": '" + model + "' is already served by provider '"
                        + shortForm.get(model) + "' (its models map); name it in one place");
            }
            if (!models.add(model)) {
                throw new ConfigException(node.field("model") + ": '" + model + "' has another route");
            }
            final List<SluiceConfig.Target> targets = new ArrayList<>();
            for (ConfigNode target : node.children("targets")) {
                target.allowOnly("provider", "model");
                final String provider = target.requiredString("provider");
                if (!ids.contains(provider)) {
                    throw new ConfigException(target.field("provider") + ": no provider has the id '" + provider
                            + "'");
                }
                final String backendModel = modelName(target, "model", target.string("model", model));
                if (backendModel.isEmpty()) {
                    throw new ConfigException(target.field("model") + ": must not be empty (leave it out to use '"
                            + model + "')");
                }
                targets.add(new SluiceConfig.Target(provider, backendModel));
            }
            if (targets.isEmpty()) {
                throw new ConfigException(node.field("targets") + ": name at least one (provider and model)");
            }
            routes.add(new SluiceConfig.Route(model, List.copyOf(targets), retry(node.child("retry"), inherited),
                    deadlines(node.child("timeouts"))));
        }
        if (shortForm.isEmpty() && routes.isEmpty() && providers.stream().noneMatch(p -> p.listUpstream() != null)) {
            throw new ConfigException("routes: no model is served; add a route, models to a provider, or list_upstream: true");
        }
        return List.copyOf(routes);
    }

    private static SluiceConfig.Deadlines deadlines(ConfigNode node) {
        node.allowOnly("connect", "first_byte", "idle", "total");
        if (!node.has("connect") && !node.has("first_byte") && !node.has("idle") && !node.has("total")) {
            return SluiceConfig.Deadlines.NONE;
        }
        return new SluiceConfig.Deadlines(positive(node, "connect", null), positive(node, "first_byte", null),
                positive(node, "idle", null), positive(node, "total", null));
    }

    private static void checkDefaultModel(ConfigNode node, SluiceConfig.Routing routing,
                                          List<SluiceConfig.Provider> providers, List<SluiceConfig.Route> routes) {
        final String model = routing.defaultModel();
        if (model != null && routes.stream().noneMatch(r -> r.model().equals(model))
                && providers.stream().noneMatch(p -> p.models().containsKey(model))) {
            throw new ConfigException(node.field("default_model") + ": no route or provider serves '" + model + "'");
        }
    }

    private static SluiceConfig.Timeouts timeouts(ConfigNode node) {
        node.allowOnly("connect", "first_byte", "idle", "total");
        return new SluiceConfig.Timeouts(
                positive(node, "connect", Duration.ofSeconds(5)),
                positive(node, "first_byte", Duration.ofSeconds(120)),
                positive(node, "idle", Duration.ofSeconds(120)),
                positive(node, "total", Duration.ofMinutes(30)));
    }

    private static SluiceConfig.Pool pool(ConfigNode node) {
        node.allowOnly("max_connections", "max_waiters", "idle_timeout");
        return new SluiceConfig.Pool(
                node.integer("max_connections", 1024, 1, 1_000_000),
                node.integer("max_waiters", 4096, 0, 1_000_000),
                positive(node, "idle_timeout", Duration.ofSeconds(4)));
    }

    private static SluiceConfig.Tls tls(ConfigNode node, Path dir) {
        node.allowOnly("verify", "ca");
        return new SluiceConfig.Tls(node.bool("verify", true), node.has("ca") ? readableFile(node, "ca", dir) : null);
    }

    private static SluiceConfig.Demo demo(ConfigNode node) {
        node.allowOnly("token_delay", "reply");
        final Duration delay = node.duration("token_delay", Duration.ofMillis(20));
        final String reply = node.string("reply", DEFAULT_DEMO_REPLY);
        if (reply.isBlank()) {
            throw new ConfigException(node.field("reply") + ": must not be empty");
        }
        return new SluiceConfig.Demo(delay, reply);
    }

    /**
     * How long an event loop lets I/O gather before a turn that finds nothing queued: up to 10ms, since every read
     * may wait that long; 0 turns it off.
     */
    private static Duration ioBatchWindow(ConfigNode node) {
        final Duration window = node.fineDuration("io_batch_window", Duration.ofNanos(100_000));
        if (window.compareTo(Duration.ofMillis(10)) > 0) {
            throw new ConfigException(node.field("io_batch_window") + ": must be at most 10ms (every read may wait "
                    + "that long)");
        }
        return window;
    }

    private static Duration positive(ConfigNode node, String key, Duration fallback) {
        final Duration value = node.duration(key, fallback);
        if (value != null && value.isZero()) {
            throw new ConfigException(node.field(key) + ": must be more than zero");
        }
        return value;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
