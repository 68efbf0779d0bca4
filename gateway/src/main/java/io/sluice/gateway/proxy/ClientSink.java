package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Where a relay writes response body bytes for the client. */
interface ClientSink {
    /** Writes {@code bytes} to the client (no flush); ownership passes. */
    void write(ByteBuf bytes);

    ByteBufAllocator alloc();
}
