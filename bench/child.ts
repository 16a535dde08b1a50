/**
 * One measurement, in a process of its own so that peak RSS belongs to it alone. Each kind is a
 * Pulumi program rendered by `renderProgram`, the harness the plan uses:
 *
 *   program <stack file> <shape out>   the real program (index.ts); records its graph for `shape`
 *   shape <shape file>                 bench/shape.ts: the same graph, no program logic
 *   floor <count>                      bench/floor.ts: that many plain resources
 *
 * Every kind loads the same modules before the clock starts, so module loading (a constant per
 * process) is not counted, and the three peak RSS figures start from the same base.
 * Prints one JSON line: a `Measurement`.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import "@pulumi/random";
// The closure serializer's TypeScript parser, loaded on the first dynamic resource: a module like
// the others preloaded here, not work of the program.
import "@pulumi/pulumi/typescript-shim";
import { RenderOptions, renderProgram } from "../cli/render";
import { readStackFile } from "../cli/stackFile";
import "../components/platform";
import type { ShapeEntry } from "./shape";

type TransferProperties = (onto: unknown, label: string, props: Record<string, unknown>) => unknown;
const rpc = require("@pulumi/pulumi/runtime/rpc") as { transferProperties: TransferProperties };

export interface Measurement {
    registrations: number;
    /** Wall time of the render. */
    ms: number;
    maxRssMiB: number;
    /** Program only: registrations under each TenantApp, component included, by its name. */
    perApp?: Record<string, number>;
}

const TENANT_APP = "nocobase-platform:index:TenantApp";
const TIMEOUT_MS = 30 * 60_000;

async function render(options: RenderOptions) {
    const start = performance.now();
    const rendered = await renderProgram({ timeoutMs: TIMEOUT_MS, ...options });
    return { rendered, ms: performance.now() - start };
}

async function program(stackFile: string, shapeOut: string): Promise<Omit<Measurement, "maxRssMiB">> {
    const file = readStackFile(stackFile);
    // The property names of each resource, for the shape: the SDK passes them here, through the
    // module object, once per resource, labelled `resource:<name>[<type>]`.
    const properties = new Map<string, Record<string, unknown>>();
    const transfer = rpc.transferProperties;
    rpc.transferProperties = (onto, label, props) => {
        properties.set(label, props);
        return transfer(onto, label, props);
    };
    const { rendered, ms } = await render({ stack: file.stack, values: file.values, secretKeys: file.secretKeys });
    rpc.transferProperties = transfer;

    const index = new Map(rendered.registrations.map((r, i) => [r.urn, i]));
    const shape: ShapeEntry[] = rendered.registrations.map((r) => {
        const props = properties.get(`resource:${r.name}[${r.type}]`) ?? {};
        const keys = Object.keys(props).filter((k) => k !== "id" && k !== "urn");
        return {
            type: r.type,
            name: r.name,
            custom: r.custom,
            parent: index.get(r.parent) ?? -1,
            // A provider reference is `<urn>::<id>`.
            provider: r.provider ? (index.get(r.provider.slice(0, r.provider.lastIndexOf("::"))) ?? -1) : -1,
            inputs: keys.filter((k) => props[k] !== undefined),
            outputs: keys.filter((k) => props[k] === undefined),
        };
    });
    writeFileSync(shapeOut, JSON.stringify(shape));

    // Each registration counts for the TenantApp it sits under, if any.
    const owner: string[] = [];
    const perApp: Record<string, number> = {};
    shape.forEach((r, i) => {
        owner[i] = r.type === TENANT_APP ? r.name : r.parent >= 0 ? owner[r.parent] : "";
        if (owner[i]) perApp[owner[i]] = (perApp[owner[i]] ?? 0) + 1;
    });
    return { registrations: rendered.registrations.length, ms, perApp };
}

async function baseline(module: string, key: string, value: string): Promise<Omit<Measurement, "maxRssMiB">> {
    const { rendered, ms } = await render({ stack: "bench", values: { [`bench:${key}`]: value }, secretKeys: [], program: path.join(__dirname, module) });
    return { registrations: rendered.registrations.length, ms };
}

async function main(): Promise<void> {
    const [kind, a, b] = process.argv.slice(2);
    const result =
        kind === "program"
            ? await program(a, b)
            : kind === "shape"
              ? await baseline("shape.ts", "shape", a)
              : kind === "floor"
                ? await baseline("floor.ts", "count", a)
                : undefined;
    if (!result) throw new Error(`unknown measurement ${kind}: expected program, shape or floor`);
    // maxRSS is in KiB.
    const measurement: Measurement = { ...result, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
    process.stdout.write(`${JSON.stringify(measurement)}\n`);
}

main().then(
    () => process.exit(0),
    (err) => {
        process.stderr.write(`${(err as Error).stack ?? err}\n`);
        process.exit(1);
    },
);
