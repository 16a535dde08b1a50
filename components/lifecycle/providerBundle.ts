/**
 * Dynamic resources whose provider travels as one bundled CommonJS module instead of a closure.
 *
 * Pulumi's provider host runs a dynamic provider from the resource's `__provider` input:
 * `require-from-string(__provider).handler()` must return the provider object. `pulumi.dynamic.Resource`
 * fills that input with the SDK's closure serializer, which walks every captured function through the
 * V8 inspector, one asynchronous round trip at a time. In a stack of a thousand tenants those round
 * trips queue behind the program's registrations, and every app registration waits for the result:
 * 1000 apps rendered 1.6-1.9x slower than the same graph without it. An esbuild bundle of the
 * provider's own module fills the same input in about 15 ms, once per process, and frees the provider
 * code from the serializer's limits (no imports at module level, no Sets, no derived classes with
 * implicit constructors).
 *
 * The type token stays `pulumi-nodejs:dynamic/<module>:<type>`, the one `pulumi.dynamic.Resource`
 * gives, so the engine routes the resource to the same host, and existing state keeps its URNs.
 */
import * as path from "node:path";
import { deflateRawSync } from "node:zlib";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_ROOT as ROOT } from "../core/project";

const sources = new Map<string, string>();
const packed = new Map<string, string>();

/**
 * The provider module `entry` (a file of this project exporting `handler(): ResourceProvider`)
 * bundled with everything it imports except Node's built-ins, which the host provides. Built once per
 * process per entry.
 */
export function providerSource(entry: string): string {
    let text = sources.get(entry);
    if (text === undefined) {
        const esbuild = require("esbuild") as typeof import("esbuild");
        const built = esbuild.buildSync({
            entryPoints: [path.relative(ROOT, entry)],
            absWorkingDir: ROOT,
            bundle: true,
            platform: "node",
            format: "cjs",
            target: "node22",
            write: false,
            legalComments: "none",
            logLevel: "silent",
        });
        text = built.outputFiles[0].text;
        sources.set(entry, text);
    }
    return text;
}

/**
 * What `__provider` holds: a small module that inflates the bundle and returns its handler. Every
 * app's inputs, outputs and state carry a copy, and the SDK turns each copy into protobuf and back
 * several times per registration: deflated, the app provider is 11 KB instead of 30 KB, and the
 * code it runs is the readable bundle, under its own file name in stack traces.
 */
export function providerBundle(entry: string): string {
    let text = packed.get(entry);
    if (text === undefined) {
        const deflated = deflateRawSync(providerSource(entry), { level: 9 }).toString("base64");
        const file = `${path.basename(entry, path.extname(entry))}.js`;
        text = [
            `// ${path.relative(ROOT, entry)}, bundled and deflated (components/lifecycle/providerBundle.ts)`,
            `const Module = require("node:module");`,
            `const source = require("node:zlib").inflateRawSync(Buffer.from(${JSON.stringify(deflated)}, "base64")).toString();`,
            `const bundle = new Module(${JSON.stringify(file)});`,
            `bundle._compile(source, ${JSON.stringify(file)});`,
            `exports.handler = bundle.exports.handler;`,
            ``,
        ].join("\n");
        packed.set(entry, text);
    }
    return text;
}

/**
 * A resource of type `token` (a `pulumi-nodejs:dynamic/<module>:<type>`, so that the engine routes it
 * to the dynamic provider host) run by the provider that `entry` bundles. Subclasses pass their
 * output properties as `undefined` in `props`, as provider SDKs do, and name in `secretOutputs`
 * those that carry a credential: a dynamic provider's outputs are stored as it returns them, so
 * only `additionalSecretOutputs` keeps them encrypted in the state.
 */
export abstract class BundledDynamicResource extends pulumi.CustomResource {
    protected constructor(
        entry: string,
        token: string,
        name: string,
        props: pulumi.Inputs,
        secretOutputs: string[],
        opts?: pulumi.CustomResourceOptions,
    ) {
        if ("__provider" in props) throw new Error(`${name}: "__provider" is reserved for the provider's code`);
        super(
            token,
            name,
            { ...props, __provider: providerBundle(entry) },
            { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...secretOutputs] },
        );
    }
}
