import type { RuntimeConfig } from "../config/types";

/**
 * Names derived from the configuration. They are part of the platform's identity: a database or a
 * role named here must never change for an existing app, so every rule is a pure function of
 * stable keys (app id, environment name), never of display names.
 */

/** Prefix of the names of containers, networks and Kubernetes objects, so that several stacks can share a host. */
export function namePrefix(stack: string): string {
    return `nocobase-${stack}`;
}

/**
 * A workload's container name, or its Kubernetes objects' name. Kubernetes takes lower-case letters,
 * digits and `-` only, so there the stack name's capitals, `_` and `.` (which Pulumi allows) become
 * lower case and `-`; Docker keeps the name as it is, so that no existing container is renamed.
 */
function workloadName(runtimeType: RuntimeConfig["type"], name: string): string {
    return runtimeType === "kubernetes" ? name.toLowerCase().replace(/[^a-z0-9-]/g, "-") : name;
}

export function entryHostName(runtimeType: RuntimeConfig["type"], prefix: string): string {
    return workloadName(runtimeType, `${prefix}-entry`);
}

/** Environment names allow no dash, so `_` to `-` maps them one-to-one. */
export function workerHostName(runtimeType: RuntimeConfig["type"], prefix: string, environment: string): string {
    return workloadName(runtimeType, `${prefix}-env-${environment.replace(/_/g, "-")}`);
}

export function environmentDatabase(environment: string): string {
    return `nocobase_env_${environment}`;
}

export function imageRef(image: string, version: string): string {
    return `${image}:${version}`;
}

/** The admin UI of an app, below the entry app's public URL (the entry app proxies it). */
export function appAdminUrl(entryUrl: string, appId: string): string {
    return `${entryUrl.replace(/\/+$/, "")}/apps/${appId}/admin/`;
}

/** How workloads on the same runtime reach a workload: its container name, or its Service's DNS name. */
export function workloadInternalUrl(runtime: RuntimeConfig, hostName: string, httpPort: number): string {
    const host = runtime.type === "docker" ? hostName : `${hostName}.${runtime.namespace}.svc.cluster.local`;
    return `http://${host}${httpPort === 80 ? "" : `:${httpPort}`}`;
}

/**
 * The address at which the machine running `pulumi up` reaches ports published by a Docker host:
 * the local engine is `localhost`, a remote one is the host named in its URL.
 */
export function dockerHostAddress(dockerHost: string | undefined): string {
    if (!dockerHost || dockerHost.startsWith("unix://") || dockerHost.startsWith("npipe://")) return "localhost";
    const url = new URL(dockerHost);
    return url.hostname;
}
