/**
 * The platform's configuration after validation: complete (defaults applied), consistent (every
 * reference resolved) and typed. Everything past `validate.ts` works on these types only.
 */
import type { Secret } from "../core/secret";

import type { AppState, JwtSecretMode, PlatformMode, StartMode, SslMode, Supervisor } from "../core/modes";

export type { AppState, JwtSecretMode, PlatformMode, StartMode, SslMode, Supervisor } from "../core/modes";

export interface DockerRuntime {
    name: string;
    type: "docker";
    /** Docker daemon address; undefined means the local engine. */
    host?: string;
}

export interface KubernetesRuntime {
    name: string;
    type: "kubernetes";
    context?: string;
    namespace: string;
    ingressClass: string;
    clusterIssuer?: string;
    storageClass?: string;
}

export type RuntimeConfig = DockerRuntime | KubernetesRuntime;

/** PostgreSQL in a container that this stack runs on a Docker runtime. */
export interface PostgresContainer {
    kind: "container";
    runtime: string;
    /** Host port through which `pulumi up` manages roles and databases. */
    port: number;
    /** Image with its tag. */
    image: string;
    tenantsDatabase: string;
}

export interface PostgresExternal {
    kind: "external";
    host: string;
    port: number;
    adminUser: string;
    adminPassword: Secret;
    sslMode: SslMode;
    tenantsDatabase: string;
}

export type PostgresConfig = PostgresContainer | PostgresExternal;

export type RedisConfig = { kind: "container"; runtime: string; image: string } | { kind: "external"; url: Secret };

/** A NocoBase that already runs elsewhere, adopted as the entry app. */
export interface ExternalEntry {
    /** Its base URL, as `pulumi up` reaches its API and as people reach it. */
    url: string;
    /** An API key of a root user (NocoBase's API keys plugin). */
    apiKey: Secret;
}

export interface EntryConfig {
    /**
     * Adopted instead of run: no workload, database or secrets are made for the entry app; `url` and
     * `apiUrl` are `external.url`, and `runtime`, `domain`, `replicas` and `port` mean nothing.
     */
    external?: ExternalEntry;
    /** Undefined exactly when `external` is set. */
    runtime?: string;
    domain?: string;
    replicas: number;
    /** Docker only: host port that publishes the entry app. */
    port: number;
    /** Public URL of the entry app; every app's admin URL hangs below it. */
    url: string;
    /** Where `pulumi up` reaches the entry app's API. */
    apiUrl: string;
}

export interface EnvironmentConfig {
    name: string;
    /** Undefined only for `local` on an adopted entry app: its process is not this stack's to place. */
    runtime?: string;
    replicas: number;
    /** ENVIRONMENT_URL; undefined means the worker's address inside its runtime. */
    url?: string;
    /** True for `local` in shared-memory mode: the entry app's own process hosts the apps. */
    sharesEntryProcess: boolean;
}

/** A database this stack creates, owned by a login role of the same app. */
export interface OwnedDatabase {
    mode: "database";
    database: string;
    role: string;
}

/** A schema this stack creates in the shared tenants database, owned by the app's login role. */
export interface OwnedSchema {
    mode: "schema";
    database: string;
    schema: string;
    role: string;
}

/** An existing database elsewhere; the stack creates nothing and only passes the connection on. */
export interface ExternalConnection {
    mode: "connection";
    host: string;
    port: number;
    user: string;
    password: Secret;
    database: string;
    schema?: string;
}

export type AppDatabase = OwnedDatabase | OwnedSchema | ExternalConnection;

export interface AppConfig {
    id: string;
    displayName: string;
    environment: string;
    database: AppDatabase;
    startMode: StartMode;
    state: AppState;
    jwtSecret: JwtSecretMode;
    /** jwtSecret shared only: said explicitly, so that a production policy can let it pass. */
    acknowledgeSharedSessions: boolean;
    domain?: string;
    upgrade: boolean;
    /** Decommissioned apps only: drop the database or schema and role once the dump exists. */
    dropData: boolean;
    /**
     * A `pg_dump -Fc` file (an absolute path) that the app's storage is restored from when it is
     * created, before the app is registered. Stack-created storage only (database or schema mode).
     */
    restoreFrom?: string;
}

export interface BackupsConfig {
    /** Directory on the machine that runs `pulumi up`. */
    location: string;
}

export interface PlatformConfig {
    mode: PlatformMode;
    nocobaseVersion: string;
    /** Image repository; the tag is always `nocobaseVersion`. */
    image: string;
    supervisor: Supervisor;
    adminEmail: string;
    runtimes: Record<string, RuntimeConfig>;
    postgres: PostgresConfig;
    redis?: RedisConfig;
    entry: EntryConfig;
    backups?: BackupsConfig;
    /** In shared-memory mode, the single `local` environment. */
    environments: EnvironmentConfig[];
    apps: AppConfig[];
}
