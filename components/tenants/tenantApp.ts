/**
 * One tenant: a NocoBase app with its own database or schema (or an external connection), its own
 * JWT secret unless it shares the entry app's sessions, and its registration with the entry app,
 * which reconciles its record and running state on every `pulumi up`. A decommissioned app has no
 * registration: it is unregistered, dumped, and dropped only when it says `dropData: true`.
 *
 * Identity is the app id alone: display name, domain, environment, start mode and state are
 * updates of the registration and never touch the database.
 */
import * as pulumi from "@pulumi/pulumi";
import { NocoBaseApp } from "../lifecycle/appRegistration";
import type { AppConfig, PlatformConfig } from "../config/types";
import { AppDecommission, BackupRecord } from "../lifecycle/appDecommission";
import type { EntryApp } from "../nocobase/entryApp";
import type { PlatformSecrets } from "../platform/secrets";
import type { PostgresServer } from "../data/postgresServer";
import { TenantDatabase } from "../data/tenantDatabase";
import { TenantRestore } from "../lifecycle/tenantRestore";
import type { PgLogin } from "../lifecycle/pgTools";
import type { Credentials } from "../supervisor";
import { TYPES } from "../core/typeTokens";

export interface TenantAppArgs {
    app: AppConfig;
    config: PlatformConfig;
    entry: EntryApp;
    postgres: PostgresServer;
    secrets: PlatformSecrets;
    /** Schema mode: group role that may connect to the tenants database. */
    tenantsGroupRole?: pulumi.Input<string>;
    /** Schema mode: the tenants database must exist before a schema is created in it. */
    tenantsDatabase?: pulumi.Resource;
    /** Where decommissioned apps are dumped; validation guarantees it for them. */
    backupLocation?: string;
    /**
     * How registrations authenticate (secret): the root login of an entry app this stack runs, the
     * API key of an adopted one. The same for every app, so the platform builds it once: per app it
     * cost two Outputs for one value.
     */
    adminCredentials: pulumi.Output<Credentials>;
}

/** How the app's own role reaches its data (as NocoBase sees the server); `password` is secret. */
export interface TenantAccess {
    mode: AppConfig["database"]["mode"];
    host: string;
    port: number;
    database: string;
    schema?: string;
    user: string;
    password: pulumi.Output<string>;
}

export class TenantApp extends pulumi.ComponentResource {
    /** NocoBase's own word on the app (running, stopped, error, ...); undefined once decommissioned. */
    readonly observedStatus: pulumi.Output<string | undefined>;
    /** The dump of a decommissioned app; undefined for the others (no Output per live app). */
    readonly backup?: pulumi.Output<BackupRecord>;
    readonly access: TenantAccess;

    constructor(name: string, args: TenantAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TYPES.tenantApp, name, {}, opts);
        const { app, postgres, secrets } = args;
        const db = app.database;
        const decommissioned = app.state === "decommissioned";
        const storage: pulumi.Resource[] = [];
        if (db.mode === "connection") {
            this.access = {
                mode: db.mode,
                host: db.host,
                port: db.port,
                database: db.database,
                schema: db.schema,
                user: db.user,
                password: pulumi.secret(db.password.reveal()),
            };
        } else {
            const password = secrets.derive(`db:${app.id}`);
            // Once dropData is asked for, the storage leaves the program; the decommission drops it.
            if (!(decommissioned && app.dropData)) {
                const tenantDb = new TenantDatabase(
                    `${name}-db`,
                    {
                        storage: db,
                        password,
                        provider: postgres.provider,
                        tenantsGroupRole: args.tenantsGroupRole,
                        protect: !decommissioned,
                    },
                    {
                        parent: this,
                        dependsOn: [
                            ...(args.tenantsDatabase ? [args.tenantsDatabase] : []),
                            // On an adopted entry app, nothing is made before its version is checked.
                            // The engine already checks in registration order and stops at a failing
                            // check; this keeps it so when the program's order changes.
                            ...(args.config.entry.external ? [args.entry.ready] : []),
                        ],
                    },
                );
                storage.push(tenantDb.storage);
            }
            this.access = {
                mode: db.mode,
                host: postgres.host,
                port: postgres.port,
                database: db.database,
                schema: db.mode === "schema" ? db.schema : undefined,
                user: db.role,
                password,
            };
        }

        // New storage is filled from the dump before NocoBase is told about the app.
        if (app.restoreFrom && db.mode !== "connection" && !decommissioned) {
            storage.push(
                new TenantRestore(
                    `${name}-restore`,
                    { appId: app.id, file: app.restoreFrom, target: this.ownerLogin(postgres) },
                    { parent: this, dependsOn: [...storage] },
                ),
            );
        }

        if (decommissioned) {
            const record = this.decommission(name, args, storage);
            this.observedStatus = pulumi.output(undefined);
            this.backup = pulumi
                .all([record.backupFile, record.backupBytes, record.backupSha256, record.backupAt, record.dropped])
                .apply(([file, bytes, sha256, at, dropped]) => ({ file, bytes, sha256, at, dropped }));
        } else {
            this.observedStatus = this.register(name, args, storage);
        }
        this.registerOutputs({ observedStatus: this.observedStatus, backup: this.backup });
    }

    private register(name: string, args: TenantAppArgs, storage: pulumi.Resource[]): pulumi.Output<string | undefined> {
        const { app, secrets } = args;
        const access = this.access;
        const registration = new NocoBaseApp(
            `${name}-registration`,
            {
                entryUrl: args.entry.apiUrl,
                adapter: args.config.supervisor,
                credentials: args.adminCredentials,
                appId: app.id,
                displayName: app.displayName,
                cname: app.domain,
                environment: app.environment,
                startMode: app.startMode,
                state: app.state === "stopped" ? "stopped" : "running",
                jwtSecret: app.jwtSecret === "independent" ? secrets.derive(`jwt:${app.id}`) : undefined,
                ...(app.acknowledgeSharedSessions ? { sharedSessionsAcknowledged: true } : {}),
                database: {
                    host: access.host,
                    port: access.port,
                    username: access.user,
                    password: access.password,
                    database: access.database,
                    ...(access.schema ? { schema: access.schema } : {}),
                },
                upgrade: app.upgrade,
            },
            // NocoBase must find the database in place when it registers the app.
            { parent: this, dependsOn: [args.entry.ready, ...storage] },
        );
        return registration.observedStatus;
    }

    /**
     * The app's own login to its data, from where `pulumi up` runs (pg_dump, pg_restore): stack-owned
     * data is reached at the admin address, an external connection at its own.
     */
    private ownerLogin(postgres: PostgresServer): pulumi.Output<PgLogin & { database: string; schema?: string }> {
        const access = this.access;
        const owned = access.mode !== "connection";
        return pulumi.all([access.password, postgres.adminLogin]).apply(([password, admin]) => ({
            host: owned ? admin.host : access.host,
            port: owned ? admin.port : access.port,
            user: access.user,
            password,
            sslMode: owned ? admin.sslMode : "prefer",
            database: access.database,
            ...(access.schema ? { schema: access.schema } : {}),
        }));
    }

    private decommission(name: string, args: TenantAppArgs, storage: pulumi.Resource[]): AppDecommission {
        const { app, postgres } = args;
        const access = this.access;
        const owned = app.database.mode !== "connection";
        return new AppDecommission(
            `${name}-decommission`,
            {
                appId: app.id,
                stack: pulumi.getStack(),
                location: args.backupLocation!,
                tenant: this.ownerLogin(postgres),
                admin: owned ? postgres.adminLogin : undefined,
                role: owned ? access.user : undefined,
                dropData: app.dropData,
            },
            // The app is unregistered (its registration leaves the program) before its data is touched.
            { parent: this, dependsOn: storage },
        );
    }
}
