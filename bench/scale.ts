/**
 * `npm run bench`: what the program costs per tenant, next to what the SDK itself costs.
 *
 * For each size it generates a stack file (bench/stackConfig.ts), records the real program's graph
 * and input values once, then renders, each in a fresh process (bench/child.ts): the real program
 * under mocks; the same graph without program logic, with constant inputs (shape) and with the
 * program's own input values (values); and as many plain resources (floor). Every process gets the
 * `nodeargs` of Pulumi.yaml, as `pulumi up` would run the program.
 *
 * Each figure is the median of `--runs` renders (3 by default), the kinds taking turns, so that a
 * burst of load on a shared machine moves one sample, not a ratio.
 *
 *   npm run bench                                    sizes 10, 100, 300, 1000
 *   npm run bench -- --sizes 1000 --nodeargs ""      other sizes, other Node flags
 *   npm run bench -- --sizes 1000 --runs 5           more samples per figure
 *   npm run bench -- --nodeargs=--stack-trace-limit=1   flags that start with - go after =
 *   npm run bench -- --engine [...]                  under the real engine instead (bench/engine/main.ts)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { HelpRequested, UsageError, parseCommandLine, positiveInteger } from "../cli/harness/commandLine";
import type { Measurement } from "./child";
import { GeneratedApp, appMix, stackFileText } from "./stackConfig";
import { PROJECT_ROOT as ROOT } from "../components/core/project";

const CHILD = path.join(__dirname, "child.ts");

const USAGE = "usage: npm run bench -- [--sizes N,N,...] [--runs N] [--nodeargs FLAGS]";

interface BenchArgs {
    sizes: number[];
    runs: number;
    nodeArgs: string[];
}

function benchArgs(argv: string[]): BenchArgs {
    const values = parseCommandLine(argv, {
        sizes: { type: "string" },
        runs: { type: "string" },
        nodeargs: { type: "string" },
    });
    return {
        sizes: (values.sizes ?? "10,100,300,1000").split(",").map((n) => positiveInteger("sizes", n)),
        runs: positiveInteger("runs", values.runs ?? "3"),
        nodeArgs: (values.nodeargs ?? projectNodeArgs()).split(/\s+/).filter(Boolean),
    };
}

/** `runtime.options.nodeargs` of Pulumi.yaml: the flags `pulumi up` gives the program's Node. */
function projectNodeArgs(): string {
    const project = parse(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
        runtime?: { options?: { nodeargs?: string } };
    };
    return project.runtime?.options?.nodeargs ?? "";
}

function measure(nodeArgs: string[], args: string[]): Measurement {
    const out = execFileSync(process.execPath, [...nodeArgs, "--require", "tsx/cjs", CHILD, ...args], {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(out.trim().split("\n").pop()!) as Measurement;
}

/** Registrations per app of each kind (mode, state), from the TenantApp subtrees of one render. */
function perKind(apps: GeneratedApp[], perApp: Record<string, number>): Map<string, Set<number>> {
    const kinds = new Map<string, Set<number>>();
    for (const app of apps) {
        const kind = `${app.mode}, ${app.state}${app.dropData ? " + dropData" : ""}`;
        const counts = kinds.get(kind) ?? new Set<number>();
        counts.add(perApp[`platform-app-${app.id}`] ?? 0);
        kinds.set(kind, counts);
    }
    return kinds;
}

/** The median of each figure over several measurements of one kind. */
function median(samples: Measurement[]): Measurement {
    const mid = (values: number[]) => {
        const sorted = [...values].sort((a, b) => a - b);
        const n = sorted.length;
        return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    };
    return { ...samples[0], ms: mid(samples.map((m) => m.ms)), maxRssMiB: mid(samples.map((m) => m.maxRssMiB)) };
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

function main({ sizes, runs, nodeArgs }: BenchArgs): void {
    const pulumiVersion = (require("@pulumi/pulumi/package.json") as { version: string }).version;
    const cpus = os.cpus();
    console.log(
        `machine: ${cpus.length} x ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, @pulumi/pulumi ${pulumiVersion}`,
    );
    console.log(`node flags of every render: ${nodeArgs.join(" ") || "(none)"}`);
    console.log(`modules preloaded before the clock; each figure the median of ${runs} runs, the kinds taking turns\n`);

    const dir = mkdtempSync(path.join(os.tmpdir(), "nocobase-bench-"));
    const kindsOfRender = ["program", "shape", "values", "floor"] as const;
    const figures: Array<{
        size: number;
        registrations: number;
        perApp: string;
        medians: Record<(typeof kindsOfRender)[number], Measurement>;
    }> = [];
    let kinds = new Map<string, Set<number>>();
    try {
        for (const size of sizes) {
            const stackFile = path.join(dir, `Pulumi.bench-${size}.yaml`);
            const shapeFile = path.join(dir, `shape-${size}.json`);
            const valuesFile = path.join(dir, `values-${size}.json`);
            writeFileSync(stackFile, stackFileText(size));
            const { registrations } = measure(nodeArgs, ["record", stackFile, shapeFile, valuesFile]);
            const args = {
                program: [stackFile],
                shape: [shapeFile],
                values: [shapeFile, valuesFile],
                floor: [String(registrations)],
            };
            const samples = {
                program: [] as Measurement[],
                shape: [] as Measurement[],
                values: [] as Measurement[],
                floor: [] as Measurement[],
            };
            for (let run = 0; run < runs; run++) {
                for (const kind of kindsOfRender)
                    samples[kind].push(measure(nodeArgs, [kind === "values" ? "shape" : kind, ...args[kind]]));
            }
            const medians = {
                program: median(samples.program),
                shape: median(samples.shape),
                values: median(samples.values),
                floor: median(samples.floor),
            };
            const appCounts = Object.values(medians.program.perApp ?? {});
            const perApp = `${(appCounts.reduce((a, b) => a + b, 0) / Math.max(appCounts.length, 1)).toFixed(2)} (${Math.max(...appCounts)})`;
            figures.push({ size, registrations, perApp, medians });
            process.stderr.write(`${size} apps done\n`);
            kinds = perKind(appMix(size), medians.program.perApp ?? {});
        }
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
    const table = (title: string, unit: string, figure: (m: Measurement) => number, digits: number) => {
        console.log(`${title}:`);
        console.log(
            `${pad("apps", 5)} ${pad("regs", 6)} ${pad("regs/app", 9)} | ${kindsOfRender.map((k) => pad(`${k} ${unit}`, 12)).join(" ")} | ${pad("/shape", 7)} ${pad("/values", 7)} ${pad("/floor", 7)}`,
        );
        for (const { size, registrations, perApp, medians } of figures) {
            const program = figure(medians.program);
            console.log(
                `${pad(size, 5)} ${pad(registrations, 6)} ${pad(perApp, 9)} | ${kindsOfRender.map((k) => pad(figure(medians[k]).toFixed(digits), 12)).join(" ")} | ` +
                    `${pad(ratio(program, figure(medians.shape)), 7)} ${pad(ratio(program, figure(medians.values)), 7)} ${pad(ratio(program, figure(medians.floor)), 7)}`,
            );
        }
        console.log("");
    };
    table("time, wall seconds of the render", "s", (m) => m.ms / 1000, 2);
    table("memory, peak RSS of the process", "MiB", (m) => m.maxRssMiB, 0);
    console.log(
        "shape: the same graph with constant inputs; values: the same graph with the program's own input values; floor: plain resources",
    );
    console.log("regs/app: mean registrations per tenant, its TenantApp component included (max in parentheses)");
    console.log(`registrations per tenant by kind (${sizes[sizes.length - 1]} apps):`);
    for (const [kind, counts] of [...kinds].sort()) console.log(`  ${kind.padEnd(36)} ${[...counts].join(", ")}`);
}

function run(argv: string[]): number {
    let args: BenchArgs;
    try {
        args = benchArgs(argv);
    } catch (e) {
        if (e instanceof HelpRequested) {
            console.log(USAGE);
            return 0;
        }
        if (!(e instanceof UsageError)) throw e;
        process.stderr.write(`${e.message}\n${USAGE}\n`);
        return 2;
    }
    main(args);
    return 0;
}

const argv = process.argv.slice(2);
if (argv.includes("--engine")) {
    // The same benchmark under the real engine (bench/engine/main.ts): its own flags, its own table.
    void import("./engine/main").then(async ({ runEngineBench }) => {
        process.exitCode = await runEngineBench(argv.filter((a) => a !== "--engine"));
    });
} else {
    process.exitCode = run(argv);
}
