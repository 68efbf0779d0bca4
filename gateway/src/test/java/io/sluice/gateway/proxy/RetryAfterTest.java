package io.sluice.gateway.proxy;

import io.netty.handler.codec.DateFormatter;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Date;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryAfterTest {
    @Test
    void secondsDatesAndNonsense() {
        assertEquals(Duration.ofSeconds(20), RetryAfter.parse(" 20 "));
        assertEquals(Duration.ofSeconds(999_999_999L), RetryAfter.parse("99999999999999999999"), "huge, not an error");
        final Duration untilDate = RetryAfter.parse(DateFormatter.format(new Date(System.currentTimeMillis() + 90_000)));
        assertTrue(untilDate.compareTo(Duration.ofSeconds(85)) > 0 && untilDate.compareTo(Duration.ofSeconds(91)) < 0,
                untilDate.toString());
        assertEquals(Duration.ZERO, RetryAfter.parse(DateFormatter.format(new Date(0))), "a date passed is now");
        assertNull(RetryAfter.parse(null));
        assertNull(RetryAfter.parse("soon"));
        assertNull(RetryAfter.parse("-5"));
    }
}
