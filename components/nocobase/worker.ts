/**
 * A runtime environment: a NocoBase instance that hosts apps. In multi-environment mode it is a
 * worker with its own database, registered with the supervisor through ENVIRONMENT_* variables
 * (NocoBase does not create workers: this stack does). In shared-memory mode the only environment,
 * `local`, is the entry app's own process, and this component creates nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import type { EnvironmentConfig } from "../config/types";
import type { EntryApp } from "./entryApp";
import { environmentDatabase, workerHostName, workloadInternalUrl } from "../platform/naming";
import { NOCOBASE_HTTP_PORT } from "../core/nocobase";
import { NocoBaseInstanceArgs, createNocoBaseInstance } from "./instance";
import type { RuntimeTarget } from "../runtimes/runtime";
import type { SharedSecrets } from "./environmentVariables";
import { TYPES } from "../core/typeTokens";

export interface RuntimeEnvironmentArgs extends Omit<NocoBaseInstanceArgs, "runtime" | "secrets"> {
    /** Absent only for `local` of an adopted entry app, which runs nothing here. */
    runtime?: RuntimeTarget;
    secrets?: SharedSecrets;
    environment: EnvironmentConfig;
    entry: EntryApp;
}

export class RuntimeEnvironment extends pulumi.ComponentResource {
    /** ENVIRONMENT_URL: where the entry app (and people) reach this environment. */
    readonly url: string;

    constructor(name: string, args: RuntimeEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TYPES.worker, name, {}, opts);
        const { config, environment } = args;
        if (environment.sharesEntryProcess) {
            this.url = args.entry.url;
            this.registerOutputs({ url: this.url });
            return;
        }
        const { runtime, secrets } = args;
        if (!runtime || !secrets)
            throw new Error(`environment ${environment.name}: a worker needs a runtime and secrets`);
        const hostName = workerHostName(runtime.type, args.namePrefix, environment.name);
        const internalUrl = workloadInternalUrl(runtime.config, hostName, NOCOBASE_HTTP_PORT);
        this.url = environment.url ?? internalUrl;
        createNocoBaseInstance(
            this,
            name,
            { ...args, runtime, secrets },
            {
                database: environmentDatabase(environment.name),
                // The supervisor proxies to the internal address when it shares the runtime; across runtimes only the URL reaches.
                role: {
                    kind: "worker",
                    environment: environment.name,
                    url: this.url,
                    proxyUrl: environment.runtime === config.entry.runtime ? internalUrl : this.url,
                },
                hostName,
                replicas: environment.replicas,
                domains: [],
            },
        );
        this.registerOutputs({ url: this.url });
    }
}
