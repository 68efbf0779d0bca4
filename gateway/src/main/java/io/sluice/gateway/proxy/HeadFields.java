package io.sluice.gateway.proxy;

/**
 * Where the fields of a client's response head go as {@link ProxyHeaders} picks them: HTTP/1.1 bytes, or the header
 * map of an HTTP/2 stream's response. Each name is added once; nothing is replaced.
 */
@FunctionalInterface
interface HeadFields {
    void add(CharSequence name, CharSequence value);
}
