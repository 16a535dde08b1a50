// Root hooks for the real-NocoBase suite: start NocoBase 2.2.15 through .ci/nocobase.sh unless it
// already runs, and stop it afterwards only if this run started it.
import { execFileSync } from "node:child_process";
import * as path from "node:path";

const script = path.resolve(__dirname, "../../.ci/nocobase.sh");
let startedHere = false;

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

export const mochaHooks = {
    beforeAll(this: Mocha.Context) {
        this.timeout(900_000);
        if (!isRunning()) {
            run("start");
            startedHere = true;
        }
        process.env.NOCOBASE_IT_URL = run("url");
    },
    afterAll() {
        if (startedHere) run("stop");
    },
};
