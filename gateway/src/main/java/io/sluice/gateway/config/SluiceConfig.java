package io.sluice.gateway.config;

import io.sluice.providers.Continuation;
import io.sluice.providers.ProviderType;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole configuration, as read and checked from one YAML file. Immutable (every list, set and map in it is an
 * unmodifiable copy), so one instance can be shared by every event loop of a
 * {@link io.sluice.gateway.snapshot.GatewaySnapshot}; see conf/sluice.yaml for every field with its default.
 *
 * @param source where it was read from (a file name), for the start-up line
 */
public record SluiceConfig(String source, Server server, Usage usage, List<Provider> providers, Routing routing,
                           List<Route> routes, Auth auth, Limits limits, Admin admin, Logging logging) {

    /**
     * Who may call the model APIs.
     *
     * @param mode          {@code none} (anyone who reaches the port) or {@code keys}
     * @param openToNetwork whether {@code none} may serve on an address other than loopback
     * @param internalKey   the shared secret of {@code x-internal-auth}, or null when it is not accepted
     * @param keys          the client keys, each stored as the hash of the key
     */
    public record Auth(AuthMode mode, boolean openToNetwork, String internalKey, List<ApiKey> keys) {
        /** Never the internal key: a record printed by mistake must not leak it. */
        @Override
        public String toString() {
            return "Auth[mode=" + mode + ", internalKey=" + (internalKey == null ? "none" : "[redacted]") + ", keys="
                    + keys + "]";
        }
    }

    /** Whether requests must present a key. */
    public enum AuthMode { NONE, KEYS }

    /**
     * One client key, as stored: never the key, only its hash.
     *
     * @param hash          {@code sha256:} and the 64 hex digits of the key's SHA-256
     * @param user          the user it belongs to, for usage records, or null
     * @param allowedModels the public model names it may use (empty: all)
     * @param expires       when it stops working, or null for never
     * @param limits        its own limits ({@link RateLimits#NONE} fields where it has none)
     */
    public record ApiKey(String id, String hash, String name, String user, List<String> allowedModels,
                         boolean disabled, java.time.Instant expires, RateLimits limits) {
        /** Never the hash: a record printed by mistake must not leak it. */
        @Override
        public String toString() {
            return "ApiKey[id=" + id + "]";
        }
    }

    /**
     * A request rate and a token rate; a zero field is no limit.
     *
     * @param rps   requests per second refilled
     * @param burst requests that may arrive at once (at least one)
     * @param tpm   tokens per minute: the prompt (estimated) and {@code max_tokens} are reserved at admission and
     *              settled against the real usage when the response ends
     */
    public record RateLimits(double rps, int burst, long tpm) {
        public static final RateLimits NONE = new RateLimits(0, 0, 0);

        public boolean limitsRequests() {
            return rps > 0;
        }
    }

    /**
     * Limits beside the keys' own.
     *
     * @param perIp            requests per client IP for requests that present no key (tokens are not counted)
     * @param models           per public model, over every caller
     * @param assumedMaxTokens the completion tokens reserved for a request that sets no {@code max_tokens} and
     *                         gets no {@code routing.default_max_tokens}
     */
    public record Limits(RateLimits perIp, Map<String, RateLimits> models, int assumedMaxTokens) {
    }

    /**
     * The admin API.
     *
     * @param keyHash the admin key's {@code sha256:} hash, or null: then only loopback callers are let in
     * @param port    a port of its own for the admin API on {@code host} (0: the main listener serves it)
     */
    public record Admin(String keyHash, String host, int port) {
        /** Never the hash: a record printed by mistake must not leak it. */
        @Override
        public String toString() {
            return "Admin[host=" + host + ", port=" + port + "]";
        }
    }

    /**
     * The listening side.
     *
     * @param ioBatchWindow   how long an event loop lets I/O gather before a turn that finds nothing queued (zero: no
     *                        wait)
     * @param requestTimeout  how long a client may take to send a request's head and body, from its first bytes
     * @param minBodyRate     the slowest a request body may arrive, in bytes per second (0: no minimum)
     * @param shutdownTimeout how long requests in flight may run on after SIGTERM before they are ended
     * @param tls             the certificate and key to serve TLS with (ALPN offers h2 and http/1.1), or null
     * @param trustedProxies  addresses and CIDR ranges whose X-Forwarded-For and Forwarded headers are believed
     * @param responseHeaders backend response headers relayed besides the built-in allow-list ({@code prefix*} too)
     */
    public record Server(String host, int port, int threads, String transport, Duration ioBatchWindow,
                         String allocator, long maxRequestBytes, int maxHeaderBytes, Duration idleTimeout,
                         Duration requestTimeout, long minBodyRate, Duration shutdownTimeout,
                         ServerTls tls, Http2 http2, WebSocket websocket, List<String> trustedProxies,
                         List<String> responseHeaders) {
    }

    /** A PEM certificate chain and its PKCS#8 PEM private key. */
    public record ServerTls(Path cert, Path key) {
    }

    /** HTTP/2 limits: streams open at once per connection, and the receive window each stream starts with. */
    public record Http2(int maxConcurrentStreams, int initialWindowBytes) {
    }

    /** The WebSocket API: the largest message, and how often the server pings and how long it waits for a pong. */
    public record WebSocket(int maxMessageBytes, Duration pingInterval, Duration pingTimeout) {
    }

    /**
     * Where usage records go: a bounded queue, then the sinks.
     *
     * @param webhooks the webhook sinks, each with its own spool and delivery state; often none
     * @param estimate  whether a request whose backend reported no usage gets jtokkit's count, marked
     *                  {@code estimated}, rather than none
     */
    public record Usage(int queue, boolean log, List<Webhook> webhooks, boolean estimate) {
    }

    /**
     * Log levels and the access line's shape; applied at start and by every reload that changes them.
     *
     * @param level     the root level: {@code logging.level}, else {@code LOG_LEVEL}; null leaves logback.xml's
     * @param loggers   levels of named loggers ({@code sluice.access}, {@code io.sluice.gateway.proxy}, ...)
     * @param accessLog the access line as {@code key=value} pairs or as a JSON object
     */
    public record Logging(String level, Map<String, String> loggers, AccessFormat accessLog) {
    }

    public enum AccessFormat { TEXT, JSON }

    /** When spooled records are forced to the disk. */
    public enum Fsync { ALWAYS, INTERVAL, NEVER }

    /** What a full spool does with more records: drops them (counted), or makes the gateway refuse requests. */
    public enum WhenFull { DROP_NEWEST, REFUSE }

    /**
     * The usage webhook: records POSTed as JSON arrays, batched, retried with backoff, spooled on disk until
     * delivered.
     *
     * @param name   what logs, metrics and {@code /health/detailed} call it
     * @param secret the HMAC-SHA256 key of the signature header, or null for none
     */
    public record Webhook(String name, URI url, int batch, Duration flush, Duration timeout, String secret,
                          Duration backoffInitial, Duration backoffMax, Path spoolDir, long spoolMaxBytes,
                          Fsync fsync, Duration fsyncInterval, WhenFull whenFull) {
        @Override
        public String toString() {
            return "Webhook[name=" + name + ", url=" + url + ", batch=" + batch + ", secret="
                    + (secret == null ? "none" : "set") + "]";
        }
    }

    /**
     * One backend provider.
     *
     * @param apiVersion   the API version its kind sends (Azure's {@code api-version}), or null for the kind's own
     * @param headers      headers sent with every request to it (OpenRouter's attribution headers, say)
     * @param models       public model name to the backend's model name
     * @param listUpstream how often the backend's own model list is read and merged into the gateway's (each
     *                     model it lists is served under its own name), or null when it is not
     * @param includeUsage whether streams are made to report usage with {@code stream_options.include_usage}
     * @param continuation how its backends go on with a partial answer: its type's own unless the config says
     *                     (an {@code openai} provider in front of DeepSeek or Mistral takes {@code prefix})
     */
    public record Provider(String id, ProviderType type, String apiKey, String apiVersion,
                           Map<String, String> headers, List<URI> endpoints,
                           Map<String, String> models, Duration listUpstream, Timeouts timeouts, Pool pool, Tls tls,
                           boolean includeUsage, Continuation continuation, Balance balance, Health health,
                           Demo demo) {
        /** Never the key: a record printed by mistake must not leak it. */
        @Override
        public String toString() {
            return "Provider[id=" + id + ", type=" + type.configName() + ", endpoints=" + endpoints + "]";
        }
    }

    /**
     * Passive health: when an endpoint leaves the rotation, and for how long.
     *
     * @param consecutiveFailures connect failures, resets, timeouts or 5xx in a row that eject an endpoint
     * @param baseEjection        an ejection lasts this times the ejections so far (the first: once), and one is
     *                            forgiven for each such time the endpoint stays back
     * @param maxEjection         the longest an ejection lasts
     * @param maxEjectedPercent   the largest share of the provider's endpoints out at once (never the last one)
     * @param maxCooldown         the longest a 429's or 503's Retry-After keeps an endpoint out
     */
    public record Health(int consecutiveFailures, Duration baseEjection, Duration maxEjection, int maxEjectedPercent,
                         Duration maxCooldown, Probe probe) {
    }

    /**
     * Active health probes, off the request path, that never cost tokens.
     *
     * @param path               the path probed, or null for the provider type's own (vLLM's and TGI's
     *                           {@code /health}, else {@code GET <api base>/models})
     * @param healthyThreshold   successes in a row that bring an endpoint back into rotation
     * @param unhealthyThreshold failures in a row that take it out until a probe succeeds again
     */
    public record Probe(boolean enabled, String path, Duration interval, Duration timeout, int healthyThreshold,
                        int unhealthyThreshold) {
    }

    /**
     * How a provider spreads attempts over its endpoints.
     *
     * @param weights       for {@code weighted}: one per endpoint, in order (empty: all equal)
     * @param sessionHeader for {@code prefix_affinity}: the header (or WebSocket metadata key) naming a
     *                      conversation, or null to key on the prompt alone
     * @param prefixBytes   for {@code prefix_affinity}: how many of the prompt's first bytes make the key
     * @param loadFactor    for {@code prefix_affinity}: an endpoint with more attempts in flight than this times the
     *                      average is passed over
     * @param metrics       for {@code least_loaded}: the scrape of each endpoint's own load, or null for none
     */
    public record Balance(Strategy strategy, List<Integer> weights, String sessionHeader, int prefixBytes,
                          double loadFactor, Metrics metrics) {
    }

    /**
     * The scrape of a model server's Prometheus metrics (vLLM's queue depth and KV-cache use), off the request path.
     *
     * @param path the path below the endpoint's root ({@code /metrics})
     */
    public record Metrics(String path, Duration interval, Duration timeout) {
    }

    /** The balancing strategies. */
    public enum Strategy {
        ROUND_ROBIN, WEIGHTED, LEAST_CONNECTIONS, LEAST_LOADED, PREFIX_AFFINITY;

        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * How requested model names are read, and what every route inherits.
     *
     * @param modelPrefix      a prefix accepted and ignored before a model name ({@code team} makes
     *                         {@code team/llama-3-8b} route as {@code llama-3-8b}), or null
     * @param defaultModel     the model of requests that name none, or null (they are refused)
     * @param defaultMaxTokens the {@code max_tokens} set on requests that give none, or 0 to leave them alone
     * @param holdBodyBytes    how much of an answer that is not an event stream is read before the client gets its
     *                         head: one cut short within it can still be tried again, or be a 502 (a larger one
     *                         is relayed as it comes, and a cut then closes the client's connection)
     * @param retry            the retry policy of routes that set none of their own
     */
    public record Routing(String modelPrefix, String defaultModel, int defaultMaxTokens, int holdBodyBytes,
                          Retry retry) {
    }

    /**
     * A public model served by an ordered list of targets, tried in turn under {@code retry}.
     *
     * @param deadlines the route's own first-byte, idle and total limits over its targets' providers' ones
     */
    public record Route(String model, List<Target> targets, Retry retry, Deadlines deadlines) {
    }

    /**
     * Limits a route sets over its providers' {@link Timeouts}; a null field keeps the provider's. The route's
     * connect limit bounds how long one of its attempts waits for a connection (a pool slot, or a connect that the
     * pool, shared by every route of the endpoint, goes on with under the provider's own limit): it can shorten the
     * wait, not lengthen it, and running out of it is not counted against the endpoint.
     */
    public record Deadlines(Duration connect, Duration firstByte, Duration idle, Duration total) {
        public static final Deadlines NONE = new Deadlines(null, null, null, null);

        /** {@code provider}'s limits with this route's in their place. */
        public Timeouts over(Timeouts provider) {
            if (this == NONE) {
                return provider;
            }
            return new Timeouts(connect != null ? connect : provider.connect(),
                    firstByte != null ? firstByte : provider.firstByte(), idle != null ? idle : provider.idle(),
                    total != null ? total : provider.total());
        }
    }

    /** A provider (by id) and the model name its backend knows. */
    public record Target(String provider, String model) {
    }

    /**
     * How a request is tried again, on another endpoint or the next target, when an attempt fails before its first
     * byte reached the client.
     *
     * @param attemptsPerTarget the most attempts on one target's endpoints
     * @param maxAttempts       the most attempts in all
     * @param retryOn           the failures that count as a reason to try again
     * @param contextFallback   whether a 400 {@code context_length_exceeded} moves on to the next target (it is
     *                          never tried again on the same one)
     * @param maxWait           the longest a retry waits for an endpoint that asked by Retry-After to be left a
     *                          while; one that asked for longer is tried again at once (0: never wait)
     * @param continueStreams   whether a stream that breaks after its first byte (a reset, a close, a silence past
     *                          idle, an end without its final event) goes on on another endpoint or target, within
     *                          {@code maxAttempts}, from where it broke
     * @param partialAnswerBytes how much of a stream's text Sluice keeps to continue it; a longer answer that breaks
     *                          ends with an error event
     */
    public record Retry(int attemptsPerTarget, int maxAttempts, Set<RetryOn> retryOn, boolean contextFallback,
                        Duration maxWait, boolean continueStreams, int partialAnswerBytes) {
    }

    /** Failures a retry policy can name. */
    public enum RetryOn {
        /** The connection could not be made. */
        CONNECT("connect"),
        /** The connection closed or reset, or the response was malformed, before it reached the client. */
        RESET("reset"),
        /** No first body byte within first_byte, or a silence past idle while an error response was read. */
        TIMEOUT("timeout"),
        /** A 5xx status. */
        SERVER_ERROR("5xx"),
        /** A 429 status. */
        RATE_LIMITED("429");

        private final String configName;

        RetryOn(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }
    }

    /** Upstream time limits: to connect, to the first response byte, between chunks, and for the whole exchange. */
    public record Timeouts(Duration connect, Duration firstByte, Duration idle, Duration total) {
    }

    /**
     * Upstream connection pool limits per endpoint.
     *
     * @param idleTimeout how long an unused connection is kept; keep it below the backend's keep-alive timeout
     */
    public record Pool(int maxConnections, int maxWaiters, Duration idleTimeout) {
    }

    /** How an https backend is trusted: a CA file, the JDK's trust store, or (for tests only) not at all. */
    public record Tls(boolean verify, Path ca) {
    }

    /** The built-in demo model: its pace and its answer. */
    public record Demo(Duration tokenDelay, String reply) {
    }
}
