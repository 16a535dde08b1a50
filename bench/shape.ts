/**
 * The same-shape baseline, as a Pulumi program: the graph a real render registered (types, names,
 * parents, providers, dependencies, property names) built again with constant inputs and no
 * program logic.
 * The benchmark renders it through `renderProgram`, like the real program; config `bench:shape`
 * names the file bench/child.ts recorded the graph in.
 *
 * With `bench:values` naming the file of recorded input values, each resource gets the very values the program sent
 * (secrets as secrets) instead of constants: the SDK's cost for the same graph and the same data,
 * which leaves out only the program's own work, Outputs between resources included.
 */
import * as pulumi from "@pulumi/pulumi";
import { SECRET, ShapeEntry, ShapeValues, readRecorded } from "./shapeEntry";

const PROVIDER_PREFIX = "pulumi:providers:";

// The SDK's resource classes are abstract: concrete ones, as provider packages declare them.
class Custom extends pulumi.CustomResource {}
class Provider extends pulumi.ProviderResource {}

class Component extends pulumi.ComponentResource {
    /** Components of the program register their outputs last: one more call each. */
    done(): void {
        this.registerOutputs({});
    }
}

// JSON.parse makes a string per occurrence; the program passes one string (a provider's code) to
// every resource that needs it.
const strings = new Map<string, string>();

function revive(value: unknown): unknown {
    if (typeof value === "string") return strings.get(value) ?? (strings.set(value, value), value);
    if (Array.isArray(value)) return value.map(revive);
    if (value === null || typeof value !== "object") return value;
    if (SECRET in value) return pulumi.secret(revive((value as Record<string, unknown>)[SECRET]));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
}

const valuesFile = new pulumi.Config("bench").get("values");
const values = valuesFile ? readRecorded<ShapeValues>(valuesFile) : undefined;

function props(e: ShapeEntry, i: number): Record<string, unknown> {
    const inputs = e.inputs.map((k) => [k, values ? revive(values[i][k]) : "constant"]);
    return { ...Object.fromEntries(inputs), ...Object.fromEntries(e.outputs.map((k) => [k, undefined])) };
}

const entries = readRecorded<ShapeEntry[]>(new pulumi.Config("bench").require("shape"));
const children = entries.map(() => [] as number[]);
const roots: number[] = [];
entries.forEach((e, i) => (e.parent >= 0 ? children[e.parent] : roots).push(i));
const built: pulumi.Resource[] = [];

/** A resource another one refers to: the recorded order guarantees it is built. */
function earlier(e: ShapeEntry, j: number, role: string): pulumi.Resource {
    const resource = built[j];
    if (!resource) throw new Error(`${e.name}: its ${role} ${entries[j].name} is not built yet`);
    return resource;
}

/**
 * Children are built inside their parent's call, as component constructors build theirs: the SDK
 * captures a stack trace per resource and per Output, and its cost grows with the call depth.
 */
function build(i: number, parent: pulumi.Resource | undefined): void {
    const e = entries[i];
    const dependsOn = e.dependencies.map((j) => earlier(e, j, "dependency"));
    let resource: pulumi.Resource;
    if (e.type.startsWith(PROVIDER_PREFIX)) {
        resource = new Provider(e.type.slice(PROVIDER_PREFIX.length), e.name, props(e, i), { parent, dependsOn });
    } else if (e.custom) {
        const provider = e.provider >= 0 ? (earlier(e, e.provider, "provider") as Provider) : undefined;
        resource = new Custom(e.type, e.name, props(e, i), { parent, provider, dependsOn });
    } else {
        resource = new Component(e.type, e.name, props(e, i), { parent, dependsOn });
    }
    built[i] = resource;
    for (const child of children[i]) build(child, resource);
    if (resource instanceof Component) resource.done();
}

for (const root of roots) build(root, undefined);
