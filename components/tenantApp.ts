/**
 * One tenant: a NocoBase app with its own database or schema (or an external connection), its own
 * JWT secret unless it shares the entry app's sessions, and its registration with the entry app,
 * which reconciles its record and running state on every `pulumi up`.
 *
 * Identity is the app id alone: display name, domain, environment, start mode and state are
 * updates of the registration and never touch the database.
 */
import * as pulumi from "@pulumi/pulumi";
import { NocoBaseApp } from "./appProvider";
import type { AppConfig, PlatformConfig } from "./config";
import type { EntryApp } from "./entryApp";
import type { PlatformSecrets } from "./platformSecrets";
import type { PostgresServer } from "./postgresServer";
import { TenantDatabase } from "./tenantDatabase";

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
}

/** How the app's own role reaches its data; `password` is secret. */
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
    /** NocoBase's own word on the app (running, stopped, error, ...), read on every update and refresh. */
    readonly observedStatus: pulumi.Output<string | undefined>;
    readonly access: TenantAccess;

    constructor(name: string, args: TenantAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("nocobase-platform:index:TenantApp", name, {}, opts);
        const { app, postgres, secrets } = args;
        const db = app.database;
        const storage: pulumi.Resource[] = [];
        if (db.mode === "connection") {
            this.access = { mode: db.mode, host: db.host, port: db.port, database: db.database, schema: db.schema, user: db.user, password: pulumi.secret(db.password.reveal()) };
        } else {
            const password = secrets.derive(`db:${app.id}`);
            const database = new TenantDatabase(
                `${name}-db`,
                { storage: db, password, provider: postgres.provider, tenantsGroupRole: args.tenantsGroupRole },
                { parent: this, dependsOn: args.tenantsDatabase ? [args.tenantsDatabase] : [] },
            );
            storage.push(database);
            this.access = { mode: db.mode, host: postgres.host, port: postgres.port, database: db.database, schema: db.mode === "schema" ? db.schema : undefined, user: db.role, password };
        }
        const registration = new NocoBaseApp(
            `${name}-registration`,
            {
                entryUrl: args.entry.apiUrl,
                adapter: args.config.supervisor,
                credentials: pulumi.secret(secrets.adminPassword.apply((password) => ({ account: args.config.adminEmail, password }))),
                appId: app.id,
                displayName: app.displayName,
                cname: app.domain,
                environment: app.environment,
                startMode: app.startMode,
                state: app.state,
                jwtSecret: app.jwtSecret === "independent" ? secrets.derive(`jwt:${app.id}`) : undefined,
                database: pulumi.secret(
                    this.access.password.apply((password) => ({
                        host: this.access.host,
                        port: this.access.port,
                        username: this.access.user,
                        password,
                        database: this.access.database,
                        ...(this.access.schema ? { schema: this.access.schema } : {}),
                    })),
                ),
                upgrade: app.upgrade,
            },
            // NocoBase must find the database in place when it registers the app.
            { parent: this, dependsOn: [args.entry, ...storage] },
        );
        this.observedStatus = registration.observedStatus;
        this.registerOutputs({ observedStatus: this.observedStatus });
    }
}
