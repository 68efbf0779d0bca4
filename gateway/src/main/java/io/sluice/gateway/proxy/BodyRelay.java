package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.usage.JsonUsageTee;
import io.sluice.codec.usage.Usage;

/**
 * Relays a body that is not an event stream exactly as it arrives, each piece as received. For JSON the tee reads
 * the top-level usage on the way; anything else passes without a look.
 */
final class BodyRelay implements ResponseRelay {
    private final ClientSink sink;
    private final JsonUsageTee tee;

    BodyRelay(ClientSink sink, boolean json) {
        this.sink = sink;
        this.tee = json ? new JsonUsageTee() : null;
    }

    @Override
    public void onContent(ByteBuf content) {
        if (!content.isReadable()) {
            content.release();
            return;
        }
        if (tee != null) {
            tee.onContent(content);
        }
        sink.write(content);
    }

    @Override
    public void onEnd() {
    }

    @Override
    public void discard() {
    }

    /**
     * Its framing (a length, or chunks) already told whether it came whole; a body that ends only when its
     * connection closes (neither) cannot tell, and is taken as it came.
     */
    @Override
    public String failure() {
        return null;
    }

    @Override
    public boolean canEndWithErrorEvent() {
        return false;
    }

    @Override
    public Usage usage() {
        return tee == null ? null : tee.usage();
    }
}
