package io.sluice.gateway.admission;

import io.sluice.gateway.config.SluiceConfig;

/**
 * Who sent a request, as authentication found: a client key (by its id, never the key), the shared internal key,
 * or nobody in particular when auth is off. Immutable.
 *
 * @param keyId  the key's id for usage records and limits, {@code internal}, or null without authentication
 * @param userId the key's user, or null
 * @param key    the key's stored settings (its limits and models), or null for the internal key and no auth
 */
public record Caller(String keyId, String userId, SluiceConfig.ApiKey key) implements Verdict {
    public static final String INTERNAL_ID = "internal";
    static final Caller ANONYMOUS = new Caller(null, null, null);
    static final Caller INTERNAL = new Caller(INTERNAL_ID, null, null);

    /** Whether the request is counted by its client's address: it presented no key. */
    boolean anonymous() {
        return keyId == null;
    }
}
