package io.sluice.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits the time to first byte of the requests a loopback capture saw into the hops of a proxy: the client's wait
 * (request in to first answer byte out, at the proxy's port), the model server's (the proxy's upstream request to
 * the first byte back, at the model server's port), and the proxy's own share on each way: from the client's
 * request to the upstream request it made of it ("in"), and from the model server's first byte to the client's
 * ("out"). A generator's TTFT says only that a proxy is slower; this says on which side of the model server, and
 * whether the model server itself answered the proxy later than it answers a client directly.
 *
 * <p>Input: the text {@code tcpdump -nn -tt -r capture.pcap} prints of a capture of both ports. A connection's
 * exchange starts with a packet with payload towards the server after the last answer began; its first byte back is
 * the first packet with payload the other way. A client request is paired with the first upstream request sent at
 * or after it that no earlier client request took: exact for a proxy that forwards requests in the order they came
 * (one event loop, as Sluice's, nginx's and HAProxy's workers are here), a close approximation where a burst is
 * forwarded out of order. The generator sends one request over and over, so every forwarded request's first packet
 * has one size: exchanges of another size at either port (a load scrape or health probe of the model server's, a
 * stray request) are left out, as they would shift every pairing after them; the count of them is printed. So are
 * exchanges the capture cut off at either end, and those of its first {@value #LEAD_MILLIS} ms: there an upstream
 * request made of a client request sent before the capture would take the place of the first captured one's.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.sluice.bench.TtftSplit PROXY_PORT MODEL_PORT < capture.txt}
 * prints one line per measure, in microseconds. {@code bench/ttft-split.sh} takes the capture and runs it.
 */
public final class TtftSplit {
    private static final Pattern PACKET =
            Pattern.compile("^(\\d+)\\.(\\d{6}) IP6? \\S+?\\.(\\d+) > \\S+?\\.(\\d+): .*length (\\d+)");

    /** The start of a capture left out: longer than any proxy here takes to forward a request. */
    static final int LEAD_MILLIS = 100;

    /**
     * One exchange at one port: when its request's first packet went and how many bytes that packet held, and when
     * its answer's first packet came (-1 until it does).
     */
    record Exchange(long requestMicros, int requestBytes, long firstByteMicros) {
        long firstByteWait() {
            return firstByteMicros - requestMicros;
        }
    }

    /**
     * The split of a capture, in microseconds: {@code client} and {@code model} hold one wait per answered exchange
     * at that port, {@code in} and {@code out} one figure per client exchange paired with an upstream one;
     * {@code otherSize} counts the exchanges left out for their size.
     */
    record Split(List<Long> client, List<Long> model, List<Long> in, List<Long> out, int otherSize) {
    }

    private TtftSplit() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: TtftSplit PROXY_PORT MODEL_PORT < tcpdump-text");
            System.exit(2);
        }
        final Split split = split(new InputStreamReader(System.in, StandardCharsets.US_ASCII),
                Integer.parseInt(args[0]), Integer.parseInt(args[1]));
        print("client TTFB (request in to first byte out)", split.client());
        print("model server TTFB (at the proxy's upstream)", split.model());
        print("proxy in (client request to upstream request)", split.in());
        print("proxy out (model server's first byte to client's)", split.out());
        if (split.otherSize() > 0) {
            System.out.println("left out: " + split.otherSize() + " exchanges whose request had another size");
        }
    }

    static Split split(Reader capture, int proxyPort, int modelPort) throws IOException {
        final Map<Integer, List<Exchange>> toProxy = new HashMap<>();
        final Map<Integer, List<Exchange>> toModel = new HashMap<>();
        final BufferedReader lines = new BufferedReader(capture);
        long start = -1;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            final Matcher packet = PACKET.matcher(line);
            if (!packet.find() || Integer.parseInt(packet.group(5)) == 0) {
                continue;
            }
            final long micros = Long.parseLong(packet.group(1)) * 1_000_000 + Long.parseLong(packet.group(2));
            if (start < 0) {
                start = micros;
            }
            final int from = Integer.parseInt(packet.group(3));
            final int to = Integer.parseInt(packet.group(4));
            if (to == proxyPort || to == modelPort) {
                request(to == proxyPort ? toProxy : toModel, key(to, from), micros, Integer.parseInt(packet.group(5)));
            } else if (from == proxyPort || from == modelPort) {
                firstByte(from == proxyPort ? toProxy : toModel, key(from, to), micros);
            }
        }
        final long from = start + LEAD_MILLIS * 1000L;
        final List<Exchange> answeredClients = answeredInOrder(toProxy, from);
        final List<Exchange> answeredUpstream = answeredInOrder(toModel, from);
        final List<Exchange> clients = ofCommonSize(answeredClients);
        final List<Exchange> upstream = ofCommonSize(answeredUpstream);
        final List<Long> in = new ArrayList<>();
        final List<Long> out = new ArrayList<>();
        int next = 0;
        for (Exchange client : clients) {
            while (next < upstream.size() && upstream.get(next).requestMicros() < client.requestMicros()) {
                next++;
            }
            if (next == upstream.size()) {
                break;
            }
            final Exchange forwarded = upstream.get(next++);
            in.add(forwarded.requestMicros() - client.requestMicros());
            out.add(client.firstByteMicros() - forwarded.firstByteMicros());
        }
        return new Split(clients.stream().map(Exchange::firstByteWait).toList(),
                upstream.stream().map(Exchange::firstByteWait).toList(), in, out,
                answeredClients.size() - clients.size() + answeredUpstream.size() - upstream.size());
    }

    /** A connection of one server port: the port in the high bits, the peer's in the low. */
    private static int key(int serverPort, int peerPort) {
        return serverPort << 16 | peerPort;
    }

    private static void request(Map<Integer, List<Exchange>> exchanges, int connection, long micros, int bytes) {
        final List<Exchange> ofConnection = exchanges.computeIfAbsent(connection, c -> new ArrayList<>());
        // A packet towards the server starts an exchange unless the last one is still waiting for its answer.
        if (ofConnection.isEmpty() || ofConnection.get(ofConnection.size() - 1).firstByteMicros() >= 0) {
            ofConnection.add(new Exchange(micros, bytes, -1));
        }
    }

    private static void firstByte(Map<Integer, List<Exchange>> exchanges, int connection, long micros) {
        final List<Exchange> ofConnection = exchanges.get(connection);
        if (ofConnection == null) {
            return;   // an answer whose request came before the capture
        }
        final int last = ofConnection.size() - 1;
        final Exchange exchange = ofConnection.get(last);
        if (exchange.firstByteMicros() < 0) {   // else a later packet of the same answer
            ofConnection.set(last, new Exchange(exchange.requestMicros(), exchange.requestBytes(), micros));
        }
    }

    /** The answered exchanges whose request went at {@code from} or later, in the order of their requests. */
    private static List<Exchange> answeredInOrder(Map<Integer, List<Exchange>> exchanges, long from) {
        final List<Exchange> all = new ArrayList<>();
        for (List<Exchange> ofConnection : exchanges.values()) {
            for (Exchange exchange : ofConnection) {
                if (exchange.firstByteMicros() >= 0 && exchange.requestMicros() >= from) {
                    all.add(exchange);
                }
            }
        }
        all.sort((a, b) -> Long.compare(a.requestMicros(), b.requestMicros()));
        return all;
    }

    /** The exchanges whose request's first packet has the size most of them have. */
    private static List<Exchange> ofCommonSize(List<Exchange> exchanges) {
        final Map<Integer, Integer> bySize = new HashMap<>();
        for (Exchange exchange : exchanges) {
            bySize.merge(exchange.requestBytes(), 1, Integer::sum);
        }
        final int common = bySize.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElse(0);
        return exchanges.stream().filter(exchange -> exchange.requestBytes() == common).toList();
    }

    private static void print(String measure, List<Long> values) {
        final Samples samples = new Samples();
        values.forEach(samples::add);
        if (samples.size() == 0) {
            System.out.printf("%-52s none captured%n", measure);
            return;
        }
        System.out.printf("%-52s n=%d p50=%d p90=%d p99=%d%n", measure, samples.size(), samples.percentile(50),
                samples.percentile(90), samples.percentile(99));
    }
}
