/**
 * What the entry app and every worker have in common: a NocoBase process with a database of its own
 * (named and owned like a tenant's), its environment variables, and the workload that runs it.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/types";
import { imageRef } from "../platform/naming";
import { HEALTH_CHECK_PATH, NOCOBASE_HTTP_PORT, STORAGE_PATH } from "../core/nocobase";
import { NocobaseRole, SharedSecrets, nocobaseVariables } from "./environmentVariables";
import type { PostgresServer } from "../data/postgresServer";
import type { RuntimeTarget } from "../runtimes/runtime";
import { TenantDatabase } from "../data/tenantDatabase";
import { Workload, createWorkload } from "../runtimes/workload";

/** The arguments the entry app and the environments share. */
export interface NocoBaseInstanceArgs {
    config: PlatformConfig;
    runtime: RuntimeTarget;
    postgres: PostgresServer;
    secrets: SharedSecrets;
    /** The instance's database password. */
    databasePassword: pulumi.Input<string>;
    /** Multi-environment mode only. */
    redisUrl?: pulumi.Input<string>;
    namePrefix: string;
    /** The backup every version change takes before a workload changes (UpgradeBackup). */
    upgradeBackup?: pulumi.Resource;
}

export interface NocoBaseInstanceSpec {
    /** Database name, which is also its owner role's. */
    database: string;
    role: NocobaseRole;
    /** Container name, or Deployment and Service name. */
    hostName: string;
    replicas: number;
    /** Public host names routed to the instance. */
    domains: string[];
    /** Docker only: host port that publishes the instance. */
    publishPort?: number;
}

/** Creates `<name>-db` and `<name>-workload` under `parent`. */
export function createNocoBaseInstance(
    parent: pulumi.ComponentResource,
    name: string,
    args: NocoBaseInstanceArgs,
    spec: NocoBaseInstanceSpec,
): Workload {
    const { config, postgres } = args;
    const database = new TenantDatabase(
        `${name}-db`,
        {
            storage: { mode: "database", database: spec.database, role: spec.database },
            password: args.databasePassword,
            provider: postgres.provider,
        },
        { parent },
    );
    return createWorkload(
        `${name}-workload`,
        {
            runtime: args.runtime,
            hostName: spec.hostName,
            image: imageRef(config.image, config.nocobaseVersion),
            env: nocobaseVariables({
                config,
                role: spec.role,
                database: {
                    host: postgres.host,
                    port: postgres.port,
                    database: spec.database,
                    user: spec.database,
                    password: args.databasePassword,
                    sslMode: postgres.sslMode,
                },
                secrets: args.secrets,
                redisUrl: args.redisUrl,
            }),
            replicas: spec.replicas,
            domains: spec.domains,
            publishPort: spec.publishPort,
            httpPort: NOCOBASE_HTTP_PORT,
            healthPath: HEALTH_CHECK_PATH,
            storagePath: STORAGE_PATH,
            after: [database.storage, ...(args.upgradeBackup ? [args.upgradeBackup] : [])],
        },
        { parent },
    );
}
