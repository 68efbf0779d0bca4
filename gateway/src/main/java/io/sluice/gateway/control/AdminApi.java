package io.sluice.gateway.control;

import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.AsciiString;
import io.sluice.codec.json.Json;
import io.sluice.gateway.admission.KeyHash;
import io.sluice.gateway.config.ConfigException;
import io.sluice.gateway.config.ConfigLoader;
import io.sluice.gateway.config.ConfigYaml;
import io.sluice.gateway.snapshot.GatewaySnapshot;
import io.sluice.gateway.usage.UsageStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The admin API (DESIGN.md §3): the config file read, replaced, checked and reloaded; its version; CRUD for
 * providers, routes and keys (a key is made here, shown once and stored as its hash); stats; log levels at run
 * time; and the older local
 * paths under {@code /api}. Every change is checked before anything is written, written atomically and applied
 * through {@link ConfigControl}; an invalid one is a 400 naming the field. It lets in the admin key
 * ({@code Authorization: Bearer}), or, when no admin key is set, callers on loopback only.
 *
 * <p>Thread: called on an event loop; file work runs on the config thread and the answer completes there.
 */
public final class AdminApi {
    private static final String V1 = "/admin/v1";
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    private static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    private static final AsciiString X_REAL_IP = AsciiString.cached("x-real-ip");
    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
    private static final String REDACTED = ConfigLoader.MASKED_KEY;

    /** A list in the config file that the API edits entry by entry. */
    private record Entries(String name, List<String> where, String idField) {
    }

    private static final Entries PROVIDERS = new Entries("provider", List.of("providers"), "id");
    private static final Entries ROUTES = new Entries("route", List.of("routes"), "model");
    private static final Entries KEYS = new Entries("key", List.of("auth", "keys"), "id");

    private final ConfigControl control;
    private final UsageStats stats;
    private final LogLevels logLevels;

    public AdminApi(ConfigControl control, UsageStats stats, LogLevels logLevels) {
        this.control = control;
        this.stats = stats;
        this.logLevels = logLevels;
    }

    /** Whether {@code path} is one of the admin API's. */
    public static boolean serves(String path) {
        return path.equals(V1) || path.startsWith(V1 + "/") || path.startsWith("/api/");
    }

    /**
     * Null when the caller may use the API, else the 401 to answer: the admin key is compared in constant time
     * with the configured hash; with none configured, only a caller on the loopback interface is let in.
     */
    public AdminReply refusal(HttpHeaders headers, SocketAddress peer) {
        final String keyHash = control.running().config().admin().keyHash();
        if (keyHash == null) {
            // A proxy on this host would make every caller look local: a forwarded request is not on this host.
            final boolean local = peer instanceof InetSocketAddress inet && inet.getAddress() != null
                    && inet.getAddress().isLoopbackAddress() && !headers.contains(X_FORWARDED_FOR)
                    && !headers.contains(FORWARDED) && !headers.contains(X_REAL_IP);
            return local ? null : AdminReply.error(401, "admin_loopback_only", "No admin key is configured "
                    + "(admin.key_hash): the admin API answers callers on this host only, not forwarded ones.");
        }
        final String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        final String presented = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).strip() : null;
        if (presented != null && MessageDigest.isEqual(KeyHash.of(presented).getBytes(StandardCharsets.US_ASCII),
                keyHash.getBytes(StandardCharsets.US_ASCII))) {
            return null;
        }
        return AdminReply.error(401, "invalid_admin_key", presented == null
                ? "The admin API needs the admin key: Authorization: Bearer ADMIN_KEY." : "Incorrect admin key.");
    }

    /** Answers one admin request, all of it (parsing the body too) on the config thread. */
    public CompletableFuture<AdminReply> handle(HttpMethod method, String path, byte[] body) {
        return control.onConfigThread(() -> route(method, path, new String(body, StandardCharsets.UTF_8)))
                .thenCompose(answer -> answer)
                .exceptionally(AdminApi::failure);
    }

    private CompletableFuture<AdminReply> route(HttpMethod method, String path, String body) {
        final String get = "GET";
        final String put = "PUT";
        final String post = "POST";
        final String m = method.name();
        switch (path) {
            case "/api/health":
                return only(m, get, () -> done(AdminReply.json(200, "{\"status\":\"ok\"}".getBytes(
                        StandardCharsets.US_ASCII))));
            case "/api/models":
                return only(m, get, () -> done(AdminReply.json(200, control.running().router().modelList())));
            case "/api/stats":
            case V1 + "/stats":
                return only(m, get, () -> done(AdminReply.json(200, stats.render())));
            case "/api/config":
            case V1 + "/config":
                if (m.equals(get)) {
                    return control.text().thenApply(AdminReply::yaml);
                }
                return only(m, put, "GET, PUT", () -> control.replace(body).thenApply(AdminApi::reloaded));
            case V1 + "/config/version":
                return only(m, get, () -> done(version(control.running())));
            case V1 + "/config/reload":
                return only(m, post, () -> control.reload("admin API").thenApply(AdminApi::reloaded));
            case V1 + "/config/validate":
                return only(m, post, () -> control.check(body).thenApply(config -> ok("valid", true)));
            case V1 + "/auth/validate":
                return only(m, post, () -> done(ok("valid", true)));
            case V1 + "/logging":
                if (m.equals(get)) {
                    return done(AdminReply.json(200, logLevels.render()));
                }
                return only(m, put, "GET, PUT", () -> setLogLevels(ConfigTree.mapping(body, "the request body")));
            case "/api/config/apikey":
                return only(m, put, () -> setProviderKey(ConfigTree.mapping(body, "the request body")));
            default:
                break;
        }
        if (path.startsWith(V1 + "/providers")) {
            return entries(PROVIDERS, path.substring((V1 + "/providers").length()), m, body);
        }
        if (path.startsWith(V1 + "/routes")) {
            return entries(ROUTES, path.substring((V1 + "/routes").length()), m, body);
        }
        if (path.startsWith(V1 + "/master-keys")) {
            return entries(KEYS, path.substring((V1 + "/master-keys").length()), m, body);
        }
        if (path.startsWith(V1 + "/keys")) {
            return entries(KEYS, path.substring((V1 + "/keys").length()), m, body);
        }
        return done(AdminReply.error(404, "not_found", "No admin path " + path + "."));
    }

    /** A path segment with its %XX escapes decoded ({@code +} stays itself, as in any path). */
    private static String decoded(String segment) {
        try {
            return URI.create("/" + segment).getPath().substring(1);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("the path has a malformed %-escape");
        }
    }

    /** The list ({@code rest} empty) or one entry ({@code /ID}) of {@code entries}. */
    private CompletableFuture<AdminReply> entries(Entries entries, String rest, String method, String body) {
        if (!rest.isEmpty() && !rest.startsWith("/") || rest.equals("/")) {
            return done(AdminReply.error(404, "not_found", "No such admin path."));
        }
        final String id = rest.isEmpty() ? null : decoded(rest.substring(1));
        if (id == null) {
            if (method.equals("GET")) {
                return read(root -> AdminReply.json(200, Json.render(g -> {
                    g.writeStartArray();
                    for (Object entry : list(root, entries)) {
                        writeTree(g, shown(entries, entry));
                    }
                    g.writeEndArray();
                })));
            }
            return only(method, "POST", "GET, POST",
                    () -> create(entries, ConfigTree.mapping(body, "the request body")));
        }
        return switch (method) {
            case "GET" -> read(root -> {
                final int at = ConfigTree.indexOf(list(root, entries), entries.idField(), id);
                return at < 0 ? missing(entries, id)
                        : AdminReply.json(200, Json.render(g -> writeTree(g, shown(entries, list(root, entries)
                        .get(at)))));
            });
            case "PUT" -> replaceEntry(entries, id, ConfigTree.mapping(body, "the request body"));
            case "DELETE" -> change(root -> {
                final List<Object> list = list(root, entries);
                final int at = ConfigTree.indexOf(list, entries.idField(), id);
                if (at < 0) {
                    throw new NotFound(entries, id);
                }
                list.remove(at);
                return root;
            }, result -> AdminReply.noContent());
            default -> done(AdminReply.notAllowed(method, "GET, PUT, DELETE"));
        };
    }

    private CompletableFuture<AdminReply> create(Entries entries, Map<String, Object> entry) {
        seedNames(entries, entry);
        final Object id = entry.get(entries.idField());
        if (id == null || String.valueOf(id).isBlank()) {
            return done(AdminReply.error(400, "invalid_config", entries.name() + " needs " + entries.idField()));
        }
        final String key = entries == KEYS ? storeHashOf(entry, true) : null;
        return change(root -> {
            final List<Object> list = list(root, entries);
            if (ConfigTree.indexOf(list, entries.idField(), String.valueOf(id)) >= 0) {
                throw new Conflict(entries.name() + " '" + id + "' exists already; PUT replaces it");
            }
            list.add(entry);
            return root;
        }, result -> {
            final Map<String, Object> shown = new LinkedHashMap<>(shown(entries, entry));
            if (key != null) {
                // The only time the key is shown: it is stored as its hash.
                shown.put("key", key);
            }
            shown.put("config_version", result.version());
            return AdminReply.json(201, Json.render(g -> writeTree(g, shown)));
        });
    }

    private CompletableFuture<AdminReply> replaceEntry(Entries entries, String id, Map<String, Object> entry) {
        seedNames(entries, entry);
        entry.putIfAbsent(entries.idField(), id);
        if (!id.equals(String.valueOf(entry.get(entries.idField())))) {
            return done(AdminReply.error(400, "invalid_config", "the " + entries.idField() + " in the body ('"
                    + entry.get(entries.idField()) + "') is not the one in the path ('" + id + "')"));
        }
        final boolean newKey = entries == KEYS && (entry.containsKey("key") || entry.containsKey("hash"));
        if (newKey) {
            storeHashOf(entry, false);
        }
        return change(root -> {
            final List<Object> list = list(root, entries);
            final int at = ConfigTree.indexOf(list, entries.idField(), id);
            if (at < 0) {
                throw new NotFound(entries, id);
            }
            if (entries == KEYS && !newKey && list.get(at) instanceof Map<?, ?> old) {
                entry.put("hash", old.get("hash"));
            }
            if (entries == PROVIDERS && REDACTED.equals(entry.get("api_key"))
                    && list.get(at) instanceof Map<?, ?> old && old.get("api_key") != null) {
                // What GET showed, sent back: the key stored stays (with none, the config check refuses the mask).
                entry.put("api_key", old.get("api_key"));
            }
            list.set(at, entry);
            return root;
        }, result -> AdminReply.json(200, Json.render(g -> writeTree(g, shown(entries, entry)))));
    }

    /**
     * Seed 003's admin API names fields its own way; its bodies are taken as they are: a provider's
     * {@code provider_type}, {@code api_base} and {@code model_mapping}, a key's {@code rate_limit} (requests per
     * second, the burst as many) and {@code is_enabled}.
     */
    private static void seedNames(Entries entries, Map<String, Object> entry) {
        final Object given = entry.remove("is_enabled");
        final Boolean enabled = given == null ? null : ConfigYaml.truth(given);
        if (given != null && enabled == null) {
            throw new ConfigException("is_enabled: must be true or false");
        }
        if (entries == PROVIDERS) {
            rename(entry, "provider_type", "type");
            rename(entry, "model_mapping", "models");
            final Object base = entry.remove("api_base");
            if (base != null) {
                entry.putIfAbsent("endpoints", List.of(base));
            }
            if (Boolean.FALSE.equals(enabled)) {
                throw new ConfigException("is_enabled: a provider is taken out of service by deleting it or "
                        + "leaving it out of every route");
            }
        } else if (entries == KEYS) {
            if (enabled != null) {
                entry.putIfAbsent("disabled", !enabled);
            }
            final Object rate = entry.remove("rate_limit");
            if (rate != null && !entry.containsKey("limits")) {
                entry.put("limits", new LinkedHashMap<>(Map.of("rps", rate, "burst", rate)));
            }
        }
    }

    private static void rename(Map<String, Object> entry, String from, String to) {
        final Object value = entry.remove(from);
        if (value != null) {
            entry.putIfAbsent(to, value);
        }
    }

    /**
     * Puts the hash of the body's {@code key} (or, when {@code generate} and there is none, of a new key) in the
     * entry in its place, and returns the key made, or null. A body with a {@code hash} and no key (one printed by
     * {@code hash-key}) keeps that hash.
     */
    private static String storeHashOf(Map<String, Object> entry, boolean generate) {
        final Object given = entry.remove("key");
        if (given == null && entry.get("hash") != null) {
            return null;
        }
        entry.remove("hash");
        final String key = given != null ? String.valueOf(given) : generate ? KeyHash.newKey() : null;
        if (key == null) {
            return null;
        }
        if (key.length() < 16) {
            throw new ConfigException("key: must be at least 16 characters (leave it out to have one made)");
        }
        if (!key.equals(key.strip())) {
            // A client's Authorization header loses them: such a key could never be presented.
            throw new ConfigException("key: has spaces around it");
        }
        entry.put("hash", KeyHash.of(key));
        return given == null ? key : null;
    }

    /** Seed 000's {@code PUT /api/config/apikey}: {@code {"provider": ID, "api_key": KEY}}. */
    private CompletableFuture<AdminReply> setProviderKey(Map<String, Object> body) {
        final Object key = body.get("api_key");
        if (key == null) {
            return done(AdminReply.error(400, "invalid_config", "api_key is required"));
        }
        final Object provider = body.get("provider");
        return change(root -> {
            final List<Object> providers = ConfigTree.list(root, "providers");
            int at = provider == null ? -1 : ConfigTree.indexOf(providers, "id", String.valueOf(provider));
            if (provider == null) {
                for (int i = 0; i < providers.size() && at < 0; i++) {
                    at = providers.get(i) instanceof Map<?, ?> p && !"demo".equals(p.get("type")) ? i : -1;
                }
            }
            if (at < 0) {
                throw new NotFound(PROVIDERS, provider == null ? "(one that is not the demo)" : String.valueOf(provider));
            }
            @SuppressWarnings("unchecked") final Map<String, Object> entry = (Map<String, Object>) providers.get(at);
            entry.put("api_key", String.valueOf(key));
            return root;
        }, AdminApi::reloaded);
    }

    private CompletableFuture<AdminReply> read(Function<Map<String, Object>, AdminReply> answer) {
        return control.text().thenApply(text -> answer.apply(ConfigTree.mapping(text, "the config file")));
    }

    private CompletableFuture<AdminReply> change(UnaryOperator<Map<String, Object>> edit,
                                                 Function<ReloadResult, AdminReply> answer) {
        return control.edit(edit).thenApply(answer);
    }

    private static List<Object> list(Map<String, Object> root, Entries entries) {
        Map<String, Object> parent = root;
        for (int i = 0; i < entries.where().size() - 1; i++) {
            parent = ConfigTree.child(parent, entries.where().get(i));
        }
        return ConfigTree.list(parent, entries.where().get(entries.where().size() - 1));
    }

    /** An entry as the API shows it: without a key's hash, and with a provider's literal API key masked. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> shown(Entries entries, Object entry) {
        if (!(entry instanceof Map<?, ?>)) {
            // The file on disk, not the running config: an edit the gateway refused may have left it so.
            throw new ConfigException("the config file: an entry of " + String.join(".", entries.where())
                    + " is not a mapping");
        }
        final Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) entry);
        if (entries == KEYS) {
            copy.remove("hash");
        }
        // A key of digits alone is read as a number: it is masked all the same.
        final String key = copy.get("api_key") == null ? "" : String.valueOf(copy.get("api_key"));
        if (!key.isBlank() && !key.startsWith("${")) {
            copy.put("api_key", REDACTED);
        }
        return copy;
    }

    private static AdminReply version(GatewaySnapshot snapshot) {
        return AdminReply.json(200, Json.render(g -> {
            g.writeStartObject();
            g.writeNumberField("version", snapshot.version());
            g.writeStringField("loaded_at", snapshot.loadedAt().toString());
            g.writeStringField("source", snapshot.config().source());
            g.writeEndObject();
        }));
    }

    private static AdminReply reloaded(ReloadResult result) {
        return AdminReply.json(200, Json.render(g -> {
            g.writeStartObject();
            g.writeNumberField("version", result.version());
            g.writeArrayFieldStart("restart_required");
            for (String field : result.restartRequired()) {
                g.writeString(field);
            }
            g.writeEndArray();
            g.writeEndObject();
        }));
    }

    private static AdminReply ok(String field, boolean value) {
        return AdminReply.json(200, Json.render(g -> {
            g.writeStartObject();
            g.writeBooleanField(field, value);
            g.writeEndObject();
        }));
    }

    private static AdminReply failure(Throwable thrown) {
        final Throwable cause = thrown instanceof CompletionException && thrown.getCause() != null
                ? thrown.getCause() : thrown;
        if (cause instanceof NotFound notFound) {
            return missing(notFound.entries, notFound.id);
        }
        if (cause instanceof Conflict conflict) {
            return AdminReply.error(409, "conflict", conflict.getMessage());
        }
        if (cause instanceof ConfigException e) {
            return AdminReply.invalid(e);
        }
        if (cause instanceof UncheckedIOException e) {
            // The change was valid; the disk refused it. Nothing was applied.
            LOG.error("admin API: {}", e.getMessage());
            return AdminReply.error(500, "config_write_failed", e.getMessage());
        }
        LOG.error("admin API: the request failed: {}", UnexpectedFailure.describe(cause));
        return AdminReply.error(500, "internal_error", "The admin request failed: "
                + cause.getClass().getSimpleName() + "; the gateway's log has the details.");
    }

    private static AdminReply missing(Entries entries, String id) {
        return AdminReply.error(404, "not_found", "No " + entries.name() + " has the " + entries.idField() + " '"
                + id + "'.");
    }

    /**
     * {@code {"level": "debug"}} sets the root logger's level, {@code {"loggers": {"sluice.access": "off"}}} named
     * ones'; until the config file's {@code logging} section next changes.
     */
    private CompletableFuture<AdminReply> setLogLevels(Map<String, Object> request) {
        for (String field : request.keySet()) {
            if (!field.equals("level") && !field.equals("loggers")) {
                throw new ConfigException("the request body: '" + field + "' is not a field (level, loggers)");
            }
        }
        final Object loggers = request.getOrDefault("loggers", Map.of());
        if (!(loggers instanceof Map<?, ?> named)) {
            throw new ConfigException("loggers: expected an object of logger names to levels");
        }
        final Map<String, String> levels = new LinkedHashMap<>();
        if (request.get("level") != null) {
            levels.put("ROOT", String.valueOf(request.get("level")));
        }
        named.forEach((name, level) -> levels.put(String.valueOf(name), String.valueOf(level)));
        logLevels.set(levels);
        return done(AdminReply.json(200, logLevels.render()));
    }

    private static CompletableFuture<AdminReply> only(String method, String allowed,
                                                      Supplier<CompletableFuture<AdminReply>> then) {
        return only(method, allowed, allowed, then);
    }

    /** {@code then} for {@code allowed}; a 405 naming {@code allow}, every method of the path, for the others. */
    private static CompletableFuture<AdminReply> only(String method, String allowed, String allow,
                                                      Supplier<CompletableFuture<AdminReply>> then) {
        return method.equals(allowed) ? then.get() : done(AdminReply.notAllowed(method, allow));
    }

    private static CompletableFuture<AdminReply> done(AdminReply reply) {
        return CompletableFuture.completedFuture(reply);
    }

    /** Writes a YAML tree (maps, lists, scalars) as JSON. */
    private static void writeTree(JsonGenerator g, Object value) throws IOException {
        if (value instanceof Map<?, ?> map) {
            g.writeStartObject();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                g.writeFieldName(String.valueOf(entry.getKey()));
                writeTree(g, entry.getValue());
            }
            g.writeEndObject();
        } else if (value instanceof List<?> list) {
            g.writeStartArray();
            for (Object item : list) {
                writeTree(g, item);
            }
            g.writeEndArray();
        } else if (value instanceof Number number) {
            g.writeNumber(number.toString());
        } else if (value instanceof Boolean bool) {
            g.writeBoolean(bool);
        } else if (value == null) {
            g.writeNull();
        } else {
            g.writeString(String.valueOf(value));
        }
    }

    /** No entry has that id. */
    private static final class NotFound extends RuntimeException {
        final Entries entries;
        final String id;

        NotFound(Entries entries, String id) {
            super(null, null, false, false);
            this.entries = entries;
            this.id = id;
        }
    }

    /** An entry with that id exists already. */
    private static final class Conflict extends RuntimeException {
        Conflict(String message) {
            super(message, null, false, false);
        }
    }
}
