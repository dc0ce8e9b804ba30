// The error for a connection the runtime refused to make or could not make.
import { TransportError } from "./transport_error.ts";

/**
 * The error for opening `url` that failed with `err`. A missing permission
 * (Deno's `NotCapable` or `PermissionDenied`, told apart by name) is
 * `denied`, and the message names the flag that grants it.
 */
export function openError(url: string, err: unknown): TransportError {
  const name = (err as { name?: unknown } | null)?.name;
  if (name !== "NotCapable" && name !== "PermissionDenied") {
    return new TransportError(`Cannot open ${url}: ${err}`, { cause: err });
  }
  let target = url;
  try {
    const u = new URL(url);
    const secure = u.protocol === "wss:" || u.protocol === "https:";
    target = `${u.hostname}:${u.port || (secure ? 443 : 80)}`;
  } catch {
    // keep the URL as given
  }
  return new TransportError(
    `No permission to connect to ${url} (${name}): run Deno with --allow-net=${target}`,
    { cause: err, denied: true },
  );
}
