/** The local test server's admin role (overridable the way libpq is), and psql as that role. */
import { execFileSync } from "node:child_process";
import type { PgLogin, PgTarget } from "../../components/lifecycle/pgTools";

export interface AdminConnection {
    host: string;
    port: number;
    user: string;
}

export function localAdmin(): AdminConnection {
    return {
        host: process.env.PGHOST ?? "127.0.0.1",
        port: Number(process.env.PGPORT ?? 5432),
        user: process.env.PGUSER ?? "postgres",
    };
}

/** A login psql connects with; no password for a server that trusts loopback. */
export interface PsqlLogin extends AdminConnection {
    password?: string;
}

/**
 * Runs one statement in `database` as `login`; returns its rows as psql prints them unaligned
 * (columns split by `|`), trimmed. Every suite and the benchmark talk to PostgreSQL through this.
 */
export function psql(login: PsqlLogin, database: string, statement: string): string {
    return execFileSync(
        "psql",
        [
            "-h",
            login.host,
            "-p",
            String(login.port),
            "-U",
            login.user,
            "-d",
            database,
            "-X",
            "-q",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            statement,
        ],
        {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
            // NOTICEs such as "does not exist, skipping" are not the caller's output.
            env: {
                ...process.env,
                PGOPTIONS: "-c client_min_messages=warning",
                ...(login.password !== undefined ? { PGPASSWORD: login.password } : {}),
            },
        },
    ).trim();
}

/** Runs one statement as the local server's admin in `database`. */
export function adminSql(database: string, statement: string): string {
    return psql(localAdmin(), database, statement);
}

/** The local admin as the providers' pgTools take a login: trust on loopback, no TLS. */
export function localAdminLogin(): PgLogin {
    return { ...localAdmin(), password: "", sslMode: "disable" };
}

/** A tenant's own login on the local server, the way the program hands it to a provider. */
export function tenantLogin(user: string, database: string, schema?: string): PgTarget {
    return { ...localAdminLogin(), user, password: "pw", database, ...(schema ? { schema } : {}) };
}
