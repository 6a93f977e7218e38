package dev.keel.balancer;

/**
 * How evenly long-lived connections are spread over the available endpoints.
 *
 * @param maxOverShare max over endpoints of connections ÷ weighted share (1.0 = perfect; the
 *     rebalancer keeps it at or below 1 + tolerance); 0 when there are no connections
 * @param coefficientOfVariation the standard deviation of connections ÷ share over their mean
 * @param connections connections on available endpoints
 * @param endpoints available endpoints
 */
public record Evenness(double maxOverShare, double coefficientOfVariation, int connections, int endpoints) {}
