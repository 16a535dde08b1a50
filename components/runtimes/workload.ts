/**
 * What a NocoBase process needs from the runtime underneath, whatever it is: an image, environment
 * variables (secret ones kept apart), storage and routes. Docker and Kubernetes implement it.
 */
import type * as pulumi from "@pulumi/pulumi";
import { DockerWorkload } from "./docker/workload";
import { KubernetesWorkload } from "./kubernetes/workload";
import type { EnvVars } from "../nocobase/environmentVariables";
import type { RuntimeTarget } from "./runtime";

export interface WorkloadArgs {
    runtime: RuntimeTarget;
    /** Name of the container, or of the Deployment and Service, unique on the runtime. */
    hostName: string;
    image: string;
    env: EnvVars;
    replicas: number;
    /** Public host names routed to this workload (Kubernetes Ingress with TLS). */
    domains: string[];
    /** Docker only: host port that publishes the workload's HTTP port. */
    publishPort?: number;
    /** Port the workload serves HTTP on. */
    httpPort: number;
    healthPath: string;
    /** Where persistent storage is mounted. */
    storagePath: string;
    /**
     * What every resource of the workload waits for: its database, and the backup that a new
     * NocoBase version must find taken before any image or container changes. A component's own
     * `dependsOn` would not do: its children do not inherit it.
     */
    after?: pulumi.Resource[];
}

export interface Workload {
    /** How other workloads on the same runtime reach this one. */
    readonly internalUrl: string;
    /**
     * The resource that is ready when the workload is (the container, or the Deployment whose
     * rollout Pulumi awaits): what dependents wait for, cheaper to depend on than a component,
     * whose every child the SDK resolves for each dependent.
     */
    readonly ready: pulumi.Resource;
}

export function createWorkload(name: string, args: WorkloadArgs, opts: pulumi.ComponentResourceOptions): Workload {
    return args.runtime.type === "docker"
        ? new DockerWorkload(name, { ...args, runtime: args.runtime }, opts)
        : new KubernetesWorkload(name, { ...args, runtime: args.runtime }, opts);
}
