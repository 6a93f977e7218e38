package dev.keel.proxy.http;

import io.netty.channel.Channel;
import io.netty.util.concurrent.Ticker;

/**
 * What every exchange of one client connection shares: the listener's route, the connector to its
 * upstreams on this event loop, the loop's clock (a fake one in tests), the client's address, and
 * the client connection (HTTP/1.1, or HTTP/2 whose streams share it) whose loop the exchanges run
 * on. Created once per connection.
 */
record ExchangeContext(HttpRoute route, UpstreamConnector upstreams, Ticker ticker, String peer, Channel channel) {}
