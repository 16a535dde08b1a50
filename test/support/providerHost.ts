/**
 * Pulumi's own dynamic provider host (`@pulumi/pulumi/cmd/dynamic-provider`), started as the engine
 * starts it (a plain Node process, no TypeScript loader) and driven over its gRPC interface as the
 * engine drives it. The resource's `__provider` input is what the program registers, so a test
 * through this host proves the bundled provider runs where `pulumi up` runs it.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import type { ServiceError } from "@grpc/grpc-js";
import type * as provpbTypes from "@pulumi/pulumi/proto/provider_pb";
import type * as provrpcTypes from "@pulumi/pulumi/proto/provider_grpc_pb";
import { childNodeOptions } from "../mutation/hookCoverage";

const SDK = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const HOST = path.join(SDK, "cmd", "dynamic-provider", "index.js");
// The host's own copies, so that messages and channel credentials match what it was built with.
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [SDK] })) as typeof import("@grpc/grpc-js");
const structpb = require(
    require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [SDK] }),
) as typeof import("google-protobuf/google/protobuf/struct_pb");
const provpb = require(path.join(SDK, "proto", "provider_pb")) as typeof provpbTypes;
const provrpc = require(path.join(SDK, "proto", "provider_grpc_pb")) as typeof provrpcTypes;

type Props = Record<string, unknown>;
type Struct = ReturnType<typeof structpb.Struct.fromJavaScript>;
type Unary<Req, Resp> = (req: Req, callback: (err: ServiceError | null, resp: Resp) => void) => unknown;

export interface HostedDiff {
    changes: "none" | "some" | "unknown";
    replaces: string[];
}

/** A failed call as the engine sees it: gRPC's details carry the provider's message. */
export class HostError extends Error {}

/** JSON-shaped values only, as the engine sends them (the host refuses secrets). */
function struct(props: Props): Struct {
    return structpb.Struct.fromJavaScript(JSON.parse(JSON.stringify(props)));
}

function plain(value: Struct | undefined): Props {
    return (value?.toJavaScript() ?? {}) as Props;
}

export class ProviderHost {
    private constructor(
        private readonly child: ChildProcess,
        private readonly client: provrpcTypes.ResourceProviderClient,
        /** The `__provider` every call carries. */
        private readonly provider: string,
        private readonly type: string,
    ) {}

    /** Starts a host for resources of `type` whose provider is the module text `provider`. */
    static async start(provider: string, type: string): Promise<ProviderHost> {
        // As the engine starts it: without the tests' TypeScript loader (spawn drops an undefined).
        const env = { ...process.env, NODE_OPTIONS: childNodeOptions() };
        // The host wants the engine's address as its argument; it only logs through it.
        const child = spawn(process.execPath, [HOST, "127.0.0.1:1"], { env, stdio: ["ignore", "pipe", "inherit"] });
        const port = await new Promise<string>((resolve, reject) => {
            let out = "";
            child.stdout!.on("data", (d: Buffer) => {
                out += d.toString();
                const line = out.split("\n")[0];
                if (out.includes("\n")) resolve(line.trim());
            });
            child.once("exit", (code) => reject(new Error(`the provider host exited with ${code} before it listened`)));
        });
        const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return new ProviderHost(child, client, provider, type);
    }

    stop(): void {
        this.client.close();
        this.child.kill();
    }

    private urn(name: string): string {
        return `urn:pulumi:it::nocobase-platform::${this.type}::${name}`;
    }

    /** One unary call; the overload that takes a callback right after the request. */
    private call<Req, Resp>(method: Unary<Req, Resp>, request: Req): Promise<Resp> {
        return new Promise((resolve, reject) =>
            method.call(this.client, request, (err, resp) =>
                err ? reject(new HostError(err.details || err.message)) : resolve(resp),
            ),
        );
    }

    private withProvider(props: Props): Props {
        return { ...props, __provider: this.provider };
    }

    async check(
        name: string,
        olds: Props,
        news: Props,
    ): Promise<{ inputs: Props; failures: Array<{ property: string; reason: string }> }> {
        const req = new provpb.CheckRequest();
        req.setUrn(this.urn(name));
        req.setOlds(struct(olds));
        req.setNews(struct(this.withProvider(news)));
        const resp = await this.call<provpbTypes.CheckRequest, provpbTypes.CheckResponse>(this.client.check, req);
        return {
            inputs: plain(resp.getInputs()),
            failures: resp.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
        };
    }

    async diff(name: string, id: string, olds: Props, news: Props): Promise<HostedDiff> {
        const req = new provpb.DiffRequest();
        req.setUrn(this.urn(name));
        req.setId(id);
        req.setOlds(struct(olds));
        req.setNews(struct(this.withProvider(news)));
        const resp = await this.call<provpbTypes.DiffRequest, provpbTypes.DiffResponse>(this.client.diff, req);
        const { DIFF_NONE, DIFF_SOME } = provpb.DiffResponse.DiffChanges;
        const changes = resp.getChanges() === DIFF_NONE ? "none" : resp.getChanges() === DIFF_SOME ? "some" : "unknown";
        return { changes, replaces: resp.getReplacesList() };
    }

    /** `inputs` as `check` returned them, `__provider` included. */
    async create(name: string, inputs: Props): Promise<{ id: string; outs: Props }> {
        const req = new provpb.CreateRequest();
        req.setUrn(this.urn(name));
        req.setProperties(struct(inputs));
        const resp = await this.call<provpbTypes.CreateRequest, provpbTypes.CreateResponse>(this.client.create, req);
        return { id: resp.getId(), outs: plain(resp.getProperties()) };
    }

    /** What `pulumi refresh` does: the stored outputs in, the live ones out (`id` empty when gone). */
    async read(name: string, id: string, outs: Props): Promise<{ id: string; outs: Props }> {
        const req = new provpb.ReadRequest();
        req.setUrn(this.urn(name));
        req.setId(id);
        req.setProperties(struct(outs));
        const resp = await this.call<provpbTypes.ReadRequest, provpbTypes.ReadResponse>(this.client.read, req);
        return { id: resp.getId(), outs: plain(resp.getProperties()) };
    }

    async update(name: string, id: string, olds: Props, news: Props): Promise<Props> {
        const req = new provpb.UpdateRequest();
        req.setUrn(this.urn(name));
        req.setId(id);
        req.setOlds(struct(olds));
        req.setNews(struct(news));
        const resp = await this.call<provpbTypes.UpdateRequest, provpbTypes.UpdateResponse>(this.client.update, req);
        return plain(resp.getProperties());
    }

    async delete(name: string, id: string, outs: Props): Promise<void> {
        const req = new provpb.DeleteRequest();
        req.setUrn(this.urn(name));
        req.setId(id);
        req.setProperties(struct(outs));
        await this.call<provpbTypes.DeleteRequest, unknown>(this.client.delete, req);
    }
}
