package io.sluice.gateway.proxy;

import io.netty.util.AsciiString;
import io.sluice.gateway.http.FieldNames;
import io.sluice.gateway.http.HopByHop;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Which backend response headers reach the client: an allow-list suited to LLM APIs (the body's type and encoding,
 * request ids, rate limits and {@code retry-after}, the providers' processing-time headers), plus the names and
 * {@code prefix*} patterns of {@code server.response_headers}. Anything else (a backend's cookies, its internal
 * host or server headers) stays behind Sluice.
 *
 * <p>Immutable and thread-safe; names match ignoring case.
 */
public final class RelayedHeaders {
    private static final List<String> DEFAULT_NAMES = List.of(
            "content-type", "content-encoding", "cache-control", "retry-after", "retry-after-ms", "request-id",
            "openai-processing-ms", "openai-version", "x-should-retry",
            // TGI's timing and token headers
            "x-compute-type", "x-compute-time", "x-compute-characters", "x-total-time", "x-validation-time",
            "x-queue-time", "x-inference-time", "x-time-per-token", "x-prompt-tokens", "x-generated-tokens");
    private static final List<String> DEFAULT_PREFIXES = List.of("x-ratelimit-", "anthropic-ratelimit-");

    private final FieldNames names;
    private final List<AsciiString> prefixes;
    /** The complement of {@link #relays}, made once for the header copy of every response. */
    private final Predicate<CharSequence> notRelayed = name -> !relays(name);

    /** @param extra more names, and prefixes written as {@code prefix*}, from the config */
    public RelayedHeaders(List<String> extra) {
        final List<AsciiString> allNames = new ArrayList<>();
        final List<AsciiString> allPrefixes = new ArrayList<>();
        DEFAULT_NAMES.forEach(name -> allNames.add(AsciiString.cached(name)));
        DEFAULT_PREFIXES.forEach(prefix -> allPrefixes.add(AsciiString.cached(prefix)));
        for (String pattern : extra) {
            final String lower = pattern.toLowerCase(Locale.ROOT);
            if (lower.endsWith("*")) {
                allPrefixes.add(new AsciiString(lower.substring(0, lower.length() - 1)));
            } else {
                allNames.add(new AsciiString(lower));
            }
        }
        this.names = FieldNames.of(allNames);
        this.prefixes = List.copyOf(allPrefixes);
    }

    Predicate<CharSequence> notRelayed() {
        return notRelayed;
    }

    /** Whether a backend's response header of this name goes on to the client. */
    public boolean relays(CharSequence name) {
        return names.contains(name) || HopByHop.startsWithAny(prefixes, name);
    }
}
