/**
 * What the rules know about the resources this program registers: type tokens, and how to read a
 * NocoBase workload (image and environment variables) from Docker or Kubernetes resources. Types
 * are compared as tokens, so the pack needs no provider SDK of its own.
 */
import type { PolicyResource } from "@pulumi/policy";
import { TYPES } from "../components/core/typeTokens";

/** Kinds whose pod template runs containers; the rules read `spec.template.spec.containers`. */
export const K8S_WORKLOAD_TYPES: readonly string[] = [TYPES.k8sDeployment, TYPES.k8sStatefulSet, TYPES.k8sDaemonSet];

// Props reach policies as plain JSON; these views name only what the rules read.
type Props = Record<string, unknown>;
export interface K8sContainer {
    name?: string;
    image?: string;
    env?: { name: string; value?: string; valueFrom?: unknown }[];
    envFrom?: { secretRef?: { name?: string }; configMapRef?: { name?: string } }[];
    resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
    readinessProbe?: K8sProbe;
    livenessProbe?: K8sProbe;
    startupProbe?: K8sProbe;
}
export interface K8sProbe {
    httpGet?: { path?: string };
}

export function podContainers(props: Props): K8sContainer[] {
    const spec = (props.spec as { template?: { spec?: { containers?: K8sContainer[] } } } | undefined)?.template?.spec;
    return spec?.containers ?? [];
}

export interface ImageRef {
    repository: string;
    tag?: string;
    digest?: string;
}

/** `[registry/]path[:tag][@digest]`; a colon before the last slash belongs to a registry port. */
export function parseImage(ref: string): ImageRef {
    const [nameAndTag, digest] = ref.split("@", 2);
    const slash = nameAndTag.lastIndexOf("/");
    const colon = nameAndTag.lastIndexOf(":");
    if (colon > slash) return { repository: nameAndTag.slice(0, colon), tag: nameAndTag.slice(colon + 1), digest };
    return { repository: nameAndTag, digest };
}

/** NocoBase's image is `nocobase/nocobase` on Docker Hub and on every mirror of it. */
export function isNocobaseImage(ref: string): boolean {
    return parseImage(ref).repository.split("/").pop() === "nocobase";
}

/** A NocoBase process as the stack defines it, whatever the runtime. */
export interface NocobaseWorkload {
    urn: string;
    name: string;
    image: string;
    env: Record<string, string>;
}

/**
 * Every NocoBase process of the stack with its full environment: a Docker container's `envs`, or a
 * Kubernetes container's `env` plus the Secrets it loads with `envFrom`.
 */
export function nocobaseWorkloads(resources: PolicyResource[]): NocobaseWorkload[] {
    const secrets = new Map<string, Record<string, string>>();
    for (const r of resources) {
        if (r.type !== TYPES.k8sSecret) continue;
        const meta = r.props.metadata as { name?: string; namespace?: string } | undefined;
        secrets.set(`${meta?.namespace}/${meta?.name}`, secretData(r.props));
    }
    const workloads: NocobaseWorkload[] = [];
    for (const r of resources) {
        if (r.type === TYPES.dockerContainer) {
            // The container names its image by id; the RemoteImage it depends on has the reference.
            const image = r.dependencies.find((d) => d.type === TYPES.dockerImage)?.props.name;
            if (typeof image !== "string" || !isNocobaseImage(image)) continue;
            workloads.push({ urn: r.urn, name: r.name, image, env: parseEnvList(r.props.envs) });
        } else if (K8S_WORKLOAD_TYPES.includes(r.type)) {
            const namespace = (r.props.metadata as { namespace?: string } | undefined)?.namespace;
            for (const c of podContainers(r.props)) {
                if (!c.image || !isNocobaseImage(c.image)) continue;
                const env: Record<string, string> = {};
                for (const from of c.envFrom ?? [])
                    Object.assign(env, secrets.get(`${namespace}/${from.secretRef?.name}`) ?? {});
                for (const e of c.env ?? []) if (typeof e.value === "string") env[e.name] = e.value;
                workloads.push({ urn: r.urn, name: r.name, image: c.image, env });
            }
        }
    }
    return workloads;
}

/** A Secret's values: `stringData` as given, `data` decoded (the engine reports outputs as `data`). */
function secretData(props: Props): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries((props.data as Record<string, unknown>) ?? {}))
        if (typeof v === "string") out[k] = Buffer.from(v, "base64").toString("utf8");
    for (const [k, v] of Object.entries((props.stringData as Record<string, unknown>) ?? {}))
        if (typeof v === "string") out[k] = v;
    return out;
}

/** Docker's `NAME=value` list as a map. */
export function parseEnvList(envs: unknown): Record<string, string> {
    const env: Record<string, string> = {};
    if (!Array.isArray(envs)) return env;
    for (const entry of envs) {
        if (typeof entry !== "string") continue;
        const eq = entry.indexOf("=");
        if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return env;
}

/** The stack name is the first segment after `urn:pulumi:`. */
export function stackOfUrn(urn: string): string {
    return urn.split("::")[0].slice("urn:pulumi:".length);
}

/** The props of the NocoBase app registrations, with their URNs. */
export interface AppRegistration {
    urn: string;
    appId: string;
    environment: string;
    cname?: string;
    jwtSecret?: string;
    database?: { schema?: string; database?: string; host?: string };
}

export function appRegistrations(resources: PolicyResource[]): AppRegistration[] {
    return resources
        .filter((r) => r.type === TYPES.app)
        .map((r) => ({ urn: r.urn, ...(r.props as Omit<AppRegistration, "urn">) }));
}
