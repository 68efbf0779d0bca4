package io.sluice.gateway.proxy;

/**
 * Who sent a request, as the backend is told it: the values of {@code X-Forwarded-For}, {@code Forwarded} and
 * {@code X-Forwarded-Proto}. Made by {@link TrustedProxies} from the client's socket, so a client cannot claim an
 * address it does not have.
 *
 * @param proto   the client's scheme: Sluice's own, or what a trusted proxy in front of it says
 * @param address the client's own address, which per-address limits count by: the socket's peer, or, when that is
 *                a trusted proxy, the nearest address in {@code X-Forwarded-For} that is not one
 */
public record ClientOrigin(String forwardedFor, String forwarded, String proto, String address) {
}
