/**
 * The real Pulumi engine, as a test drives it: the CLI that `.ci/toolchain.sh` built (or the one
 * on PATH), a file backend in a directory the test owns, a passphrase of the test's own, no update
 * check and no plugin download (a missing plugin fails at once with its name).
 */
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { PROJECT } from "../../../components/core/project";
import { PROJECT_ROOT } from "../../../components/core/project";

export const ROOT = PROJECT_ROOT;

/** `KEY=VALUE` lines of `.ci/toolchain.sh env`, without running a shell for each command. */
function toolchainEnv(): Record<string, string> {
    const text = execFileSync(path.join(ROOT, ".ci/toolchain.sh"), ["env"], { encoding: "utf8" });
    const env: Record<string, string> = {};
    for (const line of text.split("\n")) {
        const m = /^export (\w+)="(.*)"$/.exec(line.trim());
        if (!m) continue;
        env[m[1]] = m[2].replace(/\$PATH/, process.env.PATH ?? "").replace(/\\\$/g, "$");
    }
    return env;
}

export interface CommandResult {
    code: number;
    stdout: string;
    stderr: string;
}

export class EngineError extends Error {
    constructor(
        readonly args: string[],
        readonly result: CommandResult,
    ) {
        super(`pulumi ${args.join(" ")} exited ${result.code}\n${tail(result.stdout)}\n${tail(result.stderr)}`);
    }
}

function tail(text: string, lines = 60): string {
    return text.split("\n").slice(-lines).join("\n");
}

/**
 * One stack of this project on a private file backend. `configFile` is the stack file the engine
 * reads (`--config-file`), so the test edits its own copy, never the repo's stacks/.
 */
export class EngineStack {
    readonly dir: string;
    readonly configFile: string;
    readonly log: string;
    readonly env: NodeJS.ProcessEnv;

    constructor(readonly stack: string) {
        this.dir = mkdtempSync(path.join(os.tmpdir(), `nocobase-engine-${stack}-`));
        const backend = path.join(this.dir, "state");
        mkdirSync(backend);
        this.configFile = path.join(this.dir, `Pulumi.${stack}.yaml`);
        this.log = path.join(this.dir, "engine.log");
        const tmp = path.join(this.dir, "tmp");
        mkdirSync(tmp);
        this.env = {
            ...process.env,
            ...toolchainEnv(),
            // The engine's plugins write temporary files they do not all remove (a kubeconfig with
            // its client key, each time a Kubernetes provider is configured): kept in this stack's
            // folder, which remove() deletes, instead of the machine's temporary directory.
            TMPDIR: tmp,
            PULUMI_BACKEND_URL: `file://${backend}`,
            PULUMI_CONFIG_PASSPHRASE: randomBytes(16).toString("hex"),
            // Plain, uncoloured output: what a CI log shows.
            PULUMI_SKIP_CONFIRMATIONS: "true",
            NO_COLOR: "1",
        };
    }

    /** Runs the CLI in the project directory; every run's output is appended to engine.log. */
    run(
        args: string[],
        options: { allowFailure?: boolean; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
    ): Promise<CommandResult> {
        return new Promise((resolve, reject) => {
            execFile(
                "pulumi",
                args,
                {
                    cwd: ROOT,
                    env: { ...this.env, ...options.env },
                    timeout: options.timeoutMs ?? 20 * 60_000,
                    maxBuffer: 256 * 1024 * 1024,
                    encoding: "utf8",
                },
                (error, stdout, stderr) => {
                    const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
                    const result = { code, stdout, stderr };
                    // The log is what a CI run would print: revealed secrets are the test's, not the engine's.
                    const shown = args.includes("--show-secrets") ? "(output with secrets shown: not logged)" : stdout;
                    appendFileSync(this.log, `\n$ pulumi ${args.join(" ")}\n(exit ${code})\n${shown}\n${stderr}\n`);
                    if (code !== 0 && !options.allowFailure) reject(new EngineError(args, result));
                    else resolve(result);
                },
            );
        });
    }

    /** Arguments every stack command takes: the stack and its config file. */
    private stackArgs(): string[] {
        return ["--stack", this.stack, "--config-file", this.configFile, "--non-interactive"];
    }

    private encryptionSalt?: string;

    /**
     * Creates the stack with the passphrase secrets provider. `stack init` writes the stack's
     * encryption salt to the project's stack file, in stacks/ of the repo: it is moved into the
     * test's own config file at once.
     */
    async init(config: Record<string, unknown>): Promise<void> {
        const created = path.join(ROOT, "stacks", `Pulumi.${this.stack}.yaml`);
        await this.run(["stack", "init", this.stack, "--secrets-provider", "passphrase", "--non-interactive"]);
        try {
            this.encryptionSalt = (parse(readFileSync(created, "utf8")) as { encryptionsalt?: string }).encryptionsalt;
        } finally {
            rmSync(created, { force: true });
        }
        this.writeConfig(config);
    }

    /** Writes the stack file from plain values (keys without the project prefix). */
    writeConfig(config: Record<string, unknown>): void {
        const values = Object.fromEntries(Object.entries(config).map(([k, v]) => [`${PROJECT}:${k}`, v]));
        writeFileSync(
            this.configFile,
            stringify({ ...(this.encryptionSalt ? { encryptionsalt: this.encryptionSalt } : {}), config: values }),
        );
    }

    /** `pulumi up --yes`; `preview: true` keeps the preview that a plain `pulumi up` runs first. */
    up(extra: string[] = [], options: { allowFailure?: boolean; preview?: boolean } = {}): Promise<CommandResult> {
        return this.run(
            ["up", "--yes", ...(options.preview ? [] : ["--skip-preview"]), ...this.stackArgs(), ...extra],
            options,
        );
    }

    preview(extra: string[] = [], options: { allowFailure?: boolean } = {}): Promise<CommandResult> {
        return this.run(["preview", ...this.stackArgs(), ...extra], options);
    }

    refresh(extra: string[] = [], options: { allowFailure?: boolean } = {}): Promise<CommandResult> {
        return this.run(["refresh", "--yes", "--skip-preview", ...this.stackArgs(), ...extra], options);
    }

    /** A suite's clean-up: unprotects everything and destroys whatever the steps left; never fails. */
    async destroyAll(): Promise<void> {
        await this.run(["state", "unprotect", "--all", "--yes", "--stack", this.stack], { allowFailure: true });
        await this.destroy([], { allowFailure: true });
    }

    destroy(extra: string[] = [], options: { allowFailure?: boolean; preview?: boolean } = {}): Promise<CommandResult> {
        return this.run(
            ["destroy", "--yes", ...(options.preview ? [] : ["--skip-preview"]), ...this.stackArgs(), ...extra],
            options,
        );
    }

    async output<T = unknown>(name: string, showSecrets = false): Promise<T> {
        const r = await this.run([
            "stack",
            "output",
            name,
            "--json",
            "--stack",
            this.stack,
            ...(showSecrets ? ["--show-secrets"] : []),
        ]);
        return JSON.parse(r.stdout) as T;
    }

    async export(showSecrets = false): Promise<string> {
        return (await this.run(["stack", "export", "--stack", this.stack, ...(showSecrets ? ["--show-secrets"] : [])]))
            .stdout;
    }

    remove(): void {
        rmSync(this.dir, { recursive: true, force: true });
    }
}

/** The steps of `pulumi preview --json`, by URN, as the plan names them. */
export function previewSteps(json: string): Array<{ urn: string; op: string }> {
    const doc = JSON.parse(json) as { steps?: Array<{ urn: string; op: string }> };
    const ops: Record<string, string> = {
        create: "create",
        update: "update",
        delete: "delete",
        replace: "replace",
        "create-replacement": "replace",
        "delete-replaced": "replace",
    };
    const steps = new Map<string, string>();
    for (const s of doc.steps ?? []) if (ops[s.op]) steps.set(s.urn, ops[s.op]);
    return [...steps].map(([urn, op]) => ({ urn, op })).sort((a, b) => a.urn.localeCompare(b.urn));
}

/** URNs that `pulumi preview --json` refused to delete because they are protected. */
export function protectedDeletes(json: string): string[] {
    const doc = JSON.parse(json) as { diagnostics?: Array<{ urn?: string; message: string }> };
    return (doc.diagnostics ?? [])
        .filter((d) => d.urn && /cannot be deleted\s+because it is protected/.test(d.message))
        .map((d) => d.urn as string);
}

/** The signature key Pulumi marks a secret with in a state export. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** A value of `pulumi stack export --show-secrets`, with its secret wrapper taken off. */
export function revealed<T = unknown>(value: unknown): T {
    if (value && typeof value === "object" && SECRET_SIG in value)
        return JSON.parse((value as unknown as { plaintext: string }).plaintext) as T;
    return value as T;
}

/**
 * An engine suite's steps build on each other's state: once one fails, the later ones are skipped
 * rather than run on what it left. Call it in the suite's `describe`; `kept()` tells the suite's
 * `after` to leave the stack for a look (a failed step, or KEEP_ENGINE_STACK set), saying where
 * it is; the next run removes what it left.
 */
export function skipAfterFirstFailure(stack: () => EngineStack | undefined): { kept: () => boolean } {
    let failed = false;
    beforeEach(function () {
        if (failed) this.skip();
    });
    afterEach(function () {
        if (this.currentTest?.state === "failed") {
            failed = true;
            console.log(`engine log: ${stack()?.log}`);
        }
    });
    return {
        kept: () => {
            if (!process.env.KEEP_ENGINE_STACK && !failed) return false;
            console.log(`kept: ${stack()?.dir} (engine log: ${stack()?.log})`);
            return true;
        },
    };
}
