package dev.keel.client.internal;

import dev.keel.balancer.Endpoint;
import dev.keel.balancer.FailureKind;
import dev.keel.balancer.Ticket;
import dev.keel.client.NoEndpointAvailableException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.jspecify.annotations.Nullable;

/**
 * The application interceptor: for a request to a Keel service, picks an instance, points the
 * attempt at it ({@link InstanceTargets}), proceeds, and reports; retries on another instance when
 * {@link Outcomes} allows it and the service's retry budget has room. Every ticket taken is ended exactly once on every path: a
 * failure, a cancel (the call was cancelled, or something other than I/O went wrong), or the
 * response body's end ({@link ReportingBody}).
 */
final class BalancingInterceptor implements Interceptor {
  private final DefaultKeelOkHttp client;

  BalancingInterceptor(DefaultKeelOkHttp client) {
    this.client = client;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    ServiceCalls service = client.serviceFor(request.url().host());
    if (service == null) {
      return chain.proceed(request); // not a Keel service: untouched
    }
    return call(chain, service, request);
  }

  private static Response call(Chain chain, ServiceCalls service, Request original) throws IOException {
    long callStart = System.nanoTime(); // real time, as OkHttp's call timeout uses
    String name = service.name();
    service.metrics().request(name);
    service.budget().deposit();
    Request base = guardBody(original);
    service.checkTls(original.url());
    @Nullable String key = service.affinityKey(original);
    Ticket ticket = service.begin(key);
    if (ticket == null) {
      throw service.noEndpoint();
    }
    int maxRetries = service.policy().maxRetries();
    @Nullable List<Endpoint> tried = null;
    for (int attempt = 0; ; attempt++) {
      Attempt mark = new Attempt();
      long start = service.nanoTime();
      Response response;
      try {
        response = service.proceed(chain, base, ticket.endpoint().instance(), mark);
        readSmallBody(response, base, service.policy().bufferedResponseBytes());
      } catch (IOException e) {
        if (chain.call().isCanceled()) {
          // OkHttp's call timeout cancels the call: the endpoint was too slow (counted), but the
          // caller's deadline is spent (no retry). Any other cancel is the caller giving up: not
          // the endpoint's fault. Inside the chain the two look alike, so tell them apart by time.
          if (callTimedOut(chain, callStart)) {
            ticket.onFailure(FailureKind.TIMEOUT);
            service.metrics().failure(name, FailureKind.TIMEOUT);
          } else {
            ticket.release();
          }
          throw e;
        }
        FailureKind kind = Outcomes.classify(e, mark.sent());
        ticket.onFailure(kind);
        service.metrics().failure(name, kind);
        Ticket next = null;
        if (attempt < maxRetries && Outcomes.retryable(kind, base)) {
          tried = addTried(tried, ticket.endpoint());
          next = retry(service, key, tried, kind);
        }
        if (next == null) {
          throw e;
        }
        ticket = next;
        continue;
      } catch (RuntimeException | Error e) {
        ticket.release();
        throw e;
      }
      long latency = service.nanoTime() - start;
      int code = response.code();
      boolean failed = Outcomes.failureStatus(code);
      if (failed) {
        service.metrics().failure(name, FailureKind.HTTP_5XX);
      }
      if (code == 503 && attempt < maxRetries && Outcomes.retryable(FailureKind.HTTP_5XX, base)) {
        tried = addTried(tried, ticket.endpoint());
        Ticket next = retry(service, key, tried, FailureKind.HTTP_5XX);
        if (next != null) {
          response.close();
          ticket.onFailure(FailureKind.HTTP_5XX);
          ticket = next;
          continue;
        }
      }
      try {
        return ReportingBody.wrap(response,
            new ReportingBody.EndOfRequest(ticket, failed, latency, service), base.method());
      } catch (RuntimeException | Error e) {
        ticket.release();
        response.close();
        throw e;
      }
    }
  }

  /**
   * Reads the whole body of a response to an idempotent request when its length is known and at
   * most {@code limit}, so that a body cut short fails this attempt (and is retried like a reset)
   * before the caller has seen any of it. The bytes stay in the body's buffer for the caller.
   */
  private static void readSmallBody(Response response, Request request, int limit) throws IOException {
    ResponseBody body = response.body();
    long length = body.contentLength();
    String method = request.method();
    if (length <= 0 || length > limit || !Outcomes.idempotent(method) || Outcomes.bodyless(method, response.code())) {
      return;
    }
    try {
      body.source().request(length);
    } catch (IOException e) {
      response.close();
      throw e;
    }
  }

  /**
   * True when a cancelled call was most likely cancelled by its own timeout (OkHttp's {@code
   * callTimeout}): at least three quarters of it passed since this interceptor started. The watchdog
   * starts the clock before the interceptors run, so the elapsed time seen here is a little short.
   */
  private static boolean callTimedOut(Chain chain, long callStart) {
    long limit = chain.call().timeout().timeoutNanos();
    return limit > 0 && System.nanoTime() - callStart >= limit - limit / 4;
  }

  /**
   * An instance not tried yet and a withdrawal from the budget, or null (and nothing held) when
   * either is missing.
   */
  private static @Nullable Ticket retry(ServiceCalls service, @Nullable String key, List<Endpoint> tried,
      FailureKind reason) {
    Ticket next = service.pickOther(key, tried);
    if (next == null) {
      return null; // every available instance was tried: give the caller this outcome
    }
    if (!service.budget().tryWithdraw()) {
      next.release();
      service.metrics().retryDenied(service.name());
      return null;
    }
    service.metrics().retry(service.name(), reason);
    return next;
  }

  private static List<Endpoint> addTried(@Nullable List<Endpoint> tried, Endpoint e) {
    List<Endpoint> list = tried != null ? tried : new ArrayList<>(4);
    list.add(e);
    return list;
  }

  /** Non-idempotent bodies become one-shot, so OkHttp never re-sends them on its own. */
  private static Request guardBody(Request request) {
    RequestBody body = request.body();
    if (body == null || body.isOneShot() || Outcomes.idempotent(request.method())) {
      return request;
    }
    return request.newBuilder().method(request.method(), new OneShotBody(body)).build();
  }
}
