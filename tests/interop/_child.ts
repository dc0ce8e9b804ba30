// A peer run as a real child process (a Node script, a Python script): its
// report lines on stdout, a line protocol on stdin, and a kill that always
// happens. Peer scripts mark their report lines with MARK and a JSON object;
// everything else on stdout (library logging) is kept for diagnostics only.
const here = new URL("./", import.meta.url);
const root = new URL("../../", import.meta.url);

export const MARK = "@@wampkit ";

/** Per-step limit: generous, for a slow 2-core machine. */
export const STEP_MS = 30_000;

// deno-lint-ignore no-explicit-any
export type Report = Record<string, any>;

export class Child implements AsyncDisposable {
  readonly name: string;
  readonly #process: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reports: Report[] = [];
  #waiters: (() => void)[] = [];
  #stdout = "";
  #stderr = "";
  #exited: Deno.CommandStatus | undefined;
  readonly #drained: Promise<unknown>;
  readonly status: Promise<Deno.CommandStatus>;

  constructor(name: string, command: string, args: string[]) {
    this.name = name;
    this.#process = new Deno.Command(command, {
      args,
      cwd: here.pathname,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", PYTHONUNBUFFERED: "1" },
    }).spawn();
    this.#stdin = this.#process.stdin.getWriter();
    this.status = this.#process.status.then((s) => {
      this.#exited = s;
      this.#wake();
      return s;
    });
    this.#drained = Promise.all([
      this.#read(this.#process.stdout, (line) => {
        this.#stdout += line + "\n";
        if (line.startsWith(MARK)) {
          this.#reports.push(JSON.parse(line.slice(MARK.length)));
          this.#wake();
        }
      }),
      this.#read(this.#process.stderr, (line) => {
        this.#stderr += line + "\n";
      }),
    ]);
  }

  async #read(
    stream: ReadableStream<Uint8Array>,
    onLine: (line: string) => void,
  ): Promise<void> {
    let buffered = "";
    for await (
      const chunk of stream.pipeThrough(new TextDecoderStream())
    ) {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        onLine(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    }
    if (buffered) onLine(buffered);
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** What the process wrote so far, for assertion messages. */
  get output(): string {
    return `--- ${this.name} stdout ---\n${this.#stdout}--- ${this.name} stderr ---\n${this.#stderr}`;
  }

  /** All report objects so far. */
  get reports(): readonly Report[] {
    return this.#reports;
  }

  /**
   * The first report that has `key`; fails on timeout, on an `error`
   * report, or when the process exits first.
   */
  async report(key: string, timeoutMs = STEP_MS): Promise<Report> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.#reports.find((r) => key in r);
      if (found) return found;
      const failed = this.#reports.find((r) => "error" in r);
      if (failed) {
        throw new Error(
          `${this.name} reported an error while we waited for "${key}": ${
            JSON.stringify(failed)
          }\n${this.output}`,
        );
      }
      if (this.#exited) {
        await this.#drained; // the last lines may still be in the pipe
        if (this.#reports.some((r) => key in r)) continue;
        throw new Error(
          `${this.name} exited (code ${this.#exited.code}) before reporting "${key}"\n${this.output}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `${this.name} did not report "${key}" within ${timeoutMs} ms\n${this.output}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Writes one line to the process's stdin. */
  async send(line: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(line + "\n"));
  }

  /** Closes stdin and waits for the exit; kills the process on timeout. */
  async exit(timeoutMs = STEP_MS): Promise<Deno.CommandStatus> {
    try {
      await this.#stdin.close();
    } catch {
      // the process may have closed its end already
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const status = await Promise.race([
      this.status,
      new Promise<undefined>((r) => {
        timer = setTimeout(() => r(undefined), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!status) {
      this.kill();
      await this.status;
      await this.#drained;
      throw new Error(
        `${this.name} did not exit within ${timeoutMs} ms\n${this.output}`,
      );
    }
    await this.#drained;
    return status;
  }

  /** SIGKILL unless the process has exited; then waits for it. */
  kill(): void {
    if (this.#exited) return;
    try {
      this.#process.kill("SIGKILL");
    } catch {
      // gone meanwhile
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.kill();
    try {
      await this.#stdin.close();
    } catch {
      // already closed
    }
    await this.status;
    await this.#drained;
  }
}

/** `node <script> ...args`, run from tests/interop (its node_modules). */
export function spawnNode(script: string, args: string[]): Child {
  try {
    Deno.statSync(new URL("node_modules/ws/package.json", here));
  } catch {
    throw new Error(
      "tests/interop/node_modules is missing: run tests/interop/install_peers.sh",
    );
  }
  return new Child(
    `node ${script} ${args.slice(1).join(" ")}`,
    Deno.env.get("NODE_BIN") ?? "node",
    [script, ...args],
  );
}

/** Python with autobahn-python, as tests/interop/install_peers.sh installs it. */
export function pythonWithAutobahn(): string {
  const path = Deno.env.get("AUTOBAHN_PYTHON") ??
    new URL(".peers/abvenv/bin/python", root).pathname;
  try {
    Deno.statSync(path);
  } catch {
    throw new Error(
      `${path} is missing: run tests/interop/install_peers.sh (or set AUTOBAHN_PYTHON)`,
    );
  }
  return path;
}
