/**
 * The router's side of authentication: which method a HELLO gets, the
 * CHALLENGE it is sent, and whether its AUTHENTICATE proves the identity.
 *
 * Methods: `anonymous`, `ticket`, `wampcra` (plain and salted keys),
 * `cryptosign` (Ed25519) and `scram` (Crossbar's dialect, Argon2id or
 * PBKDF2). Principals come from static configuration or from an
 * `authenticate` callback. Every failure looks the same to the client
 * (ABORT `wamp.error.not_authorized`, no hint), unknown authids get a
 * challenge like known ones, and a challenge is valid for one answer on the
 * connection it was sent on, until the HELLO timeout.
 *
 * @module
 */

import type { Dict } from "../protocol/messages.ts";
import { ErrorUri } from "../protocol/wamp_error.ts";
import { timingSafeEqual } from "../auth/timing_safe_equal.ts";
import {
  encodeBase64,
  fromHex,
  randomBytes,
  sha256,
  toHex,
  utf8,
} from "../auth/_encoding.ts";
import { verifyWampcra, wampcraChallenge } from "../auth/wampcra.ts";
import {
  newCryptosignChallenge,
  verifyCryptosign,
} from "../auth/cryptosign.ts";
import {
  type ScramCredentials,
  scramCredentials,
  ScramServer,
} from "../auth/scram.ts";

/** What an `authenticate` callback is asked about. */
export interface AuthRequest {
  /** The realm the client wants to join. */
  realm: string;
  /** The authid the client claims (not verified yet). */
  authid: string | undefined;
  /** The method the router chose from the client's list. */
  authmethod: string;
  /** HELLO's `authextra` (a cryptosign `pubkey`, a SCRAM `nonce`). */
  authextra: Dict;
  /** The session id the client will get. */
  session: number;
  /** The transport: `{type, protocol}`. */
  transport: Dict;
  /** The ticket the client sent (method `ticket` only). */
  ticket?: string;
}

/**
 * A principal: who may log in, with which role, and the secret that proves
 * it. Which secret fields count depends on the method.
 */
export interface Principal {
  /** The role the principal gets. */
  role: string;
  /** The authid (a callback may rename the client; defaults to the claim). */
  authid?: string;
  /** The only realm this principal may join (any when absent). */
  realm?: string;
  /** Sent to the client in WELCOME's `authextra`. */
  extra?: Dict;
  /** `ticket`: the ticket. */
  ticket?: string;
  /**
   * `wampcra`: the secret; for a salted principal the key derived from the
   * password (`deriveKey(password, salt, iterations, keylen)`), as in
   * Crossbar's configuration.
   */
  secret?: string;
  /** `wampcra` salted / `scram`: the salt. */
  salt?: string;
  /** `wampcra` salted / `scram`: KDF iterations. */
  iterations?: number;
  /** `wampcra` salted: derived key length in bytes. */
  keylen?: number;
  /** `cryptosign`: the Ed25519 public keys (hex) this principal may use. */
  authorized_keys?: string[];
  /**
   * `cryptosign`: the one public key (hex) this principal may use, as
   * Crossbar's dynamic authenticators return it.
   */
  pubkey?: string;
  /** `scram`: the KDF, `argon2id-13` or `pbkdf2`. */
  kdf?: "argon2id-13" | "pbkdf2";
  /** `scram` with `argon2id-13`: memory in KiB. */
  memory?: number;
  /** `scram`: StoredKey (Base64), as Crossbar's configuration names it. */
  "stored-key"?: string;
  /** `scram`: ServerKey (Base64), as Crossbar's configuration names it. */
  "server-key"?: string;
  /** `scram`: a password to derive the keys from at start (development). */
  password?: string;
}

/**
 * Looks a principal up for a request: a {@linkcode Principal}, a role
 * name, or nothing to refuse. For `ticket` the request carries the ticket
 * and the callback decides; for the other methods it returns the secret
 * material and the router checks the proof.
 */
export type AuthenticateCallback = (
  request: AuthRequest,
) =>
  | Principal
  | string
  | null
  | undefined
  | Promise<Principal | string | null | undefined>;

/** One method's configuration: static principals and/or a callback. */
export interface MethodConfig {
  /** Principals by authid (static). */
  principals?: Record<string, Principal>;
  /** Consulted for authids that are not static principals. */
  authenticate?: AuthenticateCallback;
  /**
   * A procedure that a client registered, called as Crossbar calls a
   * dynamic authenticator: `(realm, authid, details)` with `details`
   * `{authmethod, authextra, session, transport, ticket?}`; it returns a
   * principal dict or a role, or throws to refuse. Consulted like
   * `authenticate` (after it, when both are set).
   */
  authenticator?: string;
  /**
   * The realm the authenticator procedure is registered in (default: the
   * realm the client joins).
   */
  "authenticator-realm"?: string;
}

/** Calls a procedure registered in a realm (the router's trusted session). */
export type Invoke = (
  realm: string,
  procedure: string,
  args: unknown[],
  kwargs: Record<string, unknown>,
) => Promise<unknown[]>;

/** SCRAM's configuration: principals plus the KDF used for new keys. */
export interface ScramConfig extends MethodConfig {
  /**
   * The KDF for principals configured with a `password`.
   *
   * @default {"argon2id-13"}
   */
  kdf?: "argon2id-13" | "pbkdf2";
  /** KDF iterations (Argon2id: 2; PBKDF2: 4096 by default). */
  iterations?: number;
  /** Argon2id memory in KiB (4096 by default). */
  memory?: number;
}

/**
 * The authentication methods a router serves, by name. A method that is
 * absent is refused; `anonymous` admits anyone with its role.
 */
export interface AuthOptions {
  /** Anonymous access and the role it gets (`anonymous` by default). */
  anonymous?: boolean | { role?: string };
  /** Ticket (a shared secret sent in the clear: TLS only). */
  ticket?: MethodConfig;
  /** WAMP-CRA: HMAC-SHA256 challenge-response, optionally salted. */
  wampcra?: MethodConfig;
  /** WAMP-Cryptosign: Ed25519 signatures of a challenge. */
  cryptosign?: MethodConfig;
  /** SCRAM, as Crossbar speaks it (method `scram`). */
  scram?: ScramConfig;
}

/** The identity the router verified, as WELCOME announces it. */
export interface Identity {
  /** The authid. */
  authid: string;
  /** The role. */
  authrole: string;
  /** The method. */
  authmethod: string;
  /** `static` or `dynamic`. */
  authprovider: string;
  /** WELCOME's `authextra`. */
  authextra?: Dict;
}

/** The outcome of looking at a HELLO. */
export type AuthStart =
  | { kind: "welcome"; identity: Identity }
  | {
    kind: "challenge";
    method: string;
    extra: Dict;
    /** Checks the AUTHENTICATE signature; null refuses. */
    verify(signature: string): Promise<Identity | null>;
  }
  | { kind: "abort"; reason: string; message: string };

/** What the authenticator reads from a HELLO. */
export interface HelloInfo {
  /** The realm. */
  realm: string;
  /** HELLO.Details. */
  details: Dict;
  /** The session id. */
  session: number;
  /** The transport: `{type, protocol}`. */
  transport: Dict;
}

const METHODS = ["anonymous", "ticket", "wampcra", "cryptosign", "scram"];
const NOT_AUTHORIZED = ErrorUri.NOT_AUTHORIZED;
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Authenticates HELLOs by the configured methods.
 *
 * @example A ticket principal
 * ```ts
 * import { Authenticator } from "@wampkit/wamp/router";
 * import assert from "node:assert/strict";
 *
 * const auth = new Authenticator({
 *   ticket: { principals: { joe: { ticket: "secret!", role: "user" } } },
 * });
 * const start = await auth.start({
 *   realm: "realm1",
 *   details: { authmethods: ["ticket"], authid: "joe" },
 *   session: 1,
 *   transport: { type: "websocket" },
 * });
 * assert.equal(start.kind, "challenge");
 * if (start.kind === "challenge") {
 *   assert.equal((await start.verify("secret!"))?.authrole, "user");
 *   assert.equal(await start.verify("wrong"), null);
 * }
 * ```
 */
export class Authenticator {
  #options: AuthOptions;
  #anonymousRole: string | undefined;
  #served: string[];
  #secret = toHex(randomBytes(32));
  #keyOwners = new Map<string, string>();
  // Keys derived from a principal's `password`, once per principal object
  // (so two principals with one password still get their own salts).
  #scramKeys = new WeakMap<Principal, Promise<ScramCredentials>>();
  #invoke: Invoke | undefined;

  /**
   * Creates an authenticator.
   *
   * @param options The methods served.
   * @param invoke Calls dynamic authenticator procedures (the router's).
   */
  constructor(options: AuthOptions, invoke?: Invoke) {
    this.#options = options;
    this.#invoke = invoke;
    const anon = options.anonymous;
    this.#anonymousRole = anon === true
      ? "anonymous"
      : anon && typeof anon === "object"
      ? anon.role ?? "anonymous"
      : undefined;
    this.#served = METHODS.filter((m) =>
      m === "anonymous"
        ? this.#anonymousRole !== undefined
        : options[m as keyof AuthOptions] !== undefined
    );
    const principals = options.cryptosign?.principals ?? {};
    for (const [authid, p] of Object.entries(principals)) {
      for (const key of p.authorized_keys ?? []) {
        this.#keyOwners.set(key.toLowerCase(), authid);
      }
    }
  }

  /** The methods served, in the order the router prefers them. */
  get methods(): readonly string[] {
    return this.#served;
  }

  /**
   * Looks at a HELLO: welcomes it (anonymous), challenges it, or refuses.
   * The method is the first one in the client's `authmethods` that the
   * router serves (`anonymous` when the client names none).
   *
   * Anonymous access and refusals are decided at once (not in a promise),
   * so a client that sends requests right behind its HELLO is served as
   * before authentication existed.
   *
   * @param hello The HELLO.
   * @returns What to do, or a promise of it.
   */
  start(hello: HelloInfo): AuthStart | Promise<AuthStart> {
    const asked = hello.details.authmethods;
    const methods = Array.isArray(asked) && asked.length > 0
      ? asked.filter((m): m is string => typeof m === "string")
      : ["anonymous"];
    const method = methods.find((m) => this.#served.includes(m));
    if (method === undefined) {
      return {
        kind: "abort",
        reason: ErrorUri.NO_AUTH_METHOD,
        message: "None of the offered authmethods is served",
      };
    }
    const claimed = typeof hello.details.authid === "string"
      ? hello.details.authid
      : undefined;
    const extra = hello.details.authextra;
    const request: AuthRequest = {
      realm: hello.realm,
      authid: claimed,
      authmethod: method,
      authextra: extra && typeof extra === "object" && !Array.isArray(extra)
        ? extra as Dict
        : {},
      session: hello.session,
      transport: hello.transport,
    };
    switch (method) {
      case "anonymous":
        // A claimed authid is not taken: nothing verified it.
        return {
          kind: "welcome",
          identity: {
            authid: `anonymous-${hello.session}`,
            authrole: this.#anonymousRole!,
            authmethod: "anonymous",
            authprovider: "static",
          },
        };
      case "ticket":
        return this.#ticket(request);
      case "wampcra":
        return this.#wampcra(request);
      case "cryptosign":
        return this.#cryptosign(request);
      default:
        return this.#scram(request);
    }
  }

  // A static principal of a method, or one from its callback.
  async #principal(
    config: MethodConfig,
    request: AuthRequest,
  ): Promise<{ principal: Principal; provider: string } | undefined> {
    const id = request.authid;
    const fixed = id === undefined ? undefined : config.principals?.[id];
    if (fixed !== undefined && Object.hasOwn(config.principals!, id!)) {
      if (fixed.realm !== undefined && fixed.realm !== request.realm) {
        return undefined;
      }
      return { principal: fixed, provider: "static" };
    }
    let found;
    try {
      if (config.authenticate !== undefined) {
        found = await config.authenticate(request);
      }
      if (!found && config.authenticator !== undefined && this.#invoke) {
        const details: Dict = {
          authmethod: request.authmethod,
          authextra: request.authextra,
          session: request.session,
          transport: request.transport,
        };
        if (request.ticket !== undefined) details.ticket = request.ticket;
        const [answer] = await this.#invoke(
          config["authenticator-realm"] ?? request.realm,
          config.authenticator,
          [request.realm, request.authid ?? null, details],
          {},
        );
        found = answer as Principal | string | undefined;
      }
    } catch {
      return undefined;
    }
    if (typeof found === "string") {
      return { principal: { role: found }, provider: "dynamic" };
    }
    if (!found || typeof found !== "object") return undefined;
    if (typeof found.role !== "string") return undefined;
    if (found.realm !== undefined && found.realm !== request.realm) {
      return undefined;
    }
    return { principal: found, provider: "dynamic" };
  }

  #identity(
    request: AuthRequest,
    principal: Principal,
    provider: string,
    extra?: Dict,
  ): Identity {
    const authextra = principal.extra || extra
      ? { ...principal.extra, ...extra }
      : undefined;
    return {
      authid: principal.authid ?? request.authid ?? "",
      authrole: principal.role,
      authmethod: request.authmethod,
      authprovider: provider,
      ...(authextra ? { authextra } : {}),
    };
  }

  #ticket(request: AuthRequest): AuthStart {
    const config = this.#options.ticket!;
    return {
      kind: "challenge",
      method: "ticket",
      extra: {},
      verify: async (ticket) => {
        const fixed = request.authid === undefined
          ? undefined
          : config.principals?.[request.authid];
        if (
          fixed !== undefined &&
          Object.hasOwn(config.principals!, request.authid!)
        ) {
          const ok = timingSafeEqual(fixed.ticket ?? this.#secret, ticket) &&
            typeof fixed.ticket === "string" &&
            (fixed.realm === undefined || fixed.realm === request.realm);
          return ok ? this.#identity(request, fixed, "static") : null;
        }
        // Unknown authids cost a comparison too.
        timingSafeEqual(this.#secret, ticket);
        if (
          (config.authenticate === undefined &&
            config.authenticator === undefined) ||
          request.authid === undefined
        ) return null;
        const found = await this.#principal(
          { ...config, principals: undefined },
          { ...request, ticket },
        );
        return found
          ? this.#identity(request, found.principal, found.provider)
          : null;
      },
    };
  }

  async #wampcra(request: AuthRequest): Promise<AuthStart> {
    const found = request.authid === undefined
      ? undefined
      : await this.#principal(this.#options.wampcra!, request);
    const principal = found?.principal;
    const known = typeof principal?.secret === "string";
    // An unknown authid gets a challenge shaped like a configured
    // principal's (salted or not, same parameters), salted with a salt that
    // is the same on every attempt; the challenge text names the same role
    // and provider for every authid.
    const first = this.#model(this.#options.wampcra!);
    const model = known ? principal! : first;
    const salt = known
      ? principal!.salt
      : model?.salt !== undefined
      ? await this.#fakeSalt(request)
      : undefined;
    const iterations = model?.iterations ?? 1000;
    const keylen = model?.keylen ?? 32;
    const challenge = wampcraChallenge({
      authid: request.authid ?? "",
      authrole: first?.role ?? "user",
      authmethod: "wampcra",
      authprovider: first ? "static" : "dynamic",
      session: request.session,
    });
    const extra: Dict = { challenge };
    if (salt !== undefined) {
      extra.salt = salt;
      extra.iterations = iterations;
      extra.keylen = keylen;
    }
    // Salted principals hold the derived key (as Crossbar's configuration
    // does), so the router never runs PBKDF2 for a login.
    const key = known ? principal!.secret! : this.#secret;
    return {
      kind: "challenge",
      method: "wampcra",
      extra,
      verify: async (signature) => {
        const ok = await verifyWampcra(key, challenge, signature);
        return ok && known
          ? this.#identity(request, principal!, found!.provider)
          : null;
      },
    };
  }

  // The first static principal: what an unknown authid's challenge copies.
  #model(config: MethodConfig): Principal | undefined {
    for (const p of Object.values(config.principals ?? {})) return p;
    return undefined;
  }

  async #fakeSalt(request: AuthRequest): Promise<string> {
    const digest = await sha256(
      utf8(`${this.#secret}\0${request.authid ?? ""}`),
    );
    return encodeBase64(digest.subarray(0, 16));
  }

  async #cryptosign(request: AuthRequest): Promise<AuthStart> {
    const pubkey = typeof request.authextra.pubkey === "string"
      ? request.authextra.pubkey.toLowerCase()
      : "";
    if (!HEX64.test(pubkey)) {
      // Nothing to check a signature against: refuse now, like Crossbar.
      return {
        kind: "abort",
        reason: NOT_AUTHORIZED,
        message: "Authentication failed",
      };
    }
    const config = this.#options.cryptosign!;
    const lookup = request.authid === undefined
      ? { ...request, authid: this.#keyOwners.get(pubkey) }
      : request;
    const dynamic = config.authenticate !== undefined ||
      config.authenticator !== undefined;
    const found = lookup.authid === undefined && !dynamic
      ? undefined
      : await this.#principal(config, lookup);
    // The key must be the principal's: in `authorized_keys`, or its
    // `pubkey` (what Crossbar's dynamic authenticators return). A principal
    // without either (a bare role) authorizes no key.
    const p = found?.principal;
    const keys = [
      ...(Array.isArray(p?.authorized_keys) ? p.authorized_keys : []),
      ...(typeof p?.pubkey === "string" ? [p.pubkey] : []),
    ];
    const allowed = keys.some((k) =>
      typeof k === "string" && k.toLowerCase() === pubkey
    );
    const challenge = newCryptosignChallenge();
    return {
      kind: "challenge",
      method: "cryptosign",
      extra: { challenge, channel_binding: null },
      verify: async (signature) => {
        const ok = await verifyCryptosign(pubkey, challenge, signature);
        return ok && allowed
          ? this.#identity(lookup, found!.principal, found!.provider)
          : null;
      },
    };
  }

  async #scram(request: AuthRequest): Promise<AuthStart> {
    const nonce = request.authextra.nonce;
    if (typeof nonce !== "string" || nonce.length === 0 || nonce.length > 256) {
      return {
        kind: "abort",
        reason: NOT_AUTHORIZED,
        message: "Authentication failed",
      };
    }
    const config = this.#options.scram!;
    const found = request.authid === undefined
      ? undefined
      : await this.#principal(config, request);
    let credentials = found && await this.#credentialsOf(found.principal);
    const known = credentials !== undefined;
    credentials ??= await this.#fakeCredentials(request);
    let server: ScramServer;
    try {
      server = new ScramServer(credentials, {
        authid: request.authid ?? "",
        clientNonce: nonce,
      });
    } catch {
      return {
        kind: "abort",
        reason: NOT_AUTHORIZED,
        message: "Authentication failed",
      };
    }
    return {
      kind: "challenge",
      method: "scram",
      extra: server.challengeExtra(),
      verify: async (signature) => {
        const ok = await server.verify(signature);
        if (!ok || !known) return null;
        return this.#identity(request, found!.principal, found!.provider, {
          scram_server_signature: await server.serverSignature(),
        });
      },
    };
  }

  #credentialsOf(p: Principal): Promise<ScramCredentials> | undefined {
    const stored = p["stored-key"];
    const serverKey = p["server-key"];
    if (typeof stored === "string" && typeof serverKey === "string") {
      // Crossbar's configuration writes salt and keys in hex (64 digits
      // for a key); ours in Base64 (44 characters): both are read.
      const hex = HEX64.test(stored.toLowerCase()) &&
        HEX64.test(serverKey.toLowerCase());
      const text = (v: string) => hex ? encodeBase64(fromHex(v)!) : v;
      return Promise.resolve({
        kdf: p.kdf ?? "argon2id-13",
        salt: text(p.salt ?? ""),
        iterations: p.iterations ?? 0,
        memory: p.memory ?? 0,
        storedKey: text(stored),
        serverKey: text(serverKey),
      });
    }
    if (typeof p.password !== "string") return undefined;
    // Derived once per principal object (a development convenience).
    const known = this.#scramKeys.get(p);
    if (known !== undefined) return known;
    {
      const config = this.#options.scram!;
      const kdf = p.kdf ?? config.kdf ?? "argon2id-13";
      const keys = scramCredentials(p.password, {
        kdf,
        salt: p.salt,
        iterations: p.iterations ?? config.iterations ??
          (kdf === "pbkdf2" ? 4096 : 2),
        memory: kdf === "pbkdf2" ? 0 : p.memory ?? config.memory ?? 4096,
      });
      this.#scramKeys.set(p, keys);
      return keys;
    }
  }

  // Parameters copied from the first configured principal, so an unknown
  // authid's challenge looks like a known one's.
  async #fakeCredentials(request: AuthRequest): Promise<ScramCredentials> {
    const config = this.#options.scram!;
    const model = this.#model(config);
    const real = model && await this.#credentialsOf(model);
    const kdf = real?.kdf ?? config.kdf ?? "argon2id-13";
    return {
      kdf,
      salt: await this.#fakeSalt(request),
      iterations: real?.iterations ?? config.iterations ??
        (kdf === "pbkdf2" ? 4096 : 2),
      memory: real?.memory ?? (kdf === "pbkdf2" ? 0 : config.memory ?? 4096),
      storedKey: encodeBase64(randomBytes(32)),
      serverKey: encodeBase64(randomBytes(32)),
    };
  }
}
