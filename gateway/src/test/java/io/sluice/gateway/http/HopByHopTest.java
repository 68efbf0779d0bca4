package io.sluice.gateway.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which headers of a message are end-to-end: not the hop-by-hop ones of RFC 9110, not those its Connection header
 * names (any case, spaces or tabs around each token), not those the caller skips; the rest in order, every value.
 */
class HopByHopTest {
    @Test
    void leavesOutHopByHopHeadersTheOnesConnectionNamesAndTheSkippedOnes() {
        final HttpHeaders from = new DefaultHttpHeaders()
                .add("Connection", "keep-alive,\tX-Trace-Hop ,  UPGRADE-insecure, ,x-last")
                .add("Keep-Alive", "timeout=5")
                .add("Transfer-Encoding", "chunked")
                .add("x-trace-hop", "1")
                .add("Upgrade-Insecure", "1")
                .add("X-Last", "1")
                .add("x-trace-hop-not", "kept: a longer name than the listed one")
                .add("Accept", "application/json")
                .add("x-multi", "a")
                .add("x-multi", "b")
                .add("Authorization", "Bearer sk-skipped");
        assertEquals(List.of("x-trace-hop-not=kept: a longer name than the listed one", "Accept=application/json",
                "x-multi=a", "x-multi=b"), endToEnd(from, name -> name.toString().equalsIgnoreCase("authorization")));
        assertEquals(List.of("x-trace-hop-not=kept: a longer name than the listed one", "Accept=application/json",
                "x-multi=a", "x-multi=b", "Authorization=Bearer sk-skipped"), endToEnd(from, name -> false));
    }

    @Test
    void judgesOneNameAgainstAConnectionValueOfAnyKind() {
        final CharSequence connection = AsciiString.of("close, X-Hop");
        assertFalse(HopByHop.isEndToEnd("x-hop", connection, name -> false));
        assertFalse(HopByHop.isEndToEnd("Keep-Alive", null, name -> false));
        assertFalse(HopByHop.isEndToEnd("x-skipped", null, name -> true));
        assertTrue(HopByHop.isEndToEnd("x-hop-not", connection, name -> false));
    }

    @Test
    void withoutAConnectionHeaderOnlyTheFixedListGoes() {
        final HttpHeaders from = new DefaultHttpHeaders().add("TE", "trailers").add("Proxy-Authorization", "x")
                .add("x-kept", "1");
        assertEquals(List.of("x-kept=1"), endToEnd(from, name -> false));
    }

    @Test
    void aConnectionValueThatNamesOnlyHopByHopFieldsNeedNotBeLookedIn() {
        assertNull(HopByHop.namingOtherFields(null));
        assertNull(HopByHop.namingOtherFields("keep-alive"));
        assertSame("close", HopByHop.namingOtherFields("close"), "a field called Close goes no further");
        assertNull(HopByHop.namingOtherFields(" Keep-Alive ,\tUpgrade, , TE"));
        final CharSequence naming = AsciiString.of("keep-alive, x-hop");
        assertSame(naming, HopByHop.namingOtherFields(naming), "the value itself, to look each field up in");
        final String longer = "keep-alive-x";
        assertSame(longer, HopByHop.namingOtherFields(longer));
    }

    @Test
    void aFieldCalledCloseGoesNoFurtherBesideConnectionClose() {
        final HttpHeaders from = new DefaultHttpHeaders().add("Connection", "close").add("Close", "x")
                .add("x-kept", "1");
        assertEquals(List.of("x-kept=1"), endToEnd(from, name -> false));
    }

    /** The fields of {@code from} that {@link HopByHop#endToEndIn} finds end-to-end, as name=value, in order. */
    private static List<String> endToEnd(HttpHeaders from, Predicate<CharSequence> skip) {
        final Predicate<CharSequence> endToEnd = HopByHop.endToEndIn(from, skip);
        final List<String> seen = new ArrayList<>();
        from.iteratorCharSequence().forEachRemaining(field -> {
            if (endToEnd.test(field.getKey())) {
                seen.add(field.getKey() + "=" + field.getValue());
            }
        });
        return seen;
    }
}
