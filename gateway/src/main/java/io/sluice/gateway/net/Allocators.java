package io.sluice.gateway.net;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * The ByteBuf allocator for the {@code server.allocator} setting. Pooled is the default: Netty 4.2's adaptive
 * allocator has open regressions (netty #15850), so it is a choice to benchmark, not the default.
 */
public final class Allocators {
    private Allocators() {
    }

    public static ByteBufAllocator of(String setting) {
        return switch (setting) {
            case "adaptive" -> new AdaptiveByteBufAllocator();
            case "unpooled" -> UnpooledByteBufAllocator.DEFAULT;
            default -> PooledByteBufAllocator.DEFAULT;
        };
    }
}
