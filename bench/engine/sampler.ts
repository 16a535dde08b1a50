/**
 * Peak memory of a `pulumi` run and of the processes it starts, from /proc: every 200 ms the
 * descendants of the CLI's pid are found and each one's VmHWM (its own peak RSS, which only grows)
 * is kept. The last sample before a process exits is at most 200 ms old.
 */
import { readFileSync, readdirSync } from "node:fs";

export type Role = "engine" | "program" | "dynamic" | "plugins" | "language";

export interface Peaks {
    /** MiB, the largest process of each role; plugins are summed (one process per provider). */
    engine: number;
    program: number;
    dynamic: number;
    plugins: number;
}

function read(file: string): string | undefined {
    try {
        return readFileSync(file, "utf8");
    } catch {
        return undefined;
    }
}

function role(pid: number, root: number): Role {
    if (pid === root) return "engine";
    const cmd = (read(`/proc/${pid}/cmdline`) ?? "").split("\0").join(" ");
    if (cmd.includes("dynamic-provider")) return "dynamic";
    if (cmd.includes("pulumi-language-nodejs")) return "language";
    if (/@pulumi[/\\]pulumi[/\\]cmd[/\\]run/.test(cmd) || cmd.includes("cmd/run/index")) return "program";
    return "plugins";
}

export class Sampler {
    private timer?: NodeJS.Timeout;
    private readonly seen = new Map<number, { role: Role; hwmKiB: number }>();

    constructor(private readonly root: number) {}

    start(): void {
        this.sample();
        this.timer = setInterval(() => this.sample(), 200);
    }

    private sample(): void {
        const parents = new Map<number, number>();
        for (const entry of readdirSync("/proc")) {
            if (!/^\d+$/.test(entry)) continue;
            const stat = read(`/proc/${entry}/stat`);
            if (!stat) continue;
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
            const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
            parents.set(Number(entry), Number(fields[1]));
        }
        const inTree = (pid: number): boolean => {
            for (let p = pid, hops = 0; p > 1 && hops < 64; p = parents.get(p) ?? 0, hops++)
                if (p === this.root) return true;
            return false;
        };
        for (const pid of parents.keys()) {
            if (!inTree(pid)) continue;
            const m = /VmHWM:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`) ?? "");
            if (!m) continue;
            const known = this.seen.get(pid) ?? { role: role(pid, this.root), hwmKiB: 0 };
            known.hwmKiB = Math.max(known.hwmKiB, Number(m[1]));
            this.seen.set(pid, known);
        }
    }

    stop(): Peaks {
        if (this.timer) clearInterval(this.timer);
        const peaks: Peaks = { engine: 0, program: 0, dynamic: 0, plugins: 0 };
        for (const { role, hwmKiB } of this.seen.values()) {
            const mib = hwmKiB / 1024;
            if (role === "plugins") peaks.plugins += mib;
            else if (role !== "language") peaks[role] = Math.max(peaks[role], mib);
        }
        return peaks;
    }
}
