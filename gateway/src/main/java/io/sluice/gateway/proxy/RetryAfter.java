package io.sluice.gateway.proxy;

import io.netty.handler.codec.DateFormatter;

import java.time.Duration;
import java.util.Date;

/** Reads a {@code Retry-After} value: seconds, or an HTTP date (RFC 9110 §10.2.3). */
final class RetryAfter {
    private RetryAfter() {
    }

    /** How long the backend asked to be left alone, or null when {@code value} is absent or unreadable. */
    static Duration parse(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        final String text = value.strip();
        if (text.chars().allMatch(Character::isDigit)) {
            // Past nine digits it is longer than any cap anyway.
            return Duration.ofSeconds(text.length() <= 9 ? Long.parseLong(text) : 999_999_999L);
        }
        final Date date = DateFormatter.parseHttpDate(text);
        return date == null ? null : Duration.ofMillis(Math.max(0, date.getTime() - System.currentTimeMillis()));
    }
}
