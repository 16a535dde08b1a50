/**
 * The two clusters of `.ci/kube.sh`, as a test reads them: plain HTTPS requests to each API server
 * with the client certificate of its kubeconfig context, independent of @pulumi/kubernetes (the
 * code under test) and of kubectl.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import { parse } from "yaml";
import { sleep } from "../../../components/core/poll";

const ROOT = path.resolve(__dirname, "../../..");

/** KUBECONFIG as `.ci/kube.sh env` names it (the clusters are started by .ci/engine-setup.sh). */
export function kubeconfigPath(): string {
    const text = execFileSync(path.join(ROOT, ".ci/kube.sh"), ["env"], { encoding: "utf8" });
    const m = /^export KUBECONFIG="(.*)"$/m.exec(text);
    if (!m) throw new Error(`.ci/kube.sh env printed no KUBECONFIG: ${text}`);
    return m[1];
}

interface Kubeconfig {
    clusters: Array<{ name: string; cluster: { server: string; "certificate-authority-data": string } }>;
    users: Array<{ name: string; user: { "client-certificate-data": string; "client-key-data": string } }>;
    contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
}

export class KubeError extends Error {
    constructor(
        readonly status: number,
        readonly body: string,
        message: string,
    ) {
        super(message);
    }
}

/** One cluster's API server, reached as its kubeconfig context's user. */
export class Cluster {
    private readonly server: URL;
    private readonly agent: https.Agent;

    constructor(
        readonly context: string,
        file = kubeconfigPath(),
    ) {
        const config = parse(readFileSync(file, "utf8")) as Kubeconfig;
        const ctx = config.contexts.find((c) => c.name === context);
        if (!ctx) throw new Error(`no context ${context} in ${file}`);
        const cluster = config.clusters.find((c) => c.name === ctx.context.cluster)!.cluster;
        const user = config.users.find((u) => u.name === ctx.context.user)!.user;
        const b64 = (s: string) => Buffer.from(s, "base64");
        this.server = new URL(cluster.server);
        if (!["127.0.0.1", "localhost", "[::1]"].includes(this.server.hostname))
            throw new Error(`${context}: not a loopback server: ${cluster.server}`);
        this.agent = new https.Agent({
            ca: b64(cluster["certificate-authority-data"]),
            cert: b64(user["client-certificate-data"]),
            key: b64(user["client-key-data"]),
            keepAlive: true,
        });
    }

    request<T = any>(method: string, apiPath: string, body?: unknown, contentType = "application/json"): Promise<T> {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        return new Promise((resolve, reject) => {
            const req = https.request(
                {
                    host: this.server.hostname,
                    port: this.server.port,
                    path: apiPath,
                    method,
                    agent: this.agent,
                    timeout: 15_000,
                    headers: {
                        accept: "application/json",
                        ...(payload
                            ? { "content-type": contentType, "content-length": Buffer.byteLength(payload) }
                            : {}),
                    },
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("end", () => {
                        const text = Buffer.concat(chunks).toString("utf8");
                        if ((res.statusCode ?? 0) >= 300) {
                            reject(
                                new KubeError(
                                    res.statusCode ?? 0,
                                    text,
                                    `${this.context}: ${method} ${apiPath}: HTTP ${res.statusCode}: ${text.slice(0, 500)}`,
                                ),
                            );
                        } else resolve(text ? (JSON.parse(text) as T) : (undefined as T));
                    });
                },
            );
            req.on("timeout", () => req.destroy(new Error(`${this.context}: ${method} ${apiPath}: no answer in 15 s`)));
            req.on("error", reject);
            if (payload) req.write(payload);
            req.end();
        });
    }

    get<T = any>(apiPath: string): Promise<T> {
        return this.request<T>("GET", apiPath);
    }

    /** The object, or undefined on 404. */
    async find<T = any>(apiPath: string): Promise<T | undefined> {
        try {
            return await this.get<T>(apiPath);
        } catch (e) {
            if (e instanceof KubeError && e.status === 404) return undefined;
            throw e;
        }
    }

    async items<T = any>(apiPath: string): Promise<T[]> {
        return (await this.get<{ items: T[] }>(apiPath)).items;
    }

    /**
     * The Deployments at `apiPath` once the controller manager has reported every one rolled out
     * (all replicas updated and available), or as they are after `timeoutMs`: on a loaded machine
     * a status was seen without `updatedReplicas` right after `pulumi up` returned.
     */
    async rolledOutDeployments(apiPath: string, timeoutMs = 60_000): Promise<any[]> {
        const done = (d: any) =>
            d.status?.observedGeneration === d.metadata.generation &&
            d.status?.updatedReplicas === d.spec.replicas &&
            d.status?.availableReplicas === d.spec.replicas;
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const all = await this.items(apiPath);
            if (all.every(done) || Date.now() >= deadline) return all;
            await sleep(1_000);
        }
    }

    /**
     * Deletes a namespace and waits until it is gone (its finalizer runs in the controller manager),
     * then deletes the volumes its claims left: a test starts from a cluster without its leftovers.
     */
    async removeNamespace(name: string, timeoutMs = 120_000): Promise<void> {
        if (!(await this.find(`/api/v1/namespaces/${name}`))) return;
        await this.request("DELETE", `/api/v1/namespaces/${name}`).catch((e) => {
            if (!(e instanceof KubeError && e.status === 404)) throw e;
        });
        const deadline = Date.now() + timeoutMs;
        while (await this.find(`/api/v1/namespaces/${name}`)) {
            if (Date.now() > deadline)
                throw new Error(`${this.context}: namespace ${name} still there after ${timeoutMs / 1000} s`);
            await new Promise((r) => setTimeout(r, 1000));
        }
        for (const pv of await this.items("/api/v1/persistentvolumes")) {
            if (pv.spec?.claimRef?.namespace === name)
                await this.request("DELETE", `/api/v1/persistentvolumes/${pv.metadata.name}`).catch(() => undefined);
        }
    }
}

/** Values of a Secret's `data`, decoded. */
export function secretValues(secret: { data?: Record<string, string> }): Record<string, string> {
    return Object.fromEntries(
        Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
    );
}
