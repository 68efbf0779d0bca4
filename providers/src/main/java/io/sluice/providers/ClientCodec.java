package io.sluice.providers;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.json.MalformedRequestException;

/**
 * The client side of a dialect: reading a client's chat request into the OpenAI form every translation goes
 * through, and writing the answer back in the client's format, as a stream or whole. Every dialect a backend
 * speaks has one ({@link DialectCodec}); Sluice's uniform API has only this side, since no backend speaks it.
 * Stateless.
 */
public interface ClientCodec {
    /**
     * A client's chat request of this dialect in the OpenAI form.
     *
     * @throws MalformedRequestException when it is not valid JSON or not a request of this dialect
     */
    TranslatedRequest toOpenAi(ByteBuf body) throws MalformedRequestException;

    /**
     * A writer of one stream for a client of this dialect.
     *
     * @param includeUsage whether the client asked for usage, where the dialect makes it optional
     */
    StreamEncoder encoder(Served served, boolean includeUsage);

    /**
     * A writer that goes on with a stream of this dialect which a client was relayed byte for byte up to
     * {@code position}: it writes none of what the client already has (no second role delta or
     * {@code message_start}, the open block continued). A dialect no backend speaks is never relayed, and starts anew.
     */
    default StreamEncoder resume(Served served, boolean includeUsage, StreamPosition position) {
        return encoder(served, includeUsage);
    }

    /**
     * Writes an event of a stream of this dialect, whose data is {@code length} bytes of {@code data}, as it came but
     * under {@code served}'s id and model: how a stream continued on a backend of the client's own dialect keeps the
     * first answer's name and the rest of the continuation's bytes.
     *
     * @return false, writing nothing, when the event cannot be renamed so (it is then written anew by an encoder)
     */
    default boolean renamed(byte[] data, int length, Served served, ByteBuf out) {
        return false;
    }

    /** A whole answer for a client of this dialect. */
    byte[] answer(Answer answer, Served served);
}
