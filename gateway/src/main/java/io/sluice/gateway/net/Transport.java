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
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.sluice.gateway.config.ConfigException;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The I/O transport: io_uring where the kernel allows it, else native epoll, else Java NIO, or as the config says.
 * io_uring comes first because it hands the kernel a loop's reads and writes in one system call: in same-run A/B
 * tests on the benchmark machine it served about a fifth more small requests per CPU-second than epoll (two rounds
 * each, on a machine that drifts; bench/RESULTS.md), at the cost of a read buffer held by each quiet connection
 * (6.6-8.0 KiB of heap and direct memory per idle stream against epoll's 4-5). {@code auto} takes io_uring only from
 * Linux 5.12: before it the rings count against the memlock limit (64 KiB by default), too little for Netty's, and
 * the event loops would fail to start. Containers whose seccomp profile refuses io_uring fall back to epoll too;
 * {@code epoll} forces the older transport.
 */
public record Transport(String name, IoHandlerFactory ioHandlerFactory,
                        Class<? extends ServerSocketChannel> serverChannelType,
                        Class<? extends SocketChannel> socketChannelType,
                        Class<? extends DatagramChannel> datagramChannelType) {
    private static final Pattern KERNEL_VERSION = Pattern.compile("(\\d{1,4})\\.(\\d{1,4})");

    /** The transport for {@code server.transport}: {@code auto}, {@code epoll}, {@code io_uring} or {@code nio}. */
    public static Transport choose(String setting) {
        switch (setting) {
            case "io_uring" -> {
                if (!IoUring.isAvailable()) {
                    throw new ConfigException("server.transport: io_uring is not available here ("
                            + IoUring.unavailabilityCause() + ")");
                }
                return ioUring();
            }
            case "epoll" -> {
                if (!Epoll.isAvailable()) {
                    throw new ConfigException("server.transport: epoll is not available here ("
                            + Epoll.unavailabilityCause() + ")");
                }
                return epoll();
            }
            case "nio" -> {
                return nio();
            }
            default -> {
                if (IoUring.isAvailable() && kernelAtLeast(System.getProperty("os.version", ""), 5, 12)) {
                    return ioUring();
                }
                return Epoll.isAvailable() ? epoll() : nio();
            }
        }
    }

    /** Whether a Linux {@code os.version} such as {@code 5.15.0-91-generic} is at least {@code major.minor}. */
    static boolean kernelAtLeast(String osVersion, int major, int minor) {
        final Matcher version = KERNEL_VERSION.matcher(osVersion);
        if (!version.lookingAt()) {
            return false;
        }
        final int hasMajor = Integer.parseInt(version.group(1));
        return hasMajor > major || hasMajor == major && Integer.parseInt(version.group(2)) >= minor;
    }

    private static Transport ioUring() {
        return new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class,
                IoUringSocketChannel.class, IoUringDatagramChannel.class);
    }

    private static Transport epoll() {
        return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                EpollSocketChannel.class, EpollDatagramChannel.class);
    }

    private static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class,
                NioSocketChannel.class, NioDatagramChannel.class);
    }

    /**
     * Event loops for both sides of every connection; 0 threads means one per core. Each lets I/O gather for
     * {@code batchWindow} before a turn that finds nothing queued (zero: never waits).
     */
    public EventLoopGroup newEventLoopGroup(int threads, Duration batchWindow) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("sluice-io", true),
                BatchWindowIoHandler.around(ioHandlerFactory, name.equals("io_uring"), batchWindow));
    }
}
