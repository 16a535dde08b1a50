/**
 * `npm run bench -- --engine`: what `pulumi preview` and `pulumi up` of this program cost under the
 * real engine, next to the engine's floor (as many plain RandomId resources through the same
 * engine), for stacks of N tenants.
 *
 * Per size, on a fresh file backend: preview from empty; up from empty; no-change preview and up,
 * each with the project's `refresh: always` and with `--refresh=false`; a full `pulumi refresh` and
 * one of the registrations only; adding one tenant, with and without refresh. Each run prints wall
 * time, peak RSS of the engine (the CLI), of the program, of the dynamic provider host and of the
 * other plugins together, the checkpoint's size, the calls made to NocoBase (through a counting
 * proxy in front of its API) and the statements sent to PostgreSQL (through a counting forwarder),
 * and the ratio of the time to the floor's for the same step.
 *
 *   npm run bench -- --engine                           sizes 10, 100, 300, 1000
 *   npm run bench -- --engine --sizes 10 --parallel 16  other sizes, pulumi's --parallel
 *   npm run bench -- --engine --out results.json        the figures as JSON too
 *   npm run bench -- --engine --keep                    keep the last stack, its state and engine log
 *
 *   npm run bench -- --engine --sizes 1000 --steps preview,add --skip-checkpoints-on-create
 *                                                       some steps only; `up` from empty without the
 *                                                       per-step checkpoint writes
 *
 * Needs `.ci/engine-setup.sh` (PostgreSQL's binaries, the toolchain, dockerd, the local images).
 * PostgreSQL is a cluster of the benchmark's own on 127.0.0.1 (bench/engine/postgres.ts), removed at
 * the end; on the Docker engine it creates, and removes before each size and at the end, the
 * container, network and volume `nocobase-bench-*`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { HelpRequested, UsageError, parseCommandLine, positiveInteger } from "../../cli/harness/commandLine";
import { PROJECT } from "../../components/core/project";
import { PrivatePostgres } from "./postgres";
import { HttpCounter, HttpCounts, PgCounter, PgCounts } from "./proxies";
import { BenchStack, ROOT, Run, toolchainEnv } from "./pulumi";
import { Peaks } from "./sampler";
import {
    BenchTargets,
    DOCKER_PREFIX,
    FIXED_NAMES,
    PG_PREFIX,
    STACK,
    benchConfig,
    configBytes,
    connectionRoles,
} from "./stackConfig";
import { psql as psqlAs } from "../../test/support/localPostgres";
import { docker, dockerHost } from "../../test/engine/support/docker";
import { freePort } from "../../test/engine/support/dockerStack";
import { ENVIRONMENT_STRING_LIMIT } from "../../components/core/engine";

const USAGE =
    "usage: npm run bench -- --engine [--sizes N,N,...] [--steps KEY,KEY,...] [--skip-checkpoints-on-create] [--parallel N] [--out FILE] [--keep] [--no-floor]";

/** `--steps` keys; `up-empty` is always run, as every later step needs its state. */
const STEP_KEYS: Record<string, string> = {
    "preview, empty": "preview-empty",
    "up, empty": "up-empty",
    "preview, no change": "preview",
    "preview, no change, --refresh=false": "preview-no-refresh",
    "up, no change": "up",
    "up, no change, --refresh=false": "up-no-refresh",
    refresh: "refresh",
    "refresh, registrations only": "refresh-registrations",
    "up, add 1 tenant": "add",
    "up, add 1 tenant, --refresh=false": "add-no-refresh",
};

interface Args {
    sizes: number[];
    parallel?: number;
    out?: string;
    keep: boolean;
    floor: boolean;
    steps?: string[];
    /** PULUMI_SKIP_CHECKPOINTS=true for `up` from empty only (program and floor). */
    skipCheckpointsOnCreate: boolean;
}

function args(argv: string[]): Args {
    const v = parseCommandLine(argv, {
        sizes: { type: "string" },
        parallel: { type: "string" },
        out: { type: "string" },
        keep: { type: "boolean" },
        "no-floor": { type: "boolean" },
        steps: { type: "string" },
        "skip-checkpoints-on-create": { type: "boolean" },
    });
    const steps = v.steps?.split(",");
    const unknown = steps?.filter((k) => !Object.values(STEP_KEYS).includes(k));
    if (unknown?.length)
        throw new UsageError(`--steps: unknown ${unknown.join(", ")}; known: ${Object.values(STEP_KEYS).join(", ")}`);
    return {
        sizes: (v.sizes ?? "10,100,300,1000").split(",").map((n) => positiveInteger("sizes", n)),
        parallel: v.parallel === undefined ? undefined : positiveInteger("parallel", v.parallel),
        out: v.out,
        keep: v.keep === true,
        floor: v["no-floor"] !== true,
        steps: steps ? [...new Set(["up-empty", ...steps])] : undefined,
        skipCheckpointsOnCreate: v["skip-checkpoints-on-create"] === true,
    };
}

/** One step of a size, for the program and for the floor. */
export interface Figure {
    step: string;
    code: number;
    wallS: number;
    peaks: Peaks;
    stateKiB: number;
    nocobase?: HttpCounts;
    pg?: PgCounts;
    floor?: { code: number; wallS: number; peaks: Peaks; stateKiB: number };
}

export interface SizeResult {
    tenants: number;
    /** Resources the program registers (the floor registers as many RandomIds). */
    resources: number;
    figures: Figure[];
    note?: string;
}

/** The benchmark's own PostgreSQL cluster (bench/engine/postgres.ts); its port once started. */
const PG = { host: "127.0.0.1", port: 0 };

function psql(sql: string, database = "postgres"): string {
    return psqlAs({ ...PG, user: "postgres" }, database, sql);
}

const lines = (t: string) => t.split("\n").filter(Boolean);

/** Whatever an earlier run of the benchmark left: its container, network, volumes, databases, roles. */
function cleanUp(dockerHost: string): void {
    const mine = (names: string[]) => names.filter((n) => n.startsWith(DOCKER_PREFIX));
    const containers = mine(lines(docker(dockerHost, ["ps", "-a", "--format", "{{.Names}}"])));
    if (containers.length) docker(dockerHost, ["rm", "-f", "-v", ...containers]);
    const volumes = mine(lines(docker(dockerHost, ["volume", "ls", "--format", "{{.Name}}"])));
    if (volumes.length) docker(dockerHost, ["volume", "rm", "-f", ...volumes]);
    const networks = mine(lines(docker(dockerHost, ["network", "ls", "--format", "{{.Name}}"])));
    if (networks.length) docker(dockerHost, ["network", "rm", ...networks]);
    const like = `${PG_PREFIX.replace(/_/g, "\\_")}%`;
    const databases = lines(
        psql(
            `select datname from pg_database where datname like '${like}' or datname ~ '^t[0-9]{4}$' or datname = '${FIXED_NAMES.database}'`,
        ),
    );
    for (const d of databases) psql(`drop database if exists "${d}" with (force)`);
    const roles = lines(
        psql(
            `select rolname from pg_roles where rolname like '${like}' or rolname ~ '^t[0-9]{4}(_app)?$' or rolname in (${FIXED_NAMES.roles.map((r) => `'${r}'`).join(",")})`,
        ),
    );
    for (const r of roles) psql(`drop role if exists "${r}"`);
}

/** This machine's own addresses: the source of every connection that does not come from a container. */
function ownAddresses(): string[] {
    return Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
}

const kib = (bytes: number) => Math.round(bytes / 1024);

class SizeRun {
    readonly result: SizeResult;
    private stack!: BenchStack;
    private floorStack?: BenchStack;
    private targets!: BenchTargets;

    constructor(
        private readonly tenants: number,
        private readonly env: {
            dockerHost: string;
            gateway: string;
            nocobaseImage: string;
            toolchain: Record<string, string>;
        },
        private readonly http: HttpCounter,
        private readonly pg: PgCounter,
        private readonly options: Args,
        private readonly ports: { pg: number; api: number; entry: number },
    ) {
        this.result = { tenants, resources: 0, figures: [] };
    }

    private parallel(): string[] {
        return this.options.parallel ? ["--parallel", String(this.options.parallel)] : [];
    }

    private wants(name: string): boolean {
        return !this.options.steps || this.options.steps.includes(STEP_KEYS[name]);
    }

    private async step(name: string, args: string[], floorArgs: string[] | undefined): Promise<Figure | undefined> {
        if (!this.wants(name)) return undefined;
        this.http.take();
        this.pg.take();
        // The file backend writes the whole checkpoint (and a backup) after every step: from empty,
        // that grows with the square of the stack. Skipping it leaves only the final write.
        const env =
            name === "up, empty" && this.options.skipCheckpointsOnCreate ? { PULUMI_SKIP_CHECKPOINTS: "true" } : {};
        if (env.PULUMI_SKIP_CHECKPOINTS) name = `${name} (PULUMI_SKIP_CHECKPOINTS)`;
        const r: Run = await this.stack.run([...args, ...this.stack.stackArgs(), ...this.parallel()], undefined, env);
        const figure: Figure = {
            step: name,
            code: r.code,
            wallS: r.wallS,
            peaks: r.peaks,
            stateKiB: kib(this.stack.stateBytes()),
            nocobase: this.http.take(),
            pg: this.pg.take(),
        };
        if (r.code !== 0)
            process.stderr.write(
                `${this.tenants} tenants, ${name}: exit ${r.code}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}\n`,
            );
        if (floorArgs && this.floorStack) {
            const f = await this.floorStack.run(
                [...floorArgs, ...this.floorStack.stackArgs(), ...this.parallel()],
                undefined,
                env,
            );
            if (f.code !== 0) process.stderr.write(`floor, ${name}: exit ${f.code}\n${f.stderr.slice(-2000)}\n`);
            figure.floor = {
                code: f.code,
                wallS: f.wallS,
                peaks: f.peaks,
                stateKiB: kib(this.floorStack.stateBytes()),
            };
        }
        this.result.figures.push(figure);
        process.stderr.write(`${this.tenants} tenants: ${line(figure)}\n`);
        return figure;
    }

    /** Short ids and no domains where the full form would not reach the program (see `configBytes`). */
    private compact = false;

    private writeProgramConfig(count: number): void {
        this.stack.writeConfig(benchConfig(count, this.targets, this.compact, this.tenants), PROJECT);
    }

    private writeFloorConfig(count: number): void {
        this.floorStack?.writeConfig({ "bench:count": count }, "");
    }

    async run(): Promise<void> {
        const n = this.tenants;
        const dir = mkdtempSync(path.join(os.tmpdir(), `nocobase-bench-engine-${n}-`));
        this.stack = new BenchStack(dir, ROOT, path.join(ROOT, "stacks"), STACK, this.env.toolchain);
        await this.stack.init();
        const secure = await this.stack.encrypt("pw");
        this.targets = {
            dockerHost: this.env.dockerHost,
            nocobaseImage: this.env.nocobaseImage,
            pg: { host: this.env.gateway, port: this.ports.pg },
            entryPort: this.ports.entry,
            apiUrl: `http://127.0.0.1:${this.ports.api}`,
            secure,
        };
        if (configBytes(benchConfig(n + 2, { ...this.targets, secure: "pw" }), PROJECT) > ENVIRONMENT_STRING_LIMIT) {
            this.compact = true;
            this.result.note = `compact configuration (ids t0000, no domains): the full one is ${configBytes(benchConfig(n + 2, { ...this.targets, secure: "pw" }), PROJECT)} bytes in PULUMI_CONFIG, over Linux's ${ENVIRONMENT_STRING_LIMIT}-byte limit for one environment string`;
            if (
                configBytes(benchConfig(n + 2, { ...this.targets, secure: "pw" }, true), PROJECT) >
                ENVIRONMENT_STRING_LIMIT
            )
                throw new Error(
                    `${n} tenants: even the compact configuration is over ${ENVIRONMENT_STRING_LIMIT} bytes`,
                );
        }
        this.writeProgramConfig(n);
        // The connection-mode apps' own roles on their "external" server (not timed).
        for (const role of connectionRoles(n + 2, this.compact)) psql(`create role "${role}" login`);

        // The resource count comes from the preview; the floor then gets as many.
        const preview = await this.stack.run(["preview", "--json", ...this.stack.stackArgs()]);
        if (preview.code !== 0)
            throw new Error(`preview --json failed:\n${preview.stdout.slice(-3000)}\n${preview.stderr.slice(-3000)}`);
        const steps = (JSON.parse(preview.stdout) as { steps?: Array<{ op: string; urn: string }> }).steps ?? [];
        this.result.resources = steps.filter(
            (s) => s.op === "create" && !s.urn.includes("::pulumi:pulumi:Stack::"),
        ).length;
        if (this.options.floor) {
            const floorDir = path.join(dir, "floor");
            const project = path.join(__dirname, "floor");
            this.floorStack = new BenchStack(floorDir, project, project, "floor", this.env.toolchain);
            await this.floorStack.init();
            this.writeFloorConfig(this.result.resources);
        }

        await this.step("preview, empty", ["preview"], ["preview"]);
        const up = await this.step("up, empty", ["up", "--yes", "--skip-preview"], ["up", "--yes", "--skip-preview"]);
        if (up && up.code !== 0) {
            this.result.note = `pulumi up from empty failed at ${n} tenants (see stderr)`;
            return;
        }
        await this.step("preview, no change", ["preview", "--expect-no-changes"], ["preview", "--expect-no-changes"]);
        await this.step(
            "preview, no change, --refresh=false",
            ["preview", "--expect-no-changes", "--refresh=false"],
            ["preview", "--expect-no-changes", "--refresh=false"],
        );
        await this.step("up, no change", ["up", "--yes", "--skip-preview"], ["up", "--yes", "--skip-preview"]);
        await this.step(
            "up, no change, --refresh=false",
            ["up", "--yes", "--skip-preview", "--refresh=false"],
            ["up", "--yes", "--skip-preview", "--refresh=false"],
        );
        await this.step("refresh", ["refresh", "--yes", "--skip-preview"], ["refresh", "--yes", "--skip-preview"]);
        // The registrations only: the drift users care about (an app stopped or renamed in NocoBase).
        const registrations = this.stack
            .resources()
            .filter((r) => r.type === "pulumi-nodejs:dynamic/nocobase:App")
            .flatMap((r) => ["--target", r.urn]);
        await this.step(
            "refresh, registrations only",
            ["refresh", "--yes", "--skip-preview", ...registrations],
            undefined,
        );

        // Each add step adds one tenant to what the stack holds then, whichever steps run.
        let added = 0;
        const addOne = () => {
            added++;
            this.writeProgramConfig(n + added);
            this.writeFloorConfig(this.result.resources + added);
        };
        if (this.wants("up, add 1 tenant")) addOne();
        await this.step("up, add 1 tenant", ["up", "--yes", "--skip-preview"], ["up", "--yes", "--skip-preview"]);
        if (this.wants("up, add 1 tenant, --refresh=false")) addOne();
        await this.step(
            "up, add 1 tenant, --refresh=false",
            ["up", "--yes", "--skip-preview", "--refresh=false"],
            ["up", "--yes", "--skip-preview", "--refresh=false"],
        );
    }

    finish(keep: boolean): void {
        if (keep) {
            process.stderr.write(`kept: ${this.stack.dir} (engine log ${this.stack.log})\n`);
            return;
        }
        this.stack?.remove();
    }
}

export function line(f: Figure): string {
    const nb = f.nocobase ? `${f.nocobase.writes}w/${f.nocobase.reads}r` : "-";
    const pg = f.pg ? `${f.pg.engine.statements}/${f.pg.nocobase.statements}` : "-";
    const floor = f.floor ? `${f.floor.wallS.toFixed(1)}s (${(f.wallS / f.floor.wallS).toFixed(2)}x)` : "-";
    return (
        `${f.step.padEnd(36)} exit ${f.code} ${f.wallS.toFixed(1).padStart(7)}s floor ${floor.padEnd(16)} ` +
        `engine ${f.peaks.engine.toFixed(0)} MiB, program ${f.peaks.program.toFixed(0)}, dynamic ${f.peaks.dynamic.toFixed(0)}, plugins ${f.peaks.plugins.toFixed(0)}; ` +
        `state ${f.stateKiB} KiB; NocoBase ${nb}; PostgreSQL engine/NocoBase ${pg}`
    );
}

export function table(results: SizeResult[]): void {
    const cols = [
        "tenants",
        "resources",
        "step",
        "wall s",
        "floor s",
        "/floor",
        "engine MiB",
        "/floor",
        "program MiB",
        "/floor",
        "dynamic MiB",
        "plugins MiB",
        "state KiB",
        "/floor",
        "NocoBase w/r",
        "PG engine",
        "PG NocoBase",
    ];
    console.log(`| ${cols.join(" | ")} |`);
    console.log(`|${cols.map((_, i) => (i === 2 ? "---" : "---:")).join("|")}|`);
    const r = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}x` : "-");
    for (const s of results) {
        for (const f of s.figures) {
            const fl = f.floor;
            const cells = [
                s.tenants,
                s.resources,
                f.code === 0 ? f.step : `${f.step} (exit ${f.code})`,
                f.wallS.toFixed(1),
                fl ? fl.wallS.toFixed(1) : "-",
                r(f.wallS, fl?.wallS),
                f.peaks.engine.toFixed(0),
                r(f.peaks.engine, fl?.peaks.engine),
                f.peaks.program.toFixed(0),
                r(f.peaks.program, fl?.peaks.program),
                f.peaks.dynamic.toFixed(0),
                f.peaks.plugins.toFixed(0),
                f.stateKiB,
                r(f.stateKiB, fl?.stateKiB),
                f.nocobase ? `${f.nocobase.writes}/${f.nocobase.reads}` : "-",
                f.pg ? f.pg.engine.statements : "-",
                f.pg ? f.pg.nocobase.statements : "-",
            ];
            console.log(`| ${cells.join(" | ")} |`);
        }
        if (s.note) console.log(`\n${s.tenants} tenants: ${s.note}\n`);
    }
}

async function main(a: Args): Promise<void> {
    const toolchain = toolchainEnv();
    const version = execFileSync("pulumi", ["version"], {
        env: { ...process.env, ...toolchain },
        encoding: "utf8",
    }).trim();
    const cpus = os.cpus();
    console.log(
        `machine: ${cpus.length} x ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, pulumi ${version}` +
            `${a.parallel ? `, --parallel ${a.parallel}` : ", default --parallel"}` +
            `${process.env.PULUMI_SKIP_CHECKPOINTS ? `, PULUMI_SKIP_CHECKPOINTS=${process.env.PULUMI_SKIP_CHECKPOINTS}` : ""}`,
    );
    const engineHost = dockerHost();
    const images = Object.fromEntries(
        lines(execFileSync(path.join(ROOT, ".ci/images.sh"), ["names"], { encoding: "utf8" }))
            .filter((l) => /^\w+=\S+$/.test(l))
            .map((l) => l.split("=") as [string, string]),
    );
    // The default bridge's gateway is an address of this machine that containers on any bridge reach.
    const gateway = docker(engineHost, [
        "network",
        "inspect",
        "bridge",
        "--format",
        "{{(index .IPAM.Config 0).Gateway}}",
    ]);
    const server = new PrivatePostgres(await freePort());
    server.start();
    PG.port = server.port;
    try {
        await sizes(a, {
            dockerHost: engineHost,
            gateway,
            nocobaseImage: images.nocobase.replace(/:[^:/]+$/, ""),
            toolchain,
        });
    } finally {
        server.stop();
    }
}

async function sizes(
    a: Args,
    env: { dockerHost: string; gateway: string; nocobaseImage: string; toolchain: Record<string, string> },
): Promise<void> {
    const { dockerHost, gateway } = env;
    cleanUp(dockerHost);
    const results: SizeResult[] = [];
    for (const tenants of a.sizes) {
        const entry = await freePort();
        const http = new HttpCounter({ host: "127.0.0.1", port: entry });
        const pg = new PgCounter(PG, ownAddresses());
        const ports = { entry, api: await http.listen(), pg: await pg.listen(gateway) };
        const size = new SizeRun(tenants, env, http, pg, a, ports);
        try {
            await size.run();
        } catch (e) {
            size.result.note = `stopped: ${(e as Error).message.split("\n")[0]}`;
            process.stderr.write(`${tenants} tenants: ${(e as Error).message}\n`);
        } finally {
            results.push(size.result);
            const last = tenants === a.sizes[a.sizes.length - 1];
            size.finish(a.keep && last);
            if (!(a.keep && last)) cleanUp(dockerHost);
            await http.close();
            await pg.close();
        }
        if (a.out) writeFileSync(a.out, JSON.stringify(results, null, 2));
    }
    console.log("");
    table(results);
    console.log(
        "\nwall s: the CLI's run; MiB: peak RSS (VmHWM) of the CLI (engine), the program's node, the dynamic provider host, and the other plugins summed;",
    );
    console.log(
        "NocoBase w/r: calls through the proxy, writes (create, update, destroy, start, stop) / reads; PG: statements (Query and Execute messages) from the engine's provider and from NocoBase",
    );
}

export function runEngineBench(argv: string[]): Promise<number> {
    let a: Args;
    try {
        a = args(argv);
    } catch (e) {
        if (e instanceof HelpRequested) {
            console.log(USAGE);
            return Promise.resolve(0);
        }
        if (!(e instanceof UsageError)) throw e;
        process.stderr.write(`${e.message}\n${USAGE}\n`);
        return Promise.resolve(2);
    }
    return main(a).then(() => 0);
}
