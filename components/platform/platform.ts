/**
 * The whole platform from one validated configuration: runtimes, PostgreSQL (and Redis in
 * multi-environment mode), the entry app, the runtime environments, and every tenant app.
 *
 * Logical names come from stable keys only (runtime, environment and app names), so adding a tenant
 * only adds resources, and an app that moves between environments keeps its database: apps are
 * children of the platform, not of their environment.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/types";
import { EntryApp } from "../nocobase/entryApp";
import { environmentDatabase, namePrefix as stackNamePrefix } from "./naming";
import { ENTRY_DATABASE } from "../core/identifiers";
import { PlatformSecrets } from "./secrets";
import { PostgresServer } from "../data/postgresServer";
import { RedisServer } from "../data/redisServer";
import { DockerTarget, Runtime, RuntimeTarget } from "../runtimes/runtime";
import { RuntimeEnvironment } from "../nocobase/worker";
import { SharedTenantsDatabase } from "../data/sharedTenantsDatabase";
import { PlatformStatus, buildStatus, notUpgradedApps } from "./status";
import { TenantAccess, TenantApp } from "../tenants/tenantApp";
import { TYPES } from "../core/typeTokens";
import { UpgradeBackup } from "../lifecycle/upgradeBackup";
import { upgradeBackupTargets } from "./backupTargets";
import type { Credentials } from "../supervisor";

export interface NocoBasePlatformArgs {
    /** A configuration that passed `validateStackConfig`. */
    config: PlatformConfig;
    /**
     * Prefix of names on shared hosts (containers, networks, Kubernetes objects), so that several
     * stacks can share a Docker engine. Default `nocobase-<stack>`.
     */
    namePrefix?: string;
}

/** Connection details of every database of the platform, for `verify` and operators. Secret. */
export interface DatabaseAccess {
    /** The server as `pulumi up` reaches it. */
    server: { host: string; port: number; sslMode: string };
    /** Null when the entry app is adopted: its database is its owners', not the platform's. */
    entry: { database: string; user: string } | null;
    environments: Record<string, { database: string; user: string }>;
    tenants: Record<string, Omit<TenantAccess, "password"> & { password: string }>;
}

export class NocoBasePlatform extends pulumi.ComponentResource {
    readonly entryUrl: string;
    /** Aggregated status: what the configuration wants and what NocoBase reports. No secret in it. */
    readonly status: pulumi.Output<PlatformStatus>;
    readonly databases: pulumi.Output<DatabaseAccess>;

    constructor(name: string, args: NocoBasePlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TYPES.platform, name, {}, opts);
        const config = args.config;
        const namePrefix = args.namePrefix ?? stackNamePrefix(pulumi.getStack());

        // Only runtimes that something runs on get a provider; an unused one costs nothing.
        const used = new Set([config.entry.runtime, ...config.environments.map((e) => e.runtime)]);
        if (config.postgres.kind === "container") used.add(config.postgres.runtime);
        if (config.redis?.kind === "container") used.add(config.redis.runtime);
        // An adopted entry app (and `local`, its process) runs on no runtime of this stack.
        used.delete(undefined);
        const runtimes = new Map<string, RuntimeTarget>();
        for (const runtimeName of used as Set<string>) {
            runtimes.set(
                runtimeName,
                new Runtime(
                    `${name}-runtime-${runtimeName}`,
                    { config: config.runtimes[runtimeName], namePrefix },
                    { parent: this },
                ).target,
            );
        }
        const target = (runtimeName: string | undefined) =>
            runtimeName === undefined ? undefined : runtimes.get(runtimeName)!;
        const dockerTarget = (runtimeName: string) => target(runtimeName) as DockerTarget;

        const external = config.entry.external;
        const workers = config.environments.some((e) => !e.sharesEntryProcess);
        const secrets = new PlatformSecrets(
            `${name}-secrets`,
            { runsNocobase: !external || workers },
            { parent: this },
        );
        const shared = secrets.instance && { ...secrets.instance, aesKey: secrets.aesKey };
        const postgres = new PostgresServer(
            `${name}-postgres`,
            config.postgres.kind === "container"
                ? { config: config.postgres, runtime: dockerTarget(config.postgres.runtime), namePrefix }
                : { config: config.postgres, namePrefix },
            { parent: this },
        );
        const redisUrl = config.redis
            ? new RedisServer(
                  `${name}-redis`,
                  config.redis.kind === "container"
                      ? { config: config.redis, runtime: dockerTarget(config.redis.runtime), namePrefix }
                      : { config: config.redis, namePrefix },
                  { parent: this },
              ).url
            : undefined;

        // Before any workload: a new NocoBase version reaches one only after every database is dumped.
        const upgradeBackup = new UpgradeBackup(
            `${name}-upgrade-backup`,
            {
                stack: pulumi.getStack(),
                nocobaseVersion: config.nocobaseVersion,
                location: config.backups?.location,
                databases: upgradeBackupTargets(config, (purpose) => secrets.derive(purpose), postgres.adminLogin),
                admin: postgres.adminLogin,
                notUpgraded: notUpgradedApps(config),
            },
            { parent: this },
        );

        const entry = new EntryApp(
            `${name}-entry`,
            {
                config,
                runtime: target(config.entry.runtime),
                postgres,
                // An adopted entry app has its own secrets and database.
                secrets: external ? undefined : shared,
                databasePassword: external ? undefined : secrets.derive(`db:${ENTRY_DATABASE}`),
                redisUrl,
                upgradeBackup,
                // Custom domains resolve to the entry app, which routes them to their app (NocoBase cname).
                domains: [config.entry.domain, ...config.apps.map((a) => a.domain)].filter(
                    (d): d is string => d !== undefined,
                ),
                namePrefix,
            },
            { parent: this },
        );
        const environmentUrls: Record<string, string> = {};
        for (const environment of config.environments) {
            const env = new RuntimeEnvironment(
                `${name}-env-${environment.name}`,
                {
                    config,
                    environment,
                    runtime: target(environment.runtime),
                    entry,
                    postgres,
                    secrets: shared,
                    databasePassword: secrets.derive(`db:${environmentDatabase(environment.name)}`),
                    redisUrl,
                    namePrefix,
                    upgradeBackup,
                },
                { parent: this },
            );
            environmentUrls[environment.name] = env.url;
        }

        const tenants = config.apps.some((a) => a.database.mode === "schema")
            ? new SharedTenantsDatabase(
                  `${name}-tenants`,
                  { name: config.postgres.tenantsDatabase, provider: postgres.provider },
                  // On an adopted entry app, nothing is made before its version is checked.
                  { parent: this, dependsOn: external ? [entry.ready] : [] },
              )
            : undefined;
        // The adopted entry app is reached with its API key, the one this stack runs with its root account.
        const adminCredentials: pulumi.Output<Credentials> = external
            ? pulumi.secret({ apiKey: external.apiKey.reveal() })
            : pulumi.secret(
                  secrets.instance!.adminPassword.apply((password) => ({ account: config.adminEmail, password })),
              );
        const apps = config.apps.map(
            (app) =>
                new TenantApp(
                    `${name}-app-${app.id}`,
                    {
                        app,
                        config,
                        entry,
                        postgres,
                        secrets,
                        tenantsGroupRole: tenants?.groupRole.name,
                        tenantsDatabase: tenants?.database,
                        backupLocation: config.backups?.location,
                        adminCredentials,
                    },
                    { parent: this },
                ),
        );

        this.entryUrl = entry.url;
        const observed = pulumi.all(Object.fromEntries(apps.map((a, i) => [config.apps[i].id, a.observedStatus])));
        const backups = pulumi.all(Object.fromEntries(apps.map((a, i) => [config.apps[i].id, a.backup])));
        this.status = pulumi
            .all([observed, backups, upgradeBackup.lastUpgrade, entry.unmanagedApps])
            .apply(([seen, dumps, upgrade, unmanaged]) =>
                buildStatus(config, environmentUrls, seen, dumps, upgrade, unmanaged),
            );
        const passwords = pulumi.all(Object.fromEntries(apps.map((a, i) => [config.apps[i].id, a.access.password])));
        this.databases = pulumi.secret(
            pulumi.all([passwords, postgres.adminLogin]).apply(([passwords, admin]): DatabaseAccess => ({
                server: { host: admin.host, port: admin.port, sslMode: admin.sslMode },
                entry: external ? null : { database: ENTRY_DATABASE, user: ENTRY_DATABASE },
                environments: Object.fromEntries(
                    config.environments
                        .filter((e) => !e.sharesEntryProcess)
                        .map((e) => [
                            e.name,
                            { database: environmentDatabase(e.name), user: environmentDatabase(e.name) },
                        ]),
                ),
                tenants: Object.fromEntries(
                    apps.map((a, i) => [config.apps[i].id, { ...a.access, password: passwords[config.apps[i].id] }]),
                ),
            })),
        );
        this.registerOutputs({ entryUrl: this.entryUrl, status: this.status });
    }
}
