/**
 * A place where workloads run, and what every workload there shares: the provider (one per Docker
 * engine or cluster context, so that environments can spread over several), plus the Docker
 * network or Kubernetes namespace.
 */
import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DockerRuntime, KubernetesRuntime, RuntimeConfig } from "../config/types";
import { TYPES } from "../core/typeTokens";

export interface RuntimeArgs {
    config: RuntimeConfig;
    /** Prefix of names on shared hosts (containers, networks), so that two stacks can share an engine. */
    namePrefix: string;
}

export type DockerTarget = {
    type: "docker";
    config: DockerRuntime;
    provider: docker.Provider;
    network: docker.Network;
};
export type KubernetesTarget = {
    type: "kubernetes";
    config: KubernetesRuntime;
    provider: k8s.Provider;
    namespace: k8s.core.v1.Namespace;
};
export type RuntimeTarget = DockerTarget | KubernetesTarget;

/**
 * The args of a server the platform either runs as a container on a Docker runtime or uses as it
 * is (`kind: "external"`): PostgreSQL and Redis. A container always comes with its runtime.
 */
export type ServerArgs<C extends { kind: "container" | "external" }> = { namePrefix: string } & (
    { config: Extract<C, { kind: "external" }> } | { config: Extract<C, { kind: "container" }>; runtime: DockerTarget }
);

export class Runtime extends pulumi.ComponentResource {
    readonly target: RuntimeTarget;

    constructor(name: string, args: RuntimeArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TYPES.runtime, name, {}, opts);
        const config = args.config;
        if (config.type === "docker") {
            const provider = new docker.Provider(`${name}-provider`, { host: config.host }, { parent: this });
            const network = new docker.Network(
                `${name}-network`,
                { name: args.namePrefix, driver: "bridge" },
                { parent: this, provider },
            );
            this.target = { type: "docker", config, provider, network };
        } else {
            const provider = new k8s.Provider(`${name}-provider`, { context: config.context }, { parent: this });
            const namespace = new k8s.core.v1.Namespace(
                `${name}-namespace`,
                { metadata: { name: config.namespace, labels: { "app.kubernetes.io/part-of": "nocobase-platform" } } },
                // Everything of the platform on this cluster lives in it: never delete it by accident.
                { parent: this, provider, protect: true },
            );
            this.target = { type: "kubernetes", config, provider, namespace };
        }
        this.registerOutputs({});
    }
}
