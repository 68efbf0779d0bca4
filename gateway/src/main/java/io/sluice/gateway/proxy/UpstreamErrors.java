package io.sluice.gateway.proxy;

import io.sluice.gateway.routing.Provider;
import io.sluice.providers.ProviderError;
import io.sluice.providers.ProviderErrors;

/**
 * What a client is told of a backend's error response, whichever front renders it: the backend's own message, type,
 * code and param, each bounded in length, with the provider's key masked (a backend that echoes its request would
 * otherwise show the client the key Sluice sent); a body with no error in it becomes a message naming the status.
 */
public final class UpstreamErrors {
    /** The body bytes kept to read an error from: error bodies are small, and past this they are not read. */
    public static final int MAX_BODY_BYTES = 64 * 1024;
    private static final int MAX_MESSAGE = 1000;
    private static final int MAX_FIELD = 200;

    private UpstreamErrors() {
    }

    /** The error in the first {@code length} bytes of a backend's error body, answered with {@code status}. */
    public static ProviderError read(byte[] body, int length, int status, Provider provider) {
        final ProviderError parsed = ProviderErrors.parse(body, length);
        final String message = parsed != null && parsed.message() != null && !parsed.message().isBlank()
                ? parsed.message() : status >= 400 ? "The backend answered with status " + status + "."
                : "The backend's answer is not one Sluice can read.";
        return new ProviderError(bounded(provider.mask(message), MAX_MESSAGE),
                parsed == null ? null : field(parsed.type(), provider),
                parsed == null ? null : field(parsed.code(), provider),
                parsed == null ? null : field(parsed.param(), provider));
    }

    /** A backend's error message met elsewhere (an error event mid-stream): bounded, with the key masked. */
    public static String text(String message, Provider provider) {
        return bounded(provider.mask(message), MAX_MESSAGE);
    }

    private static String field(String value, Provider provider) {
        return value == null ? null : bounded(provider.mask(value), MAX_FIELD);
    }

    private static String bounded(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        final int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
        return text.substring(0, end) + "…";
    }
}
