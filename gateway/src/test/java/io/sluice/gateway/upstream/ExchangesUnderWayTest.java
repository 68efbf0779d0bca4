package io.sluice.gateway.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.gateway.net.LoopExchanges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The exchanges an upstream connection's handler counts on its event loop, which the loop's batch window reads:
 * one from the moment a connection is lent to an exchange to the moment it is given back, closed, or found broken,
 * each counted out once. An {@link EmbeddedChannel} runs on the test's thread, so the count is the test's.
 */
class ExchangesUnderWayTest {
    private final int before = LoopExchanges.underWay();
    private final EmbeddedChannel channel = new EmbeddedChannel(new UpstreamHandler());
    private final UpstreamHandler handler = channel.pipeline().get(UpstreamHandler.class);
    private final List<String> heard = new ArrayList<>();

    private final UpstreamListener listener = new UpstreamListener() {
        @Override
        public void onUpstreamHead(ResponseHead head) {
            heard.add("head");
        }

        @Override
        public void onUpstreamBody(ByteBuf piece, boolean last) {
            piece.release();
            if (last) {
                heard.add("end");
                handler.detach();   // as an exchange gives its connection back at the answer's end
            }
        }

        @Override
        public void onUpstreamMalformed(String reason) {
            heard.add("malformed");
        }

        @Override
        public void onUpstreamReadComplete() {
        }

        @Override
        public void onUpstreamClosed(Throwable cause) {
            heard.add(cause == null ? "closed" : "failed");
        }
    };

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    /** The exchanges counted on this thread since the test began. */
    private int countedHere() {
        return LoopExchanges.underWay() - before;
    }

    @Test
    void anExchangeCountsFromItsAttachToItsDetach() {
        handler.attach(listener);
        assertEquals(1, countedHere());
        handler.attach(listener);
        assertEquals(1, countedHere(), "attached again, still one exchange");
        handler.detach();
        assertEquals(0, countedHere());
        handler.detach();
        assertEquals(0, countedHere(), "detached twice, counted out once");
    }

    @Test
    void anExchangeThatGivesItsConnectionBackAtTheAnswersEndCountsOutOnce() {
        handler.attach(listener);
        channel.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
                StandardCharsets.US_ASCII));
        assertEquals(0, countedHere());
        channel.close();
        assertEquals(0, countedHere(), "the close of a connection given back counts nothing out");
        assertEquals(List.of("head", "end"), heard);
    }

    @Test
    void aConnectionThatClosesUnderAnExchangeCountsItOut() {
        handler.attach(listener);
        channel.close();
        assertEquals(0, countedHere());
        handler.detach();
        assertEquals(0, countedHere());
        assertEquals(List.of("closed"), heard);
    }

    @Test
    void aBrokenConnectionCountsItsExchangeOut() {
        handler.attach(listener);
        channel.pipeline().fireExceptionCaught(new IllegalStateException("reset"));
        assertEquals(0, countedHere());
        assertEquals(List.of("failed"), heard);
    }

    @Test
    void aMalformedResponseCountsItsExchangeOut() {
        handler.attach(listener);
        channel.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 two hundred\r\n\r\n", StandardCharsets.US_ASCII));
        assertEquals(0, countedHere());
        assertEquals(List.of("malformed"), heard);
    }
}
