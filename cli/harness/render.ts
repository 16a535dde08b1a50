/**
 * Renders the real program (`index.ts`) under Pulumi's mocks: no engine, no provider plugins, no
 * credentials. It records every resource registration with its inputs and options, and the stack
 * outputs, keeping track of what is secret. The offline plan, the tests and the benchmark all use
 * this, so they all see exactly what `pulumi up` would register.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../../components/core/project";
import { PROJECT_ROOT } from "../../components/core/project";
import { TYPES } from "../../components/core/typeTokens";

// Internal SDK modules: the mock monitor's request carries the resource options (protect,
// retainOnDelete, ...) that the public mocks interface leaves out.
const rpc = require("@pulumi/pulumi/runtime/rpc") as {
    deserializeProperties(struct: unknown): Record<string, unknown>;
    specialSigKey: string;
    specialSecretSig: string;
};
const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks") as {
    MockMonitor: {
        prototype: {
            registerResource(req: RegisterRequest, cb: unknown): Promise<void>;
            newUrn(parent: string, type: string, name: string): string;
        };
    };
};
/** The type of the stack's root resource, which the engine leaves out of its children's URNs. */
const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { leakedPromises(): [Set<unknown>, string] };

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProvider(): string;
    getObject(): unknown;
    getProtect(): boolean;
    getRetainondelete(): boolean;
    getDependenciesList(): string[];
    getAdditionalsecretoutputsList(): string[];
    getDeletebeforereplace(): boolean;
    getIgnorechangesList(): string[];
    getAliasesList(): unknown[];
}

/** A value that reached the engine marked secret. */
export class SecretValue {
    constructor(readonly value: unknown) {}
}

export interface Registration {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    /** URN of the parent, "" for none. */
    parent: string;
    /** Provider reference (`<urn>::<id>`), "" for the default provider. */
    provider: string;
    /** Inputs as the engine receives them; secret ones are `SecretValue`s. */
    inputs: Record<string, unknown>;
    protect: boolean;
    retainOnDelete: boolean;
    dependencies: string[];
    additionalSecretOutputs: string[];
    deleteBeforeReplace: boolean;
    ignoreChanges: string[];
    aliases: number;
}

export interface StackOutput {
    value: unknown;
    secret: boolean;
    known: boolean;
}

export interface Rendered {
    registrations: Registration[];
    outputs: Record<string, StackOutput>;
}

export interface RenderOptions {
    stack: string;
    /** Config as the CLI passes it: full key → string. */
    values: Record<string, string>;
    secretKeys: string[];
    /** Render as `pulumi preview` does: outputs the mocks do not know stay unknown. */
    preview?: boolean;
    /** Give up when the program has not settled by then (a failed registration never settles). */
    timeoutMs?: number;
    /**
     * Another program module to render instead of `index.ts`: the benchmark renders its baselines
     * through this same harness, so that only the program differs between them.
     */
    program?: string;
    /**
     * What NocoBase reports for each app, as a test decides it. Without it, each app reports its
     * desired state, as after a successful update.
     */
    observedStatus?: (appId: string) => string;
}

/** The error `pulumi up` would print for this program (a configuration error is the common one). */
export class RenderError extends Error {}

let recorder: ((req: RegisterRequest, urn: string) => void) | undefined;
let patched = false;

function patchMonitor(): void {
    if (patched) return;
    patched = true;
    // The SDK's mock qualifies a child's type with its parent's own type only; the engine
    // qualifies it with the parent's whole chain (pulumi/pulumi pkg/resource/urn.go). Plans are
    // compared with the engine's previews by URN, so the mocks make the engine's URNs.
    MockMonitor.prototype.newUrn = function (parent: string, type: string, name: string): string {
        const parentType = parent ? parent.split("::")[2] : undefined;
        const qualified = parentType && parentType !== ROOT_STACK_TYPE ? `${parentType}$${type}` : type;
        return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
    };
    const original = MockMonitor.prototype.registerResource;
    MockMonitor.prototype.registerResource = function (
        this: { newUrn(p: string, t: string, n: string): string },
        req,
        cb,
    ) {
        recorder?.(req, this.newUrn(req.getParent(), req.getType(), req.getName()));
        return original.call(this, req, cb);
    };
}

/** Deterministic stand-ins for what providers compute, so that renders are reproducible. */
export function mockSecret(name: string): string {
    return `mock-secret-${createHash("sha256").update(name).digest("hex").slice(0, 24)}`;
}

export function mockOutputs(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    observedStatus?: RenderOptions["observedStatus"],
): Record<string, unknown> {
    const digest = createHash("sha256").update(`${type}/${name}`).digest("hex");
    switch (type) {
        case TYPES.randomPassword:
            return { result: mockSecret(name) };
        case TYPES.randomId:
            return { hex: digest, b64Std: Buffer.from(digest, "hex").toString("base64") };
        case TYPES.dockerImage:
            return { imageId: `sha256:${digest}`, repoDigest: `${inputs.name}@sha256:${digest}` };
        case TYPES.app:
            return {
                observedStatus: observedStatus ? observedStatus(String(inputs.appId)) : inputs.state,
                observedAt: "2026-01-01T00:00:00.000Z",
            };
        case TYPES.decommission:
            // What the provider reports after its dump.
            return {
                backupFile: `${inputs.location}/${inputs.stack}/${inputs.appId}-2026-01-01T00-00-00-000Z.dump`,
                backupBytes: 4096,
                backupSha256: digest,
                backupAt: "2026-01-01T00:00:00.000Z",
                dropped: inputs.dropData,
            };
        default:
            return {};
    }
}

const isRpcSecret = (v: unknown): v is { value: unknown } =>
    typeof v === "object" && v !== null && (v as Record<string, unknown>)[rpc.specialSigKey] === rpc.specialSecretSig;

/** Replaces the wire format of secrets by `SecretValue`, recursively. */
function liftSecrets(value: unknown): unknown {
    if (isRpcSecret(value)) return new SecretValue(liftSecrets(value.value));
    if (Array.isArray(value)) return value.map(liftSecrets);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, liftSecrets(v)]));
    }
    return value;
}

/** The plain value with every `SecretValue` opened: for assertions on content. */
export function reveal(value: unknown): unknown {
    if (value instanceof SecretValue) return reveal(value.value);
    if (Array.isArray(value)) return value.map(reveal);
    if (typeof value === "object" && value !== null)
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    return value;
}

const PROGRAM = path.join(PROJECT_ROOT, "index.ts");

export async function renderProgram(options: RenderOptions): Promise<Rendered> {
    patchMonitor();
    const registrations: Registration[] = [];
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on("unhandledRejection", onRejection);
    // The engine, not the SDK, makes additionalSecretOutputs secret: the mocks do what it does.
    const secretOutputsOf = new Map<string, string[]>();
    recorder = (req, urn) => {
        const secretOutputs = req.getAdditionalsecretoutputsList();
        secretOutputsOf.set(`${req.getType()}::${req.getName()}`, secretOutputs);
        registrations.push({
            urn,
            type: req.getType(),
            name: req.getName(),
            custom: req.getCustom(),
            parent: req.getParent(),
            provider: req.getProvider(),
            inputs: liftSecrets(rpc.deserializeProperties(req.getObject())) as Record<string, unknown>,
            protect: req.getProtect(),
            retainOnDelete: req.getRetainondelete(),
            dependencies: req.getDependenciesList(),
            additionalSecretOutputs: secretOutputs,
            deleteBeforeReplace: req.getDeletebeforereplace(),
            ignoreChanges: req.getIgnorechangesList(),
            aliases: req.getAliasesList().length,
        });
    };
    try {
        await pulumi.runtime.setMocks(
            {
                newResource(args) {
                    const outputs = mockOutputs(args.type, args.name, args.inputs, options.observedStatus);
                    const state: Record<string, unknown> = { ...args.inputs, ...outputs };
                    for (const key of secretOutputsOf.get(`${args.type}::${args.name}`) ?? []) {
                        if (key in state) state[key] = { [rpc.specialSigKey]: rpc.specialSecretSig, value: state[key] };
                    }
                    return { id: args.custom ? `${args.name}-id` : undefined, state };
                },
                call(args) {
                    return args.inputs;
                },
            },
            PROJECT,
            options.stack,
            options.preview ?? false,
        );
        pulumi.runtime.setAllConfig(options.values, options.secretKeys);
        const programModule = options.program ?? PROGRAM;
        delete require.cache[programModule];
        let program: Record<string, unknown>;
        try {
            program = require(programModule);
        } catch (e) {
            throw new RenderError((e as Error).message);
        }
        const outputs: Record<string, StackOutput> = {};
        const settle = (async () => {
            for (const [name, value] of Object.entries(program)) outputs[name] = await readOutput(value);
            await settings.waitForRPCs();
        })();
        await withTimeout(settle, options.timeoutMs ?? 60_000, () => rejections);
        if (rejections.length > 0) throw new RenderError(String((rejections[0] as Error)?.message ?? rejections[0]));
        return { registrations, outputs };
    } finally {
        recorder = undefined;
        process.off("unhandledRejection", onRejection);
        // Outputs left unresolved (preview unknowns) would set a failing exit code at process exit.
        debuggable.leakedPromises();
    }
}

async function readOutput(value: unknown): Promise<StackOutput> {
    if (!pulumi.Output.isInstance(value)) return { value, secret: false, known: true };
    // Internal but stable: the public `apply` never runs for unknown values.
    const internal = value as unknown as {
        promise(): Promise<unknown>;
        isKnown: Promise<boolean>;
        isSecret: Promise<boolean>;
    };
    const [known, secret] = await Promise.all([internal.isKnown, internal.isSecret]);
    return { value: known ? await internal.promise() : undefined, secret, known };
}

async function withTimeout(work: Promise<void>, ms: number, rejections: () => unknown[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
            const first = rejections()[0];
            reject(
                new RenderError(
                    first ? String((first as Error).message ?? first) : `the program did not settle within ${ms} ms`,
                ),
            );
        }, ms);
    });
    try {
        await Promise.race([work, timeout]);
    } finally {
        clearTimeout(timer);
    }
}
