/**
 * The same-shape baseline, as a Pulumi program: the graph a real render registered (types, names,
 * parents, providers, property names) built again with constant inputs and no program logic.
 * The benchmark renders it through `renderProgram`, like the real program; config `bench:shape`
 * names the file bench/child.ts recorded the graph in.
 */
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";

/** One recorded registration. */
export interface ShapeEntry {
    type: string;
    name: string;
    custom: boolean;
    /** Index of the parent in the list, -1 for none. */
    parent: number;
    /** Index of the provider resource in the list, -1 for the default provider. */
    provider: number;
    /**
     * Property names the resource was constructed with: the SDK makes an Output of each, so the cost
     * of a type grows with its property count. Inputs get a constant; output-only properties stay
     * undefined, as resource classes pass them.
     */
    inputs: string[];
    outputs: string[];
}

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

function constantProps(e: ShapeEntry): Record<string, unknown> {
    return { ...Object.fromEntries(e.inputs.map((k) => [k, "constant"])), ...Object.fromEntries(e.outputs.map((k) => [k, undefined])) };
}

const entries = JSON.parse(readFileSync(new pulumi.Config("bench").require("shape"), "utf8")) as ShapeEntry[];
const children = entries.map(() => [] as number[]);
const roots: number[] = [];
entries.forEach((e, i) => (e.parent >= 0 ? children[e.parent] : roots).push(i));
const built: pulumi.Resource[] = [];

/**
 * Children are built inside their parent's call, as component constructors build theirs: the SDK
 * captures a stack trace per resource and per Output, and its cost grows with the call depth.
 */
function build(i: number, parent: pulumi.Resource | undefined): void {
    const e = entries[i];
    let resource: pulumi.Resource;
    if (e.type.startsWith(PROVIDER_PREFIX)) {
        resource = new Provider(e.type.slice(PROVIDER_PREFIX.length), e.name, constantProps(e), { parent });
    } else if (e.custom) {
        const provider = e.provider >= 0 ? built[e.provider] : undefined;
        if (e.provider >= 0 && !provider) throw new Error(`${e.name}: its provider ${entries[e.provider].name} is not built yet`);
        resource = new Custom(e.type, e.name, constantProps(e), { parent, provider: provider as Provider | undefined });
    } else {
        resource = new Component(e.type, e.name, constantProps(e), { parent });
    }
    built[i] = resource;
    for (const child of children[i]) build(child, resource);
    if (resource instanceof Component) resource.done();
}

for (const root of roots) build(root, undefined);
