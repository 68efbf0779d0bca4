package io.sluice.gateway.proxy;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The origin told to a backend, from a connection's peer and, where that peer is trusted, its headers. */
class TrustedProxiesTest {
    private static final HttpHeaders CLAIMS = new DefaultHttpHeaders()
            .add("x-forwarded-for", "203.0.113.7, 10.0.0.5").add("forwarded", "for=203.0.113.7")
            .add("x-forwarded-proto", "https");

    @Test
    void anUntrustedPeerIsItsOwnOriginWhateverItClaims() {
        final TrustedProxies proxies = new TrustedProxies(List.of("10.0.0.0/8"), false);
        final EmbeddedChannel connection = from("198.51.100.2");
        final ClientOrigin origin = proxies.origin(CLAIMS, connection);
        assertEquals(new ClientOrigin("198.51.100.2", "for=198.51.100.2;proto=http", "http", "198.51.100.2"), origin);
        assertSame(origin, proxies.origin(new DefaultHttpHeaders(), connection), "worked out once per connection");
        connection.finishAndReleaseAll();
    }

    @Test
    void aTrustedPeerAddsItselfToTheChainItCarries() {
        final TrustedProxies proxies = new TrustedProxies(List.of("10.0.0.0/8"), true);
        final EmbeddedChannel connection = from("10.1.2.3");
        assertEquals(new ClientOrigin("203.0.113.7, 10.0.0.5, 10.1.2.3", "for=203.0.113.7, for=10.1.2.3;proto=https",
                "https", "203.0.113.7"), proxies.origin(CLAIMS, connection));
        assertEquals(new ClientOrigin("10.1.2.3", "for=10.1.2.3;proto=https", "https", "10.1.2.3"),
                proxies.origin(new DefaultHttpHeaders(), connection), "each request's own headers");
        connection.finishAndReleaseAll();
    }

    @Test
    void anIpv6PeerIsQuotedInForwarded() {
        final EmbeddedChannel connection = from("2001:db8::1");
        assertEquals("for=\"[2001:db8:0:0:0:0:0:1]\";proto=http",
                new TrustedProxies(List.of(), false).origin(CLAIMS, connection).forwarded());
        connection.finishAndReleaseAll();
    }

    private static EmbeddedChannel from(String address) {
        return new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress(address, 40000);
            }
        };
    }
}
