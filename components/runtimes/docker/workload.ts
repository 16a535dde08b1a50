/** A workload as one container on a Docker engine, with a named volume for its storage. */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { allEnv } from "../../nocobase/environmentVariables";
import type { DockerTarget } from "../runtime";
import { workloadInternalUrl } from "../../platform/naming";
import type { Workload, WorkloadArgs } from "../workload";
import { TYPES } from "../../core/typeTokens";

export interface DockerWorkloadArgs extends WorkloadArgs {
    runtime: DockerTarget;
}

export class DockerWorkload extends pulumi.ComponentResource implements Workload {
    readonly internalUrl: string;
    readonly container: docker.Container;
    readonly ready: pulumi.Resource;

    constructor(name: string, args: DockerWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TYPES.dockerWorkload, name, {}, opts);
        const provider = args.runtime.provider;
        const dependsOn = args.after ?? [];
        const image = new docker.RemoteImage(
            `${name}-image`,
            { name: args.image, keepLocally: true },
            { parent: this, provider, dependsOn },
        );
        // Uploads, plugins and per-app keys live here; a replaced container must find them again.
        const storage = new docker.Volume(
            `${name}-storage`,
            { name: `${args.hostName}-storage` },
            { parent: this, provider, retainOnDelete: true },
        );
        this.container = new docker.Container(
            `${name}-container`,
            {
                name: args.hostName,
                image: image.imageId,
                envs: allEnv(args.env).apply((env) => Object.entries(env).map(([k, v]) => `${k}=${v}`)),
                networksAdvanced: [{ name: args.runtime.network.name, aliases: [args.hostName] }],
                ports: args.publishPort ? [{ internal: args.httpPort, external: args.publishPort }] : [],
                volumes: [{ volumeName: storage.name, containerPath: args.storagePath }],
                restart: "unless-stopped",
                healthcheck: {
                    // The image has Node but no curl.
                    tests: [
                        "CMD",
                        "node",
                        "-e",
                        `fetch('http://127.0.0.1:${args.httpPort}${args.healthPath}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
                    ],
                    // Durations as Docker reads them back (Go's form: 2m0s, not 120s), or every
                    // refresh would find a difference.
                    interval: "15s",
                    timeout: "5s",
                    retries: 5,
                    startPeriod: "2m0s",
                },
                // Dependents (app registrations) wait until NocoBase answers its health check; the
                // first start installs NocoBase into its database, which takes minutes, not seconds.
                wait: true,
                waitTimeout: 900,
            },
            { parent: this, provider, dependsOn },
        );
        this.ready = this.container;
        this.internalUrl = workloadInternalUrl(args.runtime.config, args.hostName, args.httpPort);
        this.registerOutputs({ container: this.container.name });
    }
}
