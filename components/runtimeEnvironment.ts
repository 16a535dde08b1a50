/**
 * A runtime environment: a NocoBase instance that hosts apps. In multi-environment mode it is a
 * worker with its own database, registered with the supervisor through ENVIRONMENT_* variables
 * (NocoBase does not create workers: this stack does). In shared-memory mode the only environment,
 * `local`, is the entry app's own process, and this component creates nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import type { EnvironmentConfig, PlatformConfig } from "./config";
import type { EntryApp } from "./entryApp";
import { HEALTH_CHECK_PATH, NOCOBASE_HTTP_PORT, STORAGE_PATH, environmentDatabase, imageRef, workloadInternalUrl } from "./naming";
import { SharedSecrets, nocobaseEnv } from "./nocobaseEnv";
import type { PostgresServer } from "./postgresServer";
import type { RuntimeTarget } from "./runtime";
import { TenantDatabase } from "./tenantDatabase";
import { createWorkload } from "./workload";

export interface RuntimeEnvironmentArgs {
    config: PlatformConfig;
    environment: EnvironmentConfig;
    runtime: RuntimeTarget;
    entry: EntryApp;
    postgres: PostgresServer;
    secrets: SharedSecrets;
    databasePassword: pulumi.Input<string>;
    redisUrl?: pulumi.Input<string>;
    namePrefix: string;
}

/** Kubernetes names allow no underscore; environment names allow no dash, so this maps one-to-one. */
export function workerHostName(namePrefix: string, environment: string): string {
    return `${namePrefix}-env-${environment.replace(/_/g, "-")}`;
}

export class RuntimeEnvironment extends pulumi.ComponentResource {
    /** ENVIRONMENT_URL: where the entry app (and people) reach this environment. */
    readonly url: string;

    constructor(name: string, args: RuntimeEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("nocobase-platform:index:RuntimeEnvironment", name, {}, opts);
        const { config, environment, postgres } = args;
        if (environment.sharesEntryProcess) {
            this.url = args.entry.url;
            this.registerOutputs({ url: this.url });
            return;
        }
        const dbName = environmentDatabase(environment.name);
        const database = new TenantDatabase(
            `${name}-db`,
            { storage: { mode: "database", database: dbName, role: dbName }, password: args.databasePassword, provider: postgres.provider },
            { parent: this },
        );
        const hostName = workerHostName(args.namePrefix, environment.name);
        const internalUrl = workloadInternalUrl(args.runtime.config, hostName, NOCOBASE_HTTP_PORT);
        this.url = environment.url ?? internalUrl;
        createWorkload(
            `${name}-workload`,
            {
                runtime: args.runtime,
                hostName,
                image: imageRef(config.image, config.nocobaseVersion),
                env: nocobaseEnv({
                    config,
                    // The supervisor proxies to the internal address when it shares the runtime; across runtimes only the URL reaches.
                    role: {
                        kind: "worker",
                        environment: environment.name,
                        url: this.url,
                        proxyUrl: environment.runtime === config.entry.runtime ? internalUrl : this.url,
                    },
                    database: {
                        host: postgres.host,
                        port: postgres.port,
                        database: dbName,
                        user: dbName,
                        password: args.databasePassword,
                        sslMode: postgres.sslMode,
                    },
                    secrets: args.secrets,
                    redisUrl: args.redisUrl,
                }),
                replicas: environment.replicas,
                domains: [],
                httpPort: NOCOBASE_HTTP_PORT,
                healthPath: HEALTH_CHECK_PATH,
                storagePath: STORAGE_PATH,
            },
            { parent: this, dependsOn: [database] },
        );
        this.registerOutputs({ url: this.url });
    }
}
