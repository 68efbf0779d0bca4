package io.sluice.gateway.upstream;

import io.netty.handler.ssl.SslContext;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Locale;

/**
 * One backend address: where to connect, what to put in {@code Host}, and the API base path that request paths
 * go below, with its {@link EndpointStats}. Shared by all event loops; each loop keeps its own pool of connections
 * to it.
 */
public final class UpstreamEndpoint {
    private final String url;
    private final String host;
    private final int port;
    private final String hostHeader;
    private final String basePath;
    private final SslContext sslContext;
    private final EndpointStats stats = new EndpointStats();

    /**
     * @param url        an http or https URL; its path is the API base, {@code /v1} when it has none
     * @param sslContext the client TLS context for https, or null for http
     */
    public UpstreamEndpoint(URI url, SslContext sslContext) {
        final boolean https = url.getScheme().toLowerCase(Locale.ROOT).equals("https");
        final int defaultPort = https ? 443 : 80;
        this.host = url.getHost();
        this.port = url.getPort() < 0 ? defaultPort : url.getPort();
        this.hostHeader = port == defaultPort ? host : host + ":" + port;
        final String path = url.getRawPath() == null ? "" : url.getRawPath().replaceAll("/+$", "");
        this.basePath = path.isEmpty() ? "/v1" : path;
        this.url = (https ? "https://" : "http://") + hostHeader + basePath;
        this.sslContext = https ? sslContext : null;
        if (https && sslContext == null) {
            throw new IllegalArgumentException("an https endpoint needs a TLS context: " + url);
        }
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

    /** The request path for an API path such as {@code /chat/completions}. */
    public String pathFor(String apiPath) {
        return basePath + apiPath;
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
