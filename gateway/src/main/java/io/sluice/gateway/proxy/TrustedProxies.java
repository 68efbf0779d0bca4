package io.sluice.gateway.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.AsciiString;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.netty.util.NetUtil;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxies in front of Sluice ({@code server.trusted_proxies}, addresses or CIDR ranges) whose forwarding
 * headers are believed. A request from one of them keeps the chain it carries, with the proxy's address appended;
 * from anyone else, the client's own {@code X-Forwarded-For} and {@code Forwarded} are replaced by its socket's
 * address, as nginx's realip and Envoy's {@code xff_num_trusted_hops} do.
 *
 * <p>Immutable and thread-safe: made once from the config, read by every event loop. What it makes of a connection's
 * peer is kept on the connection, so that a request from an untrusted peer (nearly all) costs no formatting.
 */
public final class TrustedProxies {
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    private static final AttributeKey<Peer> PEER = AttributeKey.valueOf(TrustedProxies.class, "peer");

    private final List<IpSubnetFilterRule> rules;
    private final String proto;

    /**
     * @param ranges checked addresses or CIDR ranges ({@code 10.0.0.0/8}, {@code ::1})
     * @param tls    whether clients reach Sluice over TLS, for {@code X-Forwarded-Proto}
     */
    public TrustedProxies(List<String> ranges, boolean tls) {
        final List<IpSubnetFilterRule> parsed = new ArrayList<>();
        for (String range : ranges) {
            parsed.add(rule(range));
        }
        this.rules = List.copyOf(parsed);
        this.proto = tls ? "https" : "http";
    }

    /**
     * The rule for one range; throws {@link IllegalArgumentException} for text that is not an address or CIDR range
     * (addresses only: no name is ever looked up).
     */
    public static IpSubnetFilterRule rule(String range) {
        final int slash = range.indexOf('/');
        final String address = slash < 0 ? range : range.substring(0, slash);
        if (!NetUtil.isValidIpV4Address(address) && !NetUtil.isValidIpV6Address(address)) {
            throw new IllegalArgumentException("'" + range + "' is not an IP address or CIDR range");
        }
        final int bits = address.indexOf(':') >= 0 ? 128 : 32;
        final int prefix;
        try {
            prefix = slash < 0 ? bits : Integer.parseInt(range.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + range + "' has no valid prefix length");
        }
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("'" + range + "' has a prefix length outside 0-" + bits);
        }
        return new IpSubnetFilterRule(address, prefix, IpFilterRuleType.ACCEPT);
    }

    /**
     * The origin to tell the backend of a request with {@code headers} that arrived on {@code channel} (a connection,
     * or an HTTP/2 stream of one).
     */
    public ClientOrigin origin(HttpHeaders headers, Channel channel) {
        final Peer peer = peer(channel instanceof Http2StreamChannel stream ? stream.parent() : channel);
        if (!peer.trusted()) {
            return peer.asIs();
        }
        final String chain = String.join(", ", headers.getAll(X_FORWARDED_FOR));
        final String forwarded = String.join(", ", headers.getAll(FORWARDED));
        // X-Forwarded-Proto names the client's own scheme: a trusted proxy that terminated TLS knows it, Sluice not.
        final String clientProto = headers.get(X_FORWARDED_PROTO);
        return new ClientOrigin(chain.isBlank() ? peer.address() : chain + ", " + peer.address(),
                (forwarded.isBlank() ? "" : forwarded + ", ") + peer.forwardedNode(),
                clientProto == null || clientProto.isBlank() ? proto : clientProto,
                nearestUntrusted(chain, peer.address()));
    }

    /**
     * What the list makes of {@code connection}'s peer: worked out at its first request, then kept on it. The list is
     * the server section's, fixed for the life of the process, so what is kept never goes stale.
     */
    private Peer peer(Channel connection) {
        final Attribute<Peer> kept = connection.attr(PEER);
        final Peer known = kept.get();
        if (known != null) {
            return known;
        }
        final SocketAddress remote = connection.remoteAddress();
        final String address = remote instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : "unknown";
        final String forwardedNode = (remote instanceof InetSocketAddress inet
                && inet.getAddress() instanceof Inet6Address ? "for=\"[" + address + "]\"" : "for=" + address)
                + ";proto=" + proto;
        final Peer peer = new Peer(remote instanceof InetSocketAddress inet && trusts(inet), address,
                forwardedNode, new ClientOrigin(address, forwardedNode, proto, address));
        kept.set(peer);
        return peer;
    }

    /**
     * A connection's peer as the list sees it.
     *
     * @param forwardedNode its {@code Forwarded} element, with Sluice's scheme
     * @param asIs          the origin of any request from it when it is not trusted: its headers do not count
     */
    private record Peer(boolean trusted, String address, String forwardedNode, ClientOrigin asIs) {
    }

    /**
     * Walks {@code X-Forwarded-For} from its right end (the hop nearest Sluice) past the trusted proxies: the first
     * address that is not one is the client, since only trusted hops are believed to have appended truthfully.
     */
    private String nearestUntrusted(String chain, String peer) {
        final String[] hops = chain.split(",");
        String client = peer;
        for (int i = hops.length - 1; i >= 0; i--) {
            final String hop = hops[i].strip();
            if (hop.isEmpty()) {
                continue;
            }
            client = hop;
            final InetAddress address = NetUtil.isValidIpV4Address(hop) || NetUtil.isValidIpV6Address(hop)
                    ? NetUtil.createInetAddressFromIpAddressString(hop) : null;
            if (address == null || !trusts(new InetSocketAddress(address, 0))) {
                break;
            }
        }
        return client;
    }

    private boolean trusts(InetSocketAddress peer) {
        for (IpSubnetFilterRule rule : rules) {
            if (rule.matches(peer)) {
                return true;
            }
        }
        return false;
    }
}
