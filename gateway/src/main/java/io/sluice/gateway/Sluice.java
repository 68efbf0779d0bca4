package io.sluice.gateway;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.sluice.gateway.config.ConfigException;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.demo.DemoServer;
import io.sluice.gateway.health.EndpointChecks;
import io.sluice.gateway.metrics.GatewayMetrics;
import io.sluice.gateway.net.Allocators;
import io.sluice.gateway.net.Draining;
import io.sluice.gateway.net.Transport;
import io.sluice.gateway.proxy.ActiveRequests;
import io.sluice.gateway.proxy.ProxyServices;
import io.sluice.gateway.proxy.RelayedHeaders;
import io.sluice.gateway.proxy.TrustedProxies;
import io.sluice.gateway.routing.Provider;
import io.sluice.gateway.routing.Router;
import io.sluice.gateway.server.HttpServerInitializer;
import io.sluice.gateway.upstream.UpstreamEndpoint;
import io.sluice.gateway.upstream.UpstreamPools;
import io.sluice.gateway.usage.LoggingUsageSink;
import io.sluice.gateway.usage.UsageReporter;
import io.sluice.gateway.usage.UsageSink;
import io.sluice.providers.ProviderType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A running gateway: event loops, the demo model when configured, upstream pools, the usage reporter and the
 * listening socket. {@link #start} builds it from a checked config; {@link #close} stops it.
 */
public final class Sluice implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sluice.class);
    private static final Duration MIN_SWEEP = Duration.ofMillis(10);
    private static final Duration MAX_SWEEP = Duration.ofSeconds(1);

    private final EventLoopGroup group;
    private final Channel server;
    private final ChannelGroup connections;
    private final DemoServer demo;
    private final UpstreamPools pools;
    private final EndpointChecks checks;
    private final UsageReporter usage;
    private final DnsAddressResolverGroup resolver;
    private final ActiveRequests active;
    private final GatewayMetrics metrics;
    private final Duration shutdownTimeout;

    private Sluice(EventLoopGroup group, Channel server, ChannelGroup connections, DemoServer demo,
                   UpstreamPools pools, EndpointChecks checks, UsageReporter usage, DnsAddressResolverGroup resolver,
                   ActiveRequests active, GatewayMetrics metrics, Duration shutdownTimeout) {
        this.group = group;
        this.server = server;
        this.connections = connections;
        this.demo = demo;
        this.pools = pools;
        this.checks = checks;
        this.usage = usage;
        this.resolver = resolver;
        this.active = active;
        this.metrics = metrics;
        this.shutdownTimeout = shutdownTimeout;
    }

    /**
     * Starts a gateway.
     *
     * @param sinks usage sinks besides the ones the config names (tests and embedders pass theirs here)
     */
    public static Sluice start(SluiceConfig config, List<UsageSink> sinks) throws InterruptedException {
        final SluiceConfig.Server serverConfig = config.server();
        final Transport transport = Transport.choose(serverConfig.transport());
        final ByteBufAllocator allocator = Allocators.of(serverConfig.allocator());
        final List<UsageSink> allSinks = new ArrayList<>(sinks);
        if (config.usage().log()) {
            allSinks.add(new LoggingUsageSink());
        }
        final EventLoopGroup group = transport.newEventLoopGroup(serverConfig.threads());
        final ActiveRequests active = new ActiveRequests();
        final GatewayMetrics metrics = new GatewayMetrics(active);
        allSinks.add(metrics);
        final UsageReporter usage = new UsageReporter(config.usage().queue(), allSinks);
        final DnsAddressResolverGroup resolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(transport.datagramChannelType())
                .socketChannelType(transport.socketChannelType()));
        DemoServer demo = null;
        try {
            final Map<String, Provider> providers = new LinkedHashMap<>();
            for (SluiceConfig.Provider provider : config.providers()) {
                if (provider.type() == ProviderType.DEMO && demo == null) {
                    demo = DemoServer.start(group, transport, allocator, provider.demo());
                }
                final List<URI> urls = provider.type() == ProviderType.DEMO ? List.of(demo.url()) : provider.endpoints();
                providers.put(provider.id(), new Provider(provider, endpoints(provider, urls)));
            }
            final Router router = new Router(config, providers);
            metrics.watch(router.providers());
            final UpstreamPools pools = new UpstreamPools(group, transport, allocator, resolver, sweepInterval(config));
            final ProxyServices services = new ProxyServices(router, pools, usage, serverConfig.maxRequestBytes(),
                    serverConfig.websocket(), active, metrics,
                    new TrustedProxies(serverConfig.trustedProxies(), serverConfig.tls() != null),
                    new RelayedHeaders(serverConfig.responseHeaders()));
            final ChannelGroup connections = new DefaultChannelGroup("sluice-clients", group.next());
            final SslContext serverTls = serverConfig.tls() == null ? null : serverTls(serverConfig.tls());
            final ChannelFuture bound = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannelType())
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.ALLOCATOR, allocator)
                    .childOption(ChannelOption.ALLOCATOR, allocator)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new HttpServerInitializer(services, serverConfig, serverTls, connections))
                    .bind(serverConfig.host(), serverConfig.port()).awaitUninterruptibly();
            if (!bound.isSuccess()) {
                bound.channel().close();
                throw new StartException("cannot listen on " + serverConfig.host() + ":" + serverConfig.port() + ": "
                        + bindFailure(bound.cause()) + " (server.host, server.port; SLUICE_HOST, SLUICE_PORT)");
            }
            final Channel server = bound.channel();
            final Sluice sluice = new Sluice(group, server, connections, demo, pools,
                    new EndpointChecks(group, pools, router.providers()), usage, resolver, active, metrics,
                    serverConfig.shutdownTimeout());
            LOG.info("Sluice {} listening on {}://{}:{} ({}, {} allocator; config {}); models: {}", Version.current(),
                    serverTls == null ? "http" : "https", serverConfig.host(), sluice.address().getPort(),
                    transport.name(), serverConfig.allocator(), config.source(),
                    String.join(", ", router.publicModels()));
            return sluice;
        } catch (RuntimeException | InterruptedException e) {
            if (demo != null) {
                demo.close();
            }
            resolver.close();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            usage.close();
            metrics.close();
            throw e;
        }
    }

    /** Why a bind failed, in words: the JDK's and the native transport's messages differ. */
    private static String bindFailure(Throwable cause) {
        final String message = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
        if (message.contains("address already in use")) {
            return "address already in use";
        }
        if (message.contains("cannot assign requested address")) {
            return "no such address on this host";
        }
        if (message.contains("permission denied")) {
            return "permission denied (ports below 1024 need privileges)";
        }
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }

    /** TLS for the listening socket, offering h2 and http/1.1 by ALPN. */
    private static SslContext serverTls(SluiceConfig.ServerTls tls) {
        try {
            return SslContextBuilder.forServer(tls.cert().toFile(), tls.key().toFile())
                    .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new ConfigException("server.tls: " + e.getMessage());
        }
    }

    private static List<UpstreamEndpoint> endpoints(SluiceConfig.Provider provider, List<URI> urls) {
        final boolean https = urls.stream().anyMatch(url -> url.getScheme().equalsIgnoreCase("https"));
        final SslContext tls = https ? clientTls(provider) : null;
        final List<UpstreamEndpoint> endpoints = new ArrayList<>();
        for (URI url : urls) {
            endpoints.add(new UpstreamEndpoint(url, tls));
        }
        return endpoints;
    }

    private static SslContext clientTls(SluiceConfig.Provider provider) {
        final SslContextBuilder builder = SslContextBuilder.forClient();
        if (!provider.tls().verify()) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        } else if (provider.tls().ca() != null) {
            builder.trustManager(provider.tls().ca().toFile());
        }
        try {
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new ConfigException("providers." + provider.id() + ".tls: " + e.getMessage());
        }
    }

    /** Idle connections are checked four times per the shortest idle timeout. */
    private static Duration sweepInterval(SluiceConfig config) {
        Duration interval = MAX_SWEEP;
        for (SluiceConfig.Provider provider : config.providers()) {
            final Duration quarter = provider.pool().idleTimeout().dividedBy(4);
            interval = quarter.compareTo(interval) < 0 ? quarter : interval;
        }
        return interval.compareTo(MIN_SWEEP) < 0 ? MIN_SWEEP : interval;
    }

    /** Waits, off the event loops, until no request is in flight or the deadline passes. */
    private void awaitIdle(long deadline) throws InterruptedException {
        while (active.size() > 0 && System.nanoTime() - deadline < 0) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** Blocks until the listening socket is closed. */
    public void awaitClose() throws InterruptedException {
        server.closeFuture().sync();
    }

    /**
     * Stops gracefully: stops accepting, lets the requests in flight finish for up to {@code shutdown_timeout}
     * (idle HTTP/1.1 connections close at once, HTTP/2 connections get GOAWAY, WebSockets take no new requests),
     * then ends what still runs with a terminal error in its own format, and stops.
     */
    @Override
    public void close() throws InterruptedException {
        close(shutdownTimeout);
    }

    /** As {@link #close()}, with {@code drain} in place of the configured shutdown timeout. */
    public void close(Duration drain) throws InterruptedException {
        final long start = System.nanoTime();
        server.close().sync();
        checks.close();
        for (Channel connection : connections) {
            connection.eventLoop().execute(() -> connection.pipeline().fireUserEventTriggered(Draining.INSTANCE));
        }
        final int inFlight = active.size();
        final long deadline = start + drain.toNanos();
        awaitIdle(deadline);
        final int ended = active.size();
        if (ended > 0) {
            LOG.info("ending {} requests still running after the shutdown timeout", ended);
            active.endAll();
            awaitIdle(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
        }
        LOG.info("stopped in {} ms: {} requests were in flight, {} finished, {} ended at the shutdown timeout",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), inFlight, Math.max(0, inFlight - ended),
                ended);
        connections.close().await(5, TimeUnit.SECONDS);
        pools.closeIdle();
        if (demo != null) {
            demo.close();
        }
        // The resolver's datagram channels close on their event loops before those stop: with io_uring a read
        // still pending when its loop stops leaves its buffer to the garbage collector.
        resolver.close();
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        usage.close();
        metrics.close();
    }
}
