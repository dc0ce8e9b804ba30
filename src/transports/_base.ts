// Shared buffering of frames and the close event until listen() is called.
import type { CloseInfo, Frame, TransportHandlers } from "./transport.ts";

/** Holds what arrives before a listener is attached, then forwards. */
export class Inbox {
  #handlers: TransportHandlers | undefined;
  #held: Frame[] = [];
  #closed: CloseInfo | undefined;
  #closeDelivered = false;

  /** Attaches the handlers and delivers anything held. */
  listen(handlers: TransportHandlers): void {
    if (this.#handlers) throw new Error("Transport already has a listener");
    this.#handlers = handlers;
    const held = this.#held;
    this.#held = [];
    for (const frame of held) handlers.message(frame);
    if (this.#closed) this.#deliverClose();
  }

  /** A frame arrived. */
  message(frame: Frame): void {
    if (this.#closed) return;
    if (this.#handlers) this.#handlers.message(frame);
    else this.#held.push(frame);
  }

  /** The transport closed; delivered once. */
  close(info: CloseInfo): void {
    if (this.#closed) return;
    this.#closed = info;
    if (this.#handlers) this.#deliverClose();
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  #deliverClose(): void {
    if (this.#closeDelivered) return;
    this.#closeDelivered = true;
    this.#handlers!.close(this.#closed!);
  }
}
