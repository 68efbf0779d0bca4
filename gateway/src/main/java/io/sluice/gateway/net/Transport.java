package io.sluice.gateway.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.sluice.gateway.config.ConfigException;

/** The I/O transport: native epoll where the platform has it, Java NIO otherwise, or as the config says. */
public record Transport(String name, IoHandlerFactory ioHandlerFactory,
                        Class<? extends ServerSocketChannel> serverChannelType,
                        Class<? extends SocketChannel> socketChannelType,
                        Class<? extends DatagramChannel> datagramChannelType) {

    /** The transport for the {@code server.transport} setting: {@code auto}, {@code epoll} or {@code nio}. */
    public static Transport choose(String setting) {
        final boolean epoll = switch (setting) {
            case "epoll" -> {
                if (!Epoll.isAvailable()) {
                    throw new ConfigException("server.transport: epoll is not available here ("
                            + Epoll.unavailabilityCause() + ")");
                }
                yield true;
            }
            case "nio" -> false;
            default -> Epoll.isAvailable();
        };
        return epoll
                ? new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                        EpollSocketChannel.class, EpollDatagramChannel.class)
                : new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class,
                        NioSocketChannel.class, NioDatagramChannel.class);
    }

    /** Event loops for both sides of every connection; 0 threads means one per core. */
    public EventLoopGroup newEventLoopGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("sluice-io", true),
                ioHandlerFactory);
    }
}
