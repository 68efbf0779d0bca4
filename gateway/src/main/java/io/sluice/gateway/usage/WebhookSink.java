package io.sluice.gateway.usage;

import com.fasterxml.jackson.core.JsonGenerator;
import io.sluice.gateway.config.SluiceConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Delivers usage records to an HTTP webhook, losing none: every record is first appended to a {@link Spool} on
 * disk (on the usage reporter's thread), and a delivery thread of its own POSTs them from there as JSON arrays, in
 * order, in batches of up to {@code batch} records gathered for up to {@code flush}. A batch leaves the spool only
 * when the receiver answers 2xx; any other answer, a timeout or a refused connection is tried again, after a backoff
 * that doubles up to {@code backoff.max} with jitter, for as long as it takes. Each POST carries an
 * {@code Idempotency-Key} named after the batch's first record's place in the spool (the same on every retry), and
 * every record its request id, so a receiver can drop what it already has; with a secret, an
 * {@code X-Sluice-Signature: sha256=...} HMAC of the body. A full spool drops the newest records (counted and
 * logged) or, with {@code when_full: refuse}, says so to admission, which then refuses requests with 503.
 *
 * <p>Closing delivers what it can within the shutdown's time and leaves the rest in the spool, replayed on the next
 * start; so is whatever a crash left there.
 */
public final class WebhookSink implements UsageSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookSink.class);
    private static final String SIGNATURE = "X-Sluice-Signature";
    /** How long closing keeps delivering. */
    static final Duration CLOSE_TIME = Duration.ofSeconds(5);

    private final SluiceConfig.Webhook config;
    private final Spool spool;
    private final HttpClient client;
    private final Thread thread;
    private final Object wake = new Object();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong successes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    /** Batches that found the spool full: the warning is logged at the 1st, 2nd, 4th, 8th... */
    private final AtomicLong fullBatches = new AtomicLong();
    private volatile boolean full;
    private volatile boolean closing;
    private volatile long closeDeadline;
    private volatile String lastError;

    public WebhookSink(SluiceConfig.Webhook config) throws IOException {
        this.config = config;
        this.spool = Spool.open(new Spool.Settings(config.spoolDir(), config.spoolMaxBytes(), config.fsync(),
                config.fsyncInterval()));
        if (spool.records() > 0) {
            LOG.info("usage webhook {}: {} records from an earlier run wait in the spool; they are delivered first",
                    config.name(), spool.records());
        }
        this.client = HttpClient.newBuilder().connectTimeout(config.timeout()).build();
        this.thread = new Thread(this::run, "sluice-usage-webhook-" + config.name());
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Spools the batch (the reporter's thread); what does not fit is dropped and counted, or refused. */
    @Override
    public void accept(List<UsageRecord> batch) {
        final List<byte[]> records = new ArrayList<>(batch.size());
        batch.forEach(record -> records.add(UsageJson.toJson(record).getBytes(StandardCharsets.UTF_8)));
        int appended;
        try {
            appended = spool.append(records);
        } catch (IOException e) {
            LOG.error("usage webhook {}: the spool could not be written ({}); {} records are lost", config.name(),
                    e.toString(), records.size());
            appended = 0;
        }
        full = appended < records.size();
        if (full) {
            final long total = dropped.addAndGet(records.size() - appended);
            if (Long.bitCount(fullBatches.incrementAndGet()) == 1) {
                LOG.warn("usage webhook {}: the spool is full ({} of {} bytes); {} records {} so far", config.name(),
                        spool.bytes(), spool.maxBytes(), total, config.whenFull() == SluiceConfig.WhenFull.REFUSE
                                ? "lost, and requests refused until it drains" : "dropped");
            }
        }
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void run() {
        long backoff = config.backoffInitial().toNanos();
        while (!closing || spool.records() > 0 && System.nanoTime() < closeDeadline) {
            try {
                spool.forceIfDue();
                final Spool.Batch batch = gather();
                if (batch.records().isEmpty()) {
                    if (!batch.end().equals(batch.first())) {
                        // Only damaged records were there: move past them, once.
                        spool.acknowledge(batch);
                    }
                    continue;
                }
                final String failure = post(batch);
                if (failure == null) {
                    spool.acknowledge(batch);
                    successes.incrementAndGet();
                    delivered.addAndGet(batch.records().size());
                    full = false;
                    backoff = config.backoffInitial().toNanos();
                    if (lastError != null) {
                        LOG.info("usage webhook {}: the receiver takes batches again", config.name());
                    }
                    lastError = null;
                } else {
                    failures.incrementAndGet();
                    if (lastError == null) {
                        LOG.warn("usage webhook {}: the receiver did not take a batch ({}); records wait in the spool "
                                + "and are tried again until it does", config.name(), failure);
                    }
                    lastError = failure;
                    LOG.debug("usage webhook {}: a batch of {} was not taken ({}); tried again", config.name(),
                            batch.records().size(), failure);
                    pause(backoff + ThreadLocalRandom.current().nextLong(backoff / 2 + 1));
                    backoff = Math.min(backoff * 2, config.backoffMax().toNanos());
                }
            } catch (IOException e) {
                LOG.error("usage webhook {}: the spool could not be read: {}", config.name(), e.toString());
                pause(config.backoffMax().toNanos());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The next batch: at once when it is full, else what came within the flush time of the first record. */
    private Spool.Batch gather() throws IOException, InterruptedException {
        Spool.Batch batch = spool.peek(config.batch());
        if (batch.records().isEmpty()) {
            synchronized (wake) {
                wake.wait(Math.max(1, config.flush().toMillis()));
            }
            return spool.peek(config.batch());
        }
        if (batch.records().size() < config.batch() && !closing) {
            TimeUnit.NANOSECONDS.sleep(config.flush().toNanos());
            batch = spool.peek(config.batch());
        }
        return batch;
    }

    /** POSTs a batch; null when the receiver took it, else what went wrong. */
    private String post(Spool.Batch batch) throws InterruptedException {
        final byte[] body = jsonArray(batch.records());
        final HttpRequest.Builder request = HttpRequest.newBuilder(config.url())
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", "sluice-" + batch.first().segment() + "-" + batch.first().offset())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (config.secret() != null) {
            request.header(SIGNATURE, "sha256=" + hmac(config.secret(), body));
        }
        try {
            final HttpResponse<Void> response = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() / 100 == 2 ? null : "status " + response.statusCode();
        } catch (IOException e) {
            return e.getClass().getSimpleName();
        }
    }

    private static byte[] jsonArray(List<byte[]> records) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write('[');
        for (int i = 0; i < records.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.writeBytes(records.get(i));
        }
        out.write(']');
        return out.toByteArray();
    }

    /** The hex HMAC-SHA256 of {@code body} with {@code secret}: what a receiver computes to trust the batch. */
    static String hmac(String secret, byte[] body) {
        try {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private void pause(long nanos) {
        synchronized (wake) {
            try {
                TimeUnit.NANOSECONDS.timedWait(wake, Math.max(1, nanos));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Its fields of {@code /health/detailed}: {@code state} ({@code delivering}, {@code failing} while the receiver
     * does not take batches, {@code full} while the spool refuses records), what waits in the spool against its
     * bound, and the counts since start.
     */
    public void writeHealth(JsonGenerator g) throws IOException {
        g.writeObjectFieldStart(config.name());
        g.writeStringField("state", full ? "full" : lastError != null ? "failing" : "delivering");
        g.writeNumberField("spooled_records", spool.records());
        g.writeNumberField("spooled_bytes", spool.bytes());
        g.writeNumberField("spool_max_bytes", spool.maxBytes());
        g.writeNumberField("delivered_records", delivered.get());
        g.writeNumberField("failed_posts", failures.get());
        g.writeNumberField("dropped_records", dropped.get());
        g.writeNumberField("damaged_records", spool.corrupt());
        g.writeStringField("last_error", lastError);
        g.writeEndObject();
    }

    /** Whether the spool refused records since the last delivery: with {@code when_full: refuse}, stop admitting. */
    public boolean refusing() {
        return full && config.whenFull() == SluiceConfig.WhenFull.REFUSE;
    }

    /** Batches the receiver took since start. */
    public long successes() {
        return successes.get();
    }

    /** POSTs that failed since start (each retry counts). */
    public long failures() {
        return failures.get();
    }

    public long dropped() {
        return dropped.get();
    }

    public long spooledRecords() {
        return spool.records();
    }

    public long spooledBytes() {
        return spool.bytes();
    }

    public String name() {
        return config.name();
    }

    /** Delivers what it can for {@code time}, then stops; {@link #close} waits for that. Called once. */
    void startClosing(Duration time) {
        closeDeadline = System.nanoTime() + time.toNanos();
        closing = true;
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    /**
     * Delivers what it can (for {@link #CLOSE_TIME}, unless closing started earlier), then stops; the rest stays in
     * the spool for the next start.
     */
    @Override
    public void close() throws InterruptedException {
        if (!closing) {
            startClosing(CLOSE_TIME);
        }
        final long left = TimeUnit.NANOSECONDS.toMillis(closeDeadline - System.nanoTime());
        thread.join(Math.max(1, left + config.timeout().toMillis()));
        thread.interrupt();
        thread.join();
        spool.close();
    }
}
