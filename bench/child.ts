/**
 * One measurement, in a process of its own so that peak RSS belongs to it alone. Each kind is a
 * Pulumi program rendered by `renderProgram`, the harness the plan uses:
 *
 *   program <stack file>               the real program (index.ts)
 *   record <stack file> <shape out> <values out>
 *                                      the real program, recording its graph and input values (not timed)
 *   shape <shape file> [values file]   bench/shape.ts: the same graph, no program logic, constant
 *                                      inputs or the program's recorded ones
 *   floor <count>                      bench/floor.ts: that many plain resources
 *
 * Every timed kind loads the same modules before the clock starts, so module loading (a constant per
 * process) is not counted, and the three peak RSS figures start from the same base.
 * Prints one JSON line: a `Measurement`.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import "@pulumi/random";
import { Registration, RenderOptions, SecretValue, renderProgram } from "../cli/harness/render";
import { readStackFile } from "../components/config/stackFile";
import "../components/platform/platform";
import { SECRET, ShapeEntry, ShapeValues, readRecorded } from "./shapeEntry";
import { TYPES } from "../components/core/typeTokens";

type TransferProperties = (onto: unknown, label: string, props: Record<string, unknown>) => unknown;
const rpc = require("@pulumi/pulumi/runtime/rpc") as { transferProperties: TransferProperties };
type RegisterResource = (res: unknown, parent: unknown, type: string, name: string, ...rest: unknown[]) => unknown;
const runtime = require("@pulumi/pulumi/runtime/resource") as { registerResource: RegisterResource };

export interface Measurement {
    registrations: number;
    /** Wall time of the render. */
    ms: number;
    maxRssMiB: number;
    /** Program only: registrations under each TenantApp, component included, by its name. */
    perApp?: Record<string, number>;
}

const TIMEOUT_MS = 30 * 60_000;

async function render(options: RenderOptions) {
    const start = performance.now();
    const rendered = await renderProgram({ timeoutMs: TIMEOUT_MS, ...options });
    return { rendered, ms: performance.now() - start };
}

/** Registrations under each TenantApp, component included, by its name. */
function perTenant(registrations: Registration[]): Record<string, number> {
    const byUrn = new Map(registrations.map((r) => [r.urn, r]));
    const owners = new Map<string, string>();
    const ownerOf = (r: Registration): string => {
        let owner = owners.get(r.urn);
        if (owner === undefined) {
            const parent = byUrn.get(r.parent);
            owner = r.type === TYPES.tenantApp ? r.name : parent ? ownerOf(parent) : "";
            owners.set(r.urn, owner);
        }
        return owner;
    };
    const perApp: Record<string, number> = {};
    for (const r of registrations) {
        const owner = ownerOf(r);
        if (owner) perApp[owner] = (perApp[owner] ?? 0) + 1;
    }
    return perApp;
}

/** Inputs as JSON, secrets marked for bench/shape.ts to make secret again. */
function recorded(value: unknown): unknown {
    if (value instanceof SecretValue) return { [SECRET]: recorded(value.value) };
    if (Array.isArray(value)) return value.map(recorded);
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, recorded(v)]));
}

/** The real program, as `pulumi up` renders it: nothing of the benchmark's hooks in the process. */
async function program(stackFile: string): Promise<Omit<Measurement, "maxRssMiB">> {
    const file = readStackFile(stackFile);
    const { rendered, ms } = await render({ stack: file.stack, values: file.values, secretKeys: file.secretKeys });
    return { registrations: rendered.registrations.length, ms, perApp: perTenant(rendered.registrations) };
}

/**
 * The real program's graph, for the shape, from a render of its own: recording the property names
 * keeps every resource's properties alive, which must not weigh on the program's measurement.
 */
async function record(stackFile: string, shapeOut: string, valuesOut: string): Promise<Omit<Measurement, "maxRssMiB">> {
    const file = readStackFile(stackFile);
    // The SDK passes each custom resource's properties here, through the module object, labelled
    // `resource:<name>[<type>]`, and registers every resource, components too, from its constructor:
    // the order of those calls is the order the program built them in.
    const properties = new Map<string, Record<string, unknown>>();
    const position = new Map<string, number>();
    const transfer = rpc.transferProperties;
    const register = runtime.registerResource;
    rpc.transferProperties = (onto, label, props) => {
        properties.set(label, props);
        return transfer(onto, label, props);
    };
    runtime.registerResource = (res, parent, type, name, ...rest) => {
        position.set(`resource:${name}[${type}]`, position.size);
        return register(res, parent, type, name, ...rest);
    };
    const { rendered, ms } = await render({ stack: file.stack, values: file.values, secretKeys: file.secretKeys });
    rpc.transferProperties = transfer;
    runtime.registerResource = register;

    // Each resource then comes after its parent, its provider and what it depends on.
    const labelOf = (r: Registration) => `resource:${r.name}[${r.type}]`;
    const registrations = [...rendered.registrations].sort(
        (a, b) => position.get(labelOf(a))! - position.get(labelOf(b))!,
    );
    const index = new Map(registrations.map((r, i) => [r.urn, i]));
    const shape: ShapeEntry[] = registrations.map((r) => {
        const props = properties.get(labelOf(r)) ?? {};
        const keys = Object.keys(props).filter((k) => k !== "id" && k !== "urn");
        return {
            type: r.type,
            name: r.name,
            custom: r.custom,
            parent: index.get(r.parent) ?? -1,
            // A provider reference is `<urn>::<id>`.
            provider: r.provider ? (index.get(r.provider.slice(0, r.provider.lastIndexOf("::"))) ?? -1) : -1,
            dependencies: r.dependencies.map((urn) => index.get(urn)!),
            inputs: keys.filter((k) => props[k] !== undefined),
            outputs: keys.filter((k) => props[k] === undefined),
        };
    });
    writeFileSync(shapeOut, JSON.stringify(shape));
    const values: ShapeValues = registrations.map((r) => recorded(r.inputs) as Record<string, unknown>);
    writeFileSync(valuesOut, JSON.stringify(values));
    return { registrations: rendered.registrations.length, ms };
}

async function baseline(module: string, config: Record<string, string>): Promise<Omit<Measurement, "maxRssMiB">> {
    const { rendered, ms } = await render({
        stack: "bench",
        values: Object.fromEntries(Object.entries(config).map(([k, v]) => [`bench:${k}`, v])),
        secretKeys: [],
        program: path.join(__dirname, module),
    });
    return { registrations: rendered.registrations.length, ms };
}

async function shape(shapeFile: string, valuesFile: string | undefined): Promise<Omit<Measurement, "maxRssMiB">> {
    readRecorded(shapeFile);
    if (valuesFile) readRecorded(valuesFile);
    return baseline("shape.ts", { shape: shapeFile, ...(valuesFile ? { values: valuesFile } : {}) });
}

async function main(): Promise<void> {
    const [kind, a, b, c] = process.argv.slice(2);
    const result =
        kind === "program"
            ? await program(a)
            : kind === "record"
              ? await record(a, b, c)
              : kind === "shape"
                ? await shape(a, b)
                : kind === "floor"
                  ? await baseline("floor.ts", { count: a })
                  : undefined;
    if (!result) throw new Error(`unknown measurement ${kind}: expected program, record, shape or floor`);
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
