/**
 * One Pulumi project and stack on a private file backend, driven through the real CLI, each run
 * timed and sampled (bench/engine/sampler.ts). The CLI and plugins are the ones `.ci/toolchain.sh`
 * built, with plugin download off.
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { Peaks, Sampler } from "./sampler";

export const ROOT = path.resolve(__dirname, "../..");

/** `KEY=VALUE` lines of `.ci/toolchain.sh env`. */
export function toolchainEnv(): Record<string, string> {
    const text = execFileSync(path.join(ROOT, ".ci/toolchain.sh"), ["env"], { encoding: "utf8" });
    const env: Record<string, string> = {};
    for (const line of text.split("\n")) {
        const m = /^export (\w+)="(.*)"$/.exec(line.trim());
        if (m) env[m[1]] = m[2].replace(/\$PATH/, process.env.PATH ?? "").replace(/\\\$/g, "$");
    }
    return env;
}

export interface Run {
    code: number;
    wallS: number;
    peaks: Peaks;
    stdout: string;
    stderr: string;
}

export class BenchStack {
    readonly backend: string;
    readonly configFile: string;
    readonly log: string;
    private readonly env: NodeJS.ProcessEnv;
    private salt?: string;

    constructor(
        readonly dir: string,
        /** The project directory (its Pulumi.yaml). */
        readonly project: string,
        /** The project's stack config directory, where `stack init` writes the salt. */
        readonly stackConfigDir: string,
        readonly stack: string,
        toolchain: Record<string, string>,
    ) {
        this.backend = path.join(dir, "state");
        mkdirSync(this.backend, { recursive: true });
        this.configFile = path.join(dir, `Pulumi.${stack}.yaml`);
        this.log = path.join(dir, "engine.log");
        this.env = {
            ...process.env,
            ...toolchain,
            PULUMI_BACKEND_URL: `file://${this.backend}`,
            PULUMI_CONFIG_PASSPHRASE: randomBytes(16).toString("hex"),
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_SKIP_CONFIRMATIONS: "true",
            NO_COLOR: "1",
        };
    }

    /** Runs `pulumi <args>` in the project directory, sampling its process tree. */
    run(args: string[], timeoutMs = 60 * 60_000, env: NodeJS.ProcessEnv = {}): Promise<Run> {
        return new Promise((resolve) => {
            const started = process.hrtime.bigint();
            const child = spawn("pulumi", args, {
                cwd: this.project,
                env: { ...this.env, ...env },
                stdio: ["ignore", "pipe", "pipe"],
            });
            const sampler = new Sampler(child.pid!);
            sampler.start();
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
            child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
            const timer = setTimeout(() => child.kill("SIGINT"), timeoutMs);
            child.on("close", (code) => {
                clearTimeout(timer);
                const wallS = Number(process.hrtime.bigint() - started) / 1e9;
                const peaks = sampler.stop();
                appendFileSync(
                    this.log,
                    `\n$ pulumi ${args.join(" ")}\n(exit ${code}, ${wallS.toFixed(1)} s)\n${stdout.slice(-20000)}\n${stderr.slice(-20000)}\n`,
                );
                resolve({ code: code ?? 1, wallS, peaks, stdout, stderr });
            });
        });
    }

    stackArgs(): string[] {
        return ["--stack", this.stack, "--config-file", this.configFile, "--non-interactive"];
    }

    /** Creates the stack; the salt `stack init` writes into the project's stack file moves into ours. */
    async init(): Promise<void> {
        const created = path.join(this.stackConfigDir, `Pulumi.${this.stack}.yaml`);
        const r = await this.run([
            "stack",
            "init",
            this.stack,
            "--secrets-provider",
            "passphrase",
            "--non-interactive",
        ]);
        try {
            if (r.code !== 0) throw new Error(`pulumi stack init: ${r.stderr}`);
            this.salt = (parse(readFileSync(created, "utf8")) as { encryptionsalt?: string }).encryptionsalt;
        } finally {
            rmSync(created, { force: true });
        }
    }

    /** A `secure:` ciphertext of this stack for `value`. */
    async encrypt(value: string): Promise<string> {
        this.writeConfig({}, "");
        const r = await this.run(["config", "set", "--secret", "bench:scratch", value, ...this.stackArgs()]);
        if (r.code !== 0) throw new Error(`pulumi config set: ${r.stderr}`);
        const doc = parse(readFileSync(this.configFile, "utf8")) as { config: Record<string, { secure: string }> };
        return doc.config["bench:scratch"].secure;
    }

    /** Writes the stack file; `namespace` prefixes every key (the project's name). */
    writeConfig(config: Record<string, unknown>, namespace: string): void {
        const values = Object.fromEntries(
            Object.entries(config).map(([k, v]) => [namespace ? `${namespace}:${k}` : k, v]),
        );
        writeFileSync(
            this.configFile,
            stringify({ ...(this.salt ? { encryptionsalt: this.salt } : {}), config: values }),
        );
    }

    /** Bytes of the stack's checkpoint on the file backend. */
    stateBytes(): number {
        const stacks = path.join(this.backend, ".pulumi", "stacks");
        let bytes = 0;
        const walk = (dir: string) => {
            for (const entry of readdirSync(dir, { withFileTypes: true })) {
                const p = path.join(dir, entry.name);
                if (entry.isDirectory()) walk(p);
                else if (entry.name === `${this.stack}.json` || entry.name === `${this.stack}.json.gz`)
                    bytes = statSync(p).size;
            }
        };
        try {
            walk(stacks);
        } catch {
            return 0;
        }
        return bytes;
    }

    /** The checkpoint's resources (after an update). */
    resources(): Array<{
        urn: string;
        type: string;
        inputs?: Record<string, unknown>;
        outputs?: Record<string, unknown>;
    }> {
        const stacks = path.join(this.backend, ".pulumi", "stacks");
        let file = "";
        const walk = (dir: string) => {
            for (const entry of readdirSync(dir, { withFileTypes: true })) {
                const p = path.join(dir, entry.name);
                if (entry.isDirectory()) walk(p);
                else if (entry.name === `${this.stack}.json`) file = p;
            }
        };
        walk(stacks);
        const doc = JSON.parse(readFileSync(file, "utf8")) as { checkpoint: { latest?: { resources?: [] } } };
        return doc.checkpoint.latest?.resources ?? [];
    }

    remove(): void {
        rmSync(this.dir, { recursive: true, force: true });
    }
}
