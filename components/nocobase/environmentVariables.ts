/**
 * The environment variables of a NocoBase process, as NocoBase 2.2.15 reads them: the core ones,
 * then the multi-app ones of its role (shared-memory entry, supervisor, or worker). Secret values
 * are kept apart so that they reach a container only through a secret.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig, SslMode } from "../config/types";
import { NOCOBASE_APP_PORT, SUPERVISOR_PLUGINS } from "../core/nocobase";

export interface EnvVars {
    plain: Record<string, string>;
    secret: Record<string, pulumi.Input<string>>;
}

/** A PostgreSQL connection as a NocoBase process sees it (from inside its runtime). */
export interface DatabaseConnection {
    host: string;
    port: number;
    database: string;
    user: string;
    password: pulumi.Input<string>;
    schema?: string;
    sslMode?: SslMode;
}

/** Secrets every NocoBase process of the platform shares. */
export interface SharedSecrets {
    appKey: pulumi.Input<string>;
    adminPassword: pulumi.Input<string>;
    /** 64 hex characters: per-app AES keys and the supervisor's database-password encryption. */
    aesKey: pulumi.Input<string>;
}

export type NocobaseRole = { kind: "entry" } | { kind: "worker"; environment: string; url: string; proxyUrl: string };

export interface NocoBaseVariablesArgs {
    config: PlatformConfig;
    role: NocobaseRole;
    database: DatabaseConnection;
    secrets: SharedSecrets;
    /** Multi-environment mode: the supervisor's cache and command channel. */
    redisUrl?: pulumi.Input<string>;
}

export function nocobaseVariables(args: NocoBaseVariablesArgs): EnvVars {
    const { config, role, database: db, secrets } = args;
    const plain: Record<string, string> = {
        APP_ENV: "production",
        APP_PORT: String(NOCOBASE_APP_PORT),
        TZ: "UTC",
        DB_DIALECT: "postgres",
        DB_HOST: db.host,
        DB_PORT: String(db.port),
        DB_DATABASE: db.database,
        DB_USER: db.user,
        INIT_ROOT_EMAIL: config.adminEmail,
        INIT_ROOT_USERNAME: "nocobase",
        APPEND_PRESET_BUILT_IN_PLUGINS: SUPERVISOR_PLUGINS[config.supervisor],
    };
    if (db.schema) plain.DB_SCHEMA = db.schema;
    if (db.sslMode && db.sslMode !== "disable") plain.DB_DIALECT_OPTIONS_SSL_MODE = db.sslMode;
    const secret: Record<string, pulumi.Input<string>> = {
        APP_KEY: secrets.appKey,
        DB_PASSWORD: db.password,
        INIT_ROOT_PASSWORD: secrets.adminPassword,
        // Identical on every node, as NocoBase's cluster guide asks, so encrypted fields stay readable.
        APP_AES_SECRET_KEY: secrets.aesKey,
    };

    if (config.mode === "shared-memory") {
        if (config.supervisor === "app-supervisor")
            Object.assign(plain, { APP_DISCOVERY_ADAPTER: "local", APP_PROCESS_ADAPTER: "local" });
        return { plain, secret };
    }
    if (args.redisUrl === undefined)
        throw new Error("multi-environment mode needs a Redis URL (validation guarantees one)");
    Object.assign(secret, {
        APP_SUPERVISOR_REDIS_URL: args.redisUrl,
        APP_COMMAND_REDIS_URL: args.redisUrl,
        APP_SUPERVISOR_AES_SECRET_KEY: secrets.aesKey,
    });
    if (role.kind === "entry") {
        Object.assign(plain, {
            APP_MODE: "supervisor",
            APP_DISCOVERY_ADAPTER: "remote",
            APP_PROCESS_ADAPTER: "remote",
            APP_COMMAND_ADAPTER: "redis",
        });
    } else {
        Object.assign(plain, {
            APP_MODE: "worker",
            APP_DISCOVERY_ADAPTER: "remote",
            APP_PROCESS_ADAPTER: "local",
            APP_COMMAND_ADAPTER: "redis",
            ENVIRONMENT_NAME: role.environment,
            ENVIRONMENT_URL: role.url,
            ENVIRONMENT_PROXY_URL: role.proxyUrl,
        });
    }
    return { plain, secret };
}

/** Every variable in one map; secret values make the resulting Output secret. */
export function allEnv(env: EnvVars): pulumi.Output<Record<string, string>> {
    return pulumi.all(env.secret).apply((secret) => ({ ...env.plain, ...secret }));
}
