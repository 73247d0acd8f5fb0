package dev.strata.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What the API needs of a connection that Vert.x's public API does not give: refusing doubly framed
 * requests, and closing a connection at once.
 *
 * <p><b>Strict framing.</b> Refuses requests whose length is framed twice. A request with both
 * {@code Transfer-Encoding: chunked} and {@code Content-Length} is the shape of request smuggling:
 * a proxy in front may frame it by one header and this server by the other, and so answer a request
 * hidden in the body. RFC 9112 §6.3 lets a server reject such a message and requires it to close
 * the connection after answering; Netty instead drops {@code Content-Length} and goes on. This
 * swaps Vert.x's HTTP/1.x decoder for one that marks such a request as undecodable, which Vert.x
 * hands to the server's invalid-request handler (400, connection closed) instead of the router.
 *
 * <p>Both use Vert.x internals ({@code VertxHttpRequestDecoder}, {@code ConnectionBase}) of the
 * pinned Vert.x version; {@code ApiAbuseTest} fails if an upgrade changes them.
 */
final class Connections {
  /** The name Vert.x gives its HTTP/1.x request decoder in the channel pipeline. */
  static final String DECODER = "httpDecoder";

  private Connections() {}

  /**
   * Closes the connection now, dropping whatever it still has to send. Vert.x's own {@code close()}
   * and {@code reset()} first flush what is queued, which never completes for a client that does
   * not read: that is the client this is for.
   */
  static void abort(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      base.channel().close();
    } else {
      connection.close();
    }
  }

  /** Installs the strict decoder on a new HTTP/1.x connection (before it has read anything). */
  static void installStrictFraming(HttpConnection connection, HttpServerOptions options) {
    if (!(connection instanceof ConnectionBase base)) {
      return; // HTTP/2 has no Content-Length framing to confuse
    }
    ChannelPipeline pipeline = base.channelHandlerContext().pipeline();
    if (pipeline.get(DECODER) instanceof VertxHttpRequestDecoder) {
      pipeline.replace(DECODER, DECODER, new Decoder(options));
    }
  }

  /** Thrown (as a decoder result, never raised) for a doubly framed request. */
  static final class DoubleFraming extends IllegalArgumentException {
    DoubleFraming() {
      super("a request must not carry both Transfer-Encoding and Content-Length", null);
    }
  }

  /** Thrown (as a decoder result) for a request line of another HTTP version than 1.0 or 1.1. */
  static final class UnsupportedVersion extends IllegalArgumentException {
    UnsupportedVersion(String version) {
      super(
          "only HTTP/1.1 and HTTP/1.0 are spoken here, not " + Responses.clipAscii(version), null);
    }
  }

  private static final class Decoder extends VertxHttpRequestDecoder {
    Decoder(HttpServerOptions options) {
      super(options);
    }

    /**
     * A body whose chunked framing breaks (a chunk size that is not hex, say) would make Vert.x
     * drop the connection without a word; answer 400 in the JSON error shape first. Nothing after
     * the break is decoded: where the next request would begin is unknown.
     */
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out)
        throws Exception {
      int before = out.size();
      super.decode(ctx, buffer, out);
      for (int i = before; i < out.size(); i++) {
        // HTTP/2 prior knowledge ("PRI * HTTP/2.0") and made-up versions get a JSON 505.
        if (out.get(i) instanceof HttpRequest r
            && r.decoderResult().isSuccess()
            && !r.protocolVersion().equals(HttpVersion.HTTP_1_1)
            && !r.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
          r.setDecoderResult(
              DecoderResult.failure(new UnsupportedVersion(r.protocolVersion().text())));
        }
        if (out.get(i) instanceof HttpContent c
            && !(c instanceof HttpMessage) // a broken head is the invalid-request handler's
            && c.decoderResult().isFailure()) {
          for (Object dropped : out.subList(i, out.size())) {
            ReferenceCountUtil.release(dropped);
          }
          out.subList(i, out.size()).clear();
          buffer.skipBytes(buffer.readableBytes());
          String body =
              Responses.errorBody("the body is not validly framed: bad chunked encoding", "body")
                  .encode();
          String response =
              "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: "
                  + body.getBytes(StandardCharsets.UTF_8).length
                  + "\r\nconnection: close\r\n\r\n"
                  + body;
          ctx.writeAndFlush(Unpooled.copiedBuffer(response, StandardCharsets.UTF_8))
              .addListener(ChannelFutureListener.CLOSE);
          return;
        }
      }
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
      super.handleTransferEncodingChunkedWithContentLength(message);
      message.setDecoderResult(DecoderResult.failure(new DoubleFraming()));
    }
  }
}
