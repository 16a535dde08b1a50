/**
 * The entry application: NocoBase's main app, the control plane through which every app is
 * registered, started and stopped. In shared-memory mode it also hosts the apps; in
 * multi-environment mode it is the supervisor and proxies each app to its worker.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "./config";
import { ENTRY_DATABASE, HEALTH_CHECK_PATH, NOCOBASE_HTTP_PORT, STORAGE_PATH, imageRef } from "./naming";
import { SharedSecrets, nocobaseEnv } from "./nocobaseEnv";
import type { PostgresServer } from "./postgresServer";
import type { RuntimeTarget } from "./runtime";
import { TenantDatabase } from "./tenantDatabase";
import { Workload, createWorkload } from "./workload";

export interface EntryAppArgs {
    config: PlatformConfig;
    runtime: RuntimeTarget;
    postgres: PostgresServer;
    secrets: SharedSecrets;
    /** The entry app's database password. */
    databasePassword: pulumi.Input<string>;
    /** Multi-environment mode only. */
    redisUrl?: pulumi.Input<string>;
    /** Host names routed to the entry app: its own domain and every app's custom domain. */
    domains: string[];
    namePrefix: string;
}

export class EntryApp extends pulumi.ComponentResource {
    /** Public URL; each app's admin UI is at `<url>/apps/<id>/admin/`. */
    readonly url: string;
    /** Where `pulumi up` reaches the API. */
    readonly apiUrl: string;
    readonly workload: Workload;

    constructor(name: string, args: EntryAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("nocobase-platform:index:EntryApp", name, {}, opts);
        const { config, postgres } = args;
        const database = new TenantDatabase(
            `${name}-db`,
            { storage: { mode: "database", database: ENTRY_DATABASE, role: ENTRY_DATABASE }, password: args.databasePassword, provider: postgres.provider },
            { parent: this },
        );
        const env = nocobaseEnv({
            config,
            role: { kind: "entry" },
            database: {
                host: postgres.host,
                port: postgres.port,
                database: ENTRY_DATABASE,
                user: ENTRY_DATABASE,
                password: args.databasePassword,
                sslMode: postgres.sslMode,
            },
            secrets: args.secrets,
            redisUrl: args.redisUrl,
        });
        this.workload = createWorkload(
            `${name}-workload`,
            {
                runtime: args.runtime,
                hostName: `${args.namePrefix}-entry`,
                image: imageRef(config.image, config.nocobaseVersion),
                env,
                replicas: config.entry.replicas,
                domains: args.domains,
                publishPort: args.runtime.type === "docker" ? config.entry.port : undefined,
                httpPort: NOCOBASE_HTTP_PORT,
                healthPath: HEALTH_CHECK_PATH,
                storagePath: STORAGE_PATH,
            },
            { parent: this, dependsOn: [database] },
        );
        this.url = config.entry.url;
        this.apiUrl = config.entry.apiUrl;
        this.registerOutputs({ url: this.url });
    }
}
