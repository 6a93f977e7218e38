package dev.keel.client.internal;

import dev.keel.balancer.FailureKind;
import dev.keel.balancer.Ticket;
import java.io.IOException;
import java.lang.ref.Cleaner;
import okhttp3.MediaType;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;
import org.jspecify.annotations.Nullable;

/**
 * A response body that ends its request on the balancer when the body ends, so that the in-flight
 * count covers the whole exchange (a slow download is load too).
 *
 * <p>When the outcome is reported:
 * <ul>
 *   <li>at the end of the body (read to the end, or closed early by the application): the outcome
 *       seen at the headers — success with the time to the headers as latency, or a 5xx failure;
 *   <li>on an I/O error while reading the body: that failure ({@code RESET} or {@code TIMEOUT});
 *   <li>a body the application never closes is still ended, with the outcome seen at the headers,
 *       once it becomes unreachable (a {@link Cleaner}); OkHttp itself logs such leaks too.
 * </ul>
 * The {@link Ticket} ignores every report after the first, so these paths may race freely.
 */
final class ReportingBody extends ResponseBody {
  private static final Cleaner CLEANER = Cleaner.create();

  private final ResponseBody delegate;
  private final BufferedSource source;

  private ReportingBody(ResponseBody delegate, EndOfRequest end) {
    this.delegate = delegate;
    this.source = Okio.buffer(new ReportingSource(delegate.source(), end));
  }

  /**
   * Returns {@code response} with a body that reports through {@code end} when it ends; reports at
   * once when there is no body to wait for.
   */
  static Response wrap(Response response, EndOfRequest end, String method) {
    ResponseBody body = response.body();
    if (body == null || Outcomes.bodyless(method, response.code()) || body.contentLength() == 0) {
      end.run();
      return response;
    }
    return response.newBuilder().body(new ReportingBody(body, end)).build();
  }

  @Override
  public @Nullable MediaType contentType() {
    return delegate.contentType();
  }

  @Override
  public long contentLength() {
    return delegate.contentLength();
  }

  @Override
  public BufferedSource source() {
    return source;
  }

  /**
   * The report, run once: by the end of the body, an error, or the cleaner. Must not reference the
   * body or its source, or the cleaner could never run.
   */
  static final class EndOfRequest implements Runnable {
    private final Ticket ticket;
    private final boolean failed;
    private final long latencyNanos;
    private final ServiceCalls service;

    EndOfRequest(Ticket ticket, boolean failed, long latencyNanos, ServiceCalls service) {
      this.ticket = ticket;
      this.failed = failed;
      this.latencyNanos = latencyNanos;
      this.service = service;
    }

    @Override
    public void run() {
      if (failed) {
        ticket.onFailure(FailureKind.HTTP_5XX);
      } else {
        ticket.onSuccess(latencyNanos);
      }
    }

    void fail(FailureKind kind) {
      if (ticket.onFailure(kind)) {
        service.metrics().failure(service.name(), kind);
      }
    }
  }

  private static final class ReportingSource extends ForwardingSource {
    private final EndOfRequest end;
    private final Cleaner.Cleanable cleanable;

    ReportingSource(okio.Source delegate, EndOfRequest end) {
      super(delegate);
      this.end = end;
      this.cleanable = CLEANER.register(this, end);
    }

    @Override
    public long read(Buffer sink, long byteCount) throws IOException {
      long n;
      try {
        n = super.read(sink, byteCount);
      } catch (IOException e) {
        end.fail(Outcomes.classifyBodyFailure(e));
        cleanable.clean();
        throw e;
      }
      if (n == -1) {
        cleanable.clean();
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      try {
        super.close();
      } finally {
        cleanable.clean();
      }
    }
  }
}
