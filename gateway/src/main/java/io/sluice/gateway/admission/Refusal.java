package io.sluice.gateway.admission;

import io.sluice.gateway.http.ErrorKind;

import java.util.List;
import java.util.Map;

/**
 * Why admission said no, for the front to answer in its caller's format: the error, a message fit for the
 * client (never a key), and the headers that go with it ({@code Retry-After}, {@code x-ratelimit-*}).
 */
public record Refusal(ErrorKind kind, String message, List<Map.Entry<String, String>> headers) implements Verdict {
    public Refusal(ErrorKind kind, String message) {
        this(kind, message, List.of());
    }
}
