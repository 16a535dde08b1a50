/**
 * A workload on Kubernetes: Deployment, Service, PersistentVolumeClaim for its storage, a Secret
 * for its secret variables, and an Ingress with cert-manager TLS for its public host names.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesTarget } from "../runtime";
import { workloadInternalUrl } from "../../platform/naming";
import type { Workload, WorkloadArgs } from "../workload";
import { TYPES } from "../../core/typeTokens";

export interface KubernetesWorkloadArgs extends WorkloadArgs {
    runtime: KubernetesTarget;
}

/** Measured: one NocoBase process with a few running apps holds 560-610 MB resident. */
export const NOCOBASE_RESOURCES = {
    requests: { cpu: "250m", memory: "1Gi" },
    limits: { cpu: "2", memory: "4Gi" },
};

export class KubernetesWorkload extends pulumi.ComponentResource implements Workload {
    readonly internalUrl: string;
    readonly deployment: k8s.apps.v1.Deployment;
    readonly ready: pulumi.Resource;

    constructor(name: string, args: KubernetesWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TYPES.kubernetesWorkload, name, {}, opts);
        const { provider, namespace, config } = args.runtime;
        const ns = namespace.metadata.name;
        const childOpts = { parent: this, provider, dependsOn: args.after ?? [] };
        const labels = {
            "app.kubernetes.io/name": "nocobase",
            "app.kubernetes.io/instance": args.hostName,
            "app.kubernetes.io/part-of": "nocobase-platform",
        };
        const metadata = { name: args.hostName, namespace: ns, labels };

        const secret = new k8s.core.v1.Secret(
            `${name}-env`,
            { metadata: { ...metadata, name: `${args.hostName}-env` }, type: "Opaque", stringData: args.env.secret },
            childOpts,
        );
        // Several replicas mount the same storage, which needs a shared-file volume. A claim's access
        // mode is immutable on the API server, so each mode has a claim name of its own: scaling
        // across one replica replaces the claim (a new, empty one; the old one is retained).
        const shared = args.replicas > 1;
        const storage = new k8s.core.v1.PersistentVolumeClaim(
            `${name}-storage`,
            {
                metadata: { ...metadata, name: `${args.hostName}-storage${shared ? "-rwx" : ""}` },
                spec: {
                    accessModes: [shared ? "ReadWriteMany" : "ReadWriteOnce"],
                    storageClassName: config.storageClass,
                    resources: { requests: { storage: "10Gi" } },
                },
            },
            { ...childOpts, retainOnDelete: true },
        );
        const probe = (initialDelaySeconds: number) => ({
            httpGet: { path: args.healthPath, port: args.httpPort },
            initialDelaySeconds,
            periodSeconds: 15,
            timeoutSeconds: 5,
            failureThreshold: 6,
        });
        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata,
                spec: {
                    replicas: args.replicas,
                    selector: { matchLabels: { "app.kubernetes.io/instance": args.hostName } },
                    // Two NocoBase versions must never run migrations on one database at once.
                    strategy: { type: "Recreate" },
                    template: {
                        metadata: { labels },
                        spec: {
                            containers: [
                                {
                                    name: "nocobase",
                                    image: args.image,
                                    ports: [{ name: "http", containerPort: args.httpPort }],
                                    env: Object.entries(args.env.plain).map(([name, value]) => ({ name, value })),
                                    envFrom: [{ secretRef: { name: secret.metadata.name } }],
                                    resources: NOCOBASE_RESOURCES,
                                    startupProbe: { ...probe(30), failureThreshold: 40 },
                                    readinessProbe: probe(30),
                                    livenessProbe: probe(60),
                                    volumeMounts: [{ name: "storage", mountPath: args.storagePath }],
                                },
                            ],
                            volumes: [{ name: "storage", persistentVolumeClaim: { claimName: storage.metadata.name } }],
                        },
                    },
                },
            },
            childOpts,
        );
        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata,
                spec: {
                    selector: { "app.kubernetes.io/instance": args.hostName },
                    ports: [{ name: "http", port: args.httpPort, targetPort: "http" }],
                },
            },
            childOpts,
        );
        if (args.domains.length > 0) {
            new k8s.networking.v1.Ingress(
                `${name}-ingress`,
                {
                    metadata: {
                        ...metadata,
                        annotations: {
                            ...(config.clusterIssuer ? { "cert-manager.io/cluster-issuer": config.clusterIssuer } : {}),
                            // Imports and plugin uploads exceed the default 1 MB.
                            "nginx.ingress.kubernetes.io/proxy-body-size": "100m",
                        },
                    },
                    spec: {
                        ingressClassName: config.ingressClass,
                        tls: [{ hosts: args.domains, secretName: `${args.hostName}-tls` }],
                        rules: args.domains.map((host) => ({
                            host,
                            http: {
                                paths: [
                                    {
                                        path: "/",
                                        pathType: "Prefix",
                                        backend: { service: { name: service.metadata.name, port: { name: "http" } } },
                                    },
                                ],
                            },
                        })),
                    },
                },
                childOpts,
            );
        }
        this.ready = this.deployment;
        this.internalUrl = workloadInternalUrl(args.runtime.config, args.hostName, args.httpPort);
        this.registerOutputs({ deployment: this.deployment.metadata.name });
    }
}
