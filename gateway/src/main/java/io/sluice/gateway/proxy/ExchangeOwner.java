package io.sluice.gateway.proxy;

import io.netty.channel.ChannelFuture;

/** The connection handler that runs an exchange, told when it is over. */
public interface ExchangeOwner {
    /**
     * The exchange wrote its last byte (the write's future is {@code lastWrite}) or gave up; the connection takes
     * the next request when {@code keepAlive}, else closes once that write is done.
     */
    void exchangeDone(ChannelFuture lastWrite, boolean keepAlive);
}
