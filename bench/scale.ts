/**
 * `npm run bench`: what the program costs per tenant, next to what the SDK itself costs.
 *
 * For each size it generates a stack file (bench/stackConfig.ts) and runs, each in a fresh process
 * (bench/child.ts): the real program rendered under mocks, the same graph replayed without program
 * logic (shape), and as many plain resources (floor). Every process gets the `nodeargs` of
 * Pulumi.yaml, as `pulumi up` would run the program.
 *
 *   npm run bench                                    sizes 10, 100, 300, 1000
 *   npm run bench -- --sizes 1000 --nodeargs ""      other sizes, other Node flags
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import type { Measurement } from "./child";
import { GeneratedApp, appMix, stackFileText } from "./stackConfig";

const ROOT = path.resolve(__dirname, "..");
const CHILD = path.join(__dirname, "child.ts");

function option(name: string): string | undefined {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
}

/** `runtime.options.nodeargs` of Pulumi.yaml: the flags `pulumi up` gives the program's Node. */
function projectNodeArgs(): string {
    const project = parse(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { runtime?: { options?: { nodeargs?: string } } };
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

const pad = (s: string | number, n: number) => String(s).padStart(n);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

function main(): void {
    const sizes = (option("sizes") ?? "10,100,300,1000").split(",").map(Number);
    const nodeArgsText = option("nodeargs") ?? projectNodeArgs();
    const nodeArgs = nodeArgsText.split(/\s+/).filter(Boolean);
    const pulumiVersion = (require("@pulumi/pulumi/package.json") as { version: string }).version;
    const cpus = os.cpus();
    console.log(
        `machine: ${cpus.length} x ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, @pulumi/pulumi ${pulumiVersion}`,
    );
    console.log(`node flags of every render: ${nodeArgs.join(" ") || "(none)"}`);
    console.log("time: wall seconds of the render (modules preloaded); memory: peak RSS of the process, MiB\n");

    const dir = mkdtempSync(path.join(os.tmpdir(), "nocobase-bench-"));
    const header = `${pad("apps", 5)} ${pad("regs", 6)} ${pad("regs/app", 9)} | ${pad("program s", 9)} ${pad("shape s", 8)} ${pad("floor s", 8)} ${pad("/shape", 7)} ${pad("/floor", 7)} | ${pad("program MiB", 11)} ${pad("shape MiB", 9)} ${pad("floor MiB", 9)} ${pad("/shape", 7)} ${pad("/floor", 7)}`;
    const rows: string[] = [];
    let kinds = new Map<string, Set<number>>();
    try {
        for (const size of sizes) {
            const stackFile = path.join(dir, `Pulumi.bench-${size}.yaml`);
            const shapeFile = path.join(dir, `shape-${size}.json`);
            writeFileSync(stackFile, stackFileText(size));
            const program = measure(nodeArgs, ["program", stackFile, shapeFile]);
            const shape = measure(nodeArgs, ["shape", shapeFile]);
            const floor = measure(nodeArgs, ["floor", String(program.registrations)]);
            const appCounts = Object.values(program.perApp ?? {});
            const perApp = appCounts.reduce((a, b) => a + b, 0) / Math.max(appCounts.length, 1);
            rows.push(
                `${pad(size, 5)} ${pad(program.registrations, 6)} ${pad(`${perApp.toFixed(2)} (${Math.max(...appCounts)})`, 9)} | ` +
                    `${pad((program.ms / 1000).toFixed(2), 9)} ${pad((shape.ms / 1000).toFixed(2), 8)} ${pad((floor.ms / 1000).toFixed(2), 8)} ${pad(ratio(program.ms, shape.ms), 7)} ${pad(ratio(program.ms, floor.ms), 7)} | ` +
                    `${pad(program.maxRssMiB.toFixed(0), 11)} ${pad(shape.maxRssMiB.toFixed(0), 9)} ${pad(floor.maxRssMiB.toFixed(0), 9)} ${pad(ratio(program.maxRssMiB, shape.maxRssMiB), 7)} ${pad(ratio(program.maxRssMiB, floor.maxRssMiB), 7)}`,
            );
            process.stderr.write(`${size} apps done\n`);
            kinds = perKind(appMix(size), program.perApp ?? {});
        }
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
    console.log(header);
    for (const row of rows) console.log(row);
    console.log("\nregs/app: mean registrations per tenant, its TenantApp component included (max in parentheses)");
    console.log(`registrations per tenant by kind (${sizes[sizes.length - 1]} apps):`);
    for (const [kind, counts] of [...kinds].sort()) console.log(`  ${kind.padEnd(36)} ${[...counts].join(", ")}`);
}

main();
