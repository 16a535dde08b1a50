/**
 * The real NocoBase 2.2.15 that `.ci/nocobase.sh` runs on loopback (no Docker), shared by the
 * integration suite and the engine suites that register apps on a real one. A suite starts it
 * unless it already runs, and stops it afterwards only if it was the one that started it.
 */
import { execFileSync } from "node:child_process";
import { PROJECT_ROOT } from "../../components/core/project";
import * as path from "node:path";

/** Its root account, made by `nocobase install` from the script's environment. */
export const LOCAL_NOCOBASE_ROOT = { account: "admin@nocobase.com", password: "admin123" };

const script = path.join(PROJECT_ROOT, ".ci/nocobase.sh");

function run(cmd: string): string {
    return execFileSync(script, [cmd], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
}

function isRunning(): boolean {
    try {
        run("status");
        return true;
    } catch {
        return false;
    }
}

export class LocalNocoBase {
    private startedHere = false;

    /** Starts it unless it already runs; returns its base URL. */
    start(): string {
        if (!isRunning()) {
            run("start");
            this.startedHere = true;
        }
        return run("url");
    }

    /** Stops it if start() started it. */
    release(): void {
        if (this.startedHere) run("stop");
        this.startedHere = false;
    }
}
