package io.sluice.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TtftSplitTest {
    private static final int PROXY = 9200;
    private static final int MODEL = 9100;

    /** A line as {@code tcpdump -nn -tt -r} prints a TCP packet on loopback. */
    private static String packet(String time, int from, int to, int length) {
        return time + " IP 127.0.0.1." + from + " > 127.0.0.1." + to + ": Flags [P.], seq 1:" + (length + 1)
                + ", ack 1, win 512, options [nop,nop,TS val 1 ecr 2], length " + length + "\n";
    }

    /** The same on IPv6's loopback. */
    private static String packet6(String time, int from, int to, int length) {
        return packet(time, from, to, length).replace(" IP 127.0.0.1.", " IP6 ::1.").replace(" > 127.0.0.1.", " > ::1.");
    }

    /** The split of a capture whose first packet, long before the rest, is part of an answer already under way. */
    private static TtftSplit.Split split(String capture) throws IOException {
        return TtftSplit.split(new StringReader(packet("1.000000", PROXY, 40999, 650) + capture), PROXY, MODEL);
    }

    private static void assertSplit(TtftSplit.Split split, List<Long> client, List<Long> model, List<Long> in,
                                    List<Long> out) {
        assertEquals(client, split.client(), "client waits");
        assertEquals(model, split.model(), "model server waits");
        assertEquals(in, split.in(), "proxy in");
        assertEquals(out, split.out(), "proxy out");
    }

    @Test
    void splitsEachRequestIntoTheProxysWaysInAndOutAndTheModelServersWait() throws IOException {
        final String capture = packet("100.000100", 40001, PROXY, 234)       // client A asks
                + packet("100.000150", 40002, PROXY, 234)                      // client B asks
                + packet("100.000400", 50001, MODEL, 474)                      // A forwarded
                + packet("100.000450", 50002, MODEL, 474)                      // B forwarded
                + packet("100.001400", MODEL, 50001, 600)                      // A's first event
                + packet("100.001900", MODEL, 50002, 600)                      // B's first event
                + packet("100.002000", PROXY, 40001, 650)                      // A's first byte
                + packet("100.002050", MODEL, 50001, 200)                      // A's next event: not a first byte
                + packet("100.002100", PROXY, 40002, 650);                     // B's first byte
        final TtftSplit.Split split = split(capture);

        assertSplit(split, List.of(1900L, 1950L), List.of(1000L, 1450L), List.of(300L, 300L), List.of(600L, 200L));
    }

    @Test
    void aKeptAliveConnectionsNextRequestStartsANewExchangeAndARequestInTwoPacketsIsOne() throws IOException {
        final String capture = packet("5.000000", 40001, PROXY, 120)          // head
                + packet("5.000010", 40001, PROXY, 114)                        // body: the same request
                + packet("5.000300", 50001, MODEL, 474)
                + packet("5.001000", MODEL, 50001, 600)
                + packet("5.001100", PROXY, 40001, 650)
                + packet("5.001200", PROXY, 40001, 650)                        // the rest of the answer
                + packet("5.500000", 40001, PROXY, 120)                        // the next request, same connection
                + packet("5.500200", 50001, MODEL, 474)
                + packet("5.501000", MODEL, 50001, 600)
                + packet("5.501500", PROXY, 40001, 650);
        final TtftSplit.Split split = split(capture);

        assertSplit(split, List.of(1100L, 1500L), List.of(700L, 800L), List.of(300L, 200L), List.of(100L, 500L));
    }

    @Test
    void leavesOutWhatTheCaptureCutOffAndTheModelServersOtherRequests() throws IOException {
        final String capture = packet("7.000000", PROXY, 40009, 650)          // an answer begun before the capture
                + packet("7.000100", MODEL, 50009, 600)
                + packet("7.000200", 40001, PROXY, 234)
                + packet("7.000250", 50100, MODEL, 90)                         // a load scrape: another size
                + packet("7.000260", MODEL, 50100, 300)
                + packet("7.000400", 50001, MODEL, 474)
                + packet("7.001400", MODEL, 50001, 600)
                + packet("7.001500", PROXY, 40001, 650)
                + packet("7.002000", 40002, PROXY, 234)                        // never answered in the capture
                + packet("7.003000", 40003, PROXY, 234)
                + packet("7.003100", 50003, MODEL, 474)
                + packet("7.003600", MODEL, 50003, 600)
                + packet("7.003700", PROXY, 40003, 650);
        final TtftSplit.Split split = split(capture);

        assertSplit(split, List.of(1300L, 700L), List.of(1000L, 500L), List.of(200L, 100L), List.of(100L, 100L));
        assertEquals(1, split.otherSize());
    }

    @Test
    void leavesOutTheCapturesFirstMillisecondsWhereAnEarlierRequestsForwardWouldBePairedWrongly() throws IOException {
        final String capture = packet("10.000000", PROXY, 40009, 650)         // the capture starts here
                + packet("10.050000", 40001, PROXY, 234)                       // asked in the first 100 ms
                + packet("10.050300", 50001, MODEL, 474)
                + packet("10.051000", MODEL, 50001, 600)
                + packet("10.051100", PROXY, 40001, 650)
                + packet("10.090000", 50002, MODEL, 474)                       // forwards a request sent before
                + packet("10.091000", MODEL, 50002, 600)
                + packet6("10.300000", 40003, PROXY, 234)                      // over IPv6's loopback
                + packet6("10.300200", 50003, MODEL, 474)
                + packet6("10.301000", MODEL, 50003, 600)
                + packet6("10.301100", PROXY, 40003, 650);
        final TtftSplit.Split split = TtftSplit.split(new StringReader(capture), PROXY, MODEL);

        assertSplit(split, List.of(1100L), List.of(800L), List.of(200L), List.of(100L));
    }
}
