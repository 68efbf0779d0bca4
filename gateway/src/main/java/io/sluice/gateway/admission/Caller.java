package io.sluice.gateway.admission;

import io.sluice.gateway.config.SluiceConfig;

import java.util.List;

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
    private static final Ticket ANONYMOUS_UNLIMITED = new Ticket(ANONYMOUS, List.of(), 0);
    private static final Ticket INTERNAL_UNLIMITED = new Ticket(INTERNAL, List.of(), 0);

    /** The ticket of a request no limit counts: nothing to settle, so shared when it can be. */
    Ticket unlimited() {
        return this == ANONYMOUS ? ANONYMOUS_UNLIMITED : this == INTERNAL ? INTERNAL_UNLIMITED
                : new Ticket(this, List.of(), 0);
    }

    /** Whether the request is counted by its client's address: it presented no key. */
    boolean anonymous() {
        return keyId == null;
    }
}
