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
import io.sluice.gateway.admission.Admission;
import io.sluice.gateway.admission.Buckets;
import io.sluice.gateway.config.ConfigException;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.control.AdminApi;
import io.sluice.gateway.control.ConfigControl;
import io.sluice.gateway.control.ConfigFile;
import io.sluice.gateway.control.LogLevels;
import io.sluice.gateway.control.Reloader;
import io.sluice.gateway.demo.DemoModel;
import io.sluice.gateway.metrics.GatewayMetrics;
import io.sluice.gateway.net.Allocators;
import io.sluice.gateway.net.Draining;
import io.sluice.gateway.net.Transport;
import io.sluice.gateway.proxy.ActiveRequests;
import io.sluice.gateway.proxy.ProxyServices;
import io.sluice.gateway.proxy.RelayedHeaders;
import io.sluice.gateway.proxy.TrustedProxies;
import io.sluice.gateway.server.HttpServerInitializer;
import io.sluice.gateway.server.Listener;
import io.sluice.gateway.snapshot.GatewaySnapshot;
import io.sluice.gateway.snapshot.SnapshotBuilder;
import io.sluice.gateway.snapshot.Snapshots;
import io.sluice.gateway.upstream.EndpointRegistry;
import io.sluice.gateway.upstream.UpstreamPools;
import io.sluice.gateway.upstream.UpstreamResolver;
import io.sluice.gateway.usage.LoggingUsageSink;
import io.sluice.gateway.usage.TokenEstimates;
import io.sluice.gateway.usage.UsageReporter;
import io.sluice.gateway.usage.WebhookSink;
import io.sluice.gateway.usage.UsageSink;
import io.sluice.gateway.usage.UsageStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A running gateway: event loops, the demo model when configured, upstream pools, the usage reporter, the listening
 * socket and the current {@link GatewaySnapshot}. {@link #start} builds it from a checked config, its
 * {@link #control()} reloads and changes that config, {@link #close} stops it.
 */
public final class Sluice implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sluice.class);
    private static final Duration MIN_SWEEP = Duration.ofMillis(10);
    private static final Duration MAX_SWEEP = Duration.ofSeconds(1);

    private final EventLoopGroup group;
    private final Channel server;
    /** The admin API's own socket, or null when the main one serves it. */
    private final Channel adminServer;
    private final ChannelGroup connections;
    private final DemoModel demo;
    private final UpstreamPools pools;
    private final Snapshots snapshots;
    private final Reloader reloader;
    /** The levels Sluice set on the JVM's logback, which it returns to their own when it stops. */
    private final LogLevels logLevels;
    private final ConfigControl control;
    private final UsageReporter usage;
    private final UpstreamResolver resolver;
    private final ActiveRequests active;
    private final GatewayMetrics metrics;
    private final Duration shutdownTimeout;

    private Sluice(EventLoopGroup group, Channel server, Channel adminServer, ChannelGroup connections,
                   DemoModel demo, UpstreamPools pools, Snapshots snapshots, Reloader reloader,
                   ConfigControl control, UsageReporter usage, UpstreamResolver resolver, ActiveRequests active,
                   GatewayMetrics metrics, LogLevels logLevels, Duration shutdownTimeout) {
        this.group = group;
        this.server = server;
        this.adminServer = adminServer;
        this.connections = connections;
        this.demo = demo;
        this.pools = pools;
        this.snapshots = snapshots;
        this.reloader = reloader;
        this.control = control;
        this.usage = usage;
        this.resolver = resolver;
        this.active = active;
        this.metrics = metrics;
        this.logLevels = logLevels;
        this.shutdownTimeout = shutdownTimeout;
    }

    /**
     * Starts a gateway.
     *
     * @param sinks usage sinks besides the ones the config names (tests and embedders pass theirs here)
     */
    public static Sluice start(SluiceConfig config, List<UsageSink> sinks) throws InterruptedException {
        return start(config, null, sinks);
    }

    /**
     * Starts a gateway whose config was read from {@code file}, which it then reloads when it changes and the admin
     * API can edit.
     *
     * @param file  where {@code config} came from, by {@link ConfigFile#load}, or null (then the config cannot be
     *              reloaded or changed)
     * @param sinks usage sinks besides the ones the config names
     */
    public static Sluice start(SluiceConfig config, ConfigFile file, List<UsageSink> sinks)
            throws InterruptedException {
        final SluiceConfig.Server serverConfig = config.server();
        final Transport transport = Transport.choose(serverConfig.transport());
        final ByteBufAllocator allocator = Allocators.of(serverConfig.allocator());
        final List<UsageSink> allSinks = new ArrayList<>(sinks);
        final List<WebhookSink> webhooks = openWebhooks(config.usage().webhooks());
        if (config.usage().log()) {
            allSinks.add(new LoggingUsageSink());
        }
        final EventLoopGroup group = transport.newEventLoopGroup(serverConfig.threads(), serverConfig.ioBatchWindow());
        final ActiveRequests active = new ActiveRequests();
        final GatewayMetrics metrics = new GatewayMetrics(active::size, allocator);
        allSinks.add(metrics);
        final UsageStats stats = new UsageStats();
        allSinks.add(stats);
        webhooks.forEach(metrics::watch);
        final UsageReporter usage = new UsageReporter(config.usage().queue(), allSinks, webhooks);
        final UpstreamResolver resolver = new UpstreamResolver(group, transport);
        final DemoModel demo = new DemoModel(group, transport, allocator);
        Reloader reloader = null;
        ConfigControl control = null;
        Channel server = null;
        try {
            final EndpointRegistry endpoints = new EndpointRegistry();
            final SnapshotBuilder builder = new SnapshotBuilder(endpoints, demo::url);
            final Snapshots snapshots = new Snapshots(builder.build(config, 1));
            final UpstreamPools pools = new UpstreamPools(group, transport, allocator, resolver.group(),
                    sweepInterval(config));
            final LogLevels logLevels = new LogLevels();
            logLevels.apply(config.logging());
            reloader = new Reloader(group, pools, endpoints, builder, snapshots, metrics, logLevels, demo);
            control = new ConfigControl(file, reloader, snapshots::current);
            final ProxyServices services = new ProxyServices(snapshots, pools,
                    new Admission(new Buckets(System::nanoTime), usage::refusing),
                    usage, new TokenEstimates(config.usage().estimate()), serverConfig.maxRequestBytes(),
                    serverConfig.websocket(), active, metrics,
                    new TrustedProxies(serverConfig.trustedProxies(), serverConfig.tls() != null),
                    new RelayedHeaders(serverConfig.responseHeaders()));
            final ChannelGroup connections = new DefaultChannelGroup("sluice-clients", group.next());
            final SslContext serverTls = serverConfig.tls() == null ? null : serverTls(serverConfig.tls());
            final AdminApi admin = new AdminApi(control, stats, logLevels);
            final SluiceConfig.Admin adminConfig = config.admin();
            server = bind(group, transport, allocator, serverConfig.host(), serverConfig.port(),
                    new HttpServerInitializer(services, serverConfig, serverTls, connections,
                            new Listener(adminConfig.port() == 0 ? admin : null, true)),
                    "server.host, server.port; SLUICE_HOST, SLUICE_PORT");
            final Channel adminServer = adminConfig.port() == 0 ? null : bind(group, transport, allocator,
                    adminConfig.host(), adminConfig.port(), new HttpServerInitializer(services, serverConfig, null,
                            connections, new Listener(admin, false)), "admin.host, admin.port");
            control.watch();
            final Sluice sluice = new Sluice(group, server, adminServer, connections, demo, pools, snapshots,
                    reloader, control, usage, resolver, active, metrics, logLevels, serverConfig.shutdownTimeout());
            LOG.info("Sluice {} listening on {}://{}:{} ({}, {} allocator; config {}); models: {}", Version.current(),
                    serverTls == null ? "http" : "https", serverConfig.host(), sluice.address().getPort(),
                    transport.name(), serverConfig.allocator(), config.source(),
                    String.join(", ", snapshots.current().router().publicModels()));
            if (adminServer != null) {
                LOG.info("admin API on http://{}:{}", adminConfig.host(),
                        ((InetSocketAddress) adminServer.localAddress()).getPort());
            }
            return sluice;
        } catch (RuntimeException | IOException e) {
            if (server != null) {
                server.close();
            }
            if (control != null) {
                control.close();
            }
            if (reloader != null) {
                reloader.close();
            }
            demo.close();
            resolver.close();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            usage.close();
            metrics.close();
            if (e instanceof IOException io) {
                throw new StartException("cannot watch the config file: " + io.getMessage());
            }
            throw (RuntimeException) e;
        }
    }

    private static Channel bind(EventLoopGroup group, Transport transport, ByteBufAllocator allocator, String host,
                                int port, HttpServerInitializer initializer, String fields) {
        final ChannelFuture bound = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannelType())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.ALLOCATOR, allocator)
                .childOption(ChannelOption.ALLOCATOR, allocator)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(initializer)
                .bind(host, port).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            bound.channel().close();
            throw new StartException("cannot listen on " + host + ":" + port + ": " + bindFailure(bound.cause())
                    + " (" + fields + ")");
        }
        return bound.channel();
    }

    /** Reloads, rewrites and checks the config file, one change at a time (SIGHUP, the admin API). */
    public ConfigControl control() {
        return control;
    }

    /** The running snapshot: its config, version and routes. */
    public GatewaySnapshot snapshot() {
        return snapshots.current();
    }

    /** The admin API's own address, or null when the main port serves it. */
    public InetSocketAddress adminAddress() {
        return adminServer == null ? null : (InetSocketAddress) adminServer.localAddress();
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
        if (adminServer != null) {
            adminServer.close().sync();
        }
        control.close();
        reloader.close();
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
        pools.closeIdle(Duration.ofSeconds(5));
        demo.close();
        logLevels.restore();
        // The resolver's datagram channels close on their event loops before those stop (and it waits for them): with
        // io_uring a read still pending when its loop stops leaves its buffer to the garbage collector.
        resolver.close();
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        // What the webhook cannot deliver in time stays in its spool, for the next start.
        usage.close();
        metrics.close();
    }

    private static List<WebhookSink> openWebhooks(List<SluiceConfig.Webhook> configs) throws InterruptedException {
        final List<WebhookSink> webhooks = new ArrayList<>();
        for (SluiceConfig.Webhook config : configs) {
            try {
                webhooks.add(new WebhookSink(config));
            } catch (IOException e) {
                for (WebhookSink opened : webhooks) {
                    opened.close();
                }
                throw new StartException("usage webhook " + config.name() + ": its spool in " + config.spoolDir()
                        + " cannot be opened: " + e.getMessage());
            }
        }
        return webhooks;
    }
}
