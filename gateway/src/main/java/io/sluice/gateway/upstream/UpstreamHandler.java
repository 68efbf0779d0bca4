package io.sluice.gateway.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.sluice.gateway.net.LoopExchanges;

/**
 * The last handler of every upstream pipeline: it reads the backend's responses ({@link ResponseDecoder}) and
 * hands them to the exchange that leases the connection, or, while the connection idles in the pool, treats any
 * byte from the backend as a broken connection and closes it. A connection whose response was malformed, or was
 * followed by bytes nobody asked for, is closed as well. It sets the connection's read sizes
 * ({@link ResponseReads}) and marks the start of each response on them. It counts the exchanges it serves on its
 * event loop, for the loop's batch window ({@link LoopExchanges}).
 *
 * <p>Runs on the connection's event loop, which is also its exchange's, so attaching needs no synchronisation.
 * Buffers: each read is released here once decoded; the body pieces cut from it pass to the listener with their
 * ownership, or are released here when no listener is left to take them.
 */
public final class UpstreamHandler extends ChannelInboundHandlerAdapter implements ResponseDecoder.Sink {
    private final ResponseDecoder decoder = new ResponseDecoder();
    private final ResponseReads reads = new ResponseReads();
    private UpstreamListener listener;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // Added when the connection registers, before its first read makes the read handle.
        ctx.channel().config().setRecvByteBufAllocator(reads);
    }

    /** Delivers the connection's events to {@code listener}, whose request is written next. */
    void attach(UpstreamListener listener) {
        listen(listener);
        reads.responseStarts();
    }

    /** Stops the events; returns whether the connection is between responses, so it can carry another request. */
    boolean detach() {
        listen(null);
        return decoder.betweenResponses();
    }

    /** Sets the listener, counting an exchange in or out of the event loop's ({@link LoopExchanges}). */
    private void listen(UpstreamListener next) {
        if (listener == null && next != null) {
            LoopExchanges.started();
        } else if (listener != null && next == null) {
            LoopExchanges.ended();
        }
        listener = next;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (listener == null || !(msg instanceof ByteBuf in)) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        try {
            decoder.decode(in, this);
        } finally {
            in.release();
        }
        if (decoder.broken()) {
            ctx.close();
        }
    }

    @Override
    public void onHead(ResponseHead head) {
        if (listener != null) {
            listener.onUpstreamHead(head);
        }
    }

    @Override
    public void onBody(ByteBuf piece, boolean last) {
        if (listener != null) {
            listener.onUpstreamBody(piece, last);
        } else {
            piece.release();
        }
    }

    @Override
    public void onMalformed(String reason) {
        final UpstreamListener current = listener;
        listen(null);
        if (current != null) {
            current.onUpstreamMalformed(reason);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (listener != null) {
            listener.onUpstreamReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        decoder.endOfInput(this);
        final UpstreamListener current = listener;
        listen(null);
        if (current != null) {
            current.onUpstreamClosed(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        final UpstreamListener current = listener;
        listen(null);
        ctx.close();
        if (current != null) {
            current.onUpstreamClosed(cause);
        }
    }
}
