/**
 * The transport interface: frames in, frames out. Transports know nothing of
 * WAMP; the session above them serializes and parses.
 *
 * @module
 */

/** One message on the wire: text or bytes. */
export type Frame = string | Uint8Array;

/** What a transport reports about itself. */
export interface TransportInfo {
  /** Transport kind, such as `websocket` or `memory`. */
  readonly type: string;
  /** Where it is connected to, when that has a URL. */
  readonly url?: string;
  /** The negotiated subprotocol, such as `wamp.2.json`. */
  readonly protocol: string;
}

/** Why a transport closed. */
export interface CloseInfo {
  /** WebSocket-style close code (1000 normal, 1006 abnormal). */
  readonly code: number;
  /** Close reason text. */
  readonly reason: string;
  /** Whether the closing handshake completed. */
  readonly wasClean: boolean;
}

/** The callbacks a transport delivers to. */
export interface TransportHandlers {
  /**
   * Called for each received frame, in order.
   *
   * @param frame The frame.
   */
  message(frame: Frame): void;
  /**
   * Called once when the transport has closed, from either side.
   *
   * @param info Why it closed.
   */
  close(info: CloseInfo): void;
}

/**
 * A connected, message-oriented, ordered transport. Frames received before
 * {@linkcode Transport.listen} is called are held and delivered then.
 */
export interface Transport {
  /** Kind, URL and negotiated subprotocol. */
  readonly info: TransportInfo;
  /** Whether the transport can still send. */
  readonly isOpen: boolean;
  /**
   * Bytes sent and not yet handed to the network (the WebSocket's
   * `bufferedAmount`, or the runtime's own backpressure measure); undefined
   * where the runtime gives no such signal. Routers bound it per session.
   */
  readonly bufferedAmount?: number;
  /**
   * Sends one frame. Frames sent after close are dropped. Throws, sending
   * nothing, when the frame is larger than the peer accepts (a RawSocket
   * peer announces its limit).
   *
   * @param frame The frame.
   */
  send(frame: Frame): void;
  /**
   * Closes the transport; the close handler runs once it has closed.
   *
   * @param code Close code (default 1000).
   * @param reason Close reason text.
   */
  close(code?: number, reason?: string): void;
  /**
   * Starts delivering frames and the close event to the handlers.
   *
   * @param handlers The callbacks.
   */
  listen(handlers: TransportHandlers): void;
}
