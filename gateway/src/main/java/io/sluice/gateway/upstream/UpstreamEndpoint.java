package io.sluice.gateway.upstream;

import io.netty.handler.ssl.SslContext;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Locale;

/**
 * One backend address: where to connect, what to put in {@code Host}, and the API base path that request paths
 * go below, with its {@link EndpointStats}. Made once per value by the {@link EndpointRegistry}, so it and its
 * stats and health outlive config reloads that keep it. Shared by all event loops; each loop keeps its own pool of
 * connections to it.
 */
public final class UpstreamEndpoint {
    private final String url;
    private final String host;
    private final int port;
    private final String hostHeader;
    private final String basePath;
    private final SslContext sslContext;
    private final EndpointStats stats = new EndpointStats();
    /** Set once no snapshot names it: its pools close each connection as it comes back. */
    private volatile boolean retired;

    /**
     * @param url        an http or https URL; its path is the API base, {@code /v1} when it has none
     * @param sslContext the client TLS context for https, or null for http
     */
    public UpstreamEndpoint(URI url, SslContext sslContext) {
        final boolean https = isHttps(url);
        final int defaultPort = https ? 443 : 80;
        this.host = url.getHost();
        this.port = url.getPort() < 0 ? defaultPort : url.getPort();
        this.hostHeader = port == defaultPort ? host : host + ":" + port;
        this.basePath = basePath(url);
        this.url = canonical(url);
        this.sslContext = https ? sslContext : null;
        if (https && sslContext == null) {
            throw new IllegalArgumentException("an https endpoint needs a TLS context: " + url);
        }
    }

    static boolean isHttps(URI url) {
        return url.getScheme().toLowerCase(Locale.ROOT).equals("https");
    }

    /** The base URL as {@link #url()} shows it: default port left out, trailing slashes removed, {@code /v1} added. */
    static String canonical(URI url) {
        final boolean https = isHttps(url);
        final int port = url.getPort() < 0 ? https ? 443 : 80 : url.getPort();
        return (https ? "https://" : "http://") + url.getHost() + (port == (https ? 443 : 80) ? "" : ":" + port)
                + basePath(url);
    }

    private static String basePath(URI url) {
        final String path = url.getRawPath() == null ? "" : url.getRawPath().replaceAll("/+$", "");
        return path.isEmpty() ? "/v1" : path;
    }

    /** Unresolved, so that the connect resolves it with the non-blocking resolver of the event loop. */
    public InetSocketAddress address() {
        return InetSocketAddress.createUnresolved(host, port);
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String hostHeader() {
        return hostHeader;
    }

    /** The API base that request paths go below ({@code /v1}). */
    public String basePath() {
        return basePath;
    }

    /** No config names it any more; requests that started before keep going until they end. */
    void retire() {
        retired = true;
    }

    boolean retired() {
        return retired;
    }

    /** Its load, shared by every event loop. */
    public EndpointStats stats() {
        return stats;
    }

    /** The TLS context for an https endpoint, or null. */
    public SslContext sslContext() {
        return sslContext;
    }

    /** The base URL as the logs and usage records show it (no credentials: URLs with user info are refused). */
    public String url() {
        return url;
    }

    @Override
    public String toString() {
        return url;
    }
}
