package io.sluice.gateway.config;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the sections that say who may call and how much: {@code auth}, {@code limits} and {@code admin}. Part of
 * {@link ConfigLoader}; every error names the field.
 */
final class AccessSections {
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern HASH = Pattern.compile("sha256:[0-9a-f]{64}");
    /** The slowest rate: with at most a million in a burst, a bucket's span stays within a long of nanoseconds. */
    private static final double MIN_RPS = 0.001;

    private AccessSections() {
    }

    /**
     * @param host   the listening address: {@code none} is refused on one that is not loopback unless the config
     *               says so
     * @param models every public model name, which {@code allowed_models} must name
     */
    static SluiceConfig.Auth auth(ConfigNode node, String host, Set<String> models) {
        node.allowOnly("mode", "open_to_network", "internal_key", "keys");
        final SluiceConfig.AuthMode mode = SluiceConfig.AuthMode.valueOf(node.choice("mode", "none", "none", "keys")
                .toUpperCase(Locale.ROOT));
        final boolean open = node.bool("open_to_network", false);
        if (mode == SluiceConfig.AuthMode.NONE && !open && !isLoopback(host)) {
            throw new ConfigException(node.field("mode") + ": none lets anyone who reaches " + host
                    + " use every model; use keys, listen on 127.0.0.1, or set auth.open_to_network: true");
        }
        final String internal = node.string("internal_key", null);
        if (internal != null && !internal.isBlank() && internal.strip().length() < 16) {
            throw new ConfigException(node.field("internal_key") + ": must be at least 16 characters");
        }
        final List<SluiceConfig.ApiKey> keys = new ArrayList<>();
        final Set<String> ids = new HashSet<>();
        final Set<String> hashes = new HashSet<>();
        for (ConfigNode key : node.children("keys")) {
            final SluiceConfig.ApiKey parsed = key(key, models);
            if (!ids.add(parsed.id())) {
                throw new ConfigException(key.field("id") + ": '" + parsed.id() + "' is used by another key");
            }
            if (!hashes.add(parsed.hash())) {
                throw new ConfigException(key.field("hash") + ": the same hash is stored for another key");
            }
            keys.add(parsed);
        }
        return new SluiceConfig.Auth(mode, open, internal == null || internal.isBlank() ? null : internal.strip(),
                List.copyOf(keys));
    }

    /** Without a name lookup: {@code localhost}, or an address literal in 127.0.0.0/8 or {@code ::1}. */
    static boolean isLoopback(String host) {
        final String h = host.strip().toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.startsWith("127.") && h.chars().allMatch(c -> c == '.' || Character.isDigit(c))
                || h.equals("::1") || h.equals("[::1]") || h.equals("0:0:0:0:0:0:0:1");
    }

    private static SluiceConfig.ApiKey key(ConfigNode node, Set<String> models) {
        node.allowOnly("id", "hash", "name", "user", "allowed_models", "disabled", "expires", "limits");
        final String id = node.requiredString("id").strip();
        if (!KEY_ID.matcher(id).matches()) {
            throw new ConfigException(node.field("id") + ": '" + id + "' must be letters, digits, '.', '_' or '-'");
        }
        final String hash = hash(node, "hash", true);
        final List<String> allowed = node.strings("allowed_models");
        for (int i = 0; i < allowed.size(); i++) {
            ConfigLoader.modelName(node, "allowed_models[" + i + "]", allowed.get(i));
            if (!models.contains(allowed.get(i))) {
                throw new ConfigException(node.field("allowed_models") + "[" + i + "]: no route or provider serves '"
                        + allowed.get(i) + "'");
            }
        }
        final Instant expires = node.instant("expires");
        return new SluiceConfig.ApiKey(id, hash, node.string("name", null), node.string("user", null), allowed,
                node.bool("disabled", false), expires, rates(node.child("limits"), true));
    }

    /**
     * A stored key hash. The text names the field only: a key pasted here by mistake must not reach a log.
     */
    private static String hash(ConfigNode node, String key, boolean required) {
        final String hash = required ? node.requiredString(key).strip() : node.string(key, null);
        if (hash == null || hash.isBlank()) {
            return null;
        }
        if (!HASH.matcher(hash.strip()).matches()) {
            throw new ConfigException(node.field(key) + ": must be sha256: and 64 lower-case hex digits, as "
                    + "'java -jar sluice.jar hash-key' prints it (the key itself is never stored)");
        }
        return hash.strip();
    }

    static SluiceConfig.Limits limits(ConfigNode node, Set<String> models) {
        node.allowOnly("per_ip", "models", "assumed_max_tokens");
        final ConfigNode perIp = node.child("per_ip");
        perIp.allowOnly("rps", "burst");
        final Map<String, SluiceConfig.RateLimits> byModel = new LinkedHashMap<>();
        final ConfigNode modelsNode = node.child("models");
        for (String model : modelsNode.keys()) {
            ConfigLoader.modelName(node, "models", model);
            if (!models.contains(model)) {
                throw new ConfigException(modelsNode.field(model) + ": no route or provider serves '" + model + "'");
            }
            byModel.put(model, rates(modelsNode.child(model), true));
        }
        return new SluiceConfig.Limits(rates(perIp, false), java.util.Collections.unmodifiableMap(byModel),
                node.integer("assumed_max_tokens", 1024, 1, 10_000_000));
    }

    /** A rate, a burst (the rate rounded up when not given) and, where {@code tokens}, tokens per minute. */
    private static SluiceConfig.RateLimits rates(ConfigNode node, boolean tokens) {
        if (tokens) {
            node.allowOnly("rps", "burst", "tpm");
        }
        final double rps = node.decimal("rps", 0, 0, 1_000_000);
        if (rps > 0 && rps < MIN_RPS) {
            throw new ConfigException(node.field("rps") + ": must be 0 (no limit) or at least " + MIN_RPS
                    + " (one request in about 17 minutes)");
        }
        final int burst = node.integer("burst", (int) Math.ceil(rps), 0, 1_000_000);
        if (rps > 0 && burst < 1) {
            throw new ConfigException(node.field("burst") + ": must be at least 1 when rps is set");
        }
        if (rps == 0 && burst > 0) {
            throw new ConfigException(node.field("burst") + ": a burst needs a rate (rps)");
        }
        final long tpm = tokens ? node.integer("tpm", 0, 0, Integer.MAX_VALUE) : 0;
        return rps == 0 && tpm == 0 ? SluiceConfig.RateLimits.NONE : new SluiceConfig.RateLimits(rps, burst, tpm);
    }

    static SluiceConfig.Admin admin(ConfigNode node, String serverHost) {
        node.allowOnly("key_hash", "host", "port");
        return new SluiceConfig.Admin(hash(node, "key_hash", false), node.string("host", serverHost).strip(),
                node.integer("port", 0, 0, 65535));
    }
}
