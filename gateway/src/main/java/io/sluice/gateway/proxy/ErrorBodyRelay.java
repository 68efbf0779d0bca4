package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.CaptureBuffer;
import io.sluice.codec.usage.Usage;

/**
 * Takes in a backend's error response (status 400 or more) instead of relaying it: the body is kept, up to
 * {@link UpstreamErrors#MAX_BODY_BYTES}, so the exchange can answer in the caller's dialect once it has ended, with
 * the provider's key masked. Nothing is written to the client until then.
 */
final class ErrorBodyRelay implements ResponseRelay {
    private final CaptureBuffer body = new CaptureBuffer(512, UpstreamErrors.MAX_BODY_BYTES);

    @Override
    public void onContent(ByteBuf content) {
        body.append(content, content.readerIndex(), content.readableBytes());
        content.release();
    }

    @Override
    public void onEnd() {
    }

    @Override
    public void discard() {
        body.reset();
    }

    @Override
    public boolean canEndWithErrorEvent() {
        return false;
    }

    @Override
    public Usage usage() {
        return null;
    }

    byte[] bytes() {
        return body.array();
    }

    int length() {
        return body.length();
    }
}
