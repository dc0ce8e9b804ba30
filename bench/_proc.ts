// CPU time and memory of processes, read from /proc (Linux only), for the
// benchmarks: throughput on a shared 2-core machine moves with whatever else
// runs, CPU time per operation much less.
//
// - A process's CPU time is utime + stime from /proc/<pid>/stat (all of its
//   threads, in clock ticks of 1/CLK_TCK s, 10 ms with CLK_TCK = 100).
// - This process's own CPU time comes from getrusage (node:process
//   cpuUsage(), in microseconds).
// - RSS is VmRSS from /proc/<pid>/status.
import process from "node:process";

/** Clock ticks per second (`getconf CLK_TCK`, 100 on Linux almost always). */
export const CLK_TCK: number = (() => {
  try {
    const out = new Deno.Command("getconf", { args: ["CLK_TCK"] })
      .outputSync();
    const n = Number(new TextDecoder().decode(out.stdout).trim());
    return n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

// The fields of /proc/<pid>/stat after "(comm)": [0] is field 3 (state).
function statFields(pid: number): string[] | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return undefined; // gone
  }
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
}

/** CPU seconds (user + system, all threads) of one process; 0 if gone. */
export function cpuSeconds(pid: number): number {
  const f = statFields(pid);
  if (!f) return 0;
  return (Number(f[11]) + Number(f[12])) / CLK_TCK; // fields 14 and 15
}

/** When a process started (ticks after boot), to tell a reused pid apart. */
export function processStart(pid: number): number | undefined {
  const f = statFields(pid);
  return f ? Number(f[19]) : undefined; // field 22
}

/** The process and all its descendants (children, grandchildren, …). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const f = statFields(Number(entry.name));
    if (!f) continue;
    const ppid = Number(f[1]); // field 4
    const list = children.get(ppid) ?? [];
    list.push(Number(entry.name));
    children.set(ppid, list);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    tree.push(...(children.get(tree[i]!) ?? []));
  }
  return tree;
}

/** Resident set size of one process in bytes; 0 if gone. */
export function rssBytes(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** The name a process gave itself (`comm`, as `ps` shows it). */
export function processName(pid: number): string {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/comm`).trim();
  } catch {
    return "?";
  }
}

/** CPU seconds used by this process so far (getrusage). */
export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** TCP ports on which any of the given processes listens (IPv4 and IPv6). */
export function listeningPorts(pids: number[]): number[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    try {
      for (const fd of Deno.readDirSync(`/proc/${pid}/fd`)) {
        try {
          const link = Deno.readLinkSync(`/proc/${pid}/fd/${fd.name}`);
          const m = /^socket:\[(\d+)\]$/.exec(link);
          if (m) inodes.add(m[1]!);
        } catch {
          // closed meanwhile
        }
      }
    } catch {
      // gone
    }
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = Deno.readTextFileSync(table);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols: sl local rem st tx:rx tr:when retrnsmt uid timeout inode
      if (cols[3] === "0A" && inodes.has(cols[9]!)) {
        ports.push(parseInt(cols[1]!.split(":")[1]!, 16));
      }
    }
  }
  return ports;
}

/**
 * The soft and hard limits on open files of this process, raised to the
 * hard limit when the soft one is below `want` (with `prlimit`, from
 * util-linux). Router processes started afterwards inherit the new limit.
 */
export function raiseFileLimit(want: number): { soft: number; hard: number } {
  const read = () => {
    const limits = Deno.readTextFileSync("/proc/self/limits");
    const m = /Max open files\s+(\S+)\s+(\S+)/.exec(limits)!;
    const num = (s: string) => s === "unlimited" ? Infinity : Number(s);
    return { soft: num(m[1]!), hard: num(m[2]!) };
  };
  let l = read();
  if (l.soft < want && l.soft < l.hard) {
    const target = Math.min(l.hard, Math.max(want, 65536));
    try {
      new Deno.Command("prlimit", {
        args: [`--pid=${Deno.pid}`, `--nofile=${target}:${l.hard}`],
        stdout: "null",
        stderr: "null",
      }).outputSync();
    } catch {
      // no prlimit: keep the limit, the caller measures fewer sessions
    }
    l = read();
  }
  return l;
}

function taskset(args: string[]): string | undefined {
  try {
    const out = new Deno.Command("taskset", { args, stderr: "null" })
      .outputSync();
    return out.success ? new TextDecoder().decode(out.stdout) : undefined;
  } catch {
    return undefined; // no taskset
  }
}

/**
 * Runs `fn` with the given processes (all their threads) and this process
 * pinned to one CPU, then restores the affinity they had. Why: a sequential
 * round trip wakes the peer process every time, and whether the two land on
 * the same core or on two cores doubles or halves the CPU time per call
 * (wake-ups across cores cost more; measured 35 µs vs 80 µs per call for the
 * router here), so unpinned sequential numbers jump between two modes. On one
 * core they are stable. Without taskset, runs unpinned and says so.
 */
export async function onOneCpu<T>(
  cpu: number,
  pids: number[],
  fn: () => Promise<T>,
): Promise<{ value: T; pinned: boolean }> {
  const all = [Deno.pid, ...pids];
  const saved = all.map((pid) =>
    /affinity list: (\S+)/.exec(taskset(["-c", "-p", String(pid)]) ?? "")
      ?.[1]
  );
  const pinned = saved.every((s) => s !== undefined) &&
    all.every((pid) =>
      taskset(["-a", "-c", "-p", String(cpu), String(pid)]) !== undefined
    );
  try {
    return { value: await fn(), pinned };
  } finally {
    all.forEach((pid, i) => {
      if (saved[i]) taskset(["-a", "-c", "-p", saved[i]!, String(pid)]);
    });
  }
}
