/**
 * The stack the engine benchmark deploys: shared-memory mode, the entry app in a container on a
 * Docker runtime (the locally built image), PostgreSQL external (the machine's own server, reached
 * through the counting forwarder), and N tenants in the benchmark's prod-like mix of database,
 * schema and connection apps. Nearly all of them are stopped, so that NocoBase registers them
 * without installing them: a handful run, so that the figures include the apps NocoBase serves.
 *
 * Every name the stack creates starts with the benchmark's prefix (`nocobase_bench_`, containers
 * `nocobase-bench-`), except the two names the platform fixes: the entry app's database and role
 * (`nocobase_main`) and the group role of schema-mode tenants (`nocobase_tenants_members`); the
 * benchmark refuses to start when either exists already.
 */
import { ENTRY_DATABASE, TENANTS_GROUP_ROLE } from "../../components/core/identifiers";
import { configEnvironmentBytes } from "../../components/core/engine";

export const PG_PREFIX = "nocobase_bench_";
export const TENANTS_DATABASE = `${PG_PREFIX}tenants`;
/** Stack name: the platform names its containers, network and volumes `nocobase-<stack>-...`. */
export const STACK = "bench";
export const DOCKER_PREFIX = `nocobase-${STACK}`;
/** Names outside the prefix that the stack creates on the server. */
export const FIXED_NAMES = { database: ENTRY_DATABASE, roles: [ENTRY_DATABASE, TENANTS_GROUP_ROLE] };

export interface BenchTargets {
    dockerHost: string;
    nocobaseImage: string;
    /** Where PostgreSQL is reached, by the engine and by NocoBase in its container. */
    pg: { host: string; port: number };
    entryPort: number;
    /** The counting proxy in front of the entry app: what registrations call. */
    apiUrl: string;
    /** A `secure:` value of this stack (any password: the server trusts loopback). */
    secure: string;
}

type Mode = "database" | "schema" | "connection";

/**
 * The app id. `compact` ids (`t0000`) are for stacks whose configuration would not reach the program
 * otherwise (see `configBytes`); the cluster is the benchmark's own, so they clash with nothing.
 */
export function appId(i: number, compact = false): string {
    return `${compact ? "t" : PG_PREFIX}${String(i).padStart(4, "0")}`;
}

/** What the generated config takes in the program's environment (see core/engine.ts). */
export function configBytes(config: Record<string, unknown>, namespace: string): number {
    return configEnvironmentBytes(
        Object.fromEntries(Object.entries(config).map(([k, v]) => [`${namespace}:${k}`, JSON.stringify(v)])),
    );
}

/** Half own a database, 30% a schema, 20% connect elsewhere, as in bench/stackConfig.ts. */
function mode(i: number): Mode {
    return i % 10 < 5 ? "database" : i % 10 < 8 ? "schema" : "connection";
}

/** Two in every 500 run (one database, one schema app); the rest are stopped. */
export function running(i: number): boolean {
    return i % 500 === 0 || i % 500 === 5;
}

/**
 * A connection-mode app's existing database "elsewhere": on the same server (NocoBase connects to
 * it when the app is registered, so it must answer), under a login role the benchmark creates
 * (`connectionRoles`); the platform creates nothing for it.
 */
export function connectionUser(i: number, compact = false): string {
    return `${appId(i, compact)}_app`;
}

/** The login roles of the connection-mode apps among the first `count`. */
export function connectionRoles(count: number, compact = false): string[] {
    return Array.from({ length: count }, (_, i) => i)
        .filter((i) => mode(i) === "connection")
        .map((i) => connectionUser(i, compact));
}

/** `compact`: short ids and display names, no custom domains: about 40 bytes less per tenant. */
function app(i: number, t: BenchTargets, compact: boolean, base: number): Record<string, unknown> {
    const id = appId(i, compact);
    const entry: Record<string, unknown> = { id, displayName: compact ? `T${i}` : `Tenant ${i}` };
    const m = mode(i);
    entry.database =
        m === "connection"
            ? {
                  mode: m,
                  host: t.pg.host,
                  port: t.pg.port,
                  user: connectionUser(i, compact),
                  database: id,
                  password: { secure: t.secure },
              }
            : { mode: m };
    if (i % 3 === 0 && !compact) entry.domain = `t${i}.apps.example.com`;
    if (i % 7 === 0) entry.jwtSecret = "shared";
    // Tenants added to a stack of `base` are stopped: one registration, one NocoBase write.
    if (running(i) && i < base) {
        if (i % 11 === 0) entry.startMode = "with-main";
    } else {
        entry.state = "stopped";
    }
    return entry;
}

/** Config values, keys without the project prefix. */
export function benchConfig(count: number, t: BenchTargets, compact = false, base = count): Record<string, unknown> {
    return {
        platform: { mode: "shared-memory", nocobaseVersion: "2.2.15", image: t.nocobaseImage },
        runtimes: { local: { type: "docker", host: t.dockerHost } },
        postgres: {
            host: t.pg.host,
            port: t.pg.port,
            adminUser: "postgres",
            adminPassword: { secure: t.secure },
            sslMode: "disable",
            tenantsDatabase: TENANTS_DATABASE,
        },
        entry: { runtime: "local", port: t.entryPort, apiUrl: t.apiUrl },
        apps: Array.from({ length: count }, (_, i) => app(i, t, compact, base)),
    };
}
