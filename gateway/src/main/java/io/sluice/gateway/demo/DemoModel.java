package io.sluice.gateway.demo;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.sluice.gateway.StartException;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.net.Transport;

import java.net.URI;
import java.util.List;

/**
 * The built-in demo model of a running gateway, started when a config first names a demo provider (at start-up,
 * or by a reload), with that provider's settings (every demo provider of a config has the same), which stay while it
 * runs. Used by the thread that starts or reloads the gateway.
 */
public final class DemoModel {
    private final EventLoopGroup group;
    private final Transport transport;
    private final ByteBufAllocator allocator;
    private DemoServer server;
    private SluiceConfig.Demo settings;

    public DemoModel(EventLoopGroup group, Transport transport, ByteBufAllocator allocator) {
        this.group = group;
        this.transport = transport;
        this.allocator = allocator;
    }

    /** Where the demo model listens, started now if it is not yet. */
    public synchronized URI url(SluiceConfig.Provider provider) {
        if (server == null) {
            try {
                server = DemoServer.start(group, transport, allocator, provider.demo());
                settings = provider.demo();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StartException("interrupted while starting the demo model");
            }
        }
        return server.url();
    }

    /**
     * Stops it when none of {@code providers} is a demo provider: a config only checked, or one that no longer names
     * the demo, leaves no server behind, and the next demo provider starts it anew with its own settings. Streams it
     * is serving go on to their end.
     */
    public synchronized void keepFor(List<SluiceConfig.Provider> providers) {
        if (server != null && providers.stream().noneMatch(provider -> provider.demo() != null)) {
            server.close();
            server = null;
            settings = null;
        }
    }

    /** The settings it was started with, or null while it is not started: every demo provider shares them. */
    public synchronized SluiceConfig.Demo settings() {
        return settings;
    }

    public synchronized void close() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }
}
